/**
 * The AT side of SMS storage for the receiver: choosing memories, reading, listing and
 * deleting slots, and watching usage. Every command sequence of the receiver runs through
 * one lock, so "select memory, then read/delete" pairs never interleave with each other.
 */
import type { AtChannel } from "../at/index.js";
import { cpmsCommand, parseCmgl, parseCmgr, parseCpmsSupported, parseCpmsUsage, type StoredPdu } from "../../drivers/generic/sms.js";
import type { SmsMemory } from "../../drivers/types.js";
import { ErrorCode, isModemGone, isSimgateError } from "../errors.js";
import type { Logger } from "../log/logger.js";

/** Thrown once stop() ran: no new AT commands. */
export class Stopped extends Error {}

/** `+CMS ERROR: 322` memory full (27.005 §3.2.5). */
const CMS_MEMORY_FULL = 322;
/** `+CMS ERROR: 321` invalid memory index: what modules answer for a free slot. */
const CMS_INVALID_INDEX = 321;

export interface StoredEntry {
  memory: string;
  index: number;
  stat: number;
  length: number;
  pdu: string;
}

/** What `AT+CMGR` found in a slot. */
export type SlotRead = { kind: "stored"; sms: StoredPdu } | { kind: "empty" } | { kind: "unreadable" };

export interface StorageUsage {
  memory: string;
  used: number;
  total: number;
}

/** 27.005 `<stat>` 0/1 = received; 2/3 are outgoing messages someone stored, not ours to take. SR holds only reports. */
export const isReceived = (stat: number, memory: string): boolean => stat === 0 || stat === 1 || memory === "SR";

export interface SmsMemoryHooks {
  log: Logger;
  listTimeoutMs: number;
  /** `+CMS ERROR: 322` came back from some command. */
  onStorageFull(why: string): void;
  /** The channel says the modem is gone. */
  onGone(err: unknown): void;
}

