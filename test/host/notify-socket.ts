/**
 * A fake $NOTIFY_SOCKET: python3 binds an AF_UNIX SOCK_DGRAM socket (what systemd does)
 * and prints every datagram as one JSON line. Like systemd it takes the fds a BARRIER=1
 * message carries and closes them, which is what releases systemd-notify's barrier wait.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const LISTENER = String.raw`
import array, json, os, socket, sys
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
print(json.dumps({"listening": addr}), flush=True)
while True:
    data, anc, flags, _ = s.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
    fds = array.array("i")
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    # Printed before the fds are closed: closing them releases systemd-notify, and a test
    # that awaits the sender may look for this line right after.
    print(json.dumps({"message": data.decode("utf-8", "replace"), "fds": len(fds)}), flush=True)
    for fd in fds:
        os.close(fd)
`;

export interface Datagram {
  message: string;
  fds: number;
}

export interface FakeNotifySocket {
  /** The NOTIFY_SOCKET value: a path, or `@name` for an abstract socket. */
  address: string;
  /** Every datagram so far, BARRIER=1 included. */
  received: Datagram[];
  /** The non-barrier messages, split into their fields. */
  messages(): string[][];
  /** Resolve once `predicate` holds for the messages (polls; rejects after timeoutMs). */
  waitFor(predicate: (messages: string[][]) => boolean, timeoutMs?: number): Promise<string[][]>;
  close(): Promise<void>;
}

export async function startFakeNotifySocket(options: { abstract?: boolean } = {}): Promise<FakeNotifySocket> {
  const dir = mkdtempSync(join(tmpdir(), "simgate-notify-"));
  const script = join(dir, "listener.py");
  writeFileSync(script, LISTENER);
  const address = options.abstract ? `@simgate-test-${process.pid}-${Date.now()}` : join(dir, "notify.sock");
  const child: ChildProcess = spawn("python3", ["-u", script, address], { stdio: ["ignore", "pipe", "pipe"] });
  const received: Datagram[] = [];
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`notify listener did not start: ${stderr}`)), 10_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`notify listener exited ${code}: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const parsed = JSON.parse(line) as { listening?: string } & Partial<Datagram>;
      if (parsed.listening) {
        clearTimeout(timer);
        resolve();
      } else if (parsed.message !== undefined) {
        received.push({ message: parsed.message, fds: parsed.fds ?? 0 });
      }
    });
  });

  const messages = () => received.filter((d) => d.message !== "BARRIER=1").map((d) => d.message.split("\n"));
  return {
    address,
    received,
    messages,
    waitFor: async (predicate, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(messages())) {
        if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(messages())}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return messages();
    },
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
