import { describe, expect, it } from "vitest";
import { feedPorts } from "../../src/sales/port-feed.js";
import { PortMap } from "../../src/modem/port-map.js";
import { anyCounts, makeEngine } from "../markets/onlinesim-engine.js";

describe("feedPorts", () => {
  it("follows the live port map, one rebuild per burst of changes", async () => {
    const map = new PortMap();
    const { engine } = await makeEngine();
    let rebuilds = 0;
    const sink = { updatePorts: (ports: Parameters<typeof engine.updatePorts>[0]) => (rebuilds++, engine.updatePorts(ports)) };
    const stop = feedPorts(sink, map);
    expect(rebuilds).toBe(1);
    map.appear("usb-1", "/dev/ttyUSB0");
    map.update("usb-1", { probed: true, sim: "ready", iccid: "89701010000000000011", imsi: "250011234567890", mcc: "250", mnc: "01", registration: "home", number: "+79161234567" });
    expect(map.get("usb-1")?.state).toBe("ready");
    await Promise.resolve();
    expect(rebuilds).toBe(2);
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 1 });
    expect(await engine.getNumber({ country: "russia", operator: "mts", service: "facebook", sum: 1 })).toMatchObject({ number: 79161234567 });
    map.vanish("usb-1");
    await Promise.resolve();
    expect(engine.stats().modules).toBe(0);
    expect(engine.openActivations()).toHaveLength(1);
    stop();
    map.appear("usb-1", "/dev/ttyUSB0");
    await Promise.resolve();
    expect(rebuilds).toBe(3);
  });
});
