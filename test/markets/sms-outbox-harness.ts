/**
 * What the SMS outbox worker tests share: a real SQLite store with reservations claimed
 * through the sales ledger, a real FakeSmshub receiving PUSH_SMS over loopback HTTP, and in
 * front of it a small real HTTP proxy that plays the marketplace's bad days on a script
 * (503, a refusal, no answer, a dropped connection, an accepted SMS whose answer is lost) and
 * passes everything else through, so the fake judges every SMS that reaches it (duplicates,
 * exact text, held numbers).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach } from "vitest";
import { secretScrubber } from "../../src/log/secrets.js";
import { SmsOutboxWorker, type SmsOutboxWorkerOptions } from "../../src/markets/sms-outbox-worker.js";
import { DIALECTS } from "../../src/markets/smshub/dialects.js";
import { FakeSmshub } from "../../src/markets/smshub/fake/fake-smshub.js";
import { SmshubSmsDelivery } from "../../src/markets/smshub/push-sms.js";
import type { Reservation } from "../../src/sales/types.js";
import { marketOutboxOf, type Store } from "../../src/store/index.js";
import { captureLogger, tempStore, tick, until, type ManualTime } from "../outbound/helpers.js";
import { deliverParts } from "../store/helpers.js";

export const HUB = "smshub";
export const HUB_KEY = "hub-push-key-5a7c9e";

/** What the proxy does with one PUSH_SMS. */
export type Behaviour = "pass" | "503" | "refuse" | "hang" | "drop" | "passThenHang";

export interface ProxySeen {
  smsId: number;
  /** The number the SMS is for (PUSH_SMS `phone`). */
  phone: number;
  text: string;
  behaviour: Behaviour;
  /** Other PUSH_SMS of this worker in flight (at the proxy) when this one arrived. */
  concurrent: number;
  /** Another attempt of the same SMS was still in flight when this one arrived. */
  sameSmsInFlight: boolean;
  /** Index (in `seen`) of the requests that were in flight when this one arrived. */
  overlapping: number[];
  done: boolean;
  /** Passed to the fake (which may have accepted it), and the agent went away before the answer was written. */
  answerLost: boolean;
}

/** A loopback HTTP proxy in front of the fake's PUSH_SMS path, answering by script. */
export class ScriptedProxy {
  readonly seen: ProxySeen[] = [];
  /** Consumed one per request; when empty, `fallback` applies. */
  script: Behaviour[] = [];
  fallback: Behaviour = "pass";
  /** Answer text of "refuse" (200, an ERROR the agent re-sends after 10 s). */
  refusal = '{"status":"ERROR","error":"TRY_LATER"}';
  #server?: Server;
  readonly #open = new Set<number>();
  readonly #hung = new Set<ServerResponse>();