export class SmsMemoryAccess {
  #chain: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(
    private readonly channel: AtChannel,
    private readonly hooks: SmsMemoryHooks,
  ) {}

  /** Commands not yet started fail with Stopped; the one on the wire finishes. */
  stop(): void {
    this.#stopped = true;
  }

  /**
   * `AT+CPMS=?` → `cpmsCommand(preferred, …)` → set it. Returns the memories worth sweeping
   * (preferred first), or null when the modem's answer was unusable.
   */
  async chooseStorage(preferred: readonly SmsMemory[]): Promise<string[] | null> {
    return this.#exclusive(async () => {
      const supported = parseCpmsSupported((await this.#at("AT+CPMS=?")).lines);
      if (!supported.ok) {
        this.hooks.log.warn({ reason: supported.reason }, "unreadable AT+CPMS=? reply; keeping the modem's memories");
        return null;
      }
      const readable = supported.value[0] ?? [];
      // Only real memories: "MT" is SM+ME combined (listing it too reads each SMS twice), "BM" is cell broadcast.
      const sweep = [...new Set([...preferred, "SM", "ME"])].filter((m) => readable.includes(m));
      const command = cpmsCommand(preferred, supported.value);
      if (command) await this.#at(command);
      else this.hooks.log.warn({ supported: supported.value }, "none of the driver's SMS memories is offered; keeping the modem's");
      return sweep;
    });
  }

  /**
   * `AT+CMGR=<i>` in `memory`. "empty": nothing is stored there (`+CMS ERROR: 321`, or OK
   * with no `+CMGR` line, as modules answer for a free slot); "unreadable" is logged.
   */
  read(memory: string, index: number): Promise<SlotRead> {
    return this.#exclusive(async () => {
      let reply: { lines: string[] };
      try {
        reply = await this.#at({ text: `${select(memory)};+CMGR=${index}`, expectPrefix: "+CMGR:" });
      } catch (err) {
        if (isSimgateError(err, ErrorCode.AtCmsError) && err.context["cms"] === CMS_INVALID_INDEX) return { kind: "empty" };
        throw err;
      }
      const read = parseCmgr(reply.lines);
      if (read.ok) return { kind: "stored", sms: read.value };
      if (!reply.lines.some((l) => /^\s*\+CMGR\s*:/i.test(l))) return { kind: "empty" };
      this.hooks.log.warn({ memory, index, lines: reply.lines, reason: read.reason }, "unreadable +CMGR reply");
      return { kind: "unreadable" };
    });
  }

  /**
   * `AT+CMGL=4` in `memory`; `claim` picks the entries to hand off and runs inside the lock,
   * so a `+CMTI` read of the same slot cannot start between the listing and the claim.
   */
  list(memory: string, claim: (entries: StoredEntry[]) => StoredEntry[]): Promise<StoredEntry[]> {
    return this.#exclusive(async () => {
      const reply = await this.#at({ text: `${select(memory)};+CMGL=4`, timeoutMs: this.hooks.listTimeoutMs, expectPrefix: "+CMGL:" });
      // The select's own "+CPMS: used,total,…" line shares the reply; it is not a listed SMS.
      const listed = parseCmgl(reply.lines.filter((l) => !/^\+CPMS\s*:/i.test(l)));
      if (!listed.ok) throw new Error(`unreadable +CMGL reply: ${listed.reason}`);
      if (listed.value.skipped.length > 0) this.hooks.log.warn({ memory, skipped: listed.value.skipped }, "+CMGL lines not understood");
      return claim(listed.value.entries.map((e) => ({ memory, index: e.index, stat: e.stat, length: e.length, pdu: e.pdu })));
    });
  }

  delete(memory: string, index: number): Promise<void> {
    return this.#exclusive(async () => {
      await this.#at({ text: `${select(memory)};+CMGD=${index}`, expectPrefix: "" });
    });
  }

  /** `AT+CPMS?` usage per memory (deduplicated); null when unreadable. */
  usage(): Promise<StorageUsage[] | null> {
    return this.#exclusive(async () => {
      const reply = await this.#at("AT+CPMS?");
      const usage = parseCpmsUsage(reply.lines);
      if (!usage.ok) {
        this.hooks.log.warn({ lines: reply.lines }, "unreadable +CPMS? reply");
        return null;
      }
      const out = new Map<string, StorageUsage>();
      usage.value.forEach((u, slot) => {
        // Wavecom prints counts without names (`+CPMS: 14,50,14,50`): name them by position.
        const memory = u.memory ?? `mem${slot + 1}`;
        if (!out.has(memory)) out.set(memory, { memory, used: u.used, total: u.total });
      });
      return [...out.values()];
    });
  }

  async #at(cmd: string | { text: string; timeoutMs?: number; expectPrefix?: string }): Promise<{ lines: string[] }> {
    if (this.#stopped) throw new Stopped();
    try {
      return await this.channel.run(cmd);
    } catch (err) {
      if (isSimgateError(err, ErrorCode.AtCmsError) && err.context["cms"] === CMS_MEMORY_FULL) this.hooks.onStorageFull("+CMS ERROR: 322");
      if (isModemGone(err)) this.hooks.onGone(err);
      throw err;
    }
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(() => {
      if (this.#stopped) throw new Stopped();
      return fn();
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }
}

/**
 * Edge-triggered "nearly full" warnings: once per crossing of the ratio per memory, re-armed
 * when usage drops below it, so a full SIM does not log on every sweep (docs/peer-software.md#what-breaks-in-the-field:
 * full storage silently stops +CMTI; lkiuyu/DbusSmsForwardCPlus #10 had 10 SIM slots).
 */
export class StorageWatch {
  readonly #warned = new Set<string>();

  constructor(private readonly ratio: number) {}

  check(usage: readonly StorageUsage[]): { full: boolean; warnings: StorageUsage[] } {
    let full = false;
    const warnings: StorageUsage[] = [];
    for (const u of usage) {
      if (u.total <= 0) continue;
      if (u.used >= u.total) full = true;
      if (u.used / u.total < this.ratio) {
        this.#warned.delete(u.memory);
      } else if (!this.#warned.has(u.memory)) {
        this.#warned.add(u.memory);
        warnings.push(u);
      }
    }
    return { full, warnings };
  }
}

/**
 * `AT+CPMS="<memory>"`: make `memory` the read/delete memory (<mem1>); <mem2>/<mem3> stay as
 * chosen. Sent in front of EVERY read, list and delete, never cached: a module reset or
 * another component's `AT+CPMS` changes <mem1> behind our back, and `AT+CMGD=<i>` in the
 * wrong memory deletes an SMS nobody accepted (bg111/asterisk-chan-dongle #31; a cached
 * value failed our own test). It rides on the same command line (`AT+CPMS="ME";+CMGR=3`,
 * V.250 §5.2.1 concatenation): one round trip per read instead of two, which is most of an
 * SMS's latency on a slow module; if the select fails, the line stops there and nothing is
 * read or deleted. Not atomic against OTHER callers of the channel: code that changes CPMS
 * on a port with a running receiver must stop it first.
 */
function select(memory: string): string {
  return `AT+CPMS="${memory}"`;
}
