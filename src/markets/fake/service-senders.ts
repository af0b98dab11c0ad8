/**
 * The other side of an activation: the service (Telegram, WhatsApp, …) that sends its
 * verification SMS to the number a fake marketplace's buyer just got. This goes through
 * the daemon's simulator control (`POST <admin>/api/simulator/sms`), so the SMS arrives at a
 * simulated modem over its pseudo-terminal like a real one would — the fake never touches
 * the daemon's internals. Some operations get no SMS at all (the buyer cancels: status 4/5).
 * Shared by every fake marketplace (Onlinesim's, the SMSHUB family's).
 */
import type { Prng } from "./prng.js";

/** What the senders need of an order: its id, the number and the service (named as a person would read it). */
export interface OrderedNumber {
  activationId: number;
  /** E.164 digits, no "+". */
  number: string;
  service: string;
}

export interface ServiceSendersOptions {
  /** The daemon's admin base URL, e.g. http://127.0.0.1:8081. */
  simulatorUrl: string;
  /** Share of operations that receive an SMS (default 0.8). */
  smsRate?: number;
  /** Delay from the order to the SMS (default 300–2000 ms). */
  delayMs?: { min: number; max: number };
  /** Admin bearer token, if the daemon has one. */
  token?: string;
  fetch?: typeof fetch;
}

export interface ServiceSendersStats {
  sent: number;
  failed: number;
  lastError: string | null;
}

const TEXTS: Array<(code: string, service: string) => string> = [
  (code, s) => `${s} code: ${code}. Don't share it with anyone.`,
  (code, s) => `Ваш код ${s}: ${code}. Никому не сообщайте его.`,
  (code, s) => `<#> ${code} is your ${s} verification code 🔐`,
  (code, s) =>
    `${s}: your login code is ${code}. If you did not request it, someone may be trying to access your account; ` +
    `do not give this code to anyone, even if they say they are from ${s}. This message is long on purpose, so it travels as a multipart SMS.`,
];

const title = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export class ServiceSenders {
  readonly stats: ServiceSendersStats = { sent: 0, failed: 0, lastError: null };
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inflight = new Set<Promise<void>>();
  /** activationId → the text that was sent (what PUSH_SMS must carry). */
  readonly sentTexts = new Map<number, string>();
  #stopped = false;

  constructor(
    private readonly opts: ServiceSendersOptions,
    private readonly prng: Prng,
  ) {}

  /** A new operation: send its SMS after a short, random delay when `send` says so (undefined: by smsRate). */
  issued(op: OrderedNumber, send?: boolean): void {
    if (this.#stopped || !(send ?? this.prng.chance(this.opts.smsRate ?? 0.8))) return;
    const { min, max } = this.opts.delayMs ?? { min: 300, max: 2_000 };
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      const p = this.#send(op).finally(() => this.#inflight.delete(p));
      this.#inflight.add(p);
    }, this.prng.int(min, max));
    this.#timers.add(timer);
  }

  async #send(op: OrderedNumber): Promise<void> {
    const code = String(this.prng.int(100_000, 999_999));
    const text = this.prng.pick(TEXTS)!(code, title(op.service));
    try {
      const res = await (this.opts.fetch ?? fetch)(`${this.opts.simulatorUrl}/api/simulator/sms`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}) },
        body: JSON.stringify({ number: `+${op.number}`, sender: title(op.service), text }),
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
      this.stats.sent++;
      this.sentTexts.set(op.activationId, text);
    } catch (err) {
      this.stats.failed++;
      this.stats.lastError = err instanceof Error ? err.message : String(err);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await Promise.allSettled([...this.#inflight]);
  }
}
