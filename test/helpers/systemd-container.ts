/**
 * A real systemd, booted as PID 1 in private namespaces (test/helpers/systemd-boot.sh),
 * for tests that must see what systemd itself does with our unit: Type=notify readiness,
 * STATUS=, the watchdog, reload, stop, failure and the hardening block.
 *
 * The host is never touched: the new root is an overlay on a tmpfs over the host's /, and
 * the namespaces (pid, mount, uts, ipc, net) die with systemd. Needs root with
 * CAP_SYS_ADMIN; `systemdContainerUnavailable()` says why when it cannot run.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "./cli.js";

const BOOT_SCRIPT = join(REPO, "test", "helpers", "systemd-boot.sh");
const SYSTEMD = "/lib/systemd/systemd";

export interface Exec {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SystemdContainer {
  /** Host PID of the container's systemd (PID 1 inside). */
  readonly pid: number;
  /** Run a command inside every namespace of the container (nsenter -a), bounded. */
  exec(command: string[], options?: { timeoutMs?: number; input?: string }): Promise<Exec>;
  /** Like exec, but throws with the output when the command fails. */
  sh(script: string, timeoutMs?: number): Promise<string>;
  /** What systemd printed on its console (warnings and errors). */
  console(): string;
  /** `systemctl poweroff`, then wait for PID 1 to exit (SIGKILL after the grace time). */
  shutdown(): Promise<void>;
}

/** Why a systemd container cannot be booted here, or null when it can. */
export function systemdContainerUnavailable(): string | null {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "needs root (CAP_SYS_ADMIN) to create namespaces and mounts";
  if (!existsSync(SYSTEMD)) return `${SYSTEMD} is not installed`;
  for (const tool of ["unshare", "nsenter", "findmnt"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      return `${tool} (util-linux) is not installed`;
    }
  }
  try {
    execFileSync("unshare", ["--mount", "--pid", "--fork", "--net", "true"], { stdio: "pipe", timeout: 10_000 });
  } catch (err) {
    return `cannot create namespaces (no CAP_SYS_ADMIN?): ${(err as Error).message.split("\n")[0]}`;
  }
  return null;
}

function childPid(parent: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${parent}/task/${parent}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    return children.length > 0 ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

function run(file: string, args: string[], timeoutMs: number, input?: string): Promise<Exec> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Boot systemd and wait until it has finished booting (running or degraded). */
export async function bootSystemd(options: { bootTimeoutMs?: number } = {}): Promise<SystemdContainer> {
  const scratch = mkdtempSync(join(tmpdir(), "simgate-systemd-"));
  let consoleText = "";
  const unshare: ChildProcess = spawn("unshare", ["--pid", "--fork", "--mount", "--propagation", "private", "--uts", "--ipc", "--net", BOOT_SCRIPT, scratch, REPO], { stdio: ["ignore", "pipe", "pipe"] });
  unshare.stdout!.on("data", (d: Buffer) => (consoleText += d.toString()));
  unshare.stderr!.on("data", (d: Buffer) => (consoleText += d.toString()));
  const exited = new Promise<void>((resolve) => unshare.once("exit", () => resolve()));

  const deadline = Date.now() + (options.bootTimeoutMs ?? 120_000);
  let pid: number | undefined;
  let state = "";
  try {
    for (;;) {
      if (unshare.exitCode !== null || unshare.signalCode !== null) throw new Error(`systemd exited during boot: ${consoleText.slice(-2000)}`);
      pid ??= childPid(unshare.pid!);
      if (pid !== undefined) {
        // The child is the boot script until it execs systemd.
        const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
        if (comm === "systemd") {
          const r = await run("nsenter", ["-t", String(pid), "-a", "systemctl", "is-system-running"], 10_000);
          state = r.stdout.trim();
          if (state === "running" || state === "degraded") break;
        }
      }
      if (Date.now() > deadline) {
        const jobs = pid === undefined ? "" : (await run("nsenter", ["-t", String(pid), "-a", "systemctl", "list-jobs", "--no-pager"], 10_000)).stdout;
        throw new Error(`systemd did not finish booting (state '${state}'); jobs:\n${jobs}\n${consoleText.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    unshare.kill("SIGKILL");
    if (pid !== undefined) process.kill(pid, "SIGKILL");
    await exited;
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
  const systemdPid = pid;

  const exec: SystemdContainer["exec"] = (command, opts = {}) => run("nsenter", ["-t", String(systemdPid), "-a", ...command], opts.timeoutMs ?? 60_000, opts.input);
  return {
    pid: systemdPid,
    exec,
    async sh(script, timeoutMs = 60_000) {
      const r = await exec(["sh", "-c", script], { timeoutMs });
      if (r.code !== 0) throw new Error(`inside the container, \`${script}\` exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    },
    console: () => consoleText,
    async shutdown() {
      if (unshare.exitCode === null && unshare.signalCode === null) {
        await exec(["systemctl", "poweroff", "--no-block"], { timeoutMs: 10_000 });
        const timer = setTimeout(() => {
          try {
            process.kill(systemdPid, "SIGKILL"); // PID 1 of a pid namespace: takes every process inside with it
          } catch {
            // already gone
          }
        }, 30_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
