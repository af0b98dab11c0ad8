import { describe, expect, it } from "vitest";
import { MemoryLedger } from "../../src/sales/memory-ledger.js";
import { makeEngine, port } from "./onlinesim-engine.js";

const order = (extra: Record<string, unknown> = {}) => ({ country: "russia", operator: "any", service: "facebook", sum: 12.5, ...extra });

describe("GET_NUMBER assignment", () => {
  it("answers the number as an integer with country code and a fresh activation id ≥ 1", async () => {
    const { engine, ledger } = await makeEngine();
    engine.updatePorts([port(1)]);
    expect(await engine.getNumber(order())).toEqual({ status: "SUCCESS", number: 79000000001, activationId: 1 });
    const [open] = (await ledger.load()).open;
    expect(open).toMatchObject({ id: 1, number: "79000000001", iccid: port(1).iccid, portId: "port-1", country: "russia", operator: "mts", service: "facebook", sum: 12.5 });
  });

  it("never hands out a number that is in an open activation, for any service", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1)]);
    expect((await engine.getNumber(order())).status).toBe("SUCCESS");
    expect(await engine.getNumber(order())).toEqual({ status: "NO_NUMBERS" });
    expect(await engine.getNumber(order({ service: "telegram" }))).toEqual({ status: "NO_NUMBERS" });
  });

  it("filters by operator, or takes any operator for `any`", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1, { net: "25001" }), port(2, { net: "25002" })]);
    expect(await engine.getNumber(order({ operator: "megafon" }))).toMatchObject({ number: 79000000002 });
    expect(await engine.getNumber(order({ operator: "megafon" }))).toEqual({ status: "NO_NUMBERS" });
    expect(await engine.getNumber(order({ operator: "ANY" }))).toMatchObject({ number: 79000000001 });
  });

  it("gives a clean NO_NUMBERS for an unknown country, operator or service", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1)]);
    expect(await engine.getNumber(order({ country: "atlantis" }))).toEqual({ status: "NO_NUMBERS" });
    expect(await engine.getNumber(order({ operator: "nonet" }))).toEqual({ status: "NO_NUMBERS" });
    expect(await engine.getNumber(order({ service: "myspace" }))).toEqual({ status: "NO_NUMBERS" });
    expect(engine.stats().noNumbers).toBe(3);
  });

  it("answers ERROR for a malformed request or prefix, with a clear message", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1)]);
    expect(await engine.getNumber(order({ country: 7 }))).toEqual({ status: "ERROR", error: "country, operator and service must be strings" });
    expect(await engine.getNumber(order({ exceptionPhoneSet: ["7x"] }))).toEqual({ status: "ERROR", error: 'exceptionPhoneSet[0] = "7x" is not a digit prefix' });
    expect(engine.openActivations()).toEqual([]);
  });

  it("skips numbers matched by exceptionPhoneSet (integers and strings)", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1, { number: "+79161111111" }), port(2, { number: "+79031111111" })]);
    expect(await engine.getNumber(order({ exceptionPhoneSet: [7916] }))).toMatchObject({ number: 79031111111 });
    expect(await engine.getNumber(order({ exceptionPhoneSet: ["7916"] }))).toEqual({ status: "NO_NUMBERS" });
    expect(await engine.getNumber(order({ exceptionPhoneSet: [7903] }))).toMatchObject({ number: 79161111111 });
  });

  it("spreads load: least recently used first, never-used before used", async () => {
    let now = 10_000;
    const { engine } = await makeEngine({}, undefined, () => now);
    engine.updatePorts([port(1), port(2), port(3)]);
    const picked: number[] = [];
    for (let i = 0; i < 6; i++) {
      now += 1000;
      const r = await engine.getNumber(order());
      if (r.status !== "SUCCESS") throw new Error("expected a number");
      picked.push(r.number);
      await engine.finishActivation({ activationId: r.activationId, status: 4 });
    }
    expect(picked).toEqual([79000000001, 79000000002, 79000000003, 79000000001, 79000000002, 79000000003]);
  });

  it("reserves nothing when the durable commit fails", async () => {
    const ledger = new MemoryLedger();
    const { engine } = await makeEngine({}, ledger);
    engine.updatePorts([port(1)]);
    ledger.failNextWrite = true;
    expect(await engine.getNumber(order())).toEqual({ status: "ERROR", error: "activation could not be stored" });
    expect(engine.openActivations()).toEqual([]);
    expect(await engine.getNumber(order())).toMatchObject({ status: "SUCCESS", activationId: 1 });
  });

  it("500 concurrent orders for 7 SIMs: 7 distinct numbers, 493 NO_NUMBERS", async () => {
    const { engine, ledger } = await makeEngine();
    engine.updatePorts(Array.from({ length: 7 }, (_, i) => port(i + 1)));
    // Each request yields to the event loop first, as an HTTP handler would after parsing.
    const results = await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        await new Promise((r) => setImmediate(r));
        if (i % 3 === 0) await Promise.resolve();
        return engine.getNumber(order({ service: i % 2 ? "facebook" : "telegram" }));
      }),
    );
    const ok = results.filter((r) => r.status === "SUCCESS");
    expect(ok).toHaveLength(7);
    expect(new Set(ok.map((r) => r.number)).size).toBe(7);
    expect(new Set(ok.map((r) => r.activationId)).size).toBe(7);
    expect(results.filter((r) => r.status === "NO_NUMBERS")).toHaveLength(493);
    expect((await ledger.load()).open).toHaveLength(7);
  });
});

