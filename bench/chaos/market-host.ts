/**
 * Onlinesim's side, in its own process: the fake Onlinesim (src/onlinesim/fake, the
 * protocol as the repository's tests know it) buying from the daemon's v1 endpoint and
 * receiving its PUSH_SMS, plus the services that text the ordered numbers through the
 * simulated network (sim-host.ts), and the network in between (front-door.ts). It keeps
 * the books the chaos suite judges the daemon by (ledger.ts): every GET_NUMBER and
 * FINISH the buyer sent and what came back, every SMS a service sent, every PUSH_SMS
 * that arrived.
 *
 * Why not `simgate fake-onlinesim`: its summary lines count, but do not say which SMS
 * was lost or pushed twice, nor when a number was handed out again; the books need
 * every record. The buyer here closes an operation once all its SMS arrived (status 3)
 * and never on a timer the daemon's downtime could beat, so a late SMS is the daemon's
 * doing, not the buyer's impatience.
 *
 *   GET  /ledger                the books (ledger.ts Ledger) and the fake's own counters
 *   POST /orders   {"on": bool} buy or stop buying (FINISHes carry on either way)
 *   POST /network  {"mode": "up"|"down"|"hang", "latencyMs"?: n}
 *   POST /fail     a FailureRule for PUSH_SMS (500, slow answers); POST /clear-failures
 *   GET  /pending  SMS scheduled or sent and not yet accounted for, open operations
 *
 * Usage: node --import tsx bench/chaos/market-host.ts '<MarketHostOptions as JSON>'
 * Prints {"event":"ready","control":URL} and exits when stdin closes or on SIGTERM.
 */
import { FakeOnlinesim, type FailureRule, type Operation } from "../../src/onlinesim/fake/index.js";
import { createRng } from "../../src/sim/rng.js";
import { FrontDoor, type DoorMode } from "./front-door.js";
import { serveUntilParentGone, runHelper } from "./helper-lifecycle.js";
import { HttpError, serveJson } from "./json-http.js";
import type { FinishRecord, Ledger, OrderRecord, PushRecord, TextRecord } from "./ledger.js";
import { senderFor, verificationText } from "./texts.js";

export interface MarketHostOptions {
  key: string;
  /** The daemon's partner endpoint, e.g. http://127.0.0.1:18080 */
  partnerUrl: string;
  /** The sim-host's control URL (POST /api/simulator/sms). */
  simulatorUrl: string;
  /** The port the daemon's PUSH_SMS URL points at (the front door). */
  frontDoorPort: number;
  /** Delay of every answer on its way back to the daemon. */
  latencyMs: number;
  seed: number;
  pollMs: number;
  orderEveryMs: number;
  /** SMS each operation gets, sent back to back after `smsDelayMs`. */
  smsPerOrder: number;
  smsDelayMs: { min: number; max: number };
  /** From the last SMS accepted to FINISH 3. */
  closeAfterSmsMs: number;
  /** An operation still missing SMS after this long is closed with status 4 (they count as lost). */
  smsWindowMs: number;
  /** Start buying at once (else after POST /orders {on:true}). */
  ordering: boolean;
}

const MAX_PENDING_FINISH_ATTEMPTS = 1_000_000;

