/**
 * The `number-invalid` port state (issue 14 §3): a SIM whose number was found but is not
 * valid for its country is never sellable, says why, and a new SIM in the port starts clean.
 */
import { describe, expect, it } from "vitest";
import { deriveState, type PortFacts } from "../../src/modem/port-state.js";
import { PortMap } from "../../src/modem/port-map.js";

const facts: PortFacts = {
  present: true,
  everSeen: true,
  probed: true,
  responsive: true,
  answering: true,
  noisy: false,
  sim: "ready",
  iccid: "89910000000000000001",
  imsi: "404451234567890",
  registration: "home",
  number: null,
  numberProblem: 'AT+CNUM: "9123" is not a valid IN mobile number',
  wasReady: false,
};

describe("number-invalid", () => {
  it.each<[string, Partial<PortFacts>, string]>([
    ["identified, registered, number refused", {}, "number-invalid"],
    ["refused while still registering: the owner must act anyway", { registration: "searching" }, "number-invalid"],
    ["refused while roaming is not sold", { registration: "roaming" }, "number-invalid"],
    ["a valid number wins over an old refusal", { number: "+919123456789" }, "ready"],
    ["nothing refused, nothing known", { numberProblem: null }, "no-number"],
    ["SIM not identified yet", { imsi: null }, "registering"],
    ["SIM locked", { sim: "pin" }, "sim-locked"],
  ])("%s → %s", (_why, patch, expected) => {
    expect(deriveState({ ...facts, ...patch }, { allowRoaming: false })).toBe(expected);
  });

  it("is never sellable; the reason is on the port; another SIM in the port starts without it", () => {
    const map = new PortMap();
    map.appear("p1", "/dev/ttyUSB0");
    map.update("p1", { probed: true, sim: "ready", iccid: facts.iccid, imsi: facts.imsi, registration: "home" });
    expect(map.get("p1")?.state).toBe("no-number");
    map.update("p1", { numberProblem: facts.numberProblem });
    expect(map.get("p1")).toMatchObject({ state: "number-invalid", numberProblem: facts.numberProblem, number: null });
    expect(map.sellable()).toEqual([]);
    map.update("p1", { iccid: "89910000000000000002" });
    expect(map.get("p1")?.numberProblem).toBeNull();
    expect(map.get("p1")?.state).toBe("registering");
  });

  it("the operator's number clears the refusal and the port becomes sellable", () => {
    const map = new PortMap();
    map.appear("p1", "/dev/ttyUSB0");
    map.update("p1", { probed: true, sim: "ready", iccid: facts.iccid, imsi: facts.imsi, registration: "home", numberProblem: facts.numberProblem });
    map.update("p1", { number: "+919123456789", numberProblem: null });
    expect(map.get("p1")?.state).toBe("ready");
    expect(map.sellable().map((p) => p.number)).toEqual(["+919123456789"]);
  });
});
