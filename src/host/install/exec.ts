/**
 * Host commands (systemctl, udevadm, systemd-sysusers, …) for the installer, behind an
 * injectable function so tests can record them instead of touching the machine.
 */
import { execFile } from "node:child_process";

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The program does not exist (ENOENT). */
  missing?: boolean;
}

export type Exec = (command: string, args: readonly string[], options?: { timeoutMs?: number }) => Promise<ExecResult>;

/** Root runs these: a fixed PATH (sbin included, whatever sudo or su left us) and the C locale. */
export const SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export const hostExec: Exec = (command, args, options = {}) =>
  new Promise((resolve) => {
    const timeout = options.timeoutMs ?? 60_000;
    execFile(
      command,
      [...args],
      { env: { PATH: SAFE_PATH, LC_ALL: "C", SYSTEMD_COLORS: "0", SYSTEMD_PAGER: "" }, timeout, encoding: "utf8", maxBuffer: 4 << 20 },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean; signal?: string | null };
        if (e.code === "ENOENT") return resolve({ code: 127, stdout: "", stderr: `${command}: command not found`, missing: true });
        if (e.killed || e.signal) return resolve({ code: 124, stdout, stderr: `${stderr}${command} timed out after ${Math.round(timeout / 1000)} s`.trim() });
        resolve({ code: typeof e.code === "number" ? e.code : 1, stdout, stderr });
      },
    );
  });

export function commandLine(command: string, args: readonly string[]): string {
  return [command, ...args].join(" ");
}

/** The last non-empty line of a command's output: usually the one that says why. */
export function why(r: ExecResult): string {
  const lines = `${r.stderr}\n${r.stdout}`.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /fail|error|denied|not found|invalid|cannot|no such/i.test(l)) ?? lines[0] ?? "";
}

/** Run it; a non-zero exit becomes one line: the command, its status and its complaint. */
export async function mustRun(exec: Exec, command: string, args: readonly string[], options?: { timeoutMs?: number }): Promise<ExecResult> {
  const r = await exec(command, args, options);
  if (r.code !== 0) {
    const reason = why(r);
    throw new Error(`${commandLine(command, args)} ${r.missing ? "is not installed" : `exited ${r.code}`}${reason && !r.missing ? `: ${reason}` : ""}`);
  }
  return r;
}
