/**
 * What `simgate run` writes to stderr, for the journal. Under systemd stderr goes to the
 * journal like stdout, and journald files a line without a `<N>` prefix at info: the one
 * line that says why the service did not start would be missing from `journalctl -p err`.
 * So when stderr is the journal (JOURNAL_STREAM names it, or SIMGATE_LOG_FORMAT=journal),
 * every line gets a priority prefix: the priority the writer gave it, else `<3>` (err) —
 * what a command writes to stderr is a refusal or a failure unless it says otherwise.
 * Elsewhere (a terminal, a pipe, a test) the text passes unchanged.
 */
import { chooseLogFormat, type LineSink } from "./destination.js";
import { safeText } from "./format.js";

/** syslog priorities used on stderr. */
export const PRIORITY = { err: 3, info: 6 } as const;

export interface StderrLines extends LineSink {
  /** stderr is the journal: lines carry a priority prefix. */
  readonly journal: boolean;
  /** One line at `priority` (the prefix only in journal mode). */
  line(priority: number, text: string): void;
}

const PREFIXED = /^<[0-7]>/;

/** Wraps `out` (the process's stderr, fd 2) for the journal when `env` says stderr is the journal. */
export function stderrLines(out: LineSink, env: NodeJS.ProcessEnv = process.env, fd = 2): StderrLines {
  const journal = chooseLogFormat(env, fd).format === "journal";
  const write = (text: string, priority: number): void => {
    if (!journal) {
      out.write(text);
      return;
    }
    const lines = text.split("\n");
    const last = lines.pop(); // "" after a trailing newline
    let rendered = lines.map((l) => `${PREFIXED.test(l) ? l : `<${priority}>${safeText(l)}`}\n`).join("");
    if (last) rendered += `<${priority}>${safeText(last)}\n`;
    out.write(rendered);
  };
  return {
    journal,
    write: (text: string) => write(String(text), PRIORITY.err),
    line: (priority, text) => write(`${text}\n`, priority),
  };
}
