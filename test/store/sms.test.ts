import { afterEach, describe, expect, it } from "vitest";
import { Reassembler } from "../../src/codec/reassembly.js";
import { MessageAssembler, type CompleteSms } from "../../src/sms/index.js";
import { silentLogger } from "../../src/log/logger.js";
import { openStore, type Store } from "../../src/store/index.js";
import { restoreAssembler } from "../../src/store/sms-recovery.js";
import { deliverParts, tempStateDir } from "./helpers.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function fresh(): { dir: string; open: () => Store } {
  const t = tempStateDir();
  cleanups.push(t.cleanup);
  const open = () => {
    const s = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
    cleanups.unshift(() => s.close());
    return s;
  };
  return { dir: t.dir, open };
}

describe("SMS parts", () => {
  it("stores a part with its raw PDU and decoded form, and a re-read of the same PDU once", async () => {
    const { open } = fresh();
    const s = open();
    const [part] = deliverParts({ text: "Your code is 800142" });
    const first = s.sms.acceptPart(part!);
    const again = s.sms.acceptPart({ ...part!, index: 7, memory: "ME" });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ id: first.id, duplicate: true });
    await s.acceptPart(part!);
    expect(s.db.prepare("SELECT count(*) FROM sms_parts").pluck().get()).toBe(1);
    const [stored] = s.sms.unassembledParts("usb-1-1");
    expect(stored).toMatchObject({ id: first.id, pdu: part!.pdu, iccid: part!.iccid, memory: "SM", index: 0, smsId: null });
    expect(stored!.decoded).toEqual(part!.decoded);
    expect(stored!.receivedAt.getTime()).toBe(part!.receivedAt.getTime());
  });

  it("dedups per SIM: the same PDU on another SIM is another SMS; without ICCID the port is the scope", () => {
    const { open } = fresh();
    const s = open();
    const [p] = deliverParts({ text: "hello" });
    expect(s.sms.acceptPart(p!).duplicate).toBe(false);
    expect(s.sms.acceptPart({ ...p!, iccid: "8970199999999999999" }).duplicate).toBe(false);
    expect(s.sms.acceptPart({ ...p!, iccid: null }).duplicate).toBe(false);
    expect(s.sms.acceptPart({ ...p!, iccid: null }).duplicate).toBe(true);
    expect(s.sms.acceptPart({ ...p!, iccid: null, portId: "usb-9" }).duplicate).toBe(false);
  });

  it("keeps an undecodable part (raw PDU, decoded null)", () => {
    const { open } = fresh();
    const s = open();
    const r = s.sms.acceptPart({ portId: "p", iccid: "1", memory: "direct", index: null, pdu: "00FFEE", tpduLength: 2, decoded: null, receivedAt: new Date(5) });
    expect(s.sms.unassembledParts("p")).toEqual([{ id: r.id, smsId: null, portId: "p", iccid: "1", memory: "direct", index: null, pdu: "00FFEE", tpduLength: 2, decoded: null, receivedAt: new Date(5) }]);
  });

  it("stores the assembled message linked to its parts, once", () => {
    const { open } = fresh();
    const s = open();
    const parts = deliverParts({ text: "A long message. ".repeat(20), concatRef: 42 });
    expect(parts.length).toBe(3);
    for (const p of parts) s.sms.acceptPart(p);
    const assembler = new MessageAssembler("usb-1-1", 60_000, silentLogger());
    let complete: CompleteSms | null = null;
    for (const p of parts) complete = assembler.add(p, 1000) ?? complete;
    expect(complete).not.toBeNull();
    const m = s.sms.storeMessage(complete!);
    expect(m.duplicate).toBe(false);
    const rec = s.sms.get(m.id)!;
    expect(rec).toMatchObject({ text: "A long message. ".repeat(20), sender: "+79160000001", missingParts: [], portId: "usb-1-1" });
    expect(rec.partIds).toHaveLength(3);
    expect(s.sms.partsOf(m.id).map((p) => p.pdu)).toEqual(parts.map((p) => p.pdu));
    expect(s.sms.unassembledParts("usb-1-1")).toEqual([]);
    // The receiver re-assembling the same parts after a restart gets the same message back.
    expect(s.sms.storeMessage(complete!)).toEqual({ id: m.id, duplicate: true });
    expect(s.db.prepare("SELECT count(*) FROM sms").pluck().get()).toBe(1);
  });

  it("an incomplete message records its missing parts", () => {
    const { open } = fresh();
    const s = open();
    const parts = deliverParts({ text: "B".repeat(400), concatRef: 9 });
    s.sms.acceptPart(parts[0]!);
    const m = s.sms.storeMessage({ portId: "usb-1-1", iccid: parts[0]!.iccid, sender: "+79160000001", text: "B".repeat(153) + "[part 2/3 missing]", parts: [parts[0]!], missingParts: [2, 3], timestamp: null });
    expect(s.sms.get(m.id)!.missingParts).toEqual([2, 3]);
  });

  it("parts, messages and reassembly state survive a reopen; a partial multipart completes after it", () => {
    const { open } = fresh();
    const parts = deliverParts({ text: "C".repeat(300), concatRef: 77 });
    expect(parts.length).toBe(2);
    const a = open();
    a.sms.acceptPart(parts[0]!);
    const r1 = new Reassembler({ timeoutMs: 60_000 });
    const d0 = parts[0]!.decoded;
    if (d0?.type !== "deliver") throw new Error("expected a deliver PDU");
    expect(r1.addSms("8970100000000000001", d0, 1000).kind).toBe("pending");
    a.reassembly.save("usb-1-1", r1.toJSON());
    a.close();

    const b = open();
    expect(b.sms.unassembledParts("usb-1-1").map((p) => p.pdu)).toEqual([parts[0]!.pdu]);
    const r2 = Reassembler.fromJSON(b.reassembly.load("usb-1-1"), { timeoutMs: 60_000 });
    const d1 = parts[1]!.decoded;
    if (d1?.type !== "deliver") throw new Error("expected a deliver PDU");
    b.sms.acceptPart(parts[1]!);
    const done = r2.addSms("8970100000000000001", d1, 2000);
    expect(done.kind).toBe("complete");
    if (done.kind === "complete") expect(done.message.text).toBe("C".repeat(300));
    b.reassembly.save("usb-1-1", r2.toJSON());
    expect(b.reassembly.load("usb-1-1")).toBeUndefined();
  });

  it("after a crash, stored-but-unassembled parts rebuild the port's assembler (no blob needed)", () => {
    const { open } = fresh();
    const at = new Date("2026-11-22T08:30:00Z");
    const multi = deliverParts({ text: "D".repeat(400), concatRef: 5, at });
    const single = deliverParts({ text: "single, never made a message", at, sender: "+79160000002" });
    const a = open();
    // The receiver accepted (and the modem deleted) these, then the process died before
    // the assembler's state or the single SMS's message row were written.
    a.sms.acceptPart(multi[0]!);
    a.sms.acceptPart(multi[1]!);
    a.sms.acceptPart(single[0]!);
    a.close();

    const b = open();
    const restored = restoreAssembler(b.sms, "usb-1-1", 600_000, silentLogger());
    expect(restored.parts).toBe(3);
    expect(restored.completed.map((m) => m.text)).toEqual(["single, never made a message"]);
    for (const m of restored.completed) b.sms.storeMessage(m);
    // The last part arrives after the restart: the message completes with all three parts.
    b.sms.acceptPart(multi[2]!);
    const done = restored.assembler.add(multi[2]!, at.getTime() + 5000);
    expect(done?.text).toBe("D".repeat(400));
    expect(done?.parts.map((p) => p.pdu)).toEqual(multi.map((p) => p.pdu));
    const m = b.sms.storeMessage(done!);
    expect(b.sms.get(m.id)?.partIds).toHaveLength(3);
    expect(b.sms.unassembledParts("usb-1-1")).toEqual([]);
  });

  it("a partial multipart restored after its timeout comes out incomplete, naming the missing part", () => {
    const { open } = fresh();
    const at = new Date("2026-11-22T08:00:00Z");
    const multi = deliverParts({ text: "E".repeat(400), concatRef: 6, at });
    const a = open();
    a.sms.acceptPart(multi[0]!);
    a.sms.acceptPart(multi[2]!);
    a.close();
    const b = open();
    const { assembler, completed } = restoreAssembler(b.sms, "usb-1-1", 60_000, silentLogger());
    expect(completed).toEqual([]);
    const [late] = assembler.expire(at.getTime() + 120_000);
    expect(late?.missingParts).toEqual([2]);
    const m = b.sms.storeMessage(late!);
    expect(b.sms.get(m.id)).toMatchObject({ missingParts: [2] });
    expect(b.sms.get(m.id)?.partIds).toHaveLength(2);
  });

  it("an unreadable reassembly blob loads as undefined, not a throw", () => {
    const { open } = fresh();
    const s = open();
    s.db.prepare("INSERT INTO reassembly_state VALUES ('p', '{not json', 0)").run();
    expect(s.reassembly.load("p")).toBeUndefined();
    expect(s.reassembly.load("other")).toBeUndefined();
  });
});

