import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PortMap, type PortView } from "../../src/modem/port-map.js";
import { deriveState } from "../../src/modem/port-state.js";

function readyPort(map: PortMap, id = "usb-0:1.1:1.0") {
  map.appear(id, `/dev/serial/by-path/${id}`);
  return map.update(id, {
    probed: true,
    sim: "ready",
    iccid: "89701010050687591034",
    imsi: "250011234567890",
    mcc: "250",
    mnc: "01",
    registration: "home",
    number: "+79161234567",
  });
}

describe("PortMap", () => {
  it("derives ready only when SIM, identity, registration and number are all known", () => {
    const map = new PortMap();
    map.appear("p1", "/dev/ttyUSB0");
    expect(map.get("p1")?.state).toBe("probing");
    map.update("p1", { probed: true, sim: "ready", iccid: "89701010050687591034", imsi: "250011234567890" });
    expect(map.get("p1")?.state).toBe("registering");
    map.update("p1", { registration: "home" });
    expect(map.get("p1")?.state).toBe("no-number");
    map.update("p1", { number: "+79161234567" });
    expect(map.get("p1")?.state).toBe("ready");
    expect(map.sellable().map((p) => p.id)).toEqual(["p1"]);
  });

  it("emits typed events in the same tick as the change", () => {
    const map = new PortMap();
    const seen: string[] = [];
    map.on("port-added", (p) => seen.push(`added ${p.id}`));
    map.on("state-changed", (p, prev) => seen.push(`${prev}→${p.state}`));
    map.on("number-learned", (p) => seen.push(`number ${p.number}`));
    map.on("sim-changed", (p, prev) => seen.push(`sim ${prev}→${p.iccid}`));
    map.on("port-removed", (p) => seen.push(`removed ${p.id} ${p.state}`));
    readyPort(map, "p1");
    map.vanish("p1");
    expect(seen).toEqual([
      "added p1",
      "sim null→89701010050687591034",
      "number +79161234567",
      "probing→ready",
      "ready→gone",
      "removed p1 gone",
    ]);
  });

  it("leaves ready at once when the SIM is pulled, and forgets the old SIM's facts", () => {
    const map = new PortMap();
    readyPort(map, "p1");
    const view = map.update("p1", { sim: "absent" });
    expect(view.state).toBe("no-sim");
    expect([view.iccid, view.imsi, view.number]).toEqual([null, null, null]);
    expect(map.sellable()).toEqual([]);
  });

  it("treats a different ICCID as a new SIM: number and IMSI must be learned again", () => {
    const map = new PortMap();
    readyPort(map, "p1");
    const view = map.update("p1", { iccid: "89701010050687591042" });
    expect(view.number).toBeNull();
    expect(view.imsi).toBeNull();
    expect(view.state).toBe("registering");
  });

  it("goes degraded (not registering) when a ready port loses registration, and back", () => {
    const map = new PortMap();
    readyPort(map, "p1");
    expect(map.update("p1", { registration: "searching" }).state).toBe("degraded");
    expect(map.update("p1", { registration: "home" }).state).toBe("ready");
  });

  it("probes a port that comes back from scratch", () => {
    const map = new PortMap();
    readyPort(map, "p1");
    map.vanish("p1");
    const back = map.appear("p1", "/dev/ttyUSB5");
    expect(back.state).toBe("probing");
    expect(back.iccid).toBeNull();
    expect(back.path).toBe("/dev/ttyUSB5");
  });

  it("returns the same frozen snapshot until something changes", () => {
    const map = new PortMap();
    readyPort(map, "p1");
    const a = map.snapshot();
    expect(map.snapshot()).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a[0])).toBe(true);
    map.update("p1", { signal: -71 });
    expect(map.snapshot()).not.toBe(a);
  });

  it("keeps its invariants under any sequence of updates (property)", () => {
    const ids = ["a", "b", "c"];
    const op = fc.oneof(
      fc.record({ kind: fc.constant("appear" as const), id: fc.constantFrom(...ids) }),
      fc.record({ kind: fc.constant("vanish" as const), id: fc.constantFrom(...ids) }),
      fc.record({
        kind: fc.constant("update" as const),
        id: fc.constantFrom(...ids),
        patch: fc.record(
          {
            probed: fc.boolean(),
            responsive: fc.boolean(),
            sim: fc.constantFrom("ready", "absent", "pin", "puk", "error"),
            iccid: fc.constantFrom(null, "89701010050687591034", "89701010050687591042"),
            imsi: fc.constantFrom(null, "250011234567890"),
            registration: fc.constantFrom("home", "roaming", "searching", "denied", "unregistered", "unknown"),
            number: fc.constantFrom(null, "+79161234567"),
          },
          { requiredKeys: [] },
        ),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const map = new PortMap();
        const stateEvents: Array<[PortView, string]> = [];
        map.on("state-changed", (p, prev) => stateEvents.push([p, prev]));
        for (const o of ops) {
          if (o.kind === "appear") map.appear(o.id, `/dev/${o.id}`);
          else if (o.kind === "vanish") map.vanish(o.id);
          else if (map.get(o.id)) map.update(o.id, o.patch as never);
        }
        for (const p of map.snapshot()) {
          expect(p.state).toBe(deriveState(p));
          if (!p.present) expect(p.state).toBe("gone");
        }
        for (const p of map.sellable()) {
          expect(p.present && p.sim === "ready" && p.iccid && p.imsi && p.number).toBeTruthy();
        }
        for (const [p, prev] of stateEvents) expect(p.state).not.toBe(prev);
      }),
      { numRuns: 300 },
    );
  });
});
