import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log/logger.js";
import { feedPorts } from "../../src/engine/port-feed.js";
import { feedSms } from "../../src/engine/sms-feed.js";
import type { RouteOutcome } from "../../src/engine/sms-routing.js";
import type { CompleteSms } from "../../src/sms/index.js";
import { PortMap } from "../../src/modem/port-map.js";
import { makeEngine } from "./helpers.js";

const ICCID = "89701010000000000011";
const sms = (text: string): CompleteSms => ({ portId: "usb-1", iccid: ICCID, sender: "Facebook", text, parts: [], missingParts: [], timestamp: null });

describe("feedSms", () => {
  it("stores every whole SMS first, then routes it to the open activation (or keeps it unrouted)", async () => {
    const map = new PortMap();
    const { engine, persistence } = makeEngine();
    feedPorts(engine, map);
    map.appear("usb-1", "/dev/ttyUSB0");
    map.update("usb-1", { probed: true, sim: "ready", iccid: ICCID, imsi: "250011234567890", mcc: "250", mnc: "01", registration: "home", number: "+79161234567" });
    await Promise.resolve();
    const stored: string[] = [];
    const outcomes: RouteOutcome[] = [];
    feedSms<CompleteSms>(engine, map, (s) => (stored.push(s.text), stored.length), silentLogger(), () => 42, (o) => outcomes.push(o));

    map.smsReceived("usb-1", sms("before the order"));
    const r = engine.getNumber({ country: "russia", operator: "any", service: "facebook", sum: 1 });
    expect(r.status).toBe("SUCCESS");
    map.smsReceived("usb-1", sms("code 1234"));

    expect(stored).toEqual(["before the order", "code 1234"]);
    expect(outcomes).toEqual([{ kind: "unrouted", reason: "no-open-activation" }, { kind: "queued", activationId: 1, outboxId: 1 }]);
    expect(persistence.outbox()).toEqual([{ id: 1, smsId: 2, activationId: 1, createdAt: 42 }]);
  });

  it("does not route an SMS whose store failed", () => {
    const map = new PortMap();
    const { engine } = makeEngine();
    map.appear("usb-1", "/dev/ttyUSB0");
    const outcomes: RouteOutcome[] = [];
    feedSms(engine, map, () => { throw new Error("disk full"); }, silentLogger(), Date.now, (o) => outcomes.push(o));
    map.smsReceived("usb-1", sms("x"));
    expect(outcomes).toEqual([]);
  });
});