describe("SIMs and the number cache", () => {
  it("records SIMs with first/last seen and port, never erasing a known fact", () => {
    const t = tempStateDir();
    cleanups.push(t.cleanup);
    let now = 1000;
    const s = openStore({ stateDir: t.dir, clock: () => now });
    cleanups.unshift(() => s.close());
    const view = { id: "usb-1-1", iccid: "8970100000000000001", imsi: "250011234567890", number: "+7 916 123-45-67", mcc: "250", mnc: "01", networkOperator: "25001" };
    expect(s.sims.recordSim(view)).toEqual({ iccid: view.iccid, imsi: view.imsi, number: "79161234567", mcc: "250", mnc: "01", operator: "25001", portId: "usb-1-1", firstSeen: 1000, lastSeen: 1000 });
    now = 5000;
    const moved = s.sims.recordSim({ ...view, id: "usb-1-2", number: null, imsi: null });
    expect(moved).toMatchObject({ number: "79161234567", imsi: view.imsi, portId: "usb-1-2", firstSeen: 1000, lastSeen: 5000 });
    expect(s.sims.recordSim({ ...view, iccid: null })).toBeUndefined();
    expect(s.sims.all()).toHaveLength(1);
  });

  it("is the own-number NumberCache: a number learned once is known after a restart", () => {
    const t = tempStateDir();
    cleanups.push(t.cleanup);
    const a = openStore({ stateDir: t.dir });
    expect(a.sims.get("8970100000000000009")).toBeUndefined();
    a.sims.set("8970100000000000009", "+79161112233");
    a.close();
    const b = openStore({ stateDir: t.dir });
    cleanups.unshift(() => b.close());
    expect(b.sims.get("8970100000000000009")).toBe("+79161112233");
    expect(b.sims.find("8970100000000000009")?.number).toBe("79161112233");
  });
});
