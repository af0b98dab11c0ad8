import { describe, expect, it } from "vitest";
import { makeEngine, port } from "./helpers.js";

const order = { country: "russia", operator: "any", service: "facebook", sum: 10 };

describe("SMS routing", () => {
  it("queues an SMS on a number with an open activation, once", () => {
    const { engine, persistence } = makeEngine();
    engine.updatePorts([port(1)]);
    const r = engine.getNumber(order);
    if (r.status !== "SUCCESS") throw new Error("expected a number");
    const sms = { smsId: 41, portId: "port-1", iccid: port(1).iccid, number: "+79000000001", receivedAt: 5 };
    expect(engine.routeSms(sms)).toEqual({ kind: "queued", activationId: r.activationId, outboxId: 1 });
    expect(engine.routeSms(sms)).toEqual({ kind: "duplicate", activationId: r.activationId, outboxId: 1 });
    expect(engine.routeSms({ ...sms, smsId: 42 })).toEqual({ kind: "queued", activationId: r.activationId, outboxId: 2 });
    expect(persistence.outbox().map((e) => [e.smsId, e.activationId])).toEqual([[41, 1], [42, 1]]);
    expect(engine.openActivationFor("+79000000001")).toEqual(persistence.findOpenActivationByNumber("79000000001"));
    expect(engine.openActivationFor("79000000002")).toBeUndefined();
  });

  it("finds the activation by number when the SIM was replaced under the same number", () => {
    const { engine } = makeEngine();
    engine.updatePorts([port(1)]);
    engine.getNumber(order);
    expect(engine.routeSms({ smsId: 1, portId: "port-1", iccid: "8900000000000000000", number: "79000000001", receivedAt: 5 }).kind).toBe("queued");
  });

  it("keeps SMS without an open activation unrouted (before issue and after close)", () => {
    const { engine, persistence } = makeEngine();
    engine.updatePorts([port(1)]);
    const sms = { smsId: 7, portId: "port-1", iccid: port(1).iccid, number: "+79000000001", receivedAt: 5 };
    expect(engine.routeSms(sms)).toEqual({ kind: "unrouted", reason: "no-open-activation" });
    engine.getNumber(order);
    engine.finishActivation({ activationId: 1, status: 3 });
    expect(engine.routeSms({ ...sms, smsId: 8 })).toEqual({ kind: "unrouted", reason: "no-open-activation" });
    expect(persistence.outbox()).toEqual([]);
    expect(engine.stats().smsUnrouted).toBe(2);
  });

  it("reports a store failure as `failed` (the SMS stays stored; routing can be retried)", () => {
    const { engine, persistence } = makeEngine();
    engine.updatePorts([port(1)]);
    engine.getNumber(order);
    const sms = { smsId: 3, portId: "port-1", iccid: port(1).iccid, number: "+79000000001", receivedAt: 5 };
    persistence.failNextWrite = true;
    expect(engine.routeSms(sms)).toEqual({ kind: "failed", activationId: 1, error: "simulated store failure (transaction rolled back)" });
    expect(engine.routeSms(sms)).toMatchObject({ kind: "queued", activationId: 1 });
  });
});
