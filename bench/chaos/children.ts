/**
 * Every process the chaos suite starts goes through here, so that each one is ended (by its
 * own pid, SIGKILL) however a scenario ends: normally, by an exception, by a vitest timeout,
 * or by Ctrl-C on `npm run chaos`. Helper processes (sim-host, market-host) also exit on
 * their own when their stdin closes, i.e. when the process that started them dies.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  /** Resolves with the exit code, or the signal name when a signal ended it. */
  readonly exited: Promise<number | string>;
  /** True once the process has exited. */
  readonly hasExited: () => boolean;
  /** Everything written to stderr so far (bounded to the last 64 KiB). */
  stderr(): string;
  /** Calls `listener` for every stdout line from now on; returns the unsubscribe. */
  onLine(listener: (line: string) => void): () => void;
  /** The first stdout line for which `pick` returns a value (bounded); rejects if the process exits first. */
  waitLine<T>(what: string, pick: (line: string) => T | undefined, timeoutMs: number): Promise<T>;
  /** SIGKILL now and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code or signal. */
  stop(graceMs?: number): Promise<number | string>;
}

const running = new Set<Child>();
let hooked = false;

/** SIGKILL every child still running (synchronous: usable from an exit handler). */
export function killAllChildren(): void {
  for (const c of running) {
    if (!c.hasExited() && c.proc.pid !== undefined) {
      try {
        process.kill(c.proc.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", killAllChildren);
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Append stdout and stderr to this file as well (the daemon's log, for a post-mortem). */
  logFile?: string;
  /** Keep stdin open as a pipe: the child can exit when it closes (our death). */
  stdinPipe?: boolean;
}

export function spawnChild(name: string, command: string, args: string[], o: SpawnOptions = {}): Child {
  hookProcessExit();
  const proc = spawn(command, args, {
    cwd: o.cwd,
    env: { ...process.env, ...o.env },
    stdio: [o.stdinPipe ? "pipe" : "ignore", "pipe", "pipe"],
  });
  const log: WriteStream | undefined = o.logFile ? createWriteStream(o.logFile, { flags: "a" }) : undefined;
  let stderr = "";
  let exitedFlag = false;
  const listeners = new Set<(line: string) => void>();
  proc.stderr!.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-65_536);
    log?.write(d);
  });
  createInterface({ input: proc.stdout! }).on("line", (line) => {
    log?.write(`${line}\n`);
    for (const l of listeners) l(line);
  });
  const exited = new Promise<number | string>((resolve) => {
    proc.once("exit", (code, signal) => {
      exitedFlag = true;
      running.delete(child);
      resolve(code ?? signal ?? "unknown");
    });
    // A spawn failure (ENOENT) emits "error" and never "exit".
    proc.once("error", (err) => {
      exitedFlag = true;
      running.delete(child);
      stderr += `\nspawn failed: ${err.message}`;
      resolve("spawn-error");
    });
  });
  void exited.then(() => log?.end());
  const child: Child = {
    name,
    proc,
    exited,
    hasExited: () => exitedFlag,
    stderr: () => stderr,
    onLine(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitLine(what, pick, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          off();
        };
        const off = child.onLine((line) => {
          const v = pick(line);
          if (v !== undefined) {
            done();
            resolve(v);
          }
        });
        const timer = setTimeout(() => {
          off();
          reject(new Error(`${name}: no ${what} within ${timeoutMs} ms; stderr: ${stderr.slice(-1500)}`));
        }, timeoutMs);
        void exited.then((code) => {
          done();
          reject(new Error(`${name} exited (${code}) before ${what}; stderr: ${stderr.slice(-1500)}`));
        });
      });
    },
    async kill() {
      if (!exitedFlag) proc.kill("SIGKILL");
      await exited;
    },
    async stop(graceMs = 10_000) {
      if (!exitedFlag) proc.kill("SIGTERM");
      const timer = setTimeout(() => !exitedFlag && proc.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  running.add(child);
  return child;
}

/** Parse a JSON line, or undefined when it is not a JSON object. */
export function jsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const v: unknown = JSON.parse(line);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
