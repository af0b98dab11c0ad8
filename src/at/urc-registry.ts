/**
 * Unsolicited result codes (27.007 §4.1: URCs may arrive at any time, also between a
 * command's echo and its final result). The channel offers every line here BEFORE the
 * command collector sees it, as ModemManager's parse_response_buffer runs
 * parse_unsolicited first; a claimed line is removed from the stream, so a URC can
 * never complete a command. Handlers are keyed by name and can be switched off without
 * being removed (mm_port_serial_at_enable_unsolicited_msg_handler).
 */
import type { Logger } from "../log/logger.js";
import { classifyFinal } from "./final-result.js";

export interface UrcSpec {
  /** Shows up in logs and in the channel's `urc` event. */
  name: string;
  /** Tested against the whole line. Anchor it (`^\+CMTI:`): an unanchored pattern can steal reply lines. */
  pattern: RegExp;
  /**
   * Lines after the matching one that belong to the URC: `+CMT: ,<len>` and `+CDS: <len>`
   * are followed by the PDU line (27.005 §3.4.1). A function gets the first line.
   */
  followLines?: number | ((first: string) => number);
  handler(lines: string[]): void;
}

export interface UrcHandle {
  readonly name: string;
  readonly enabled: boolean;
  enable(): void;
  disable(): void;
  remove(): void;
}

interface Entry {
  spec: UrcSpec;
  enabled: boolean;
}

interface Pending {
  entry: Entry;
  lines: string[];
  remaining: number;
}

export interface UrcRegistryOptions {
  logger: Logger;
  /** Called after a URC (with its follow lines) was handed to its handler. */
  onUrc?: (name: string, lines: string[]) => void;
}

export class UrcRegistry {
  readonly #entries: Entry[] = [];
  readonly #logger: Logger;
  readonly #onUrc: ((name: string, lines: string[]) => void) | undefined;
  #pending: Pending | undefined;

  constructor(options: UrcRegistryOptions) {
    this.#logger = options.logger;
    this.#onUrc = options.onUrc;
  }

  register(spec: UrcSpec): UrcHandle {
    const entry: Entry = { spec, enabled: true };
    this.#entries.push(entry);
    const entries = this.#entries;
    return {
      name: spec.name,
      get enabled() {
        return entry.enabled;
      },
      enable: () => {
        entry.enabled = true;
      },
      disable: () => {
        entry.enabled = false;
      },
      remove: () => {
        entry.enabled = false;
        const i = entries.indexOf(entry);
        if (i >= 0) entries.splice(i, 1);
      },
    };
  }

  /** True while a URC waits for its payload line(s). */
  get awaitingFollowLines(): boolean {
    return this.#pending !== undefined;
  }

  /** Offer one complete line. Returns true when the line was claimed (as a URC or its payload). */
  offer(line: string): boolean {
    if (this.#pending) {
      // A final result is never a PDU line: the payload did not come, do not swallow the
      // line the command is waiting for.
      if (classifyFinal(line) !== null) {
        this.abandonPending("final result arrived instead of the payload line");
        return false;
      }
      const p = this.#pending;
      p.lines.push(line);
      if (--p.remaining <= 0) {
        this.#pending = undefined;
        this.#deliver(p.entry, p.lines);
      }
      return true;
    }
    for (const entry of this.#entries) {
      if (!entry.enabled) continue;
      entry.spec.pattern.lastIndex = 0; // a /g or /y pattern keeps state between tests
      if (!entry.spec.pattern.test(line)) continue;
      const follow = this.#followCount(entry, line);
      if (follow > 0) this.#pending = { entry, lines: [line], remaining: follow };
      else this.#deliver(entry, [line]);
      return true;
    }
    return false;
  }

  /** Drop a URC still waiting for payload lines (timeout of the payload, port closed). */
  abandonPending(why: string): void {
    const p = this.#pending;
    if (!p) return;
    this.#pending = undefined;
    this.#logger.warn({ urc: p.entry.spec.name, lines: p.lines, why }, "incomplete URC dropped");
  }

  #followCount(entry: Entry, line: string): number {
    const f = entry.spec.followLines;
    if (f === undefined) return 0;
    try {
      const n = typeof f === "number" ? f : f(line);
      return Number.isInteger(n) && n > 0 ? n : 0;
    } catch (err) {
      this.#logger.warn({ err, urc: entry.spec.name, line }, "URC followLines function threw; treating as single line");
      return 0;
    }
  }

  #deliver(entry: Entry, lines: string[]): void {
    this.#logger.debug({ urc: entry.spec.name, lines }, "urc");
    try {
      entry.spec.handler(lines);
    } catch (err) {
      // A buggy handler must not break the channel (or reject a command that is in flight).
      this.#logger.error({ err, urc: entry.spec.name, lines }, "URC handler threw");
    }
    try {
      this.#onUrc?.(entry.spec.name, lines);
    } catch (err) {
      this.#logger.error({ err, urc: entry.spec.name }, "urc listener threw");
    }
  }
}
