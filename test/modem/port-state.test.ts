import { describe, expect, it } from "vitest";
import { deriveState, type PortFacts } from "../../src/modem/port-state.js";

const readyFacts: PortFacts = {
  present: true,
  everSeen: true,
  probed: true,
  responsive: true,
  answering: true,
  noisy: false,
  sim: "ready",
  iccid: "89701010050687591034",
  imsi: "250011234567890",
  registration: "home",
  number: "+79161234567",
  wasReady: false,
};

describe("deriveState", () => {
  it.each<[string, Partial<PortFacts>, string]>([
    ["everything known and registered at home", {}, "ready"],
    ["roaming is sellable by default", { registration: "roaming" }, "ready"],
    ["no SIM", { sim: "absent" }, "no-sim"],
    ["PIN lock", { sim: "pin" }, "sim-locked"],
    ["PUK lock", { sim: "puk" }, "sim-locked"],
    ["SIM failure", { sim: "error" }, "sim-error"],
    ["not registered yet", { registration: "searching" }, "registering"],
    ["not searching (yet)", { registration: "unregistered" }, "registering"],
    ["registration denied: settled, the owner must act", { registration: "denied" }, "denied"],
    ["denied before the SIM is identified", { registration: "denied", imsi: null }, "denied"],
    ["denied after being ready is named, not just degraded", { registration: "denied", wasReady: true }, "denied"],
    ["number unknown", { number: null }, "no-number"],
    ["IMSI unknown", { imsi: null }, "registering"],
    ["not probed yet", { probed: false }, "probing"],
    ["never answered", { probed: false, responsive: false }, "unresponsive"],
    ["tty vanished", { present: false }, "gone"],
    ["never seen", { present: false, everSeen: false }, "absent"],
    ["lost registration after being ready", { wasReady: true, registration: "searching" }, "degraded"],
    ["stopped answering after being ready", { wasReady: true, responsive: false }, "degraded"],
    ["a command waited past the answer threshold", { answering: false }, "not-answering"],
    ["spewing noise", { noisy: true }, "noisy"],
    ["noise is named before the unanswered command it causes", { noisy: true, answering: false }, "noisy"],
    ["the recovery ladder gave up: degraded wins over not answering", { wasReady: true, responsive: false, answering: false }, "degraded"],
    ["not answering during the first bring-up is still probing", { probed: false, answering: false }, "probing"],
  ])("%s → %s", (_why, patch, expected) => {
    expect(deriveState({ ...readyFacts, ...patch })).toBe(expected);
  });

  it("keeps roaming SIMs unsellable when the policy says so, as 'roaming' (settled, not still registering)", () => {
    expect(deriveState({ ...readyFacts, registration: "roaming" }, { allowRoaming: false })).toBe("roaming");
    // A SIM that was sold and then roams loses its sale: degraded, as any lost requirement.
    expect(deriveState({ ...readyFacts, registration: "roaming", wasReady: true }, { allowRoaming: false })).toBe("degraded");
  });
});
