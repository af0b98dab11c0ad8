import { describe, it, expect } from "vitest";
import { decodePdu, encodeDeliver, Reassembler, type PartInput } from "../../src/codec/index.js";

const part = (seq: number, text: string, extra: Partial<PartInput> = {}): PartInput => ({ sim: "sim1", sender: "+7916", ref: 5, refWidth: 8, total: 3, seq, text, ...extra });

describe("Reassembler", () => {
  it("assembles parts received out of order", () => {
    const r = new Reassembler();
    expect(r.add(part(3, "C"), 1000)).toEqual({ kind: "pending", group: 1, have: 1, total: 3, others: 0 });
    expect(r.add(part(1, "A"), 1001).kind).toBe("pending");
    const done = r.add(part(2, "B"), 1002);
    expect(done).toMatchObject({ kind: "complete", message: { text: "ABC", complete: true, missing: [], sender: "+7916", sim: "sim1" } });
    expect(r.pendingCount).toBe(0);
  });

  it("takes the same part again as a duplicate; the same number with other text is another message", () => {
    const r = new Reassembler();
    r.add(part(1, "A"), 0);
    expect(r.add(part(1, "A"), 1)).toEqual({ kind: "duplicate", group: 1 });
    expect(r.add(part(1, "X"), 2)).toEqual({ kind: "pending", group: 2, have: 1, total: 3, others: 1 });
    expect(r.pendingCount).toBe(2);
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

  describe("parts under one key join only when they are one message (issue 12)", () => {
    const at = (iso: string) => ({ timestamp: iso });

    it("a part in another coding starts its own group, and the parts go where their coding is", () => {
      const r = new Reassembler({ timeoutMs: 60_000 });
      r.add(part(1, "Код ", { coding: "ucs2", ...at("2026-11-30T18:11:11+03:00") }), 0);
      expect(r.add(part(2, "code ", { coding: "gsm7", ...at("2026-11-30T18:11:16+03:00") }), 5_000)).toMatchObject({ kind: "pending", group: 2, others: 1 });
      expect(r.add(part(3, "!", { coding: "gsm7", ...at("2026-11-30T18:11:16+03:00") }), 5_000)).toMatchObject({ kind: "pending", group: 2, have: 2 });
      const out = r.expire(65_000).map((m) => [m.text, m.missing]);
      expect(out).toEqual([
        ["Код [part 2/3 missing][part 3/3 missing]", [2, 3]],
        ["[part 1/3 missing]code !", [1]],
      ]);
    });

    it("SC timestamps more than the window apart are two messages; within it, one", () => {
      const r = new Reassembler({ sctsWindowMs: 60_000 });
      r.add(part(1, "A", at("2026-11-30T18:00:00Z")), 0);
      expect(r.add(part(2, "B", at("2026-11-30T18:01:00.001Z")), 1)).toMatchObject({ kind: "pending", group: 2 });
      r.add(part(2, "b", at("2026-11-30T18:00:59Z")), 2);
      expect(r.add(part(3, "c", at("2026-11-30T18:00:30Z")), 3)).toMatchObject({ kind: "complete", message: { text: "Abc" } });
    });

    it("a part goes to the group whose SC timestamps are nearest", () => {
      const r = new Reassembler();
      r.add(part(1, "A1", at("2026-11-30T18:00:00Z")), 0);
      r.add(part(1, "B1", at("2026-11-30T18:00:40Z")), 1);
      expect(r.add(part(2, "B2", at("2026-11-30T18:00:41Z")), 2)).toMatchObject({ kind: "pending", group: 2 });
      expect(r.add(part(2, "A2", at("2026-11-30T18:00:01Z")), 3)).toMatchObject({ kind: "pending", group: 1 });
    });

    it("a part received after a group's timeout does not complete it, even when the group was restored", () => {
      const r = new Reassembler({ timeoutMs: 60_000 });
      r.add(part(1, "old ", { coding: "gsm7" }), 0);
      r.add(part(2, "old ", { coding: "gsm7" }), 1);
      const restored = Reassembler.fromJSON(JSON.parse(JSON.stringify(r.toJSON())), { timeoutMs: 60_000 });
      expect(restored.add(part(3, "new", { coding: "gsm7" }), 60_000)).toMatchObject({ kind: "pending", group: 2, others: 1 });
      expect(restored.expire(60_000).map((m) => m.missing)).toEqual([[3]]);
    });
  });

  it("custom missing marker", () => {
    const r = new Reassembler({ timeoutMs: 1, missingMarker: () => "…" });
    r.add(part(2, "b"), 0);
    expect(r.expire(1)[0]!.text).toBe("…b…");
  });

  it("state survives JSON persistence", () => {
    const r = new Reassembler({ timeoutMs: 1000 });
    r.add(part(2, "B", { timestamp: "2024-01-01T00:00:05+00:00", coding: "gsm7" }), 100);
    r.add(part(1, "A", { timestamp: "2024-01-01T00:00:04+00:00", coding: "gsm7" }), 101);
    r.add(part(1, "X", { timestamp: "2024-01-01T00:00:04+00:00", coding: "ucs2" }), 101);
    const json = JSON.parse(JSON.stringify(r.toJSON()));
    const restored = Reassembler.fromJSON(json, { timeoutMs: 1000 });
    expect(restored.toJSON()).toEqual(r.toJSON());
    expect(restored.add(part(3, "C", { coding: "gsm7" }), 102)).toMatchObject({ kind: "complete", message: { text: "ABC", timestamp: "2024-01-01T00:00:04+00:00", firstReceivedAt: 100 } });
    // Group ids go on after the restored ones.
    expect(restored.add(part(1, "Z", { coding: "8bit" }), 103)).toMatchObject({ kind: "pending", group: 3 });
  });

  it("a version 1 blob (no ids, no codings) restores; its parts join only parts of unknown coding", () => {
    const v1 = { version: 1, groups: [{ ...part(1, ""), firstReceivedAt: 0, parts: { "1": { text: "A", receivedAt: 0, timestamp: null } } }] };
    const r = Reassembler.fromJSON(v1);
    expect(r.add(part(2, "B", { coding: "gsm7" }), 1)).toMatchObject({ kind: "pending", group: 2 });
    expect(r.add(part(2, "B"), 1)).toMatchObject({ kind: "pending", group: 1, have: 2 });
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
