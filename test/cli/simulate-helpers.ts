/** Run `simgate simulate` as a child process: read its stdout lines, or wait for its exit code. */
import { spawn, execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(REPO, "bin", "simgate.js");

export function startSimulate(args: string[]) {
  const child = spawn(process.execPath, [BIN, "simulate", ...args], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  const waiters = new Set<() => void>();
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on("line", (l) => {
    lines.push(l);
    for (const w of waiters) w();
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    exit,
    read: (count: number, timeoutMs = 20_000) =>
      new Promise<string[]>((resolve, reject) => {
        const check = () => {
          if (lines.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(lines.slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`got ${lines.length}/${count} lines; stderr: ${stderr}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

export function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, "simulate", ...args], { cwd: REPO, timeout: 20_000 }, (err, _out, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr });
    });
  });
}

