/**
 * The SMS receive path of one port. Every SMS is money, so the rules are:
 * - act on `+CMTI` at once (read from the memory the URC names, bg111/asterisk-chan-dongle #31),
 *   and never drop one: an indication for a slot we are still working on is queued and the
 *   slot read again as soon as we let go of it, after our delete (sms-slots.ts says why);
 * - sweep with `AT+CMGL=4` as a safety net: URCs get lost, CNMI gets forgotten, and full
 *   storage stops `+CMTI` altogether (docs/peer-software.md#what-breaks-in-the-field, wdoekes/asterisk-chan-dongle #47);
 * - delete from the modem only after `accept` resolved (the store has it durably); a failed
 *   hand-off leaves the SMS on the modem for the next sweep;
 * - never drop what we cannot decode: hand off the raw PDU.
 * The durable unit is the part; whole messages (reassembled) are only for the live view.
 */
import { EventEmitter } from "node:events";
import type { AtChannel } from "../at/index.js";
import { parseStoredIndication } from "../../drivers/generic/sms.js";
import type { DriverDescriptor } from "../../drivers/types.js";
import { isModemGone } from "../errors.js";
import { silentLogger, type Logger } from "../log/logger.js";
import { AcceptedPdus, buildPart, DirectHandoff, MessageAssembler, parseDirectHeader, type CompleteSms, type ReceivedPart } from "./sms-handoff.js";
import { isReceived, SmsMemoryAccess, StorageWatch, Stopped, type StorageUsage, type StoredEntry } from "./sms-memory.js";
import { SlotClaims, slotKey } from "./sms-slots.js";

export type { CompleteSms, ReceivedPart } from "./sms-handoff.js";
export type { StorageUsage } from "./sms-memory.js";

export interface SmsReceiverOptions {
  portId: string;
  iccid: () => string | null;
  driver: DriverDescriptor;
  /** Durable hand-off of ONE part. Resolve = stored durably → the receiver deletes it from the modem. Reject = keep it on the modem and retry later. */
  accept: (part: ReceivedPart) => Promise<void>;
  /** A whole message (after reassembly) for the live port map / logs. */
  onMessage?: (sms: CompleteSms) => void;
  logger?: Logger;
  /** 60 s: peers poll every 5 s (gateway-soft) or 10 s (smstools3), but we act on +CMTI; the sweep is only a safety net. */
  sweepIntervalMs?: number;
  /** 0.8: SIM memories can hold as few as 10 SMS (lkiuyu/DbusSmsForwardCPlus #10), so warn early. */
  storageWarnRatio?: number;
  /** 5 s: after a failed read or hand-off, sweep this soon instead of waiting a full interval (doubles per failure, capped at the interval). */
  retryDelayMs?: number;
  /** 1 s: first retry of a `+CMT` hand-off (doubles, capped at 60 s). */
  directRetryMs?: number;
  /** How long a multipart message waits for its missing parts; the codec's default (10 min) when omitted. */
  reassemblyTimeoutMs?: number;
  /**
   * A multipart assembler that outlives this receiver (the daemon keeps one per port, rebuilt
   * from the store's unassembled parts after a restart), so a port reopen or a restart between
   * two parts of one message does not split it. Default: a fresh one.
   */
  assembler?: MessageAssembler;
  /** 20 s for `AT+CMGL=4`: a full 255-slot memory is ~40 KB of hex, slow on 9600-baud UART modules. */
  listTimeoutMs?: number;
  now?: () => number;
}

export interface SmsReceiverEvents {
  message: [CompleteSms];
  "storage-warning": [StorageUsage];
  error: [Error];
}

export interface SmsReceiverStats {
  /** Parts read from the modem or taken from `+CMT` (a re-read after a failed hand-off counts again). */
  received: number;
  accepted: number;
  acceptFailures: number;
  deleted: number;
  undecodable: number;
  /** Parts accepted before and seen again (delete failed): handed off again, not reassembled again. */
  duplicatesSkipped: number;
  /** `+CMT` parts held only in memory until `accept` resolves. */
  directUnacked: number;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new TypeError(`"${name}" must be a positive number`);
  return v;
}

