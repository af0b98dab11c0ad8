/**
 * One port's life: open it, bring the module up (identify, pick the driver, init, SIM,
 * identity, registration, own number), keep the port map true by acting on URCs and on
 * the channel's liveness events, probe it only when it has been silent, and climb the
 * recovery ladder when the module stops answering:
 *
 *   resync (the channel does it after every timeout) → driver soft reset → reopen the
 *   port → full re-probe, with a growing pause for ports that keep failing.
 *
 * Every port has its own session, queue and timers: a hung or unplugged module costs
 * only its own port.
 */
import { EventEmitter } from "node:events";
import { AtChannel, type AtChannelOptions } from "../at/index.js";
import { ErrorCode, SimgateError, isModemGone, isSimgateError } from "../errors.js";
import { silentLogger, withSimContext, type Logger } from "../log/logger.js";
import type { BytePort } from "../transport/byte-port.js";
import type { PortMap, PortView } from "./port-map.js";
import type { DriverDescriptor } from "../../drivers/generic/index.js";
import { bringUpSim, learnNumber, type SimContext } from "./session-sim.js";
import { SmsReceiver } from "./sms-receiver.js";
import type { MessageAssembler, ReceivedPart } from "./sms-handoff.js";
import { expectAt, isNoAnswer, readModuleIdentity, runInitSequence, StepLog } from "./steps.js";
import { PROBE_CHANNEL_OPTIONS } from "./probe.js";
import { Wakeable } from "./wakeable.js";
import type { PinGuard } from "./sim-unlock.js";
import type { NumberCache } from "./own-number.js";
import type { NumberUssdRule } from "./number-rules.js";

export interface DriverEvidence {
  manufacturer: string | null;
  model: string | null;
}

export interface SessionSmsOptions {
  /** Durable hand-off of one received part: resolve once it is stored (then it is deleted from the modem). */
  accept: (part: ReceivedPart) => Promise<void>;
  sweepIntervalMs?: number;
  /** The port's long-lived multipart assembler (see SmsReceiverOptions.assembler). */
  assembler?: (portId: string) => MessageAssembler;
}

export interface PortSessionOptions {
  id: string;
  openPort: () => Promise<BytePort>;
  map: PortMap;
  chooseDriver: (evidence: DriverEvidence) => DriverDescriptor;
  pins: Readonly<Record<string, string>>;
  pinGuard: PinGuard;
  numbers: { rules: readonly NumberUssdRule[]; manual: Readonly<Record<string, string>>; cache: NumberCache };
  /** Receive SMS on this port (omit for identification only, as `simgate probe` does). */
  sms?: SessionSmsOptions;
  logger?: Logger;
  /**
   * Status poll (SIM, registration, signal): 60 s. SIM and registration changes arrive as
   * URCs at once (+CREG, the driver's SIM URCs) and liveness has its own probe, so this
   * only refreshes the signal and catches what a module never indicates.
   */
  pollIntervalMs?: number;
  /**
   * A port silent this long (no line at all: traffic of any kind proves the module alive)
   * gets a bare `AT`: 3 s. A hung idle module is off sale within this plus the channel's
   * answerWithinMs; busy ports are never probed.
   */
  livenessProbeMs?: number;
  /** Consecutive health checks (probes, status polls) without an answer before the driver's soft reset (ModemManager escalates after repeated timeouts too). */
  timeoutsBeforeReset?: number;
  /** Pause before reopening after a failure: doubles per consecutive failure, up to the max. */
  backoffMs?: { initial: number; max: number };
  /** How long a reset module gets before we reopen (USB modules re-enumerate). */
  resetSettleMs?: number;
  /** Ask the operator again for a number it could not tell us after this long (USSD costs the operator's patience). */
  numberRetryMs?: number;
  /** Command timeout and resync budget of the port's channel (defaults: 5 s commands, the probe's short resync). */
  channel?: Omit<AtChannelOptions, "logger">;
}

/** What a module answered to a raw command (`simgate at`). */
export interface RawAtResult {
  /** Information lines, echo and claimed URCs removed. */
  lines: string[];
  /** The final result as sent: `OK`, `ERROR`, `+CME ERROR: 10`, … */
  final: string;
  ok: boolean;
  /** From the call to the answer, including the wait behind the session's own commands. */
  durationMs: number;
}

/** Final results that are an answer from the module, not a failure of the channel. */
const ANSWER_CODES = new Set([
  ErrorCode.AtError,
  ErrorCode.AtCmeError,
  ErrorCode.AtCmsError,
  ErrorCode.AtNoCarrier,
  ErrorCode.AtBusy,
  ErrorCode.AtNoAnswer,
  ErrorCode.AtNoDialtone,
]);

