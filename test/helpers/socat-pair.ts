import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Two linked pseudo-terminals made by socat: bytes written to one are read from the other. */
export interface PtyPair {
  a: string;
  b: string;
  /** Kill socat: both ends hang up, as when a USB modem is pulled. */
  kill(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), "simgate-ptypair-"));
  const a = join(dir, "a");
  const b = join(dir, "b");
  const child: ChildProcess = spawn("socat", ["-d", "-d", `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  // socat logs "starting data transfer loop" once both ptys exist.
  await new Promise<void>((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => reject(new Error(`socat did not start: ${log}`)), 5000);
    child.stderr!.on("data", (d: Buffer) => {
      log += d.toString();
      if (log.includes("starting data transfer loop") && existsSync(a) && existsSync(b)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
  return {
    a,
    b,
    kill,
    cleanup: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
