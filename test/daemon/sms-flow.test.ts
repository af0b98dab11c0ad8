/**
 * The SMS path's archive (src/daemon/sms-flow.ts SmsArchive) may answer later, as a store
 * across the network will (issue 17): a whole SMS is routed with the id the store gave it
 * once it answers, and one the store refuses (at once or later) is logged and not routed
 * (its parts are stored; route-recovery.ts routes a stored, unrouted SMS at the next start).
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSmsFlow, type SmsStored } from "../../src/daemon/sms-flow.js";
import { PortMap } from "../../src/modem/port-map.js";
import type { CompleteSms } from "../../src/sms/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { captureLogger } from "../outbound/helpers.js";
import { deliverParts, tempStateDir } from "../store/helpers.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup(storeMessage: (store: Store, sms: CompleteSms) => { id: number } | Promise<{ id: number }>) {
  const t = tempStateDir();
  const store = openStore({ stateDir: t.dir });
  cleanups.push(() => {
    store.close();
    t.cleanup();
  });
  // The real repository, its storeMessage answered through `storeMessage` (sync, later, or failing).
  const sms = Object.create(store.sms, { storeMessage: { value: (m: CompleteSms) => storeMessage(store, m) } });
  const routed: number[] = [];
  const stored: SmsStored[] = [];
  const log = captureLogger();
  const map = new PortMap();
  const flow = startSmsFlow({
    store: { ...store, sms } as Store,
    engine: { routeSms: async (s) => (routed.push(s.smsId), { kind: "unrouted" }) },
    map,
    logger: log.logger,
    onStored: (s) => stored.push(s),
  });
  cleanups.push(() => flow.stop());
  map.appear("usb-1-1", "/dev/ttyUSB0");
  const arrive = (text: string): CompleteSms => {
    const parts = deliverParts({ text });
    for (const p of parts) store.sms.acceptPart(p);
    const whole: CompleteSms = { portId: "usb-1-1", iccid: parts[0]!.iccid, sender: "Telegram", text, parts, missingParts: [], timestamp: null };
    map.smsReceived("usb-1-1", whole);
    return whole;
  };
  return { store, routed, stored, log, arrive };
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe("the SMS path over an archive that answers later", () => {
  it("routes each SMS with the id the store gave it, in the order they came, when the store answers later", async () => {
    const h = setup((store, m) => new Promise((resolve) => setTimeout(() => resolve(store.sms.storeMessage(m)), 20)));
    h.arrive("code 1111");
    h.arrive("code 2222");
    await until(() => h.stored.length === 2);
    expect(h.stored.map((s) => s.sms.text)).toEqual(["code 1111", "code 2222"]);
    expect(h.routed).toEqual(h.stored.map((s) => s.smsId));
    expect(h.store.sms.recent({ limit: 10 }).map((s) => s.text).sort()).toEqual(["code 1111", "code 2222"]);
  });

  it("logs an SMS the store refuses later and does not route it", async () => {
    const h = setup(() => Promise.reject(new Error("connection reset")));
    h.arrive("code 3333");
    await until(() => h.log.at("error").length > 0);
    expect(h.log.at("error").map((l) => l["event"])).toEqual(["sms-store-failed"]);
    expect(h.routed).toEqual([]);
  });
});
