/**
 * The `markets:` list (src/config/markets-schema.ts): what an operator writes, what the
 * daemon gets, and the mistakes refused before anything starts. Keys come from the
 * environment or a systemd credential, and never show in `config show`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, validateConfig } from "../../src/config/load.js";
import { DEFAULT_HEADROOM, DEFAULT_SHARE, marketKeyEnvName, SMSHUB_DIALECT_NAMES } from "../../src/config/markets-schema.js";
import { configSecrets, redactConfig } from "../../src/config/redact.js";
import { SimgateError } from "../../src/errors.js";
import { DIALECT_NAMES } from "../../src/markets/smshub/dialects.js";
import { DEFAULT_RULES } from "../../src/sales/policy.js";

const dir = mkdtempSync(join(tmpdir(), "simgate-markets-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const p = join(dir, `c${n++}.yaml`);
  writeFileSync(p, text);
  return p;
}

function problems(raw: unknown): string[] {
  try {
    validateConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(SimgateError);
    return (err as SimgateError).context.problems as string[];
  }
  throw new Error("expected a config error");
}

describe("markets: in the config", () => {
  it("is empty by default: Onlinesim alone, as before", () => {
    expect(loadConfig({ env: {} }).config.markets).toEqual([]);
  });

  it("fills an entry's defaults and names it after its dialect", () => {
    const [m] = validateConfig({ markets: [{ dialect: "smsbower" }] }).markets;
    expect(m).toMatchObject({ id: "smsbower", protocol: "smshub", dialect: "smsbower", path: "/smshub", pushConcurrency: 4, services: [], share: 1, headroom: 0, allowIps: [], unknownActivation: "success" });
    expect(m!.listen).toBeUndefined();
    expect(m!.key).toBeUndefined();
  });

  it("refuses two markets with one id, two on one path of one listener, the id onlinesim, and a listener taken by the partner or admin endpoint", () => {
    expect(problems({ markets: [{ dialect: "smshub" }, { dialect: "smshub", path: "/two" }] })).toEqual(["markets.1.id: market id 'smshub' is used twice (set id: on one of them)"]);
    expect(problems({ markets: [{ dialect: "smshub" }, { id: "b", dialect: "grizzly" }] }).join()).toMatch(/markets\.1\.path: two markets on the partner listener at path \/smshub/);
    expect(problems({ markets: [{ id: "onlinesim" }] }).join()).toMatch(/markets\.0\.id: 'onlinesim' is the onlinesim: block's market/);
    expect(problems({ markets: [{ id: "Big Market" }] }).join()).toMatch(/markets\.0\.id: a market id/);
    expect(problems({ markets: [{ listen: "127.0.0.1:8080" }] }).join()).toMatch(/markets\.0\.listen: 127\.0\.0\.1:8080 is already http\.listen or admin\.listen/);
    expect(problems({ markets: [{ dialect: "smsfoo" }] }).join()).toMatch(/markets\.0\.dialect/);
    expect(problems({ markets: [{ typo: 1 }] })).toEqual(["markets.0.typo: unknown key"]);
  });

  it("takes each market's key from SIMGATE_MARKET_<ID>_KEY, then a systemd credential, then the file with a warning", () => {
    const creds = mkdtempSync(join(dir, "creds-"));
    writeFileSync(join(creds, "market-grizzly-key"), "from-credential-123\n");
    const f = file("markets:\n  - { id: sms-bower, dialect: smsbower, path: /bower }\n  - { id: grizzly, dialect: grizzly, path: /grizzly }\n  - { dialect: smshub, key: in-the-file-123 }\n");
    const { config, warnings } = loadConfig({ file: f, env: { SIMGATE_MARKET_SMS_BOWER_KEY: "from-env-123", CREDENTIALS_DIRECTORY: creds } });
    expect(config.markets.map((m) => [m.id, m.key])).toEqual([["sms-bower", "from-env-123"], ["grizzly", "from-credential-123"], ["smshub", "in-the-file-123"]]);
    expect(warnings).toContain("markets[2] (smshub): the key is in the config file; prefer SIMGATE_MARKET_SMSHUB_KEY");
    expect(marketKeyEnvName("sms-bower")).toBe("SIMGATE_MARKET_SMS_BOWER_KEY");
  });

  it("treats every market key as a secret: redacted in config show, scrubbed from logs", () => {
    const config = validateConfig({ markets: [{ dialect: "smshub", key: "hub-secret-123" }] });
    expect(JSON.stringify(redactConfig(config))).not.toContain("hub-secret-123");
    expect(configSecrets(config)).toContain("hub-secret-123");
  });

  it("repeats the adapter's dialect names and the core's defaults exactly (the config layer imports neither)", () => {
    expect([...SMSHUB_DIALECT_NAMES]).toEqual([...DIALECT_NAMES]);
    expect([DEFAULT_SHARE, DEFAULT_HEADROOM]).toEqual([DEFAULT_RULES.share, DEFAULT_RULES.headroom]);
  });
});
