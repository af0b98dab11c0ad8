import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSimgate } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "simgate-config-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("simgate config", () => {
  it("check: the example is ok", async () => {
    const r = await runSimgate(["config", "check", "config/simgate.example.yaml"]);
    expect(r.stdout).toBe("config/simgate.example.yaml: ok\n");
    expect(r.code).toBe(0);
  });

  it("check: every problem one per line, exit 1", async () => {
    const f = join(dir, "bad.yaml");
    writeFileSync(f, "http:\n  listen: nowhere\n  extra: 1\nmodem:\n  smsSweepMs: -5\n");
    const r = await runSimgate(["config", "check", f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^http\.listen: /m);
    expect(r.stderr).toMatch(/^http\.extra: unknown key$/m);
    expect(r.stderr).toMatch(/^modem\.smsSweepMs: /m);
  });

  it("show: never prints the key", async () => {
    const f = join(dir, "secret.yaml");
    writeFileSync(f, "onlinesim:\n  key: the-secret-key-123\nmodem:\n  pins:\n    '*': '4321'\n");
    const r = await runSimgate(["config", "show", f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/key: "\*\*\*"/);
    expect(r.stdout).not.toMatch(/the-secret-key-123|4321/);
  });

  it("example prints the shipped file", async () => {
    const r = await runSimgate(["config", "example"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^stateDir: \/var\/lib\/simgate$/m);
  });
});
