/**
 * Shared bits of the outbound tests: a real store in a temp directory, real activations and
 * stored SMS, a logger whose lines the test can read, config objects with short intervals,
 * and a bounded wait on a condition (instead of sleeps).
 */
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import { afterEach, beforeEach } from "vitest";
import { FakeOnlinesim, type FakeOnlinesimOptions, type FakeOnlinesimUrls } from "../../src/onlinesim/fake/index.js";
import type { Config } from "../../src/config/schema.js";
import type { Reservation } from "../../src/sales/types.js";
import { openStore, type Store } from "../../src/store/index.js";
import { deliverParts, newActivation, reserve, tempStateDir } from "../store/helpers.js";
import { nodeHttpTransport, type HttpTransport } from "../../src/outbound/http.js";

export const KEY = "k-outbound-test-123";

/** Poll `cond` every 5 ms until true, or fail after `timeoutMs` naming `what`. */
export async function until(cond: () => boolean, timeoutMs = 3_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A pino logger writing JSON lines into an array (level trace, so debug lines are there too). */
export function captureLogger(): { logger: Logger; lines: LogLine[]; at: (level: "warn" | "error" | "info") => LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString("utf8").split("\n")) if (l.trim()) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  const logger = pino({ level: "trace", base: undefined }, stream);
  const LEVELS = { info: 30, warn: 40, error: 50 } as const;
  return { logger, lines, at: (level) => lines.filter((l) => l.level === LEVELS[level]) };
}

/** A store in a fresh temp dir; `reopen()` closes and opens the same directory again. */
export function tempStore(cleanups: Array<() => void>): { store: () => Store; reopen: () => Store } {
  const t = tempStateDir();
  let current = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
  cleanups.push(() => {
    current.close();
    t.cleanup();
  });
  return {
    store: () => current,
    reopen: () => {
      current.close();
      current = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
      return current;
    },
  };
}

let smsSeq = 0;

/** Store a whole SMS as the hand-off would (real PDUs, distinct per call) and return its id. */
export function storeSms(s: Store, text: string, sender = "Telegram", portId = "usb-1-1"): number {
  // Distinct timestamps: the same text twice must be two messages, not a dedup hit.
  const at = new Date(Date.UTC(2026, 10, 22, 8, 0, 0) + ++smsSeq * 1000);
  const parts = deliverParts({ text, at, portId });
  for (const p of parts) s.sms.acceptPart(p);
  return s.sms.storeMessage({ portId, iccid: parts[0]!.iccid, sender, text, parts, missingParts: [], timestamp: null }).id;
}

/** An open Onlinesim activation on SIM `n`, claimed through the sales ledger as GET_NUMBER does. */
export function activation(s: Store, n: number, over: Parameters<typeof newActivation>[1] = {}): Promise<Reservation> {
  return reserve(s.sales, newActivation(n, over));
}

/**
 * Store an SMS and queue its PUSH_SMS row for the activation: returns the outbox row id and
 * the SMS id. Synchronous (the outbox repository's own insert, the row routing writes), so a
 * test can queue several in one turn, as a burst of SMS arrives.
 */
export function queueSms(s: Store, a: Reservation, text: string, sender = "Telegram"): { outboxId: number; smsId: number } {
  const smsId = storeSms(s, text, sender);
  const { item, duplicate } = s.outbox.enqueue(smsId, a.id, Date.now());
  if (duplicate) throw new Error(`SMS ${smsId} was queued for activation ${a.id} before`);
  return { outboxId: item.id, smsId };
}

export function pushConfig(over: Partial<Config["onlinesim"]["push"]> = {}): Config["onlinesim"]["push"] {
  return {
    smsIdMode: "activationId",
    phoneFormat: "string",
    terminalErrors: ["NO_OPERATION", "NO_OP", "BAD_SERVICE", "IGNORED", "SERVICE_BAN"],
    retryMs: 100,
    giveUpAfterCloseMs: 60_000,
    timeoutMs: 5_000,
    concurrency: 4,
    backoffMaxMs: 1_000,
    ...over,
  };
}

