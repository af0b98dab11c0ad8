import { describe, it, expect } from "vitest";
import { decodePdu, encodeDeliver, Reassembler, type PartInput } from "../../src/codec/index.js";

const part = (seq: number, text: string, extra: Partial<PartInput> = {}): PartInput => ({ sim: "sim1", sender: "+7916", ref: 5, refWidth: 8, total: 3, seq, text, ...extra });

describe("Reassembler", () => {
  it("assembles parts received out of order", () => {
    const r = new Reassembler();
    expect(r.add(part(3, "C"), 1000)).toEqual({ kind: "pending", have: 1, total: 3 });
    expect(r.add(part(1, "A"), 1001).kind).toBe("pending");
    const done = r.add(part(2, "B"), 1002);
    expect(done).toMatchObject({ kind: "complete", message: { text: "ABC", complete: true, missing: [], sender: "+7916", sim: "sim1" } });
    expect(r.pendingCount).toBe(0);
  });

  it("ignores duplicates and reports conflicting ones", () => {
    const r = new Reassembler();
    r.add(part(1, "A"), 0);
    expect(r.add(part(1, "A"), 1)).toEqual({ kind: "duplicate", conflict: false });
    expect(r.add(part(1, "X"), 2)).toEqual({ kind: "duplicate", conflict: true });
  });

  it("keeps interleaved messages apart by sim, sender, ref, width and total", () => {
    const r = new Reassembler();
    const keys: Partial<PartInput>[] = [{}, { sender: "+7999" }, { sim: "sim2" }, { refWidth: 16 }, { total: 2 }, { ref: 6 }];
    for (const k of keys) r.add(part(1, "1", k), 0);
    expect(r.pendingCount).toBe(keys.length);
    expect(r.add(part(2, "2", { total: 2 }), 1)).toMatchObject({ kind: "complete", message: { text: "12", total: 2 } });
  });

  it("delivers an incomplete message after the timeout, missing parts marked", () => {
    const r = new Reassembler({ timeoutMs: 60_000 });
    r.add(part(1, "Hello "), 10_000);
    r.add(part(3, "!"), 20_000);
    expect(r.nextDeadline()).toBe(70_000);
    expect(r.expire(69_999)).toEqual([]);
    const [m] = r.expire(70_000);
    expect(m).toMatchObject({ text: "Hello [part 2/3 missing]!", complete: false, missing: [2] });
    expect(r.pendingCount).toBe(0);
    expect(r.nextDeadline()).toBeNull();
  });

  it("custom missing marker", () => {
    const r = new Reassembler({ timeoutMs: 1, missingMarker: () => "…" });
    r.add(part(2, "b"), 0);
    expect(r.expire(1)[0]!.text).toBe("…b…");
  });

  it("state survives JSON persistence", () => {
    const r = new Reassembler({ timeoutMs: 1000 });
    r.add(part(2, "B", { timestamp: "2024-01-01T00:00:05+00:00" }), 100);
    r.add(part(1, "A", { timestamp: "2024-01-01T00:00:04+00:00" }), 101);
    const json = JSON.parse(JSON.stringify(r.toJSON()));
    const restored = Reassembler.fromJSON(json, { timeoutMs: 1000 });
    expect(restored.toJSON()).toEqual(r.toJSON());
    expect(restored.add(part(3, "C"), 102)).toMatchObject({ kind: "complete", message: { text: "ABC", timestamp: "2024-01-01T00:00:04+00:00", firstReceivedAt: 100 } });
  });

  it("fromJSON skips malformed groups instead of throwing", () => {
    const r = Reassembler.fromJSON({ version: 1, groups: [null, 5, { sim: 1 }, { ...part(1, ""), firstReceivedAt: 0, parts: { "9": { text: "x", receivedAt: 0 } } }] });
    expect(r.pendingCount).toBe(1);
    expect(Reassembler.fromJSON("garbage").pendingCount).toBe(0);
  });

  it.each([
    [null, /object/],
    [{ ...part(4, "x") }, /seq/],
    [{ ...part(1, "x"), refWidth: 7 }, /refWidth/],
    [{ ...part(1, "x"), ref: 300 }, /ref/],
    [{ ...part(1, "x"), total: 0 }, /total/],
  ])("rejects bad parts without throwing: %j", (p, reason) => {
    const out = new Reassembler().add(p as PartInput, 0);
    expect(out.kind).toBe("rejected");
    if (out.kind === "rejected") expect(out.reason).toMatch(reason);
  });

  it("addSms takes decoded PDUs (single and multipart, out of order)", () => {
    const r = new Reassembler();
    const single = decodePdu(encodeDeliver({ sender: "Bank", text: "one" })[0]!.hex);
    if (!single.ok) throw new Error("decode");
    expect(r.addSms("sim1", single.message, 0)).toMatchObject({ kind: "complete", message: { text: "one", ref: null, total: 1 } });
    const text = "Ваш код: 1234. ".repeat(10);
    const parts = encodeDeliver({ sender: "Instagram", text }).map((p) => decodePdu(p.hex));
    const outs = [...parts].reverse().map((d) => (d.ok ? r.addSms("sim1", d.message, 1) : null));
    expect(outs.at(-1)).toMatchObject({ kind: "complete", message: { text, sender: "Instagram", complete: true } });
  });
});
