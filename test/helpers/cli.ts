import { spawn, execFile, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const REPO = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
export const SIMGATE = join(REPO, "bin", "simgate.js");

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `simgate <args>` to completion (bounded); `env` is added to this process's environment. */
export function runSimgate(args: string[], timeoutMs = 20_000, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SIMGATE, ...args], { cwd: REPO, timeout: timeoutMs, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err && typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : err ? null : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running `simgate` process whose stdout lines can be awaited. */
export interface LongRunning {
  child: ChildProcess;
  /** Resolves with the first `count` stdout lines. */
  lines(count: number, timeoutMs?: number): Promise<string[]>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Every stdout line so far (the daemon's log). */
  stdoutLines(): readonly string[];
  /** Resolves with the first stderr match of `pattern` (bounded). */
  waitStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or null after a signal). */
  exited: Promise<number | null>;
}

/** `bin`: another build's bin/simgate.js (before/after measurements); default this checkout's. */
export function startSimgate(args: string[], options: { env?: NodeJS.ProcessEnv; bin?: string } = {}): LongRunning {
  const child = spawn(process.execPath, [options.bin ?? SIMGATE, ...args], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } });
  const received: string[] = [];
  const waiters: Array<() => void> = [];
  let stderr = "";
  const stderrWaiters: Array<() => void> = [];
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
    stderrWaiters.splice(0).forEach((w) => w());
  });
  createInterface({ input: child.stdout! }).on("line", (line) => {
    received.push(line);
    waiters.splice(0).forEach((w) => w());
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    lines: (count, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${received.length} of ${count} lines; stderr: ${stderr}`)), timeoutMs);
        const check = () => {
          if (received.length >= count) {
            clearTimeout(timer);
            resolve(received.slice(0, count));
          } else waiters.push(check);
        };
        check();
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
    stderr: () => stderr,
    stdoutLines: () => received,
    waitStderr: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`stderr never matched ${pattern}: ${stderr.slice(-2000)}`)), timeoutMs);
        const onExit = (): void => {
          clearTimeout(timer);
          reject(new Error(`simgate exited (${child.exitCode}) before stderr matched ${pattern}: ${stderr.slice(-2000)}`));
        };
        const check = (): void => {
          const m = stderr.match(pattern);
          if (m) {
            clearTimeout(timer);
            child.off("exit", onExit);
            resolve(m);
          } else stderrWaiters.push(check);
        };
        child.once("exit", onExit);
        check();
      }),
    exited,
  };
}
