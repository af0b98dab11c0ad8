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

/** Run `simgate <args>` to completion (bounded). */
export function runSimgate(args: string[], timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SIMGATE, ...args], { cwd: REPO, timeout: timeoutMs }, (err, stdout, stderr) => {
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
}

export function startSimgate(args: string[]): LongRunning {
  const child = spawn(process.execPath, [SIMGATE, ...args], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  const received: string[] = [];
  const waiters: Array<() => void> = [];
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
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
  };
}