export class SmsReceiver extends EventEmitter<SmsReceiverEvents> {
  readonly #channel: AtChannel;
  readonly #o: Required<Omit<SmsReceiverOptions, "onMessage" | "logger" | "reassemblyTimeoutMs" | "listTimeoutMs" | "assembler">> & Pick<SmsReceiverOptions, "onMessage">;
  readonly #log: Logger;
  readonly #stats: Omit<SmsReceiverStats, "directUnacked"> = { received: 0, accepted: 0, acceptFailures: 0, deleted: 0, undecodable: 0, duplicatesSkipped: 0 };
  readonly #memory: SmsMemoryAccess;
  readonly #watch: StorageWatch;
  readonly #assembler: MessageAssembler;
  readonly #direct: DirectHandoff;
  readonly #acceptedPdus = new AcceptedPdus();
  /** Slots being read, handed off or deleted (never two reads of one slot at once), and indications queued for them. */
  readonly #slots = new SlotClaims();
  readonly #handles: { remove(): void }[] = [];
  /** What the sweep lists: every readable memory we know of (SMS may sit in SM from before us, or after a module reset). */
  readonly #sweepMemories = new Set<string>();
  #started = false;
  #stopped = false;
  #sweeping: Promise<void> | null = null;
  #sweepQueued: Promise<void> | null = null;
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweepDue = Infinity;
  #retryDelay: number;
  #expiryTimer: NodeJS.Timeout | undefined;

