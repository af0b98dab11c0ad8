/**
 * The demo's two child processes — `simgate run` and `simgate fake-onlinesim` — started
 * exactly as a user would start them, so the demo shows the real product, not a mock-up.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { packageFile } from "../package-info.js";

const SIMGATE_BIN = packageFile("bin/simgate.js");

export interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export function spawnSimgate(args: string[], opts: { env?: NodeJS.ProcessEnv; logFile?: string; onLine?: (line: string) => void; onStderr?: (text: string) => void }): Child {
  // Own process group: Ctrl-C in the terminal reaches only the demo, which then stops both
  // children with one SIGTERM each (a second signal would cut their clean shutdown short).
  const child = spawn(process.execPath, [SIMGATE_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...opts.env }, detached: true });
  if (opts.logFile) child.stdout!.pipe(createWriteStream(opts.logFile, { flags: "a" }));
  else if (opts.onLine) createInterface({ input: child.stdout! }).on("line", opts.onLine);
  else child.stdout!.resume();
  child.stderr!.on("data", (d: Buffer) => opts.onStderr?.(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    process: child,
    exited,
    async stop(graceMs = 12_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** `preferred` if it is free on 127.0.0.1, otherwise any free port. */
export async function portOrFree(preferred: number): Promise<number> {
  return (await tryListen(preferred)) ?? (await tryListen(0)) ?? 0;
}

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(undefined));
    srv.listen(port, "127.0.0.1", () => {
      const addr = srv.address();
      const got = typeof addr === "object" && addr ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/** Resolves when `text` matching `pattern` was seen on the child's stderr, rejects on exit or timeout. */
export function waitForStderr(child: Child, pattern: RegExp, timeoutMs: number, seen: () => string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const m = seen().match(pattern);
      if (m) {
        cleanup();
        resolve(m);
      }
      return m !== null;
    };
    const onData = (): void => void check();
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`exited with ${code} before it was ready: ${seen().trim().split("\n").at(-1) ?? ""}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`not ready after ${timeoutMs} ms: ${seen().trim().split("\n").at(-1) ?? ""}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.process.stderr!.off("data", onData);
      child.process.off("exit", onExit);
    };
    child.process.stderr!.on("data", onData);
    child.process.once("exit", onExit);
    check();
  });
}