interface OpPlan {
  op: Operation;
  scheduled: number;
  sendsDone: boolean;
  okTexts: Set<string>;
  accepted: Set<string>;
  closing: boolean;
  timers: Set<NodeJS.Timeout>;
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2] ?? "{}") as MarketHostOptions;
  const rng = createRng(o.seed ^ 0x5eed);
  const ledger: Ledger = { orders: [], finishes: [], texts: [], pushes: [], pushArrivals: [] };
  const finishes = new Map<number, FinishRecord>();
  const plans = new Map<number, OpPlan>();
  const timers = new Set<NodeJS.Timeout>();
  let textsInFlight = 0;
  let stopped = false;
  const after = (ms: number, fn: () => void, own?: Set<NodeJS.Timeout>): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      own?.delete(t);
      if (!stopped) fn();
    }, ms);
    timers.add(t);
    own?.add(t);
  };

  /** The buyer's fetch: every GET_NUMBER and FINISH goes into the books with what came back. */
  const recordingFetch: typeof fetch = async (input, init) => {
    const body = typeof init?.body === "string" ? (JSON.parse(init.body) as Record<string, unknown>) : {};
    const at = Date.now();
    let order: OrderRecord | undefined;
    let finish: FinishRecord | undefined;
    if (body["action"] === "GET_NUMBER") {
      order = { requestedAt: at, answeredAt: null, outcome: "failed", service: String(body["service"]) };
      ledger.orders.push(order);
    } else if (body["action"] === "FINISH_ACTIVATION") {
      const id = Number(body["activationId"]);
      finish = finishes.get(id);
      if (!finish) {
        finish = { activationId: id, status: Number(body["status"]), firstSentAt: at, ackAt: null, attempts: 0 };
        finishes.set(id, finish);
        ledger.finishes.push(finish);
      }
      finish.attempts++;
    }
    let res: Response;
    try {
      res = await fetch(input, init);
    } catch (err) {
      if (order) order.detail = err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? "")}`.trim() : String(err);
      throw err;
    }
    const text = await res.text();
    const now = Date.now();
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    if (order) {
      order.answeredAt = now;
      if (json?.["status"] === "SUCCESS") {
        order.outcome = "issued";
        order.activationId = Number(json["activationId"]);
        order.number = String(json["number"]).replace(/^\+/, "");
      } else if (json?.["status"] === "NO_NUMBERS") order.outcome = "no-numbers";
      else {
        order.outcome = "error";
        order.detail = `HTTP ${res.status} ${text.slice(0, 200)}`;
      }
    }
    if (finish && json?.["status"] === "SUCCESS" && finish.ackAt === null) finish.ackAt = now;
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  };

  const fake = new FakeOnlinesim({
    key: o.key,
    port: 0,
    logMax: 2_000,
    marketplace: {
      partnerUrl: o.partnerUrl,
      pollMs: o.pollMs,
      orderEveryMs: o.orderEveryMs,
      seed: o.seed,
      maxOrders: Number.MAX_SAFE_INTEGER,
      status1Rate: 0,
      autoFinish: false,
      maxFinishAttempts: MAX_PENDING_FINISH_ATTEMPTS,
      finishRetryMs: 500,
      fetch: recordingFetch,
      onIssued: (op) => issued(op),
    },
  });
  const market = fake.marketplace!;
  const orderOnce = market.orderOnce.bind(market);
  const setOrdering = (on: boolean): void => {
    // The marketplace's order loop calls this.orderOnce() on every tick: an instance-level
    // stand-in pauses buying without touching its FINISH retries or polls.
    market.orderOnce = on ? orderOnce : async () => undefined;
  };
  setOrdering(o.ordering);

  const closeOp = (plan: OpPlan, status: 3 | 4 | 5): void => {
    if (plan.closing) return;
    plan.closing = true;
    for (const t of plan.timers) {
      clearTimeout(t);
      timers.delete(t);
    }
    void market.finish(plan.op.activationId, status);
  };
  const maybeComplete = (plan: OpPlan): void => {
    if (!plan.sendsDone || plan.closing) return;
    if (plan.okTexts.size === 0) return after(o.closeAfterSmsMs, () => closeOp(plan, 5), plan.timers);
    if ([...plan.okTexts].every((t) => plan.accepted.has(t))) after(o.closeAfterSmsMs, () => closeOp(plan, 3), plan.timers);
  };

  async function sendText(plan: OpPlan): Promise<void> {
    const { op } = plan;
    const sender = senderFor(op.service);
    const text = verificationText(rng, op.service);
    const rec: TextRecord = { activationId: op.activationId, number: op.number, sender, text, sentAt: Date.now(), ok: false };
    ledger.texts.push(rec);
    try {
      const res = await fetch(`${o.simulatorUrl}/api/simulator/sms`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ number: `+${op.number}`, sender, text }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
      rec.ok = true;
      plan.okTexts.add(text);
    } catch (err) {
      rec.error = err instanceof Error ? err.message : String(err);
    }
  }

  function issued(op: Operation): void {
    const plan: OpPlan = { op, scheduled: o.smsPerOrder, sendsDone: false, okTexts: new Set(), accepted: new Set(), closing: false, timers: new Set() };
    plans.set(op.activationId, plan);
    textsInFlight += o.smsPerOrder;
    after(
      rng.int(o.smsDelayMs.min, o.smsDelayMs.max),
      () =>
        void (async () => {
          for (let i = 0; i < o.smsPerOrder; i++) {
            await sendText(plan);
            textsInFlight--;
          }
          plan.sendsDone = true;
          maybeComplete(plan);
        })(),
      plan.timers,
    );
    after(o.smsWindowMs, () => closeOp(plan, 4), plan.timers);
  }

  // Every PUSH_SMS that reaches the handler: recorded with the operation it matched.
  const handle = fake.push.handle.bind(fake.push);
  fake.push.handle = (call, rent) => {
    const b = (call.body ?? {}) as Record<string, unknown>;
    const phone = String(b["phone"] ?? "");
    const op = phone ? fake.book.byNumber(phone) : undefined;
    const answer = handle(call, rent);
    const token = answer.status === 200 && answer.body && typeof answer.body === "object" ? String((answer.body as { status?: unknown }).status) : `HTTP ${answer.status}`;
    const rec: PushRecord = { at: Date.now(), smsId: Number(b["smsId"]), phone: phone.replace(/^\+/, ""), from: String(b["phoneFrom"] ?? ""), text: String(b["text"] ?? ""), answer: token, activationId: op?.activationId ?? null };
    ledger.pushes.push(rec);
    const plan = op ? plans.get(op.activationId) : undefined;
    if (plan && token === "SUCCESS") {
      plan.accepted.add(rec.text);
      maybeComplete(plan);
    }
    return answer;
  };
  const add = fake.recorder.add.bind(fake.recorder);
  fake.recorder.add = (entry) => {
    if (entry.path.includes("PUSH_SMS")) ledger.pushArrivals.push(entry.at);
    return add(entry);
  };

  const urls = await fake.start();
  const door = new FrontDoor(o.frontDoorPort, Number(new URL(urls.base).port), o.latencyMs);
  await door.set("up");

  const { server, url } = await serveJson({
    "GET /ledger": () => {
      const { rejected, v2: _v2, ...stats } = fake.stats();
      return { ledger, stats: { ...stats, rejected: rejected.length, lastRejected: rejected.at(-1) ?? null }, violations: market.violations.slice(-50) };
    },
    "GET /pending": () => {
      const accepted = new Set(ledger.pushes.filter((p) => p.answer === "SUCCESS").map((p) => `${p.activationId}\u0000${p.text}`));
      const refused = new Set(ledger.pushes.filter((p) => p.answer !== "SUCCESS").map((p) => `${p.phone}\u0000${p.text}`));
      const unaccounted = ledger.texts.filter((t) => t.ok && !accepted.has(`${t.activationId}\u0000${t.text}`) && !refused.has(`${t.number}\u0000${t.text}`)).length;
      return { textsInFlight, unaccounted, openOperations: fake.book.openOperations().length, unfinished: [...plans.values()].filter((p) => !p.closing).length };
    },
    "POST /orders": (body: { on?: unknown }) => {
      setOrdering(body.on === true);
      return { ordering: body.on === true };
    },
    "POST /network": async (body: { mode?: string; latencyMs?: number }) => {
      if (body.latencyMs !== undefined) door.latencyMs = body.latencyMs;
      if (body.mode !== undefined) {
        if (!["up", "down", "hang"].includes(body.mode)) throw new HttpError(400, "mode must be up, down or hang");
        await door.set(body.mode as DoorMode);
      }
      return { mode: door.mode, latencyMs: door.latencyMs, hungConnections: door.hungConnections };
    },
    "POST /fail": (rule: FailureRule) => {
      fake.fail({ ...rule, times: rule.times ?? Infinity });
      return { pending: fake.failures.pending().length };
    },
    "POST /clear-failures": () => {
      fake.clearFailures();
      return { pending: 0 };
    },
  });

  serveUntilParentGone("market-host", { control: url, fake: urls.base }, server, async () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    await door.close();
    await fake.stop();
  });
}

runHelper("market-host", main);
