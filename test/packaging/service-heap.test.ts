/**
 * The unit's NODE_OPTIONS (systemd/simgate.service, V8's young generation): node must accept
 * them (it refuses most V8 flags in NODE_OPTIONS, and the service would then not start),
 * they must cap the new space as the unit's comment says, and the cost bench must run the
 * daemon with them (docs/benchmarks.md#cost-as-released-issue-13).
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { serviceNodeOptions } from "../../bench/released-daemon.js";

/** New space of a node that churned through ~100 MB of short-lived objects: what V8 let it grow to. */
function newSpaceAfterChurn(nodeOptions: string | undefined): number {
  const script = `
    const v8 = require("node:v8");
    let keep = [];
    for (let i = 0; i < 2e6; i++) { keep.push({ i, s: "x" + i }); if (keep.length > 20000) keep = []; }
    process.stdout.write(String(v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size));
  `;
  const { NODE_OPTIONS: _ours, ...env } = process.env;
  return Number(execFileSync(process.execPath, ["-e", script], { env: { ...env, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) }, encoding: "utf8" }));
}

describe("the service's V8 heap sizing", () => {
  it("the bench reads NODE_OPTIONS from the unit: a 2 MB semi-space cap", () => {
    expect(serviceNodeOptions()).toBe("--max-semi-space-size=2");
  });

  it("node takes them and keeps the young generation at 2 × 2 MB where its default grows further", () => {
    const MB = 1024 * 1024;
    const capped = newSpaceAfterChurn(serviceNodeOptions());
    expect(capped).toBeGreaterThan(0);
    expect(capped).toBeLessThanOrEqual(4.5 * MB);
    // Node's default depends on the machine's memory (16 MB semi-spaces here): more than the cap.
    expect(newSpaceAfterChurn(undefined)).toBeGreaterThan(capped);
  });
});
