import { afterAll, onTestFinished, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { loadConfig, readConfigFile, validateConfig } from "../../src/config/load.js";
import { redactConfig } from "../../src/config/redact.js";
import { ErrorCode, SimgateError } from "../../src/errors.js";
import { REPO } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "simgate-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string, ext = "yaml"): string {
  const p = join(dir, `c${n++}.${ext}`);
  writeFileSync(p, text);
  return p;
}
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SimgateError);
    return ((err as SimgateError).context.problems as string[] | undefined) ?? [(err as SimgateError).message];
  }
  throw new Error("expected a config error");
}
const EXAMPLE = join(REPO, "config", "simgate.example.yaml");

describe("loadConfig", () => {
  it("gives sensible defaults with no file", () => {
    const { config, warnings } = loadConfig({ env: {} });
    expect(config.http.listen).toBe("127.0.0.1:8080");
    expect(config.stateDir).toBe("/var/lib/simgate");
    expect(config.onlinesim.mode).toBe("v1");
    expect(config.onlinesim.push.url).toBeUndefined();
    expect(config.onlinesim.v1.paths).toEqual(["/", "/getServices", "/getNumber", "/finishActivation"]);
    expect(config.engine.cancelLimit).toBe(4);
    expect(warnings.join()).toMatch(/SIMGATE_ONLINESIM_KEY/);
    expect(Object.isFrozen(config.onlinesim.v1.paths)).toBe(true);
  });

  it("reads YAML and JSON files", () => {
    const y = loadConfig({ file: file("logLevel: debug\nengine:\n  services: [telegram]\n"), env: {} }).config;
    expect(y.logLevel).toBe("debug");
    expect(y.engine.services).toEqual(["telegram"]);
    const j = loadConfig({ file: file(JSON.stringify({ http: { listen: "0.0.0.0:9000" } }), "json"), env: {} }).config;
    expect(j.http.listen).toBe("0.0.0.0:9000");
  });

  it("env key beats the file, CLI overrides beat env", () => {
    const f = file("onlinesim:\n  key: from-the-file\nstateDir: /from/file\n");
    const { config } = loadConfig({ file: f, env: { SIMGATE_ONLINESIM_KEY: "from-the-env", SIMGATE_STATE_DIR: "/from/env" }, overrides: { stateDir: "/from/cli", listen: "127.0.0.1:9999" } });
    expect(config.onlinesim.key).toBe("from-the-env");
    expect(config.stateDir).toBe("/from/cli");
    expect(config.http.listen).toBe("127.0.0.1:9999");
  });

  it("names an unknown key instead of falling back to the default", () => {
    expect(problems(() => loadConfig({ file: file("http:\n  lisen: 1.2.3.4:80\n"), env: {} }))).toEqual(["http.lisen: unknown key"]);
  });

  it("names an unknown key in the engine section too", () => {
    expect(problems(() => validateConfig({ engine: { servces: ["x"] } }))).toEqual(["engine.servces: unknown key"]);
  });

  it("lists every wrong type and out-of-range value with its path", () => {
    const p = problems(() => loadConfig({ file: file("logLevel: loud\nmodem:\n  pollIntervalMs: 1\nhttp:\n  bodyLimitBytes: nope\n"), env: {} }));
    // 3 field problems plus the cross-field rule the 1 ms poll interval also breaks.
    expect(p).toHaveLength(4);
    expect(p).toContain("modem.commandTimeoutMs: commandTimeoutMs must be below pollIntervalMs");
    expect(p.some((l) => l.startsWith("logLevel:"))).toBe(true);
    expect(p.some((l) => l.startsWith("modem.pollIntervalMs:"))).toBe(true);
    expect(p.some((l) => l.startsWith("http.bodyLimitBytes:"))).toBe(true);
  });

  it("applies cross-field rules", () => {
    expect(problems(() => loadConfig({ file: file("onlinesim:\n  push:\n    retryMs: 600000\n    giveUpAfterCloseMs: 60000\n"), env: {} }))).toEqual([
      "onlinesim.push.retryMs: retryMs must be below giveUpAfterCloseMs",
    ]);
    expect(problems(() => validateConfig({ modem: { commandTimeoutMs: 20_000, pollIntervalMs: 15_000 } }))[0]).toMatch(/^modem.commandTimeoutMs:/);
  });

  it("reports a YAML syntax error as file:line, and a missing file", () => {
    const f = file("http:\n  listen: [oops\nlogLevel: info\n");
    const e = (() => { try { readConfigFile(f); } catch (err) { return err as SimgateError; } return undefined; })();
    expect(e?.code).toBe(ErrorCode.ConfigSyntax);
    expect(e?.message).toMatch(new RegExp(`^${f.replace(/[.]/g, "\\.")}:\\d+: YAML syntax error`));
    expect(problems(() => loadConfig({ file: join(dir, "missing.yaml") }))[0]).toMatch(/missing\.yaml: cannot read config: no such file/);
  });

  it("the example file validates and equals the defaults", () => {
    expect(validateConfig(readConfigFile(EXAMPLE))).toEqual(loadConfig({ env: {} }).config);
    expect(parse(readFileSync(EXAMPLE, "utf8"))).toBeTruthy();
  });

  it("redacts key, token and PINs", () => {
    const c = validateConfig({ onlinesim: { key: "super-secret-key" }, admin: { token: "a-very-long-admin-token" }, modem: { pins: { "*": "1234" } } });
    const r = JSON.stringify(redactConfig(c));
    expect(r).not.toMatch(/super-secret-key|a-very-long-admin-token|1234/);
    expect(c.onlinesim.key).toBe("super-secret-key");
  });
});

describe("systemd credential onlinesim-key", () => {
  it("supplies the key when SIMGATE_ONLINESIM_KEY is not set, without the config-file warning", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "simgate-cred-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "onlinesim-key"), "credential-key-123\n");
    const { config, warnings } = loadConfig({ env: { CREDENTIALS_DIRECTORY: dir } });
    expect(config.onlinesim.key).toBe("credential-key-123");
    expect(warnings).toEqual([]);
    expect(loadConfig({ env: { CREDENTIALS_DIRECTORY: dir, SIMGATE_ONLINESIM_KEY: "from-the-env-456" } }).config.onlinesim.key).toBe("from-the-env-456");
    expect(loadConfig({ env: { CREDENTIALS_DIRECTORY: join(dir, "missing") } }).config.onlinesim.key).toBeUndefined();
  });
});
