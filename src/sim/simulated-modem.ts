/**
 * One simulated GSM module on a serial line. It plays the device side of a DeviceWire:
 * bytes typed by the host arrive in `receiveFromHost`, replies and URCs leave through
 * the `output` event, framed like real firmware (echo when E1, `\r\n` blocks).
 *
 * Idle cost: a few small objects and no timers. Timers exist only while something is
 * due (latency, USSD answer, reset) and all of them die with close()/unplug().
 */
import { EventEmitter } from "node:events";
import type { DeviceWireEvents, DeviceWire } from "../transport/device-wire.js";
import { executeLine, formatInfo, parseCommandLine, type LineOutcome } from "./at-interpreter.js";
import { LineInput } from "./line-input.js";
import { registrationUrcs } from "./commands/network.js";
import type { InjectedSms, InjectedStatusReport, SimContext } from "./commands/types.js";
import { getDialect, type DialectSpec } from "./dialects/index.js";
import { FaultSwitchboard, type FaultState } from "./faults.js";
import type { RegistrationStat, SimCardProfile, SimModemProfile } from "./profile.js";
import { createRng, seedFrom } from "./rng.js";
import { defaultSettings, type ModemSettings, type SettingsDefaults } from "./settings.js";
import { SimCard } from "./sim-card.js";
import { firstConcatRef, SmsInbox } from "./sms-inbox.js";
import { SmsStorage } from "./sms-storage.js";

export interface SimulatedModemOptions {
  /** Delay between `AT+CUSD=1,...` and the `+CUSD:` answer. Default 150 ms. */
  ussdDelayMs?: number;
  /** How long AT+CFUN=1,1 keeps the module away. Default 400 ms. */
  resetMs?: number;
  /** SIM cards in the module's other holders (a dual-SIM module: one more), selected with AT+CSUS / AT+QUIMSLOT / AT+SMSIMCFG. */
  extraSlots?: SimCardProfile[];
  /** From a slot select to the other SIM being read (+CPIN READY). Default 2000 ms. */
  slotSwitchMs?: number;
  /**
   * Wall clock (ms since epoch) the first concatenation reference is derived from, so a
   * restarted simulator does not repeat the references of the last run. Default Date.now.
   */
  clock?: () => number;
}

/** What the module did, for tests and traces (kept off the DeviceWire event map). */
export interface SimulatedModemActivity {
  /** A command line the module received. */
  command: [line: string];
  /** The module has executed that line; its reply has not gone out yet (URCs raised now go out right behind it). */
  executed: [line: string];
  /** A PDU the host sent with AT+CMGS. */
  smsSent: [pdu: string];
}

export interface SimulatedModemSnapshot {
  profile: SimModemProfile;
  present: boolean;
  settings: ModemSettings;
  faults: FaultState;
  storage: { SM: ReturnType<SmsStorage["snapshot"]> | null; ME: ReturnType<SmsStorage["snapshot"]>; SR: ReturnType<SmsStorage["snapshot"]> };
  heldSms: number;
  sent: string[];
}

export class SimulatedModem extends EventEmitter<DeviceWireEvents> implements DeviceWire {
  readonly faults: FaultSwitchboard;
  readonly activity = new EventEmitter<SimulatedModemActivity>();
  /** PDUs the host sent (AT+CMGS), oldest first. */
  readonly sent: string[] = [];
  readonly #base: SimModemProfile;
  readonly #dialect: DialectSpec;
  readonly #settings: ModemSettings;
  readonly #me: SmsStorage;
  /** Status reports (+CDSI "SR"), readable as <mem1> only. */
  readonly #sr: SmsStorage;
  readonly #inbox: SmsInbox;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #ctx: SimContext;
  readonly #ussdDelayMs: number;
  readonly #resetMs: number;
  #sim: SimCard | null;
  #ejected: SimCard | null = null;
  /** Cards in the holders of a multi-slot module, index = slot - 1 (the active holder's card is #sim). */
  readonly #slotCards: (SimCard | null)[];
  #activeSlot = 1;
  readonly #slotSwitchMs: number;
  #present = true;
  #booting = false;
  #closed = false;
  readonly #input: LineInput;
  #queue: string[] = [];
  /** A command line is executing or its reply is delayed: URCs wait in #heldUrcs. */
  #busy = false;
  /**
   * URCs raised while a command runs. Modules do not cut into a reply: they send them
   * right behind its final result, usually in the same read (a +CMTI behind the OK of the
   * AT+CMGD that freed its slot, issue 14).
   */
  #heldUrcs: string[] = [];
  #prompt: ((body: string | null) => LineOutcome) | null = null;
  #messageRef = 0;
  /** Runs only while faults.noiseBytesPerSecond > 0. */
  #noiseTimer: NodeJS.Timeout | undefined;

