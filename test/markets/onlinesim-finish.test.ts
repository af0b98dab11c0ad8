import { describe, expect, it } from "vitest";
import { outcomeOf } from "../../src/markets/onlinesim/statuses.js";
import type { OnlinesimEngine } from "../../src/markets/onlinesim/engine.js";
import { MemoryLedger } from "../../src/sales/memory-ledger.js";
import { anyCounts, makeEngine, port } from "./onlinesim-engine.js";

const order = (service = "facebook") => ({ country: "russia", operator: "any", service, sum: 10 });

async function opened(engine: OnlinesimEngine, service = "facebook"): Promise<number> {
  const r = await engine.getNumber(order(service));
  if (r.status !== "SUCCESS") throw new Error(`expected a number, got ${JSON.stringify(r)}`);
  return r.activationId;
}

describe("FINISH_ACTIVATION statuses as the core's outcomes (docs/protocols/onlinesim-v1.md#finish_activation)", () => {
  it.each([
    [3, { kind: "sold" }],
    [4, { kind: "cancelled", cancelLimit: 4 }],
    [5, { kind: "refunded" }],
    [1, { kind: "rejected" }],
    [2, { kind: "released", why: "undocumented FINISH_ACTIVATION status 2" }],
    [8, { kind: "released", why: "undocumented FINISH_ACTIVATION status 8" }],
  ])("status %i → %j", (status, expected) => {
    expect(outcomeOf(status, 4)).toEqual(expected);
  });
});

describe("FINISH_ACTIVATION", () => {
  it("status 3: sold for that service for good, still offered for others", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1)]);
    expect(await engine.finishActivation({ activationId: await opened(engine), status: 3, sum: 4.5 })).toEqual({ status: "SUCCESS" });
    expect(anyCounts(engine)).toEqual({ facebook: 0, telegram: 1 });
    expect(await engine.getNumber(order())).toEqual({ status: "NO_NUMBERS" });
    expect((await engine.getNumber(order("telegram"))).status).toBe("SUCCESS");
  });

  it("status 4 releases; the cancel limit excludes the pair (default 4 in total)", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1)]);
    for (let i = 0; i < 4; i++) {
      expect(anyCounts(engine)?.["facebook"]).toBe(1);
      await engine.finishActivation({ activationId: await opened(engine), status: 4 });
    }
    expect(anyCounts(engine)).toEqual({ facebook: 0, telegram: 1 });
  });

  it("status 5 releases without usage change; status 1 releases and excludes", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1)]);
    await engine.finishActivation({ activationId: await opened(engine), status: 5 });
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 1 });
    await engine.finishActivation({ activationId: await opened(engine, "telegram"), status: 1 });
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 0 });
  });

  it("an undocumented status releases the number and changes no usage", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1)]);
    expect(await engine.finishActivation({ activationId: await opened(engine), status: 8 })).toEqual({ status: "SUCCESS" });
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 1 });
  });

  it("is idempotent: a re-send answers SUCCESS and cannot change history", async () => {
    const ledger = new MemoryLedger();
    const { engine } = await makeEngine({}, ledger);
    engine.updatePorts([port(1)]);
    const id = await opened(engine);
    await engine.finishActivation({ activationId: id, status: 4 });
    const writes = ledger.writes;
    expect(await engine.finishActivation({ activationId: id, status: 4 })).toEqual({ status: "SUCCESS" });
    expect(await engine.finishActivation({ activationId: id, status: 3 })).toEqual({ status: "SUCCESS" });
    expect(ledger.writes).toBe(writes);
    expect((await ledger.load()).usage).toEqual([{ market: "onlinesim", number: "79000000001", service: "facebook", cancels: 1, excluded: false }]);
    expect(engine.stats().repeatedFinish).toBe(2);
  });

  it("an unknown id answers SUCCESS by default, ERROR when configured", async () => {
    expect(await (await makeEngine()).engine.finishActivation({ activationId: 999, status: 3 })).toEqual({ status: "SUCCESS" });
    expect(await (await makeEngine({ unknownActivation: "error" })).engine.finishActivation({ activationId: 999, status: 3 })).toEqual({ status: "ERROR", error: "unknown activationId" });
  });

  it("rejects malformed ids and statuses", async () => {
    const { engine } = await makeEngine();
    expect((await engine.finishActivation({ activationId: 0, status: 3 })).status).toBe("ERROR");
    expect((await engine.finishActivation({ activationId: "5", status: 3 })).status).toBe("ERROR");
    expect((await engine.finishActivation({ activationId: 5, status: "3" })).status).toBe("ERROR");
  });

  it("a failed durable close answers ERROR (Onlinesim re-sends) and keeps the activation open", async () => {
    const ledger = new MemoryLedger();
    const { engine } = await makeEngine({}, ledger);
    engine.updatePorts([port(1)]);
    const id = await opened(engine);
    ledger.failNextWrite = true;
    expect((await engine.finishActivation({ activationId: id, status: 3 })).status).toBe("ERROR");
    expect(engine.openActivations()).toHaveLength(1);
    expect(await engine.finishActivation({ activationId: id, status: 3 })).toEqual({ status: "SUCCESS" });
    expect(anyCounts(engine)).toEqual({ facebook: 0, telegram: 1 });
  });

  it("a SIM that goes away keeps its activation open and is not offered anywhere when it returns", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1), port(2)]);
    const id = await opened(engine);
    engine.updatePorts([port(2)]);
    expect(engine.openActivations().map((a) => a.id)).toEqual([id]);
    // Back in another module: still busy until FINISH_ACTIVATION.
    engine.updatePorts([port(1, { id: "port-9" }), port(2)]);
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 1 });
    expect(await engine.getNumber(order())).toMatchObject({ number: 79000000002 });
    expect(await engine.getNumber(order())).toEqual({ status: "NO_NUMBERS" });
    await engine.finishActivation({ activationId: id, status: 4 });
    expect(await engine.getNumber(order())).toMatchObject({ number: 79000000001 });
  });

  it("reports activations far past their life, once in the log, without closing them", async () => {
    let now = 0;
    const { engine } = await makeEngine({ activationLifeMs: 15 * 60_000, staleFactor: 4 }, undefined, () => now);
    engine.updatePorts([port(1), port(2)]);
    const id = await opened(engine);
    now = 30 * 60_000;
    await opened(engine);
    expect(engine.staleActivations(60 * 60_000)).toEqual([]);
    expect(engine.staleActivations(60 * 60_000 + 1).map((a) => a.id)).toEqual([id]);
    expect(engine.stats().staleActivations).toBe(1);
    expect(engine.openActivations()).toHaveLength(2);
    await engine.finishActivation({ activationId: id, status: 3 });
    expect(engine.staleActivations(60 * 60_000 + 1)).toEqual([]);
  });
});
