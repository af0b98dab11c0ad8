/**
 * Send one sd_notify message by running systemd's own `systemd-notify`.
 *
 * Why a child process: the protocol is one AF_UNIX SOCK_DGRAM datagram to $NOTIFY_SOCKET,
 * and Node has no unix datagram sockets (dgram is UDP only; net is stream only, and a
 * stream connect to a datagram socket fails with EPROTOTYPE). An npm native addon would be
 * a compiled dependency for four words of text. `systemd-notify` ships with systemd itself,
 * so it is on every host that sets NOTIFY_SOCKET.
 *
 * Two consequences, both handled in systemd/simgate.service:
 *  - the datagram comes from the child's PID, not the main PID: NotifyAccess=all;
 *  - systemd attributes a datagram to a unit by the sender's cgroup, which it cannot look
 *    up once the sender has exited. Without --no-block, systemd-notify (systemd ≥ 246)
 *    follows the message with a BARRIER=1 datagram carrying a pipe fd and waits (5 s at
 *    most) until the manager closes it, i.e. until the message was processed while the
 *    sender was still alive (systemd-notify(1), "NotifyAccess=all … might not be able to
 *    properly attribute"). So we never pass --no-block.
 * Every message goes as positional VARIABLE=VALUE arguments, which every systemd version
 * with systemd-notify accepts (the --stopping flag, for one, is newer than Debian 11's).
 */
import { spawn as nodeSpawn, type ChildProcess } from "node:child_process";

/** The subset of child_process.spawn we use (injected in tests, docs/conventions.md#rule-3). */
export type NotifySpawn = (
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; stdio: ["ignore", "ignore", "pipe"] },
) => ChildProcess;

export interface NotifySendOptions {
  /** The sender binary. */
  command?: string;
  spawn?: NotifySpawn;
  /** Kill a sender that hangs (its own barrier wait gives up after 5 s). */
  timeoutMs?: number;
}

export const DEFAULT_NOTIFY_COMMAND = "systemd-notify";
export const DEFAULT_NOTIFY_TIMEOUT_MS = 10_000;

/** A STATUS= value is one line of text: newlines would start new variables. */
export function sanitizeStatus(text: string): string {
  return text.replace(/[\r\n\t]+/g, " ").trim().slice(0, 512);
}

/**
 * Run the sender with `fields` (`READY=1`, `STATUS=…`) and resolve when it exited 0;
 * reject with its stderr otherwise. The caller decides how loud a failure is.
 */
export function sendNotify(fields: readonly string[], env: NodeJS.ProcessEnv, options: NotifySendOptions = {}): Promise<void> {
  const command = options.command ?? DEFAULT_NOTIFY_COMMAND;
  const spawn = options.spawn ?? (nodeSpawn as NotifySpawn);
  const timeoutMs = options.timeoutMs ?? DEFAULT_NOTIFY_TIMEOUT_MS;
  return new Promise<void>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(command, fields, { env, stdio: ["ignore", "ignore", "pipe"] });
    } catch (err) {
      reject(err as Error);
      return;
    }
    let stderr = "";
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(new Error(`${command} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stderr?.on("data", (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString("utf8");
    });
    // ENOENT (systemd-notify not installed) arrives here, not as a throw.
    child.on("error", (err) => finish(new Error(`${command}: ${err.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) finish();
      else finish(new Error(`${command} ${signal ? `killed by ${signal}` : `exited ${code}`}${stderr.trim() ? `: ${stderr.trim()}` : ""}`));
    });
  });
}