  constructor(profile: SimModemProfile, options: SimulatedModemOptions = {}) {
    super();
    this.#base = structuredClone(profile);
    this.#dialect = getDialect(profile.dialect);
    this.#settings = defaultSettings(this.#powerOnDefaults());
    this.#me = new SmsStorage("ME", profile.meSmsCapacity);
    this.#sr = new SmsStorage("SR", profile.meSmsCapacity);
    const card = new SimCard(this.#base.sim);
    if (profile.sim.state === "absent") this.#ejected = card;
    this.#sim = profile.sim.state === "absent" ? null : card;
    const rng = createRng(seedFrom(profile.imei));
    this.faults = new FaultSwitchboard(rng);
    this.faults.onNoiseChange((rate) => this.#spew(rate));
    this.#inbox = new SmsInbox(firstConcatRef(rng.int(0, 255), (options.clock ?? Date.now)()));
    this.#ussdDelayMs = options.ussdDelayMs ?? 150;
    this.#resetMs = options.resetMs ?? 400;
    this.#slotCards = [card, ...(options.extraSlots ?? []).map((p) => new SimCard(structuredClone(p)))];
    this.#slotSwitchMs = options.slotSwitchMs ?? 2_000;
    this.#ctx = this.#makeContext();
    this.#input = new LineInput(this.#settings, {
      echo: (bytes) => this.#emit(bytes),
      line: (text) => this.#queue.push(text),
      body: (text) => {
        const onBody = this.#prompt;
        this.#prompt = null;
        if (onBody) this.#reply(onBody(text));
      },
    });
  }