  constructor(private readonly target: () => string) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.#server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/agent/api/sms`;
  }

  get inFlight(): number {
    return this.#open.size;
  }

  async stop(): Promise<void> {
    for (const res of this.#hung) res.destroy();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const body = JSON.parse((req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8")) as { smsId: number; phone: number; text: string };
    const behaviour = this.script.shift() ?? this.fallback;
    const index = this.seen.length;
    const overlapping = [...this.#open];
    const entry: ProxySeen = {
      smsId: body.smsId,
      phone: body.phone,
      text: body.text,
      behaviour,
      concurrent: overlapping.length,
      sameSmsInFlight: overlapping.some((i) => this.seen[i]!.smsId === body.smsId),
      overlapping,
      done: false,
      answerLost: false,
    };
    this.seen.push(entry);
    this.#open.add(index);
    const finish = () => {
      entry.done = true;
      this.#open.delete(index);
    };
    res.on("close", finish);
    switch (behaviour) {
      case "503":
        res.writeHead(503, { "content-type": "text/plain" }).end("Service Unavailable");
        return;
      case "refuse":
        res.writeHead(200, { "content-type": "application/json" }).end(this.refusal);
        return;
      case "drop":
        res.socket?.destroy();
        return;
      case "hang":
        this.#hung.add(res); // no answer: the worker's deadline or its stop() ends it
        res.on("close", () => this.#hung.delete(res));
        return;
      case "pass":
      case "passThenHang": {
        res.on("close", () => {
          if (!res.writableFinished) entry.answerLost = true;
        });
        const headers: Record<string, string> = {};
        for (const h of ["content-type", "content-encoding", "user-agent", "accept"]) {
          const v = req.headers[h];
          if (typeof v === "string") headers[h] = v;
        }
        const answer = await fetch(this.target(), { method: "POST", headers, body: raw });
        if (behaviour === "passThenHang") {
          // The marketplace took it, and its answer never comes back: the agent cannot know.
          this.#hung.add(res);
          res.on("close", () => this.#hung.delete(res));
          return;
        }
        res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" }).end(await answer.text());
        return;
      }
    }
  }
}

export interface HubHarness {
  store: Store;
  fake: FakeSmshub;
  proxy: ScriptedProxy;
  /** The proxy's PUSH_SMS URL (what the worker is configured with). */
  url: string;
  reopen(): Store;
  cleanups: Array<() => void | Promise<void>>;
}

/** A fresh store and a started FakeSmshub (SMSHUB dialect, gzip) behind a scripted proxy; `close()` tears it all down. */
export async function openHub(): Promise<HubHarness & { close(): Promise<void> }> {
  const fake = new FakeSmshub({ dialect: "smshub", key: HUB_KEY });
  await fake.start();
  const proxy = new ScriptedProxy(() => fake.urls.pushSms);
  const url = await proxy.start();
  const sync: Array<() => void> = [];
  const s = tempStore(sync);
  const h: HubHarness & { close(): Promise<void> } = {
    store: s.store(),
    fake,
    proxy,
    url,
    reopen: () => (h.store = s.reopen()),
    cleanups: [...sync],
    close: async () => {
      for (const c of h.cleanups.splice(0).reverse()) await c();
      await proxy.stop();
      await fake.stop();
    },
  };
  return h;
}

/** For each test of the calling file: `openHub()` before, torn down after. */
export function hubHarness(): HubHarness {
  let current: Awaited<ReturnType<typeof openHub>> | undefined;
  // The tests hold this object; its fields follow the current test's hub.
  const view = {} as HubHarness;
  beforeEach(async () => {
    current = await openHub();
    const hub = current;
    Object.defineProperties(view, {
      store: { get: () => hub.store, configurable: true },
      fake: { get: () => hub.fake, configurable: true },
      proxy: { get: () => hub.proxy, configurable: true },
      url: { get: () => hub.url, configurable: true },
      reopen: { get: () => hub.reopen, configurable: true },
      cleanups: { get: () => hub.cleanups, configurable: true },
    });
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return view;
}

let simSeq = 0;
/** A reservation of `market` on a fresh SIM, claimed through the sales ledger as the core does; a SMSHUB one gets its order opened at the fake. */
export async function reserve(h: HubHarness, market: string): Promise<Reservation> {
  const n = ++simSeq;
  const sim = { number: `7928${String(n).padStart(7, "0")}`, iccid: `8970199${String(n).padStart(12, "0")}`, portId: `usb-2-${n}`, country: "russia", operator: "mts" };
  const [result] = await h.store.sales.claim([{ reservation: { market, service: "vk", sum: 10, currency: "RUB", createdAt: Date.now() - 60_000 }, candidates: [sim] }]);
  if (result?.kind !== "reserved") throw new Error(`claim on ${market} failed: ${result?.kind}`);
  if (market === HUB) h.fake.openOrder({ activationId: result.reservation.id, number: result.reservation.number });
  return result.reservation;
}

let smsSeq = 0;
/** Store a whole SMS received on the reservation's SIM and route it through the ledger. */
export async function receive(h: HubHarness, r: Reservation, text: string, sender = "VK"): Promise<{ outboxId: number; smsId: number }> {
  const at = new Date(Date.UTC(2026, 11, 8, 0, 0, 0) + ++smsSeq * 1000);
  const portId = r.portId ?? "usb-2-1";
  const parts = deliverParts({ text, at, portId, iccid: r.iccid });
  for (const p of parts) h.store.sms.acceptPart(p);
  const smsId = h.store.sms.storeMessage({ portId, iccid: r.iccid, sender, text, parts, missingParts: [], timestamp: null }).id;
  const outcome = await h.store.sales.attachSms({ smsId, iccid: r.iccid, number: r.number, at: Date.now() });
  if (outcome.kind !== "queued") throw new Error(`expected queued, got ${outcome.kind}`);
  return { outboxId: outcome.deliveryId, smsId };
}

/** A worker for the SMSHUB rows of `h.store`, sending through the proxy; registered for stop() after the test. */
export function hubWorker(h: HubHarness, over: Partial<SmsOutboxWorkerOptions> & { time?: ManualTime } = {}) {
  const log = captureLogger();
  const { time, ...rest } = over;
  const worker = new SmsOutboxWorker({
    market: HUB,
    delivery: new SmshubSmsDelivery({ market: HUB, dialect: DIALECTS.smshub, url: h.url, key: HUB_KEY }),
    outbox: marketOutboxOf(h.store.outbox, HUB),
    logger: log.logger,
    scrub: secretScrubber([HUB_KEY]),
    random: () => 0.5,
    ...(time ? { clock: time.clock, timers: time.timers } : {}),
    ...rest,
  });
  h.cleanups.push(() => worker.stop());
  return { worker, log };
}

/** Whatever the last timer or answer started has finished and been recorded. */
export async function settled(w: SmsOutboxWorker, timeoutMs = 10_000): Promise<void> {
  await tick();
  await until(() => w.stats().inFlight === 0, timeoutMs, "no PUSH_SMS in flight");
  await tick();
  await tick();
}

/** Fire every timer due within `ms` of virtual time, letting each one's requests finish. */
export async function runFor(time: ManualTime, w: SmsOutboxWorker, ms: number): Promise<void> {
  const end = time.now + ms;
  await settled(w);
  while (time.nextAt !== null && time.nextAt <= end) {
    time.next();
    await settled(w);
  }
  time.now = end;
}
