import { describe, expect, it, vi } from "vitest";
import { UrcRegistry } from "../../src/at/urc-registry.js";
import { silentLogger } from "../../src/log/logger.js";

function registry() {
  const seen: [string, string[]][] = [];
  const urcs = new UrcRegistry({ logger: silentLogger(), onUrc: (name, lines) => seen.push([name, lines]) });
  return { urcs, seen };
}

describe("UrcRegistry", () => {
  it("claims matching lines and leaves others", () => {
    const { urcs, seen } = registry();
    const handler = vi.fn();
    urcs.register({ name: "cmti", pattern: /^\+CMTI:/, handler });
    expect(urcs.offer('+CMTI: "SM",3')).toBe(true);
    expect(urcs.offer("+CSQ: 1,2")).toBe(false);
    expect(handler).toHaveBeenCalledWith(['+CMTI: "SM",3']);
    expect(seen).toEqual([["cmti", ['+CMTI: "SM",3']]]);
  });

  it("collects follow lines: +CMT: ,23 then the PDU (27.005 §3.4.1)", () => {
    const { urcs } = registry();
    const handler = vi.fn();
    urcs.register({ name: "cmt", pattern: /^\+CMT:/, followLines: 1, handler });
    expect(urcs.offer("+CMT: ,23")).toBe(true);
    expect(urcs.awaitingFollowLines).toBe(true);
    expect(urcs.offer("07911326040000F0")).toBe(true);
    expect(handler).toHaveBeenCalledWith(["+CMT: ,23", "07911326040000F0"]);
    expect(urcs.awaitingFollowLines).toBe(false);
  });

  it("asks a function for the follow count", () => {
    const { urcs } = registry();
    const handler = vi.fn();
    urcs.register({ name: "x", pattern: /^\+X:/, followLines: (first) => Number(first.split(":")[1]), handler });
    urcs.offer("+X: 2");
    urcs.offer("a");
    expect(handler).not.toHaveBeenCalled();
    urcs.offer("b");
    expect(handler).toHaveBeenCalledWith(["+X: 2", "a", "b"]);
  });

  it("does not swallow a final result as a missing payload line", () => {
    const { urcs } = registry();
    const handler = vi.fn();
    urcs.register({ name: "cds", pattern: /^\+CDS:/, followLines: 1, handler });
    urcs.offer("+CDS: 25");
    expect(urcs.offer("OK")).toBe(false);
    expect(handler).not.toHaveBeenCalled();
    expect(urcs.awaitingFollowLines).toBe(false);
  });

  it("disable, enable and remove", () => {
    const { urcs } = registry();
    const handler = vi.fn();
    const h = urcs.register({ name: "ring", pattern: /^RING$/, handler });
    h.disable();
    expect(h.enabled).toBe(false);
    expect(urcs.offer("RING")).toBe(false);
    h.enable();
    expect(urcs.offer("RING")).toBe(true);
    h.remove();
    expect(urcs.offer("RING")).toBe(false);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("first registered match wins; /g patterns do not keep state between lines", () => {
    const { urcs, seen } = registry();
    urcs.register({ name: "global", pattern: /^\+CREG:/g, handler: () => undefined });
    urcs.register({ name: "later", pattern: /^\+CREG:/, handler: () => undefined });
    expect(urcs.offer("+CREG: 1")).toBe(true);
    expect(urcs.offer("+CREG: 5")).toBe(true);
    expect(seen.map(([n]) => n)).toEqual(["global", "global"]);
  });

  it("a throwing handler or followLines function is caught and the line still claimed", () => {
    const { urcs, seen } = registry();
    urcs.register({
      name: "bad",
      pattern: /^BAD/,
      handler: () => {
        throw new Error("boom");
      },
    });
    urcs.register({
      name: "badFollow",
      pattern: /^WORSE/,
      followLines: () => {
        throw new Error("boom");
      },
      handler: () => undefined,
    });
    expect(urcs.offer("BAD")).toBe(true);
    expect(urcs.offer("WORSE")).toBe(true);
    expect(urcs.awaitingFollowLines).toBe(false);
    expect(seen.map(([n]) => n)).toEqual(["bad", "badFollow"]);
  });
});
