#!/usr/bin/env python3
"""Pseudo-terminal host for simgate's modem simulator.

One process serves every simulated modem's pseudo-terminal, so 256 simulated modems
cost one helper process, not 256 socat processes. Node talks to it over stdin/stdout
with binary frames:

    type (1 byte ASCII) | channel (uint16 BE) | length (uint32 BE) | payload

Node -> host:  'O' open a pty and symlink it at payload (utf-8 path, may be empty)
               'D' bytes the modem sends to the host program (written to the master)
               'C' close the pty (the "unplug" fault): the client sees a hangup
Host -> node:  'o' opened, payload = slave path (/dev/pts/N)
               'd' bytes the host program wrote into the slave
               'c' closed
               'e' error for that channel, payload = message

The host keeps its own descriptor on the slave side open. Without it the master
reads EIO whenever no program has the port open (between two `simgate probe`
runs, say) and the port would look unplugged. When stdin closes (the Node process
exited or died) every pty is closed and every symlink removed.
"""
import os
import select
import struct
import sys
import termios
import tty
import pty
import errno
import fcntl
import resource

HEADER = struct.Struct(">cHI")
MAX_CHUNK = 4096


class Channel:
    def __init__(self, cid, master, slave, slave_path, link):
        self.cid = cid
        self.master = master
        self.slave = slave
        self.slave_path = slave_path
        self.link = link
        self.pending = bytearray()


def send(out, kind, cid, payload=b""):
    out.write(HEADER.pack(kind, cid, len(payload)) + payload)


def open_channel(cid, link):
    master, slave = pty.openpty()
    tty.setraw(slave, termios.TCSANOW)
    attrs = termios.tcgetattr(slave)
    attrs[3] &= ~termios.ECHO  # lflag: the simulated modem does its own echo (ATE1)
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    flags = fcntl.fcntl(master, fcntl.F_GETFL)
    fcntl.fcntl(master, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    slave_path = os.ttyname(slave)
    # Group/other read-write like a dialout tty, so an unprivileged client can open it.
    try:
        os.chmod(slave_path, 0o666)
    except OSError:
        pass
    if link:
        try:
            os.unlink(link)
        except FileNotFoundError:
            pass
        os.symlink(slave_path, link)
    return Channel(cid, master, slave, slave_path, link)


def close_channel(ch):
    for fd in (ch.master, ch.slave):
        try:
            os.close(fd)
        except OSError:
            pass
    if ch.link:
        try:
            if os.path.islink(ch.link) and os.readlink(ch.link) == ch.slave_path:
                os.unlink(ch.link)
        except OSError:
            pass


def raise_fd_limit():
    # Two descriptors per pty (master + the slave we hold): a 256-modem pool needs > 512.
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or hard > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))
    except (ValueError, OSError):
        pass


def main():
    raise_fd_limit()
    stdin = sys.stdin.buffer.raw
    out = sys.stdout.buffer
    os.set_blocking(stdin.fileno(), False)
    channels = {}
    inbuf = bytearray()
    running = True
    while running:
        # poll, not select: select() stops at FD_SETSIZE (1024 fds, ~500 ptys).
        poller = select.poll()
        poller.register(stdin.fileno(), select.POLLIN)
        for c in channels.values():
            poller.register(c.master, select.POLLIN | (select.POLLOUT if c.pending else 0))
        try:
            events = poller.poll(1000)
        except InterruptedError:
            continue
        r = [fd for fd, ev in events if ev & (select.POLLIN | select.POLLHUP | select.POLLERR)]
        w = [fd for fd, ev in events if ev & select.POLLOUT]
        by_fd = {c.master: c for c in channels.values()}
        for fd in w:
            ch = by_fd.get(fd)
            if ch is None:
                continue
            try:
                n = os.write(fd, ch.pending)
                del ch.pending[:n]
            except BlockingIOError:
                pass
            except OSError:
                ch.pending.clear()
        for fd in r:
            if fd == stdin.fileno():
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    running = False
                    break
                inbuf.extend(chunk)
                while len(inbuf) >= HEADER.size:
                    kind, cid, length = HEADER.unpack_from(inbuf)
                    if len(inbuf) < HEADER.size + length:
                        break
                    payload = bytes(inbuf[HEADER.size:HEADER.size + length])
                    del inbuf[:HEADER.size + length]
                    if kind == b"O":
                        try:
                            if cid in channels:
                                close_channel(channels.pop(cid))
                            ch = open_channel(cid, payload.decode("utf-8"))
                            channels[cid] = ch
                            send(out, b"o", cid, ch.slave_path.encode())
                        except OSError as e:
                            send(out, b"e", cid, str(e).encode())
                    elif kind == b"D":
                        ch = channels.get(cid)
                        if ch is not None:
                            ch.pending.extend(payload)
                    elif kind == b"C":
                        ch = channels.pop(cid, None)
                        if ch is not None:
                            close_channel(ch)
                        send(out, b"c", cid)
                continue
            ch = by_fd.get(fd)
            if ch is None or ch.cid not in channels:
                continue
            try:
                data = os.read(fd, MAX_CHUNK)
            except BlockingIOError:
                continue
            except OSError as e:
                if e.errno == errno.EIO:
                    continue
                raise
            if data:
                send(out, b"d", ch.cid, data)
        out.flush()
    for ch in channels.values():
        close_channel(ch)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
