/**
 * Activations nobody will ever finish must not block a module forever:
 *  - an answer that never reached Onlinesim is withdrawn (`withdrawUndelivered`);
 *  - an activation far past the operation time is released by the explicit policy
 *    (`sweep`: life × releaseFactor without SMS, life × releaseWithSmsFactor with one;
 *    rent never), with one log line and a counter;
 *  - the operator can close one by hand (`closeByOperator`), exactly like FINISH_ACTIVATION.
 * A late FINISH for a released activation still answers SUCCESS and records its status
 * once (usage and earnings change once). The clock is injected: no real waiting.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseEngineConfig, type EngineConfigInput } from "../../src/config/engine-schema.js";
import { OnlinesimEngine } from "../../src/markets/onlinesim/engine.js";
import { MemoryLedger } from "../../src/sales/memory-ledger.js";
import { createLogger } from "../../src/log/logger.js";
import { anyCounts, port } from "./onlinesim-engine.js";

const MIN = 60_000;
const LIFE = 15 * MIN;

interface Line {
  level: number;
  msg: string;
  [k: string]: unknown;
}

async function setup(config: EngineConfigInput = {}, ledger = new MemoryLedger(), extraServices: string[] = []) {
  const clock = { now: 1_000_000 };
  const lines: string[] = [];
  const logger = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  });
  const parsed = parseEngineConfig({ services: ["facebook", "telegram"], ...config });
  const build = () => OnlinesimEngine.open({ ledger, config: { ...parsed, services: [...parsed.services, ...extraServices] }, clock: () => clock.now, logger });
  const engine = await build();
  engine.updatePorts([port(1), port(2)]);
  const logs = (): Line[] => lines.flatMap((c) => c.split("\n").filter(Boolean)).map((l) => JSON.parse(l) as Line);
  return { engine, ledger, clock, logs, build };
}

async function open(engine: OnlinesimEngine, service = "facebook", sum = 10): Promise<{ id: number; number: string }> {
  const r = await engine.getNumber({ country: "russia", operator: "any", service, sum });
  if (r.status !== "SUCCESS") throw new Error(`expected a number, got ${JSON.stringify(r)}`);
  return { id: r.activationId, number: String(r.number) };
}

const stored = (l: MemoryLedger, id: number) => l.find(id);

describe("overdue release (engine.sweep)", () => {
  it("releases an activation without SMS at life × releaseFactor (default 4: one hour), logs one readable line and counts it", async () => {
    const { engine, ledger, clock, logs } = await setup();
    const a = await open(engine);
    const t0 = clock.now;
    expect(await engine.sweep(t0 + 4 * LIFE)).toEqual([]);
    expect(engine.openActivations()).toHaveLength(1);

    const released = await engine.sweep(t0 + 4 * LIFE + 1);
    expect(released.map((r) => r.id)).toEqual([a.id]);
    expect(engine.openActivations()).toEqual([]);
    expect(anyCounts(engine)).toEqual({ facebook: 2, telegram: 2 });
    expect(await stored(ledger, a.id)).toMatchObject({ closeReason: "overdue", closedAt: t0 + 4 * LIFE + 1 });
    const lines = logs().filter((l) => l["event"] === "activation-released");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, activationId: a.id, number: `+${a.number}`, port: "port-1", ageMs: 4 * LIFE + 1, sms: false });
    expect(lines[0]!.msg).toContain(`#${a.id}`);
    expect(lines[0]!.msg).toContain(`+${a.number}`);
    expect(lines[0]!.msg).toContain("port-1");
    expect(lines[0]!.msg).toContain("60 min");
    expect(engine.stats()).toMatchObject({ releasedOverdue: 1, openActivations: 0 });
    // A second sweep has nothing to do.
    expect(await engine.sweep(t0 + 10 * LIFE)).toEqual([]);
    expect(engine.stats().releasedOverdue).toBe(1);
  });

  it("a late FINISH for a released activation answers SUCCESS and records its status once: usage and earnings change once", async () => {
    const { engine, ledger, clock } = await setup();
    const a = await open(engine, "facebook", 12.5);
    await engine.sweep(clock.now + 5 * LIFE);
    expect(await engine.finishActivation({ activationId: a.id, status: 3, sum: 9.5 })).toEqual({ status: "SUCCESS" });
    expect(await stored(ledger, a.id)).toMatchObject({ closeReason: "overdue", status: 3, finishSum: 9.5 });
    // Sold for facebook: not offered for it again (the other SIM still is).
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 2 });
    const writes = ledger.writes;
    expect(await engine.finishActivation({ activationId: a.id, status: 3, sum: 9.5 })).toEqual({ status: "SUCCESS" });
    expect(await engine.finishActivation({ activationId: a.id, status: 4 })).toEqual({ status: "SUCCESS" });
    expect(ledger.writes).toBe(writes);
    expect(await stored(ledger, a.id)).toMatchObject({ status: 3, finishSum: 9.5 });
    expect(engine.stats()).toMatchObject({ lateFinish: 1, repeatedFinish: 2 });
  });

  it("a late FINISH does not touch the activation that now holds the same number", async () => {
    const { engine, clock } = await setup();
    engine.updatePorts([port(1)]);
    const first = await open(engine);
    await engine.sweep(clock.now + 5 * LIFE);
    const second = await open(engine, "telegram");
    expect(second.number).toBe(first.number);
    expect(await engine.finishActivation({ activationId: first.id, status: 4 })).toEqual({ status: "SUCCESS" });
    expect(engine.openActivations().map((a) => a.id)).toEqual([second.id]);
    expect(anyCounts(engine)).toEqual({ facebook: 0, telegram: 0 });
  });

  it("an activation that got an SMS waits for life × releaseWithSmsFactor (default 8), and is reported stale meanwhile", async () => {
    const { engine, ledger, clock, logs } = await setup();
    const a = await open(engine);
    const t0 = clock.now;
    expect((await engine.routeSms({ smsId: 5, portId: "port-1", iccid: port(1).iccid, number: `+${a.number}`, receivedAt: t0 + MIN })).kind).toBe("queued");
    expect(await engine.sweep(t0 + 4 * LIFE + 1)).toEqual([]);
    expect(engine.stats().staleActivations).toBe(1);
    expect(await engine.sweep(t0 + 8 * LIFE)).toEqual([]);
    expect((await engine.sweep(t0 + 8 * LIFE + 1)).map((r) => r.id)).toEqual([a.id]);
    expect(await stored(ledger, a.id)).toMatchObject({ closeReason: "overdue" });
    expect(logs().find((l) => l["event"] === "activation-released")).toMatchObject({ activationId: a.id, sms: true });
    expect(engine.stats()).toMatchObject({ releasedOverdue: 1, staleActivations: 0 });
  });

  it("remembers across a restart which open activations got an SMS", async () => {
    const { engine, clock, build } = await setup();
    const a = await open(engine);
    await engine.routeSms({ smsId: 5, portId: "port-1", iccid: port(1).iccid, number: `+${a.number}`, receivedAt: clock.now });
    const restarted = await build();
    restarted.updatePorts([port(1), port(2)]);
    expect(await restarted.sweep(clock.now + 5 * LIFE)).toEqual([]);
    expect((await restarted.sweep(clock.now + 9 * LIFE)).map((r) => r.id)).toEqual([a.id]);
  });

  it("follows the configured multiples; null never releases", async () => {
    const custom = await setup({ releaseFactor: 2, releaseWithSmsFactor: 3 });
    const a = await open(custom.engine);
    expect((await custom.engine.sweep(custom.clock.now + 2 * LIFE + 1)).map((r) => r.id)).toEqual([a.id]);

    const never = await setup({ releaseFactor: null, releaseWithSmsFactor: null });
    await open(never.engine);
    expect(await never.engine.sweep(never.clock.now + 1_000 * LIFE)).toEqual([]);
    expect(never.engine.openActivations()).toHaveLength(1);
  });

  it("never releases a rent operation (only Onlinesim closes those, however long)", async () => {
    const { engine, clock } = await setup({}, new MemoryLedger(), ["rent"]);
    await open(engine, "rent");
    expect(await engine.sweep(clock.now + 100 * LIFE)).toEqual([]);
    expect(engine.openActivations()).toHaveLength(1);
  });

  it("checks often enough for the shortest multiple (at most every minute)", async () => {
    expect((await setup()).engine.sweepEveryMs()).toBe(MIN);
    expect((await setup({ activationLifeMs: MIN, releaseFactor: 0.02 })).engine.sweepEveryMs()).toBeLessThanOrEqual(300);
  });

  it("a store that fails the release keeps the activation open for the next sweep", async () => {
    const { engine, ledger, clock } = await setup();
    const a = await open(engine);
    ledger.failNextWrite = true;
    expect(await engine.sweep(clock.now + 5 * LIFE)).toEqual([]);
    expect(engine.openActivations()).toHaveLength(1);
    expect((await engine.sweep(clock.now + 5 * LIFE)).map((r) => r.id)).toEqual([a.id]);
  });
});

describe("withdrawUndelivered (the GET_NUMBER answer never reached Onlinesim)", () => {
  it("frees the number at once, keeps the id used, and answers a later FINISH with SUCCESS even when unknown ids get ERROR", async () => {
    const { engine, ledger, logs } = await setup({ unknownActivation: "error" });
    engine.updatePorts([port(1)]);
    const a = await open(engine);
    await engine.withdrawUndelivered(a.id, "client closed the connection");
    expect(engine.openActivations()).toEqual([]);
    expect(await stored(ledger, a.id)).toMatchObject({ closeReason: "undelivered", outcome: null, status: null });
    expect(logs().find((l) => l["event"] === "activation-undelivered")).toMatchObject({ level: 40, activationId: a.id, number: `+${a.number}`, port: "port-1", reason: "client closed the connection" });
    const b = await open(engine);
    expect(b.id).toBeGreaterThan(a.id);
    expect(await engine.finishActivation({ activationId: a.id, status: 5 })).toEqual({ status: "SUCCESS" });
    expect(await engine.finishActivation({ activationId: 999, status: 5 })).toEqual({ status: "ERROR", error: "unknown activationId" });
    expect(engine.openActivations().map((x) => x.id)).toEqual([b.id]);
    expect(engine.stats()).toMatchObject({ undelivered: 1 });
  });

  it("is a no-op (logged) for an id that is not open", async () => {
    const { engine, logs } = await setup();
    const a = await open(engine);
    await engine.finishActivation({ activationId: a.id, status: 3 });
    await engine.withdrawUndelivered(a.id, "client closed the connection");
    await engine.withdrawUndelivered(4242, "client closed the connection");
    expect(engine.stats().undelivered).toBe(0);
    expect(logs().filter((l) => l["event"] === "activation-undelivered-not-open")).toHaveLength(2);
  });
});

describe("closeByOperator (simgate activations close ID --status N)", () => {
  it("behaves like FINISH_ACTIVATION: frees the number, same usage rule, idempotent, logged as closed by operator", async () => {
    const { engine, ledger, logs } = await setup();
    const a = await open(engine);
    const r = await engine.closeByOperator(a.id, 3);
    expect(r).toMatchObject({ ok: true, outcome: "closed", activation: { id: a.id, status: 3, closeReason: "operator" } });
    expect(engine.openActivations()).toEqual([]);
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 2 });
    expect(await stored(ledger, a.id)).toMatchObject({ closeReason: "operator", status: 3 });
    const line = logs().find((l) => l["event"] === "activation-closed" && l["by"] === "operator");
    expect(line).toMatchObject({ activationId: a.id, status: 3 });
    expect(line!.msg).toContain("closed by operator");
    expect(await engine.closeByOperator(a.id, 4)).toMatchObject({ ok: true, outcome: "already-closed", activation: { status: 3 } });
    // Onlinesim's own FINISH afterwards is a repeat.
    expect(await engine.finishActivation({ activationId: a.id, status: 3 })).toEqual({ status: "SUCCESS" });
    expect(engine.stats()).toMatchObject({ closedByOperator: 1 });
  });

  it("records the status of an activation the policy released", async () => {
    const { engine, ledger, clock } = await setup();
    const a = await open(engine);
    await engine.sweep(clock.now + 5 * LIFE);
    expect(await engine.closeByOperator(a.id, 4)).toMatchObject({ ok: true, outcome: "finished-after-release" });
    expect(await stored(ledger, a.id)).toMatchObject({ closeReason: "overdue", status: 4 });
  });

  it("refuses an unknown id and an undocumented status, changing nothing", async () => {
    const { engine, ledger } = await setup();
    const a = await open(engine);
    const writes = ledger.writes;
    expect(await engine.closeByOperator(999, 3)).toMatchObject({ ok: false, error: "UNKNOWN_ACTIVATION" });
    for (const bad of [0, 2, 6, -1, 3.5]) expect(await engine.closeByOperator(a.id, bad)).toMatchObject({ ok: false, error: "BAD_STATUS" });
    expect(ledger.writes).toBe(writes);
    expect(engine.openActivations()).toHaveLength(1);
  });
});
