/**
 * Why `simgate run` did not start, as the one line an operator reads in `journalctl -p err`
 * or the terminal: what is wrong, then what to do about it. Messages that already end with
 * a remedy (no key, a locked or damaged store, a newer schema, an uncreatable state
 * directory) are kept as they are; the others get the remedy for their kind of failure.
 */
import { ErrorCode, isSimgateError } from "../errors.js";
import { oneLineError } from "./format.js";

const REMEDIES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.ConfigUnreadable]: "check the path and that this user may read it ('simgate config example' prints a complete starting point)",
  [ErrorCode.ConfigSyntax]: "fix the file ('simgate config check FILE' checks it without starting)",
  [ErrorCode.ConfigInvalid]: "fix these keys ('simgate config check FILE' checks a file without starting; 'simgate config example' lists every key)",
  [ErrorCode.ListenFailed]:
    "stop what holds it, or choose another HOST:PORT (--listen or http.listen for the partner endpoint, --admin or admin.listen for the admin listener)",
  [ErrorCode.StoreNotWritable]: "give the state directory to the user simgate runs as (chown -R USER: DIR), or choose another with --state-dir or stateDir",
  [ErrorCode.StoreNoSpace]: "free space there (df -h on the state directory) and start again; nothing stored was lost",
  [ErrorCode.HttpOptionsInvalid]: "fix that setting in the config ('simgate config check FILE')",
};

/** Fragments that show a message already says what to do. */
const HAS_REMEDY = /: (set|choose|restore|upgrade|run|fix|give|stop) |restore a backup|move it aside|--state-dir/;

export function refusalLine(err: unknown): string {
  if (!isSimgateError(err)) return `${oneLineError(err)} (unexpected: run with --log-level debug and report it with 'simgate version')`;
  // A config with several problems arrives as "FILE: invalid config:" and one problem per line.
  const [head = "", ...more] = err.plainMessage.split("\n").filter((l) => l.trim() !== "");
  const message = more.length > 0 ? `${head.replace(/:$/, "")}: ${more.join("; ")}` : head;
  const remedy = REMEDIES[err.code];
  return remedy === undefined || HAS_REMEDY.test(message) ? message : `${message} — ${remedy}`;
}

/**
 * EX_CONFIG (sysexits.h): the refusal is about the configuration or the installation —
 * a config that does not load, no key, a state directory or store that cannot be used —
 * and starting again unchanged fails again the same way. systemd/simgate.service lists it
 * in RestartPreventExitStatus=, so such a unit fails at once with this line in
 * `journalctl -p err` instead of restarting five times first.
 */
export const EXIT_CONFIG = 78;

/** Refusals another try may get past (a port still held, a lock still taken, space freed, the unexpected). */
const TRANSIENT = new Set<ErrorCode>([ErrorCode.ListenFailed, ErrorCode.StoreLocked, ErrorCode.StoreNoSpace]);

/** The exit status of `simgate run` for a start-up refusal: EXIT_CONFIG, or 1 when a restart may help. */
export function refusalExitCode(err: unknown): number {
  return isSimgateError(err) && !TRANSIENT.has(err.code) ? EXIT_CONFIG : 1;
}
