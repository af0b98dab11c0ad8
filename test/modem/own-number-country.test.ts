/**
 * Issue 14 §3: a national own number that begins with the digits of its country's calling
 * code must still get the calling code added. The old hand-written normaliser kept
 * `9123456789` (India, MCC 404) as `+9123456789` and `7012345678` (Kazakhstan, MCC 401)
 * as `+7012345678`: wrong numbers, sold as if they were right.
 *
 * The SIM is a simulated modem that answers `AT+CNUM` with the national form (type 129,
 * as real SIMs written by the operator often do), so the whole path runs: AT channel,
 * +CNUM parser, normaliser.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AtChannel } from "../../src/at/index.js";
import { openBytePort } from "../../src/transport/serial-port.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { generatePool, type SimModemProfile } from "../../src/sim/profile.js";
import { discoverOwnNumber, type NumberCache } from "../../src/modem/own-number.js";
import { DEFAULT_NUMBER_RULES } from "../../src/modem/number-rules.js";

class MemoryCache implements NumberCache {
  readonly map = new Map<string, string>();
  get(iccid: string) {
    return this.map.get(iccid);
  }
  set(iccid: string, number: string) {
    this.map.set(iccid, number);
  }
}

/** A generated SIM moved to another home network, storing `msisdn` exactly as given. */
function simOf(mcc: string, mnc: string, msisdn: string): SimModemProfile {
  const base = generatePool({ count: 1, dialect: "generic", seed: `country-${mcc}`, noNumberRatio: 0 })[0]!;
  return { ...base, sim: { ...base.sim, mcc, mnc, imsi: `${mcc}${mnc}${base.sim.imsi.slice(mcc.length + mnc.length)}`, msisdn } };
}

let pool: SimulatedPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

/** Run the chain against a simulated SIM of this network storing `msisdn`; no USSD rule, so AT+CNUM is the only source. */
async function run(mcc: string, mnc: string, msisdn: string, extra: { cache?: MemoryCache; manual?: Record<string, string> } = {}) {
  await pool?.close();
  const profile = simOf(mcc, mnc, msisdn);
  pool = await startSimulatedPool({ count: 1, dialect: "generic", seed: 1, attach: "in-process", profiles: [profile] });
  const commands: string[] = [];
  const channel = new AtChannel(await openBytePort({ path: pool.modems[0]!.path, binding: pool.binding! }));
  try {
    await channel.run("ATE0");
    pool.modems[0]!.modem.activity.on("command", (line) => commands.push(line));
    const cache = extra.cache ?? new MemoryCache();
    const result = await discoverOwnNumber(
      { iccid: profile.sim.iccid, mcc, mnc },
      { channel, ussdForm: "text", rules: DEFAULT_NUMBER_RULES.filter((r) => r.mcc !== mcc), manual: extra.manual ?? {}, cache, ussdTimeoutMs: 2000 },
    );
    return { result, commands, iccid: profile.sim.iccid, cache };
  } finally {
    await channel.close();
  }
}

describe("own number in national form: the SIM's country code is added, never guessed away", () => {
  it.each([
    ["India, national 9123456789 (starts with 91), MCC 404", "404", "45", "9123456789", "+919123456789"],
    ["India, with trunk prefix 0", "404", "45", "09123456789", "+919123456789"],
    ["Kazakhstan, national 7012345678 (starts with 7), MCC 401", "401", "01", "7012345678", "+77012345678"],
    ["Kazakhstan, with trunk prefix 8", "401", "02", "87012345678", "+77012345678"],
  ])("%s → %s", async (_what, mcc, mnc, msisdn, expected) => {
    expect((await run(mcc, mnc, msisdn)).result).toEqual({ number: expected, source: "cnum" });
  });
});

describe("a number that is not valid for its country is never returned", () => {
  it("AT+CNUM with a number too short for India: refused with the reason, nothing cached", async () => {
    const { result, cache } = await run("404", "45", "9123");
    expect(result).toMatchObject({ number: null, refused: 'AT+CNUM: "9123" is not a valid IN mobile number' });
    expect(cache.map.size).toBe(0);
  });

  it("a stored number learned by the old normaliser (+7012345678 for a Kazakh SIM) is not trusted: the SIM is asked again", async () => {
    const cache = new MemoryCache();
    const iccid = simOf("401", "01", "7012345678").sim.iccid;
    cache.set(iccid, "+7012345678");
    const { result, commands } = await run("401", "01", "7012345678", { cache });
    expect(result).toEqual({ number: "+77012345678", source: "cnum" });
    expect(commands).toContain("AT+CNUM");
    expect(cache.get(iccid)).toBe("+77012345678");
  });

  it("a stored toll-free hotline (an older release took the first digits of a USSD reply) is not sold: the SIM is asked again", async () => {
    const cache = new MemoryCache();
    const iccid = simOf("250", "02", "89161234567").sim.iccid;
    cache.set(iccid, "+78005553535");
    const { result } = await run("250", "02", "89161234567", { cache });
    expect(result).toEqual({ number: "+79161234567", source: "cnum" });
  });

  it("a manual number wins over the SIM; a bad one is refused without asking the SIM", async () => {
    const iccid = simOf("250", "02", "89161234567").sim.iccid;
    expect((await run("250", "02", "89161234567")).result).toEqual({ number: "+79161234567", source: "cnum" });
    expect((await run("250", "02", "89161234567", { manual: { [iccid]: "+79031112233" } })).result).toEqual({ number: "+79031112233", source: "manual" });
    const bad = await run("250", "02", "89161234567", { manual: { [iccid]: "+7903111" } });
    expect(bad.result).toMatchObject({ number: null, refused: expect.stringMatching(/^manual number: "\+7903111" is not a valid RU mobile number$/) });
    expect(bad.commands).toEqual([]);
  });
});
