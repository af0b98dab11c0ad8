/**
 * The SIM registry behind recordSims (src/daemon/sim-records.ts) may answer later, as a
 * store across the network will (issue 17): a SIM is written once per change, a write that
 * fails at once or later is logged and tried again at the SIM's next change, and the port
 * map's events are never held up by it.
 */
import { describe, expect, it } from "vitest";
import { recordSims, type SimRegistry } from "../../src/daemon/sim-records.js";
import { PortMap, type PortView } from "../../src/modem/port-map.js";
import { captureLogger } from "../outbound/helpers.js";

const ICCID = "89701012345678901234";

function registry(answer: (call: number) => Promise<void> | void): SimRegistry & { calls: PortView[] } {
  const calls: PortView[] = [];
  return {
    calls,
    recordSim(port) {
      calls.push(port);
      return answer(calls.length);
    },
  };
}

const flush = () => new Promise((r) => setImmediate(r));

describe("recordSims over an asynchronous SIM registry", () => {
  it("writes a SIM once per change, whether the registry answers at once or later", async () => {
    for (const answer of [() => undefined, () => Promise.resolve()]) {
      const map = new PortMap();
      const sims = registry(answer);
      const stop = recordSims(map, sims, captureLogger().logger);
      map.appear("p1", "/dev/ttyUSB0");
      map.update("p1", { iccid: ICCID, number: "+79001234567" });
      map.update("p1", { signal: 20 }); // a signal update alone is not a change of the SIM
      map.update("p1", { number: "+79001234568" });
      await flush();
      expect(sims.calls.map((p) => p.number)).toEqual(["+79001234567", "+79001234568"]);
      stop();
    }
  });

  it("logs a write that fails later and writes the SIM again at its next change", async () => {
    const map = new PortMap();
    const sims = registry((n) => (n === 1 ? Promise.reject(new Error("connection reset")) : Promise.resolve()));
    const log = captureLogger();
    const stop = recordSims(map, sims, log.logger);
    map.appear("p1", "/dev/ttyUSB0");
    map.update("p1", { iccid: ICCID, number: "+79001234567" });
    await flush();
    expect(log.at("error").map((l) => l["event"])).toEqual(["sim-record-failed"]);
    // Nothing about the SIM changed, but its last write failed: the next event writes it again.
    map.update("p1", { signal: 17 });
    await flush();
    expect(sims.calls).toHaveLength(2);
    stop();
  });
});