export interface PortSessionEvents {
  /** The first bring-up finished (ready or not): what `simgate scan` waits for. */
  settled: [port: PortView];
  /** A recovery step was taken. */
  recovery: [step: "soft-reset" | "reopen", reason: string];
}

export class PortSession extends EventEmitter<PortSessionEvents> {
  readonly #o: Required<Omit<PortSessionOptions, "sms" | "logger" | "channel">> & Pick<PortSessionOptions, "sms" | "channel">;
  readonly #log: Logger;
  readonly #wake = new Wakeable();
  #stopping = false;
  #running: Promise<void> | undefined;
  #channel: AtChannel | undefined;
  #settled = false;
  #resets = 0;
  #lastError: string | null = null;
  readonly #numberAttempts = new Map<string, number>();
  #receiver: SmsReceiver | undefined;
  /** Own-number chain steps waiting for the operator's answer SMS; null = gave up (timeout, stop, channel gone). */
  readonly #smsWaiters = new Set<(text: string | null) => void>();

  constructor(options: PortSessionOptions) {
    super();
    this.#o = {
      pollIntervalMs: 60_000,
      livenessProbeMs: 3_000,
      timeoutsBeforeReset: 3,
      backoffMs: { initial: 1_000, max: 60_000 },
      resetSettleMs: 3_000,
      numberRetryMs: 30 * 60_000,
      ...options,
    };
    // Every line of this port (session, channel, SMS receiver) carries `port` from the pool's
    // child logger and the SIM in the port now (`iccid`, `number`), read at each line.
    this.#log = withSimContext(options.logger ?? silentLogger(), () => this.#o.map.get(this.#o.id));
  }

  get id(): string {
    return this.#o.id;
  }

  get resets(): number {
    return this.#resets;
  }

  /** Why the last bring-up failed (null after a good one). */
  get lastError(): string | null {
    return this.#lastError;
  }

  /** The live channel, for raw commands interleaved with the session's own (`simgate at`). */
  get channel(): AtChannel | undefined {
    return this.#channel;
  }

  /**
   * One operator-typed command through this port's queue (`simgate at`): it waits its
   * turn behind the session's own commands (one command in flight per port), URCs that
   * arrive meanwhile still reach their handlers, and a timeout leaves the channel dirty
   * so the next command resyncs first — the session's traffic stays intact. An error
   * final (`ERROR`, `+CME ERROR: …`) is the module's answer and comes back in `final`;
   * timeouts, a closed channel and malformed commands reject with their SimgateError.
   */
  async runRaw(command: string, timeoutMs?: number): Promise<RawAtResult> {
    const channel = this.#channel;
    if (!channel || channel.isClosed) {
      throw new SimgateError(`port ${this.id} has no open AT channel now (reopening, unplugged or stopping): try again shortly`, ErrorCode.AtChannelClosed, { port: this.id });
    }
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const r = await channel.run(timeoutMs === undefined ? command : { text: command, timeoutMs });
      return { lines: r.lines, final: r.final, ok: true, durationMs: elapsed() };
    } catch (err) {
      if (!isSimgateError(err) || !ANSWER_CODES.has(err.code)) throw err;
      const ctx = err.context as { final?: string; lines?: string[] };
      return { lines: ctx.lines ?? [], final: ctx.final ?? "ERROR", ok: false, durationMs: elapsed() };
    }
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake.abort();
    // A bring-up waiting for the operator's "your number is …" SMS must not hold the stop
    // for that wait's whole timeout (it did: 10 s+ SIGTERMs right after start).
    for (const waiter of [...this.#smsWaiters]) waiter(null);
    await this.#channel?.close();
    await this.#running;
  }

  async #loop(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      let channel: AtChannel | undefined;
      try {
        channel = new AtChannel(await this.#o.openPort(), { ...PROBE_CHANNEL_OPTIONS, ...this.#o.channel, logger: this.#log });
        this.#channel = channel;
        this.#watchLiveness(channel);
        const driver = await this.#bringUp(channel);
        failures = 0;
        this.#lastError = null;
        this.#markSettled();
        await this.#monitor(channel, driver);
      } catch (err) {
        failures++;
        this.#lastError = err instanceof SimgateError ? err.plainMessage : String(err);
        if (!this.#stopping) {
          this.#log.warn({ err, failures }, isModemGone(err) ? "port went away" : "port bring-up failed");
          if (this.#o.map.get(this.#o.id)?.present) this.#o.map.update(this.#o.id, { responsive: false });
        }
        this.#markSettled();
      } finally {
        this.#receiver?.stop();
        this.#receiver = undefined;
        await channel?.close();
        this.#channel = undefined;
      }
      if (this.#stopping) break;
      const pause = Math.min(this.#o.backoffMs.max, this.#o.backoffMs.initial * 2 ** Math.max(0, failures - 1));
      this.emit("recovery", "reopen", failures > 0 ? `after ${failures} failed attempt(s)` : "after reset");
      await this.#wake.sleep(pause);
    }
  }

  async #bringUp(channel: AtChannel): Promise<DriverDescriptor> {
    await expectAt(channel, 2, 1500);
    const log = new StepLog();
    const identity = await readModuleIdentity(channel, log);
    const driver = this.#o.chooseDriver({ manufacturer: identity.manufacturer, model: identity.model });
    this.#o.map.update(this.#o.id, { responsive: true, answering: channel.answering, noisy: channel.noisy, driver: driver.name, ...identity });
    await runInitSequence(channel, driver, log);
    await this.#enableIndications(channel, driver, log);
    for (const urc of driver.simUrcs) {
      channel.registerUrc({ name: urc.name, pattern: urc.pattern, handler: () => this.#wake.wake() });
    }
    // Registration changes as URCs (+CREG: <stat>) so a lost network is seen at once, not at the next poll.
    channel.registerUrc({ name: "creg", pattern: /^\+CREG:\s*\d+\s*(,.*)?$/i, handler: () => this.#wake.wake() });
    // SIM first, then the receiver (SIM storage needs a ready SIM), then the own number:
    // some operators answer "my number" by SMS, which only a running receiver can read.
    await bringUpSim(this.#simContext(channel, driver, identity.manufacturer), false);
    await this.#ensureReceiver(channel, driver);
    const port = this.#o.map.get(this.#o.id);
    if (port?.iccid && port.sim === "ready" && port.number === null) {
      await learnNumber(this.#simContext(channel, driver, identity.manufacturer), port.iccid, port.mcc, port.mnc);
    }
    if (log.warnings.length > 0) this.#log.debug({ warnings: log.warnings }, "bring-up warnings");
    return driver;
  }

  /** `+CNMI` fallback chain (first OK wins) and `+CREG=1`; both re-sent on every bring-up (docs/peer-software.md#what-breaks-in-the-field). */
  async #enableIndications(channel: AtChannel, driver: DriverDescriptor, log: StepLog): Promise<void> {
    for (const cnmi of driver.cnmiChain ?? []) {
      if ((await log.step(cnmi, async () => channel.run(cnmi))) !== null) break;
    }
    await log.step("AT+CREG=1", async () => channel.run("AT+CREG=1"));
  }

  /** Start the SMS receiver once the SIM is ready (idempotent; a later SIM insert starts it too). */
  async #ensureReceiver(channel: AtChannel, driver: DriverDescriptor): Promise<void> {
    if (this.#receiver || !this.#o.sms || this.#o.map.get(this.#o.id)?.sim !== "ready") return;
    const receiver = new SmsReceiver(channel, {
      portId: this.#o.id,
      iccid: () => this.#o.map.get(this.#o.id)?.iccid ?? null,
      driver,
      accept: this.#o.sms.accept,
      logger: this.#log,
      ...(this.#o.sms.sweepIntervalMs !== undefined ? { sweepIntervalMs: this.#o.sms.sweepIntervalMs } : {}),
      ...(this.#o.sms.assembler ? { assembler: this.#o.sms.assembler(this.#o.id) } : {}),
    });
    receiver.on("message", (sms) => {
      this.#o.map.smsReceived(this.#o.id, sms);
      for (const waiter of [...this.#smsWaiters]) waiter(sms.text);
    });
    receiver.on("error", (err) => this.#log.warn({ err }, "SMS receiver error"));
    receiver.on("storage-warning", (usage) => this.#log.warn(usage, "SMS storage nearly full"));
    this.#receiver = receiver;
    try {
      await receiver.start();
    } catch (err) {
      if (isModemGone(err)) throw err;
      this.#log.warn({ err }, "SMS receiver did not start; the periodic sweep will retry");
    }
  }

  /** Resolves with the next SMS text on this port, or null after `timeoutMs`. */
  #nextSmsText = (timeoutMs: number): Promise<string | null> =>
    new Promise((resolve) => {
      const done = (text: string | null) => {
        clearTimeout(timer);
        this.#smsWaiters.delete(done);
        resolve(text);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      this.#smsWaiters.add(done);
    });

  #simContext(channel: AtChannel, driver: DriverDescriptor, manufacturer: string | null): SimContext {
    return {
      channel,
      driver,
      manufacturer,
      map: this.#o.map,
      id: this.#o.id,
      pins: this.#o.pins,
      pinGuard: this.#o.pinGuard,
      numbers: this.#o.numbers,
      numberAttempts: this.#numberAttempts,
      numberRetryMs: this.#o.numberRetryMs,
      logger: this.#log,
      ...(this.#receiver ? { nextSmsText: this.#nextSmsText } : {}),
    };
  }

  async #refreshSim(channel: AtChannel, driver: DriverDescriptor, manufacturer: string | null): Promise<void> {
    await bringUpSim(this.#simContext(channel, driver, manufacturer));
  }

  /**
   * The channel says at once when a command went unanswered past its short threshold, when
   * the module answers promptly again, and when it spews noise: each takes the port off
   * sale (or back) the moment it happens, ahead of the recovery ladder.
   */
  #watchLiveness(channel: AtChannel): void {
    const apply = (patch: { answering?: boolean; noisy?: boolean }) => {
      if (this.#channel !== channel || !this.#o.map.get(this.#o.id)?.present) return;
      this.#o.map.update(this.#o.id, patch);
    };
    channel.on("answering", (answering) => apply({ answering }));
    channel.on("noisy", (noisy) => apply({ noisy }));
  }

  /**
   * Keep the map true while the port is up. A port that has been silent for
   * livenessProbeMs gets a bare `AT` (the channel's answer watch takes it off sale if that
   * goes unanswered); a port with traffic is never probed. Every pollIntervalMs, and at
   * once when a SIM or registration URC says something changed, the SIM, registration and
   * signal are read again. Checks that get no answer at all count towards the soft reset;
   * after one, the next check waits a full probe interval, so a hung module is not hammered.
   */
  async #monitor(channel: AtChannel, driver: DriverDescriptor): Promise<void> {
    const manufacturer = this.#o.map.get(this.#o.id)?.manufacturer ?? null;
    // Counted here rather than from the channel: once a timeout has made the channel dirty,
    // every later command fails at its resync, which the channel does not count as a timeout.
    let silentChecks = 0;
    let statusDue = performance.now() + this.#o.pollIntervalMs;
    let lastCheckAt = 0;
    while (!this.#stopping && !channel.isClosed) {
      const probeDue = () => Math.max(channel.lastHeardAt, lastCheckAt) + this.#o.livenessProbeMs;
      const woken = await this.#wake.sleep(Math.max(0, Math.min(statusDue, probeDue()) - performance.now()));
      if (this.#stopping || channel.isClosed) return;
      const now = performance.now();
      const status = woken || now >= statusDue;
      if (!status) {
        // Traffic while we slept proved the module alive: sleep on until the port is silent.
        if (now < probeDue()) continue;
        // A command in flight is a check already (the answer watch times it): look again a probe interval later.
        if (!channel.idle) {
          lastCheckAt = now;
          continue;
        }
      }
      try {
        if (status) {
          statusDue = now + this.#o.pollIntervalMs;
          await this.#refreshSim(channel, driver, manufacturer);
          await this.#ensureReceiver(channel, driver);
        } else {
          // A bare AT answers in milliseconds: twice the answer threshold is generous, and a
          // module that hung comes back one probe after it recovers, not a full command timeout
          // later. Never above the default timeout: a longer one would exempt the probe from
          // the answer threshold (see answer-watch.ts).
          await channel.run({ text: "AT", timeoutMs: Math.min(2 * channel.answerWithinMs, channel.defaultTimeoutMs) });
        }
        silentChecks = 0;
      } catch (err) {
        if (isModemGone(err)) return;
        if (!isNoAnswer(err)) {
          this.#log.warn({ err }, "health poll failed");
          continue;
        }
        silentChecks++;
        if (silentChecks >= this.#o.timeoutsBeforeReset) {
          await this.#softReset(channel, driver, `${silentChecks} health polls without an answer`);
          return;
        }
      } finally {
        lastCheckAt = performance.now();
      }
    }
  }

  async #softReset(channel: AtChannel, driver: DriverDescriptor, reason: string): Promise<void> {
    this.#resets++;
    this.#log.warn({ reason, command: driver.softReset }, "module stopped answering; soft reset");
    this.emit("recovery", "soft-reset", reason);
    this.#o.map.update(this.#o.id, { responsive: false });
    await channel.run({ text: driver.softReset, timeoutMs: 5_000 }).catch(() => undefined);
    await channel.close();
    await this.#wake.sleep(this.#o.resetSettleMs);
  }

  #markSettled(): void {
    if (this.#settled) return;
    this.#settled = true;
    const view = this.#o.map.get(this.#o.id);
    if (view) this.emit("settled", view);
  }
}
