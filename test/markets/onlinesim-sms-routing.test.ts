import { describe, expect, it } from "vitest";
import { makeEngine, port } from "./onlinesim-engine.js";

const order = { country: "russia", operator: "any", service: "facebook", sum: 10 };

describe("SMS routing", () => {
  it("queues an SMS on a number with an open activation, once", async () => {
    const { engine, ledger } = await makeEngine();
    engine.updatePorts([port(1)]);
    const r = await engine.getNumber(order);
    if (r.status !== "SUCCESS") throw new Error("expected a number");
    const sms = { smsId: 41, portId: "port-1", iccid: port(1).iccid, number: "+79000000001", receivedAt: 5 };
    expect(await engine.routeSms(sms)).toMatchObject({ kind: "queued", reservation: { id: r.activationId, market: "onlinesim" }, deliveryId: 1 });
    expect(await engine.routeSms(sms)).toMatchObject({ kind: "duplicate", reservation: { id: r.activationId }, deliveryId: 1 });
    expect(await engine.routeSms({ ...sms, smsId: 42 })).toMatchObject({ kind: "queued", reservation: { id: r.activationId }, deliveryId: 2 });
    expect(ledger.deliveries().map((e) => [e.smsId, e.reservationId])).toEqual([[41, 1], [42, 1]]);
    expect(engine.openActivationFor("+79000000001")).toEqual((await ledger.load()).open[0]);
    expect(engine.openActivationFor("79000000002")).toBeUndefined();
  });

  it("finds the activation by number when the SIM was replaced under the same number", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1)]);
    await engine.getNumber(order);
    expect((await engine.routeSms({ smsId: 1, portId: "port-1", iccid: "8900000000000000000", number: "79000000001", receivedAt: 5 })).kind).toBe("queued");
  });

  it("keeps SMS without an open activation unrouted (before issue and after close)", async () => {
    const { engine, ledger } = await makeEngine();
    engine.updatePorts([port(1)]);
    const sms = { smsId: 7, portId: "port-1", iccid: port(1).iccid, number: "+79000000001", receivedAt: 5 };
    expect(await engine.routeSms(sms)).toEqual({ kind: "unrouted" });
    await engine.getNumber(order);
    await engine.finishActivation({ activationId: 1, status: 3 });
    expect(await engine.routeSms({ ...sms, smsId: 8 })).toEqual({ kind: "unrouted" });
    expect(ledger.deliveries()).toEqual([]);
    expect(engine.stats().smsUnrouted).toBe(2);
  });

  it("reports a store failure as `failed` (the SMS stays stored; routing can be retried)", async () => {
    const { engine, ledger } = await makeEngine();
    engine.updatePorts([port(1)]);
    await engine.getNumber(order);
    const sms = { smsId: 3, portId: "port-1", iccid: port(1).iccid, number: "+79000000001", receivedAt: 5 };
    ledger.failNextWrite = true;
    expect(await engine.routeSms(sms)).toEqual({ kind: "failed", error: "simulated store failure (transaction rolled back)" });
    expect(await engine.routeSms(sms)).toMatchObject({ kind: "queued", reservation: { id: 1 } });
  });
});
