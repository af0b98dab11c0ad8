import { describe, expect, it } from "vitest";
import { usageAfterClose } from "../../src/engine/lifecycle.js";
import { MemoryPersistence } from "../../src/engine/memory-persistence.js";
import { anyCounts, makeEngine, port } from "./helpers.js";

const order = (service = "facebook") => ({ country: "russia", operator: "any", service, sum: 10 });
const fresh = { number: "7", service: "facebook", sold: false, cancels: 0, excluded: false };

function opened(engine: ReturnType<typeof makeEngine>["engine"], service = "facebook"): number {
  const r = engine.getNumber(order(service));
  if (r.status !== "SUCCESS") throw new Error(`expected a number, got ${JSON.stringify(r)}`);
  return r.activationId;
}

describe("usageAfterClose", () => {
  it.each([
    [3, { ...fresh, sold: true }],
    [4, { ...fresh, cancels: 1 }],
    [5, null],
    [1, { ...fresh, excluded: true }],
    [2, null],
    [8, null],
  ])("status %i → %j", (status, expected) => {
    expect(usageAfterClose(fresh, status, 4)).toEqual(expected);
  });

  it("excludes at the cancel limit", () => {
    expect(usageAfterClose({ ...fresh, cancels: 3 }, 4, 4)).toEqual({ ...fresh, cancels: 4, excluded: true });
  });
});

describe("FINISH_ACTIVATION", () => {
  it("status 3: sold for that service for good, still offered for others", () => {
    const { engine } = makeEngine();
    engine.updatePorts([port(1)]);
    expect(engine.finishActivation({ activationId: opened(engine), status: 3, sum: 4.5 })).toEqual({ status: "SUCCESS" });
    expect(anyCounts(engine)).toEqual({ facebook: 0, telegram: 1 });
    expect(engine.getNumber(order())).toEqual({ status: "NO_NUMBERS" });
    expect(engine.getNumber(order("telegram")).status).toBe("SUCCESS");
  });

  it("status 4 releases; the cancel limit excludes the pair (default 4 in total)", () => {
    const { engine } = makeEngine();
    engine.updatePorts([port(1)]);
    for (let i = 0; i < 4; i++) {
      expect(anyCounts(engine)?.["facebook"]).toBe(1);
      engine.finishActivation({ activationId: opened(engine), status: 4 });
    }
    expect(anyCounts(engine)).toEqual({ facebook: 0, telegram: 1 });
  });

  it("status 5 releases without usage change; status 1 releases and excludes", () => {
    const { engine } = makeEngine();
    engine.updatePorts([port(1)]);
    engine.finishActivation({ activationId: opened(engine), status: 5 });
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 1 });
    engine.finishActivation({ activationId: opened(engine, "telegram"), status: 1 });
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 0 });
  });

  it("an undocumented status releases the number and changes no usage", () => {
    const { engine } = makeEngine();
    engine.updatePorts([port(1)]);
    expect(engine.finishActivation({ activationId: opened(engine), status: 8 })).toEqual({ status: "SUCCESS" });
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 1 });
  });

  it("is idempotent: a re-send answers SUCCESS and cannot change history", () => {
    const persistence = new MemoryPersistence();
    const { engine } = makeEngine({}, persistence);
    engine.updatePorts([port(1)]);
    const id = opened(engine);
    engine.finishActivation({ activationId: id, status: 4 });
    const writes = persistence.writes;
    expect(engine.finishActivation({ activationId: id, status: 4 })).toEqual({ status: "SUCCESS" });
    expect(engine.finishActivation({ activationId: id, status: 3 })).toEqual({ status: "SUCCESS" });
    expect(persistence.writes).toBe(writes);
    expect(persistence.load().usage).toEqual([{ number: "79000000001", service: "facebook", sold: false, cancels: 1, excluded: false }]);
    expect(engine.stats().repeatedFinish).toBe(2);
  });

  it("an unknown id answers SUCCESS by default, ERROR when configured", () => {
    expect(makeEngine().engine.finishActivation({ activationId: 999, status: 3 })).toEqual({ status: "SUCCESS" });
    expect(makeEngine({ unknownActivation: "error" }).engine.finishActivation({ activationId: 999, status: 3 })).toEqual({ status: "ERROR", error: "unknown activationId" });
  });

  it("rejects malformed ids and statuses", () => {
    const { engine } = makeEngine();
    expect(engine.finishActivation({ activationId: 0, status: 3 }).status).toBe("ERROR");
    expect(engine.finishActivation({ activationId: "5", status: 3 }).status).toBe("ERROR");
    expect(engine.finishActivation({ activationId: 5, status: "3" }).status).toBe("ERROR");
  });

  it("a failed durable close answers ERROR (Onlinesim re-sends) and keeps the activation open", () => {
    const persistence = new MemoryPersistence();
    const { engine } = makeEngine({}, persistence);
    engine.updatePorts([port(1)]);
    const id = opened(engine);
    persistence.failNextWrite = true;
    expect(engine.finishActivation({ activationId: id, status: 3 }).status).toBe("ERROR");
    expect(engine.openActivations()).toHaveLength(1);
    expect(engine.finishActivation({ activationId: id, status: 3 })).toEqual({ status: "SUCCESS" });
    expect(anyCounts(engine)).toEqual({ facebook: 0, telegram: 1 });
  });

  it("a SIM that goes away keeps its activation open and is not offered anywhere when it returns", () => {
    const { engine } = makeEngine();
    engine.updatePorts([port(1), port(2)]);
    const id = opened(engine);
    engine.updatePorts([port(2)]);
    expect(engine.openActivations().map((a) => a.id)).toEqual([id]);
    // Back in another module: still busy until FINISH_ACTIVATION.
    engine.updatePorts([port(1, { id: "port-9" }), port(2)]);
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 1 });
    expect(engine.getNumber(order())).toMatchObject({ number: 79000000002 });
    expect(engine.getNumber(order())).toEqual({ status: "NO_NUMBERS" });
    engine.finishActivation({ activationId: id, status: 4 });
    expect(engine.getNumber(order())).toMatchObject({ number: 79000000001 });
  });

  it("reports activations far past their life, once in the log, without closing them", () => {
    let now = 0;
    const { engine } = makeEngine({ activationLifeMs: 15 * 60_000, staleFactor: 4 }, undefined, () => now);
    engine.updatePorts([port(1), port(2)]);
    const id = opened(engine);
    now = 30 * 60_000;
    opened(engine);
    expect(engine.staleActivations(60 * 60_000)).toEqual([]);
    expect(engine.staleActivations(60 * 60_000 + 1).map((a) => a.id)).toEqual([id]);
    expect(engine.stats().staleActivations).toBe(1);
    expect(engine.openActivations()).toHaveLength(2);
    engine.finishActivation({ activationId: id, status: 3 });
    expect(engine.staleActivations(60 * 60_000 + 1)).toEqual([]);
  });
});