describe("GET_NUMBER with group commit (orderNumber)", () => {
  it("500 concurrent orders for 7 SIMs: 7 distinct numbers in one transaction, the rest NO_NUMBERS", async () => {
    const { engine, ledger } = await makeEngine();
    engine.updatePorts(Array.from({ length: 7 }, (_, i) => port(i + 1)));
    const results = await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        if (i % 2) await new Promise((r) => setImmediate(r));
        return engine.orderNumber(order({ service: i % 3 ? "facebook" : "telegram" }));
      }),
    );
    const ok = results.filter((r) => r.status === "SUCCESS");
    expect(ok).toHaveLength(7);
    expect(new Set(ok.map((r) => r.number)).size).toBe(7);
    expect(new Set(ok.map((r) => r.activationId)).size).toBe(7);
    expect((await ledger.load()).open).toHaveLength(7);
    expect(engine.openActivations()).toEqual((await ledger.load()).open);
  });

  it("a reserved SIM is busy before its commit: not counted, not given to a synchronous order", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1), port(2)]);
    const pending = engine.orderNumber(order());
    expect(engine.getServices().countryList[0]?.operatorMap["any"]).toEqual({ facebook: 1, telegram: 1 });
    expect(engine.openActivations()).toEqual([]);
    expect(await engine.getNumber(order())).toMatchObject({ number: 79000000002 });
    expect(await pending).toMatchObject({ status: "SUCCESS", number: 79000000001 });
  });

  it("a failed batch commit answers ERROR to every order in it and releases the reservations", async () => {
    const ledger = new MemoryLedger();
    const { engine } = await makeEngine({}, ledger);
    engine.updatePorts([port(1), port(2)]);
    ledger.failNextWrite = true;
    const results = await Promise.all([engine.orderNumber(order()), engine.orderNumber(order()), engine.orderNumber(order())]);
    expect(results).toEqual([
      { status: "ERROR", error: "activation could not be stored" },
      { status: "ERROR", error: "activation could not be stored" },
      { status: "NO_NUMBERS" },
    ]);
    expect((await ledger.load()).open).toEqual([]);
    expect(engine.getServices().countryList[0]?.operatorMap["any"]).toEqual({ facebook: 2, telegram: 2 });
    expect(await engine.orderNumber(order())).toMatchObject({ status: "SUCCESS", activationId: 1 });
  });
});