  /** The module's profile as it is now (SIM state, swapped SIM, network changes). */
  get profile(): SimModemProfile {
    const card = this.#sim ?? this.#ejected;
    const sim = card ? { ...card.snapshot(), state: this.#sim ? card.state : ("absent" as const) } : this.#base.sim;
    return { ...structuredClone(this.#base), sim };
  }

  get present(): boolean {
    return this.#present;
  }

  get sim(): SimCard | null {
    return this.#sim;
  }

  /** Bytes from the host program. A hung, unplugged or rebooting module ignores them. */
  receiveFromHost(data: Buffer): void {
    if (!this.#present || this.#closed || this.#booting || this.faults.hang) return;
    this.#input.feed(data);
    this.#drain();
  }

  /** Deliver an SMS from the network; returns the storage indexes it got (empty for +CMT or when held). */
  injectSms(sms: InjectedSms): number[] {
    return this.#inbox.inject(this.#ctx, sms);
  }

  /** The network reports on an SMS this module sent; returns its SR index, or null (routed as +CDS, not routed, or SR full). */
  injectStatusReport(report: InjectedStatusReport): number | null {
    return this.#inbox.report(this.#ctx, report);
  }

  /** SIM pulled out of the slot: URCs per dialect, registration lost, SM storage leaves with the card. */
  pullSim(): void {
    if (!this.#sim) return;
    this.#ejected = this.#sim;
    this.#sim = null;
    this.#ctx.cancelUssd?.();
    this.#urc(...this.#dialect.simRemovedUrcs(this.#ctx), ...registrationUrcs(this.#ctx));
  }

  /** Insert a SIM: the one pulled earlier, a new card, or a card that lives elsewhere (a bank slot keeps its card and its SM memory). */
  insertSim(sim?: SimCardProfile | SimCard): void {
    if (this.#sim) this.pullSim();
    const card = sim instanceof SimCard ? sim : sim ? new SimCard(structuredClone(sim)) : this.#ejected;
    if (!card) throw new Error("no SIM to insert: pass a SimCardProfile");
    this.#ejected = null;
    this.#sim = card;
    this.#urc(...this.#dialect.simInsertedUrcs(this.#ctx), ...registrationUrcs(this.#ctx));
    this.#inbox.retry(this.#ctx);
  }

  /** Which holder of a multi-slot module is active (1-based), and how many there are. */
  get slots(): { count: number; active: number } {
    return { count: this.#slotCards.length, active: this.#activeSlot };
  }

  /**
   * Make another holder active, as AT+CSUS / AT+QUIMSLOT / AT+SMSIMCFG do: the SIM goes
   * (+CPIN URCs, registration lost), the other one is read after slotSwitchMs and the
   * module registers with it (docs/sim-banks.md#after-a-switch).
   */
  selectSlot(slot: number): void {
    if (slot === this.#activeSlot || slot < 1 || slot > this.#slotCards.length) return;
    this.#slotCards[this.#activeSlot - 1] = this.#sim ?? this.#ejected;
    this.pullSim();
    this.#ejected = null;
    this.#activeSlot = slot;
    const registration = this.#base.network.registration;
    this.setRegistration(2);
    const card = this.#slotCards[slot - 1];
    this.#schedule(this.#slotSwitchMs, () => {
      if (card) this.insertSim(card);
      this.setRegistration(registration === 2 ? 1 : registration);
    });
  }

  /** Network side: registration state changes (roaming, denied, searching); raises +CREG/+CGREG URCs. */
  setRegistration(stat: RegistrationStat): void {
    this.#base.network.registration = stat;
    this.#urc(...registrationUrcs(this.#ctx), ...this.#dialect.statusUrcs(this.#ctx));
    this.#inbox.retry(this.#ctx);
  }

  setSignal(rssi: number): void {
    this.#base.network.signalRssi = rssi;
    this.#urc(...this.#dialect.statusUrcs(this.#ctx));
  }

  /** The port disappears (USB unplug): attached ports hang up. */
  unplug(): void {
    if (!this.#present) return;
    this.#present = false;
    this.#stopActivity();
    this.emit("unplug");
  }

  /** Back on the bus: a power-on (faults.hang clears, settings reset, boot URCs shortly after). */
  replug(): void {
    if (this.#present || this.#closed) return;
    this.#present = true;
    this.faults.hang = false;
    this.#booting = false;
    this.#powerOnSettings();
    this.emit("replug");
    this.#schedule(Math.min(100, this.#resetMs), () => this.#urc(...this.#dialect.bootUrcs(this.#ctx)));
  }

  /** What AT+CFUN=1,1 does: USB modules leave the bus and come back; UART modules go quiet and reboot. */
  powerCycle(): void {
    this.#stopActivity();
    if (this.#dialect.resetDropsUsb) {
      // The OK has gone out; the module drops off the bus a moment later.
      this.#schedule(30, () => {
        this.unplug();
        this.#schedule(this.#resetMs, () => this.replug());
      });
      return;
    }
    this.#booting = true;
    this.#schedule(this.#resetMs, () => {
      this.#booting = false;
      this.faults.hang = false;
      this.#powerOnSettings();
      this.#urc(...this.#dialect.bootUrcs(this.#ctx));
    });
  }

  /**
   * The firmware restarts on its own (a watchdog reset) without leaving the bus or saying a
   * word: every volatile setting is back at its power-on value (+CNMI, echo, +CMEE, +CREG…)
   * and the host is not told. What a module that "lost its indication setting" went through.
   */
  silentReset(): void {
    this.#powerOnSettings();
  }

  /** The dialect's power-on settings with this module's own firmware differences. */
  #powerOnDefaults(): SettingsDefaults {
    const cnmi = this.#base.firmware?.powerOnCnmi;
    return cnmi ? { ...this.#dialect.defaults, cnmi: [...cnmi] } : this.#dialect.defaults;
  }

  /** Settings after a power-on: the defaults, and the dialect's busy time (Wavecom answers 515 for a while). */
  #powerOnSettings(): void {
    Object.assign(this.#settings, defaultSettings(this.#powerOnDefaults()));
    if (this.#dialect.busyAfterBootMs > 0) this.#settings.busyUntil = Date.now() + this.#dialect.busyAfterBootMs;
  }

  storage(mem: "SM" | "ME" | "SR"): SmsStorage | null {
    if (mem === "SR") return this.#sr;
    return mem === "ME" ? this.#me : (this.#sim?.sm ?? null);
  }

  snapshot(): SimulatedModemSnapshot {
    return {
      profile: this.profile,
      present: this.#present,
      settings: structuredClone(this.#settings),
      faults: this.faults.snapshot(),
      storage: { SM: this.#sim?.sm.snapshot() ?? null, ME: this.#me.snapshot(), SR: this.#sr.snapshot() },
      heldSms: this.#inbox.heldCount,
      sent: [...this.sent],
    };
  }

  /** Stop for good: timers cleared, no more output. */
  close(): void {
    this.#closed = true;
    this.#spew(0);
    this.#stopActivity();
    this.activity.removeAllListeners();
  }

  #stopActivity(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#ctx.cancelUssd = null;
    this.#queue = [];
    this.#input.reset();
    this.#busy = false;
    this.#heldUrcs = [];
    this.#prompt = null;
  }

  #schedule(ms: number, fn: () => void): () => void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.#timers.delete(timer);
    };
  }

  /** Emit `rate` junk bytes a second in 10 chunks a second (kept across unplug: the noise is the hardware's). */
  #spew(rate: number): void {
    clearInterval(this.#noiseTimer);
    this.#noiseTimer = undefined;
    if (rate <= 0 || this.#closed) return;
    const TICKS_PER_SECOND = 10;
    let owed = 0;
    this.#noiseTimer = setInterval(() => {
      owed += rate / TICKS_PER_SECOND;
      const n = Math.floor(owed);
      owed -= n;
      if (n > 0) this.#emit(this.faults.junk(n));
    }, 1000 / TICKS_PER_SECOND);
    this.#noiseTimer.unref();
  }

  #emit(bytes: Buffer | string): void {
    if (!this.#present || this.#closed) return;
    this.emit("output", typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes);
  }

  /** Each URC is its own `\r\n<urc>\r\n` block, held behind a running command's reply. Silent while hung or rebooting. */
  #urc(...lines: string[]): void {
    if (lines.length === 0 || this.faults.hang || this.#booting) return;
    const blocks = lines.map((l) => formatInfo(this.#ctx, [l])).join("");
    if (this.#busy) this.#heldUrcs.push(blocks);
    else this.#emit(blocks);
  }

  #drain(): void {
    while (!this.#busy && !this.#prompt && this.#queue.length > 0) {
      const line = this.#queue.shift() ?? "";
      const parsed = parseCommandLine(line);
      // Busy from receipt to final result: URCs raised meanwhile go out right behind the reply.
      if (parsed) this.#busy = true;
      this.activity.emit("command", line);
      if (!parsed) continue;
      const outcome = executeLine(this.#ctx, parsed);
      this.activity.emit("executed", line);
      this.#reply(outcome);
    }
  }

  /** Send one reply (URCs held meanwhile right behind it), through the latency / drop / garbage faults; then run its after-hooks. */
  #reply(outcome: LineOutcome): void {
    this.#busy = true;
    const send = () => {
      this.#busy = false;
      const urcs = this.#heldUrcs.join("");
      this.#heldUrcs = [];
      if (this.faults.hang) {
        // A hung firmware loses what it was working on and what was typed ahead.
        this.#queue = [];
        return;
      }
      if (outcome.prompt) {
        this.#prompt = outcome.prompt;
        this.#input.dataEntry = true;
      }
      if (!this.faults.takeDrop()) {
        const junk = this.faults.takeGarbage();
        if (junk) this.#emit(junk);
        this.#emit(outcome.output + urcs);
      } else if (urcs) {
        this.#emit(urcs);
      }
      for (const after of outcome.after) after();
      this.#drain();
    };
    if (this.faults.latencyMs > 0) {
      this.#busy = true;
      this.#schedule(this.faults.latencyMs, send);
    } else {
      send();
    }
  }

  #makeContext(): SimContext {
    const self = this;
    return {
      profile: this.#base,
      dialect: this.#dialect,
      settings: this.#settings,
      get sim() {
        return self.#sim;
      },
      me: this.#me,
      storage: (mem) => (mem === "SM" || mem === "ME" || mem === "SR" ? self.storage(mem) : null),
      urc: (...lines) => self.#urc(...lines),
      schedule: (ms, fn) => self.#schedule(ms, fn),
      powerCycle: () => self.powerCycle(),
      setRadio: (on) => {
        self.#settings.cfun = on ? 1 : 0;
        self.#urc(...registrationUrcs(self.#ctx));
        if (on) self.#inbox.retry(self.#ctx);
      },
      retryPendingSms: () => self.#inbox.retry(self.#ctx),
      injectSms: (sms) => self.injectSms(sms),
      recordSent: (pdu) => {
        self.sent.push(pdu);
        self.activity.emit("smsSent", pdu);
        self.#messageRef = (self.#messageRef + 1) & 0xff;
        return self.#messageRef;
      },
      ussdDelayMs: this.#ussdDelayMs,
      cancelUssd: null,
      get slots() {
        return self.slots;
      },
      selectSlot: (slot) => self.selectSlot(slot),
    };
  }
}
