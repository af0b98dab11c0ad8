/**
 * The notifier against a real unix datagram socket and the real systemd-notify: what
 * systemd would receive. systemd-notify and python3 are required (CI installs systemd;
 * python3 is already a test prerequisite), so a missing one fails here instead of
 * skipping.
 */
import { spawn, spawnSync } from "node:child_process";
import { Writable } from "node:stream";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/logger.js";
import { sanitizeStatus, type NotifySpawn } from "../../src/host/notify-send.js";
import { systemdNotifier, watchdogTimeoutMs } from "../../src/host/sd-notify.js";
import { startFakeNotifySocket, type FakeNotifySocket } from "./notify-socket.js";

function captureLogger() {
  const lines: { level: number; msg: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split("\n")) if (l.trim()) lines.push(JSON.parse(l) as { level: number; msg: string });
      done();
    },
  });
  return { logger: createLogger({ level: "debug", destination }), lines, at: (level: number) => lines.filter((l) => l.level === level) };
}
const WARN = 40;
const INFO = 30;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until no datagram arrived for quietMs: a sender already running has landed. */
async function settle(socket: FakeNotifySocket, quietMs = 1000): Promise<number> {
  for (let count = -1; ; ) {
    const now = socket.received.length;
    if (now === count) return socket.messages().length;
    count = now;
    await sleep(quietMs);
  }
}

beforeAll(() => {
  for (const tool of ["systemd-notify", "python3"]) {
    const probe = spawnSync(tool, ["--version"], { encoding: "utf8" });
    if (probe.error) throw new Error(`${tool} is required by these tests (apt-get install systemd python3): ${probe.error.message}`);
  }
});

let socket: FakeNotifySocket | undefined;
afterEach(async () => {
  await socket?.close();
  socket = undefined;
});

describe("systemdNotifier without NOTIFY_SOCKET", () => {
  it("is disabled and never spawns anything", async () => {
    const spawn: NotifySpawn = () => {
      throw new Error("must not spawn");
    };
    const n = systemdNotifier({ WATCHDOG_USEC: "30000000" }, undefined, { spawn });
    expect(n.enabled).toBe(false);
    expect(n.watchdogIntervalMs()).toBeNull();
    await n.ready("up");
    await n.status("x");
    await n.stopping();
    const stop = n.startWatchdog(() => true);
    stop();
  });

  it("treats an empty NOTIFY_SOCKET as unset", () => {
    expect(systemdNotifier({ NOTIFY_SOCKET: "" }).enabled).toBe(false);
  });
});

