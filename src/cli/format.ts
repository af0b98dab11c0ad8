import { pino, destination } from "pino";
import { isSimgateError } from "../errors.js";
import type { Logger } from "../log/logger.js";

/** CLI diagnostics go to stderr so `--json` output on stdout stays machine-readable. */
export function cliLogger(verbose: boolean): Logger {
  return pino({ level: verbose ? "trace" : "silent", base: undefined }, destination(2));
}

/** One line, no stack: what the user needs to act on. */
export function oneLineError(err: unknown): string {
  if (isSimgateError(err)) return err.plainMessage;
  return err instanceof Error ? err.message : String(err);
}

/** A two-column "key   value" block for human output. */
export function keyValueBlock(rows: ReadonlyArray<readonly [string, unknown]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v === null || v === undefined || v === "" ? "-" : String(v)}`).join("\n") + "\n";
}

/** A plain text table with a header row; null/undefined cells print as "-". */
export function table(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<unknown>>): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null || c === undefined || c === "" ? "-" : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells.map((r) => r.map((c, i) => (c ?? "").padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n") + "\n";
}