export function v2Config(over: Partial<Config["onlinesim"]["v2"]> = {}): Config["onlinesim"]["v2"] {
  return {
    sendNumbersOnlineMs: 60_000,
    jitterMs: 0,
    debounceMs: 500,
    addMessagesBatchMs: 0,
    incremental: false,
    test: "none",
    operatorDigits: "real",
    timeoutMs: 10_000,
    ...over,
  };
}

/**
 * Time driven by hand for the senders' retry and probe timers: `clock` reads it, `timers`
 * register with it, `next()` jumps to the earliest pending timer and fires it. Network I/O
 * (and its deadlines) stays real.
 */
export class ManualTime {
  now = Date.now();
  #seq = 0;
  readonly #pending = new Map<number, { at: number; fn: () => void }>();

  readonly clock = (): number => this.now;

  readonly timers = {
    setTimeout: (fn: () => void, ms: number): unknown => {
      const id = ++this.#seq;
      this.#pending.set(id, { at: this.now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout: (handle: unknown): void => {
      this.#pending.delete(handle as number);
    },
  };

  /** When the earliest pending timer fires, or null. */
  get nextAt(): number | null {
    let at: number | null = null;
    for (const t of this.#pending.values()) if (at === null || t.at < at) at = t.at;
    return at;
  }

  /** Advance to the earliest pending timer and fire it (time never goes back). Returns the new time, or null when none is pending. */
  next(): number | null {
    let first: [number, { at: number; fn: () => void }] | undefined;
    for (const e of this.#pending) if (!first || e[1].at < first[1].at) first = e;
    if (!first) return null;
    this.#pending.delete(first[0]);
    this.now = Math.max(this.now, first[1].at);
    first[1].fn();
    return this.now;
  }
}

/** Let queued microtasks and one macrotask turn run (a pump scheduled by a timer or a settle). */
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A transport (the real one underneath) that counts calls and remembers the JSON bodies it sent (with `clock`'s time), in call order, and how many were in flight at most. */
export function recordingTransport(clock: () => number = Date.now): {
  transport: HttpTransport;
  /** `concurrent`: how many other requests of this transport were in flight when this one started. */
  calls: Array<{ body: Record<string, unknown>; at: number; concurrent: number }>;
  maxInFlight: () => number;
  inFlight: () => number;
} {
  const calls: Array<{ body: Record<string, unknown>; at: number; concurrent: number }> = [];
  let current = 0;
  let max = 0;
  const t: HttpTransport = async (req) => {
    calls.push({ body: JSON.parse(req.body ?? "{}") as Record<string, unknown>, at: clock(), concurrent: current });
    current++;
    max = Math.max(max, current);
    try {
      return await nodeHttpTransport(req);
    } finally {
      current--;
    }
  };
  return { transport: t, calls, maxInFlight: () => max, inFlight: () => current };
}

export interface FakeAndStore {
  fake: FakeOnlinesim;
  urls: FakeOnlinesimUrls;
  store: Store;
  /** Close and open the same state directory again (a restart); `store` follows. */
  reopen(): Store;
  /** Run after the test, last added first. */
  cleanups: Array<() => void | Promise<void>>;
}

/** For each test of the calling file: a started fake Onlinesim and a fresh store, torn down afterwards. */
export function fakeAndStore(options: Omit<FakeOnlinesimOptions, "key"> = {}): FakeAndStore {
  const t = { cleanups: [] } as unknown as FakeAndStore;
  beforeEach(async () => {
    t.fake = new FakeOnlinesim({ key: KEY, ...options });
    t.urls = await t.fake.start();
    const sync: Array<() => void> = [];
    const s = tempStore(sync);
    t.store = s.store();
    t.reopen = () => (t.store = s.reopen());
    t.cleanups.push(...sync);
  });
  afterEach(async () => {
    for (const c of t.cleanups.splice(0).reverse()) await c();
    await t.fake.stop();
  });
  return t;
}