describe("systemdNotifier through systemd-notify", () => {
  it("sends READY=1 with STATUS, then STATUS and STOPPING=1, in call order", async () => {
    socket = await startFakeNotifySocket();
    const n = systemdNotifier({ ...process.env, NOTIFY_SOCKET: socket.address });
    expect(n.enabled).toBe(true);
    // Not awaited one by one: the queue must keep the order anyway.
    await Promise.all([n.status("opening the store"), n.ready("32 ports, listening on :8080"), n.status("line one\nline two"), n.stopping()]);
    expect(socket.messages()).toEqual([
      ["STATUS=opening the store"],
      ["READY=1", "STATUS=32 ports, listening on :8080"],
      ["STATUS=line one line two"],
      ["STOPPING=1"],
    ]);
    // systemd-notify waited for the manager (our listener) after each message: its barrier
    // carried one fd, so attribution by cgroup works under NotifyAccess=all.
    // The listener's line for the last barrier travels a different pipe than the sender's
    // exit: await it (bounded) rather than assume it arrived first.
    const listener = socket;
    const barriers = () => listener.received.filter((d) => d.message === "BARRIER=1");
    for (const deadline = Date.now() + 5_000; barriers().length < 4 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
    expect(barriers()).toHaveLength(4);
    expect(barriers().every((d) => d.fds === 1)).toBe(true);
  });

  it("gives the sender NOTIFY_SOCKET and PATH only, never the daemon's secrets", async () => {
    socket = await startFakeNotifySocket();
    const seen: NodeJS.ProcessEnv[] = [];
    const recording: NotifySpawn = (command, args, options) => {
      seen.push(options.env);
      return spawn(command, args, options);
    };
    const n = systemdNotifier({ ...process.env, NOTIFY_SOCKET: socket.address, SIMGATE_ONLINESIM_KEY: "secret" }, undefined, { spawn: recording });
    await n.ready();
    expect(socket.messages()).toEqual([["READY=1"]]);
    expect(Object.keys(seen[0] ?? {}).sort()).toEqual(["NOTIFY_SOCKET", "PATH"]);
  });

  it("reaches an abstract socket (@name), as systemd may set it", async () => {
    socket = await startFakeNotifySocket({ abstract: true });
    const n = systemdNotifier({ ...process.env, NOTIFY_SOCKET: socket.address });
    await n.ready();
    expect(socket.messages()).toEqual([["READY=1"]]);
  });

  it("pings WATCHDOG=1 at half of WATCHDOG_USEC only while the loop is healthy", async () => {
    socket = await startFakeNotifySocket();
    const { logger, at } = captureLogger();
    const n = systemdNotifier({ ...process.env, NOTIFY_SOCKET: socket.address, WATCHDOG_USEC: "600000", WATCHDOG_PID: String(process.pid) }, logger);
    expect(n.watchdogIntervalMs()).toBe(600);
    let healthy = true;
    const started = Date.now();
    const stop = n.startWatchdog(() => healthy);
    try {
      // One ping at once, then every 300 ms.
      await socket.waitFor((m) => m.filter((f) => f[0] === "WATCHDOG=1").length >= 3);
      expect(Date.now() - started).toBeGreaterThanOrEqual(550);
      healthy = false;
      const before = await settle(socket);
      await sleep(900);
      expect(socket.messages().length).toBe(before);
      expect(at(WARN).map((l) => l.msg)).toEqual([expect.stringContaining("withholding the systemd watchdog ping")]);
      healthy = true;
      await socket.waitFor((m) => m.length > before);
      expect(at(INFO).map((l) => l.msg)).toContain("main loop healthy again: watchdog pings resumed");
    } finally {
      stop();
    }
    const afterStop = await settle(socket);
    await sleep(700);
    expect(socket.messages().length).toBe(afterStop);
    expect(socket.messages().every((f) => f.length === 1 && f[0] === "WATCHDOG=1")).toBe(true);
  });

  it("counts a throwing health check as unhealthy", async () => {
    socket = await startFakeNotifySocket();
    const n = systemdNotifier({ ...process.env, NOTIFY_SOCKET: socket.address, WATCHDOG_USEC: "200000" });
    const stop = n.startWatchdog(() => {
      throw new Error("loop state unreadable");
    });
    await sleep(500);
    stop();
    expect(socket.messages()).toEqual([]);
  });

  it("stopping() ends the watchdog pings", async () => {
    socket = await startFakeNotifySocket();
    const n = systemdNotifier({ ...process.env, NOTIFY_SOCKET: socket.address, WATCHDOG_USEC: "200000" });
    n.startWatchdog(() => true);
    await socket.waitFor((m) => m.length >= 1);
    await n.stopping();
    const count = await settle(socket, 500);
    await sleep(500);
    expect(socket.messages().length).toBe(count);
    expect(socket.messages().at(-1)).toEqual(["STOPPING=1"]);
  });
});

describe("notification failures never reach the daemon", () => {
  it("logs a dead socket once at warn, then at debug, and resolves", async () => {
    const { logger, at } = captureLogger();
    const n = systemdNotifier({ ...process.env, NOTIFY_SOCKET: "/nonexistent/simgate-notify.sock" }, logger);
    await expect(n.ready()).resolves.toBeUndefined();
    await expect(n.status("still here")).resolves.toBeUndefined();
    const warns = at(WARN);
    expect(warns).toHaveLength(1);
    expect(warns[0]!.msg).toContain("systemd notification failed");
    expect(at(20).map((l) => l.msg)).toContain("systemd notification failed");
  });

  it("survives a missing systemd-notify binary (ENOENT) and a spawn that throws", async () => {
    const { logger, at } = captureLogger();
    const missing = systemdNotifier({ NOTIFY_SOCKET: "/run/x" }, logger, { command: "/nonexistent/systemd-notify" });
    await expect(missing.ready()).resolves.toBeUndefined();
    const throwing = systemdNotifier({ NOTIFY_SOCKET: "/run/x" }, logger, {
      spawn: () => {
        throw new Error("EAGAIN");
      },
    });
    await expect(throwing.ready()).resolves.toBeUndefined();
    expect(at(WARN)).toHaveLength(2);
  });

  it("kills a sender that hangs and moves on", async () => {
    const { logger, lines } = captureLogger();
    // Whatever it is asked to send, this sender never exits on its own.
    const hanging: NotifySpawn = (_command, _args, options) => spawn("sleep", ["30"], options);
    const n = systemdNotifier({ NOTIFY_SOCKET: "/run/x" }, logger, { spawn: hanging, timeoutMs: 200 });
    const started = Date.now();
    await n.ready();
    await n.status("next");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(lines.filter((l) => l.level >= 20).map((l) => (l as { err?: { message: string } }).err?.message)).toEqual([
      "systemd-notify did not finish within 200 ms",
      "systemd-notify did not finish within 200 ms",
    ]);
  });
});

describe("watchdogTimeoutMs", () => {
  it.each([
    [{}, null],
    [{ WATCHDOG_USEC: "30000000" }, 30_000],
    [{ WATCHDOG_USEC: "0" }, null],
    [{ WATCHDOG_USEC: "-5" }, null],
    [{ WATCHDOG_USEC: "30s" }, null],
    [{ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "4242" }, 30_000],
  ])("%j → %s", (env, expected) => {
    expect(watchdogTimeoutMs(env, 4242)).toBe(expected);
  });

  it("pings anyway when WATCHDOG_PID names another process, and says why", () => {
    const { logger, at } = captureLogger();
    expect(watchdogTimeoutMs({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "1" }, 4242, logger)).toBe(30_000);
    expect(at(INFO)[0]!.msg).toContain("WATCHDOG_PID is not this process");
  });
});

describe("sanitizeStatus", () => {
  it("keeps a STATUS= value on one line", () => {
    expect(sanitizeStatus(" a\r\nb\tc ")).toBe("a b c");
    expect(sanitizeStatus("x".repeat(600))).toHaveLength(512);
  });
});