  constructor(channel: AtChannel, options: SmsReceiverOptions) {
    super();
    this.#channel = channel;
    // `??` per field, not a spread: an explicit `undefined` must not erase a default.
    this.#o = {
      portId: options.portId,
      iccid: options.iccid,
      driver: options.driver,
      accept: options.accept,
      onMessage: options.onMessage,
      sweepIntervalMs: positive(options.sweepIntervalMs, 60_000, "sweepIntervalMs"),
      storageWarnRatio: options.storageWarnRatio ?? 0.8,
      retryDelayMs: positive(options.retryDelayMs, 5_000, "retryDelayMs"),
      directRetryMs: positive(options.directRetryMs, 1_000, "directRetryMs"),
      now: options.now ?? Date.now,
    };
    this.#retryDelay = this.#o.retryDelayMs;
    this.#log = (options.logger ?? silentLogger()).child({ component: "sms-receiver" });
    this.#memory = new SmsMemoryAccess(channel, {
      log: this.#log,
      listTimeoutMs: positive(options.listTimeoutMs, 20_000, "listTimeoutMs"),
      onStorageFull: (why) => this.#onStorageFull(why),
      onGone: (err) => this.#gone(err),
    });
    this.#watch = new StorageWatch(this.#o.storageWarnRatio);
    this.#assembler = options.assembler ?? new MessageAssembler(options.portId, options.reassemblyTimeoutMs ?? 10 * 60_000, this.#log);
    this.#direct = new DirectHandoff({
      accept: (part) => this.#o.accept(part),
      onAccepted: (part) => this.#afterAccept(part),
      onFailure: () => this.#stats.acceptFailures++,
      log: this.#log,
      baseDelayMs: this.#o.directRetryMs,
      maxDelayMs: 60_000,
    });
  }

  get stats(): Readonly<SmsReceiverStats> {
    return { ...this.#stats, directUnacked: this.#direct.size };
  }

  /** False before start(), after stop(), and after the modem went away. */
  get running(): boolean {
    return this.#started && !this.#stopped;
  }

  /** `+CMT` parts not accepted yet: the only copy. An owner can rescue them after stop(). */
  get pendingDirect(): readonly ReceivedPart[] {
    return this.#direct.parts;
  }

  /**
   * Register +CMTI/+CMT URC handlers, choose storage (AT+CPMS=? → cpmsCommand), run a first
   * sweep (messages that arrived while we were away). Resolves also when the modem is gone
   * (then `running` is false).
   */
  async start(): Promise<void> {
    if (this.#started) throw new Error("SmsReceiver.start() called twice");
    this.#started = true;
    this.#registerUrcs();
    this.#channel.once("closed", this.#onChannelClosed);
    if (this.#channel.isClosed) return this.#gone(undefined);
    try {
      for (const m of (await this.#memory.chooseStorage(this.#o.driver.storage.preferred)) ?? []) this.#sweepMemories.add(m);
    } catch (err) {
      if (this.#quietFailure(err)) return;
      this.#log.warn({ err }, "could not choose SMS storage; reading whatever the modem uses");
    }
    if (this.#sweepMemories.size === 0) for (const m of this.#o.driver.storage.preferred) this.#sweepMemories.add(m);
    // A shared assembler may hold parts from before this receiver (restart, reopen): their expiry must run too.
    this.#armExpiry();
    await this.sweep();
  }

  /** List everything stored (AT+CMGL=4), hand off what is not already in flight, delete what was accepted. Never rejects. */
  sweep(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (!this.#sweeping) {
      this.#sweeping = this.#runSweep().finally(() => {
        this.#sweeping = null;
      });
      return this.#sweeping;
    }
    // One sweep at a time; callers during a sweep share the next one (it sees what arrived meanwhile).
    this.#sweepQueued ??= this.#sweeping.then(() => {
      this.#sweepQueued = null;
      return this.sweep();
    });
    return this.#sweepQueued;
  }

  /** Remove handlers, clear timers; in-flight hand-offs finish but no new commands are sent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#memory.stop();
    for (const h of this.#handles.splice(0)) h.remove();
    this.#channel.off("closed", this.#onChannelClosed);
    clearTimeout(this.#sweepTimer);
    clearTimeout(this.#expiryTimer);
    this.#sweepTimer = this.#expiryTimer = undefined;
    this.#direct.stop();
  }

  // ---- URCs ---------------------------------------------------------------------------

  #registerUrcs(): void {
    const ch = this.#channel;
    this.#handles.push(
      ch.registerUrc({ name: "sms-cmti", pattern: /^\s*\+(CMTI|CDSI)\s*:/i, handler: ([line]) => this.#onStoredIndication(line ?? "") }),
      // +CMT/+CDS carry the PDU on the next line. We leave AT+CSMS at 0: with CSMS=1, 27.005
      // §3.4.1 wants AT+CNMA for every +CMT or the network resends it and the module may stop
      // routing; with 0 the module acknowledges itself (unverified on our modules, docs/protocols/at-commands.md#receiving-sms).
      ch.registerUrc({ name: "sms-cmt", pattern: /^\s*\+(CMT|CDS)\s*:/i, followLines: 1, handler: (lines) => this.#onDirect(lines) }),
      // Huawei reports full storage with ^SMMEMFULL and stops +CMTI (docs/peer-software.md#what-breaks-in-the-field, chan_dongle #47).
      ch.registerUrc({ name: "sms-memfull", pattern: /^\s*\^SMMEMFULL\s*:/i, handler: ([line]) => this.#onStorageFull(line ?? "^SMMEMFULL") }),
    );
  }

  #onStoredIndication(line: string): void {
    const ind = parseStoredIndication(line);
    if (!ind.ok) {
      this.#log.warn({ line }, "unreadable +CMTI/+CDSI; sweeping now");
      this.#sweepSoon(0);
      return;
    }
    // Status reports (+CDSI) are read and deleted too, so SR memory never fills (docs/protocols/at-commands.md#status-reports).
    const { memory, index } = ind.value;
    this.#sweepMemories.add(memory);
    const key = slotKey(memory, index);
    this.#slots.indicated(key);
    // Held: the holder reads the slot again once it has released it (see #release).
    if (this.#slots.claimForIndication(key)) this.#readHeld(memory, index);
  }

  #onDirect(lines: string[]): void {
    const [header = "", pduLine = ""] = lines;
    if (!/^[0-9A-Fa-f]+$/.test(pduLine.trim())) {
      this.#log.error({ lines }, "+CMT without a PDU line (text mode?); the SMS is lost unless the modem also stored it");
      this.#safeEmit("error", new Error(`+CMT without a PDU line on ${this.#o.portId}: ${JSON.stringify(lines)}`));
      this.#sweepSoon(0);
      return;
    }
    this.#direct.add(this.#part({ memory: "direct", index: null, pdu: pduLine, tpduLength: parseDirectHeader(header) }));
  }

  #onStorageFull(why: string): void {
    this.#log.warn({ why }, "SMS storage full: the modem stops indicating new SMS; sweeping now");
    this.#sweepSoon(0);
  }

  readonly #onChannelClosed = (): void => this.#gone(undefined);

  // ---- Reading, hand-off, deleting -------------------------------------------------------

  /** Read, hand off and delete a slot this receiver holds, then release it. */
  #readHeld(memory: string, index: number): void {
    void this.#readAndHandOff(memory, index).finally(() => this.#release(memory, index));
  }

  /** Let go of a slot; read it again at once when an indication for it came in while it was held (unless we kept our SMS there). */
  #release(memory: string, index: number): void {
    if (this.#slots.release(slotKey(memory, index))) this.#readHeld(memory, index);
  }

  /** Caller holds the slot. Failures leave the SMS on the modem for a sweep. */
  async #readAndHandOff(memory: string, index: number): Promise<void> {
    try {
      const read = await this.#memory.read(memory, index);
      if (read.kind === "unreadable") this.#sweepSoon(this.#retryDelay);
      // A queued indication for a message we already took finds its slot free: nothing to do.
      else if (read.kind === "empty") this.#log.debug({ memory, index }, "indicated SMS slot is empty (already taken)");
      else if (isReceived(read.sms.stat, memory)) await this.#handOffStored({ memory, index, stat: read.sms.stat, length: read.sms.length, pdu: read.sms.pdu });
      // An outgoing message someone stored: it stays, and it is not ours to take.
      else this.#slots.kept(slotKey(memory, index));
    } catch (err) {
      if (this.#quietFailure(err)) return;
      this.#log.warn({ err, memory, index }, "reading an indicated SMS failed; it stays on the modem for the sweep");
      this.#sweepSoon(this.#retryDelay);
    }
  }

  /** Hand off one stored part; delete it only when `accept` resolved. Caller holds the slot. Never rejects. */
  async #handOffStored(e: StoredEntry): Promise<void> {
    const part = this.#part({ memory: e.memory, index: e.index, pdu: e.pdu, tpduLength: e.length });
    if (!(await this.#handOff(part))) {
      // Still on the modem, retried by a sweep: an indication for this slot meanwhile is about it.
      this.#slots.kept(slotKey(e.memory, e.index));
      return;
    }
    if (this.#stopped) {
      this.#log.info({ memory: e.memory, index: e.index }, "accepted after stop; left on the modem (handed off again later, the store dedups)");
      return;
    }
    // A SIM swapped while `accept` ran would make this index point at another card's SMS.
    if (e.memory === "SM" && this.#o.iccid() !== part.iccid) {
      this.#log.warn({ index: e.index, was: part.iccid, now: this.#o.iccid() }, "SIM changed during hand-off; not deleting");
      return;
    }
    try {
      await this.#memory.delete(e.memory, e.index);
      this.#stats.deleted++;
    } catch (err) {
      if (this.#quietFailure(err)) return;
      // Accepted but still stored: the next sweep hands it off again and the store dedups by (iccid, pdu).
      this.#log.warn({ err, memory: e.memory, index: e.index }, "delete after accept failed; it will be seen again");
    }
  }

  /** `accept` one stored part. True when it resolved. */
  async #handOff(part: ReceivedPart): Promise<boolean> {
    try {
      await this.#o.accept(part);
    } catch (err) {
      this.#stats.acceptFailures++;
      this.#log.warn({ err, memory: part.memory, index: part.index }, "hand-off failed; the SMS stays on the modem and is retried");
      this.#sweepSoon(this.#retryDelay);
      this.#retryDelay = Math.min(this.#retryDelay * 2, this.#o.sweepIntervalMs);
      return false;
    }
    this.#retryDelay = this.#o.retryDelayMs;
    this.#afterAccept(part);
    return true;
  }

  #afterAccept(part: ReceivedPart): void {
    this.#stats.accepted++;
    if (this.#acceptedPdus.has(part)) {
      this.#stats.duplicatesSkipped++;
      this.#log.info({ memory: part.memory, index: part.index }, "SMS part accepted again (an earlier delete failed); not reassembled twice");
      return;
    }
    this.#acceptedPdus.add(part);
    if (this.#stopped) return;
    const done = this.#assembler.add(part, this.#o.now());
    if (done) this.#deliver(done);
    this.#armExpiry();
  }

  #part(src: { memory: string; index: number | null; pdu: string; tpduLength: number | null }): ReceivedPart {
    const { part, problem } = buildPart({ ...src, portId: this.#o.portId, iccid: this.#o.iccid(), receivedAt: new Date(this.#o.now()) });
    this.#stats.received++;
    if (problem) {
      this.#stats.undecodable++;
      this.#log.warn({ problem, memory: src.memory, index: src.index, pdu: part.pdu }, "SMS part not decodable; handing off the raw PDU");
    }
    return part;
  }

  #deliver(sms: CompleteSms): void {
    if (sms.missingParts.length > 0) this.#log.warn({ sender: sms.sender, missing: sms.missingParts }, "multipart SMS delivered incomplete after its timeout");
    for (const listener of [() => this.#o.onMessage?.(sms), () => this.emit("message", sms)]) {
      try {
        listener();
      } catch (err) {
        this.#log.error({ err }, "SMS message listener threw");
      }
    }
  }

  #armExpiry(): void {
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    const due = this.#assembler.nextDeadline();
    if (due === null || this.#stopped) return;
    this.#expiryTimer = setTimeout(() => {
      for (const sms of this.#assembler.expire(this.#o.now())) this.#deliver(sms);
      this.#armExpiry();
    }, Math.max(0, due - this.#o.now()));
  }

  // ---- Sweep ------------------------------------------------------------------------------

  async #runSweep(): Promise<void> {
    try {
      await this.#sweepOnce();
    } catch (err) {
      // Only a bug gets here (every AT failure is handled below); sweeps run from timers, so never reject.
      this.#log.error({ err }, "SMS sweep failed unexpectedly");
      this.#safeEmit("error", err instanceof Error ? err : new Error(String(err)));
      this.#sweepSoon(this.#o.sweepIntervalMs);
    }
  }

  async #sweepOnce(): Promise<void> {
    clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    this.#sweepDue = Infinity;
    let wasFull = false;
    const deletedBefore = this.#stats.deleted;
    try {
      const { full, warnings } = this.#watch.check((await this.#memory.usage()) ?? []);
      wasFull = full;
      for (const w of warnings) {
        this.#log.warn(w, "SMS storage nearly full");
        this.#safeEmit("storage-warning", w);
      }
    } catch (err) {
      if (this.#quietFailure(err)) return;
      this.#log.warn({ err }, "AT+CPMS? failed; listing anyway");
    }
    const work: Promise<void>[] = [];
    for (const memory of this.#sweepMemories) {
      let claimed: StoredEntry[];
      try {
        claimed = await this.#memory.list(memory, (entries) => this.#claim(entries));
      } catch (err) {
        if (this.#quietFailure(err)) break;
        // SM without a SIM answers +CMS ERROR 310; the other memories are still worth listing.
        this.#log.warn({ err, memory }, "listing SMS memory failed");
        continue;
      }
      for (const e of claimed) work.push(this.#handOffStored(e).finally(() => this.#release(e.memory, e.index)));
    }
    await Promise.all(work);
    if (this.#stopped) return;
    // Room freed after a full memory: held SMS arrive now, and +CMTI may not come for them.
    this.#sweepSoon(wasFull && this.#stats.deleted > deletedBefore ? 0 : this.#o.sweepIntervalMs);
  }

  /** Runs inside the memory lock: mark what this sweep hands off, skip what a +CMTI read holds. */
  #claim(entries: StoredEntry[]): StoredEntry[] {
    return entries.filter((e) => {
      if (!isReceived(e.stat, e.memory)) return false;
      const { claimed, missedIndication } = this.#slots.claimForSweep(slotKey(e.memory, e.index));
      if (missedIndication) {
        // The sweep is a safety net; an indicated SMS reaching it means the indication path lost it.
        this.#log.warn({ port: this.#o.portId, memory: e.memory, index: e.index }, "the sweep found an SMS whose +CMTI/+CDSI came in but was never acted on (a bug: it waited for the sweep)");
      }
      return claimed;
    });
  }

  /** Run the next sweep within `delayMs` (keeps an earlier one if already due sooner). */
  #sweepSoon(delayMs: number): void {
    if (this.#stopped || !this.#started) return;
    const due = this.#o.now() + delayMs;
    if (due >= this.#sweepDue) return;
    clearTimeout(this.#sweepTimer);
    this.#sweepDue = due;
    this.#sweepTimer = setTimeout(() => {
      this.#sweepTimer = undefined;
      this.#sweepDue = Infinity;
      void this.sweep();
    }, delayMs);
  }

  // ---- Lifecycle ---------------------------------------------------------------------------

  /** Failures that need no log line: we stopped, or the modem is gone (logged once in #gone). */
  #quietFailure(err: unknown): boolean {
    return err instanceof Stopped || isModemGone(err) || this.#stopped;
  }

  #gone(err: unknown): void {
    if (this.#stopped) return;
    this.#log.info({ err }, "modem gone; SMS receiver stops (undeleted SMS stay on the modem)");
    this.stop();
  }

  #safeEmit<K extends "storage-warning" | "error">(event: K, ...args: SmsReceiverEvents[K]): void {
    // An "error" with no listener would throw out of a timer callback and crash the daemon.
    if (event === "error" && this.listenerCount("error") === 0) return;
    try {
      (this.emit as (e: K, ...a: SmsReceiverEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.#log.error({ err, event }, "SmsReceiver listener threw");
    }
  }
}
