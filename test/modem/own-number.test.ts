import { afterEach, describe, expect, it } from "vitest";
import { AtChannel } from "../../src/at/index.js";
import { openBytePort } from "../../src/transport/serial-port.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { generatePool, type SimDialect, type SimModemProfile } from "../../src/sim/profile.js";
import { discoverOwnNumber, type NumberCache } from "../../src/modem/own-number.js";
import { DEFAULT_NUMBER_RULES, numberInReply } from "../../src/modem/number-rules.js";
import { decodePdu } from "../../src/codec/index.js";

class MemoryCache implements NumberCache {
  readonly map = new Map<string, string>();
  get(iccid: string) {
    return this.map.get(iccid);
  }
  set(iccid: string, number: string) {
    this.map.set(iccid, number);
  }
}

/** A SIM of the given operator, with or without a number stored on it. */
function profileFor(dialect: SimDialect, mcc: string, mnc: string, storedNumber: boolean): SimModemProfile {
  const all = generatePool({ count: 200, dialect, seed: `own-${mcc}${mnc}`, noNumberRatio: storedNumber ? 0 : 1 });
  const found = all.find((p) => p.sim.mcc === mcc && p.sim.mnc === mnc);
  if (!found) throw new Error(`no ${mcc}/${mnc} SIM generated`);
  return found;
}

describe("own-number discovery chain", () => {
  let pool: SimulatedPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  async function channelFor(profile: SimModemProfile) {
    pool = await startSimulatedPool({ count: 1, dialect: profile.dialect, seed: 1, attach: "in-process", profiles: [profile], modem: { ussdDelayMs: 20 } });
    const port = await openBytePort({ path: pool.modems[0]!.path, binding: pool.binding! });
    const channel = new AtChannel(port);
    await channel.run("ATE0");
    return { channel, modem: pool.modems[0]!.modem };
  }

  function deps(channel: AtChannel, cache: NumberCache, extra: Partial<Parameters<typeof discoverOwnNumber>[1]> = {}) {
    return { channel, ussdForm: "text" as const, rules: DEFAULT_NUMBER_RULES, manual: {}, cache, ussdTimeoutMs: 2000, ...extra };
  }

  it("takes AT+CNUM when the SIM stores its number, and caches it per ICCID", async () => {
    const profile = profileFor("quectel", "250", "02", true);
    const { channel } = await channelFor(profile);
    const cache = new MemoryCache();
    const result = await discoverOwnNumber({ iccid: profile.sim.iccid, mcc: "250", mnc: "02" }, deps(channel, cache));
    expect(result).toEqual({ number: profile.sim.msisdn, source: "cnum" });
    expect(cache.get(profile.sim.iccid)).toBe(profile.sim.msisdn);
    await channel.close();
  });

  it("asks the operator's USSD code when AT+CNUM is empty (MegaFon *205#)", async () => {
    const profile = profileFor("simcom", "250", "02", false);
    const { channel, modem } = await channelFor(profile);
    const commands: string[] = [];
    modem.activity.on("command", (line) => commands.push(line));
    const result = await discoverOwnNumber({ iccid: profile.sim.iccid, mcc: "250", mnc: "02" }, deps(channel, new MemoryCache()));
    expect(result).toEqual({ number: profile.sim.subscriberNumber, source: "ussd" });
    expect(commands).toContain('AT+CUSD=1,"*205#",15');
    await channel.close();
  });

  it("sends packed 7-bit USSD to a Huawei stick and decodes its UCS2 answer", async () => {
    const profile = profileFor("huawei", "250", "99", false);
    const { channel, modem } = await channelFor(profile);
    const commands: string[] = [];
    modem.activity.on("command", (line) => commands.push(line));
    const result = await discoverOwnNumber(
      { iccid: profile.sim.iccid, mcc: "250", mnc: "99" },
      deps(channel, new MemoryCache(), { ussdForm: "gsm7-packed-hex" }),
    );
    expect(result).toEqual({ number: profile.sim.subscriberNumber, source: "ussd" });
    expect(commands.some((c) => /^AT\+CUSD=1,"[0-9A-F]+",15$/.test(c))).toBe(true);
    await channel.close();
  });

  it("waits for the SMS when the operator answers by SMS (MTS *111*0887#)", async () => {
    const profile = profileFor("generic", "250", "01", false);
    const { channel } = await channelFor(profile);
    await channel.run("AT+CMGF=0");
    await channel.run("AT+CNMI=2,1,0,0,0");
    // The minimal SMS feed: +CMTI → AT+CMGR → decode. The real receive path lives in the port session.
    const nextSmsText = (timeoutMs: number) =>
      new Promise<string | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), timeoutMs);
        const handle = channel.registerUrc({
          name: "cmti-test",
          pattern: /^\+CMTI:/,
          handler: ([line]) => {
            handle.remove();
            const index = /,(\d+)/.exec(line ?? "")?.[1];
            void channel.run(`AT+CMGR=${index}`).then((r) => {
              clearTimeout(timer);
              const pdu = r.lines.find((l) => /^[0-9A-F]+$/i.test(l));
              const decoded = pdu ? decodePdu(pdu) : null;
              resolve(decoded?.ok ? decoded.message.text : null);
            });
          },
        });
      });
    const result = await discoverOwnNumber(
      { iccid: profile.sim.iccid, mcc: "250", mnc: "01" },
      deps(channel, new MemoryCache(), { nextSmsText, smsTimeoutMs: 3000 }),
    );
    expect(result).toEqual({ number: profile.sim.subscriberNumber, source: "sms" });
    await channel.close();
  });

  it("uses the manual map first and the cache second, without asking the modem", async () => {
    const profile = profileFor("generic", "250", "02", true);
    const { channel, modem } = await channelFor(profile);
    const commands: string[] = [];
    modem.activity.on("command", (line) => commands.push(line));
    const cache = new MemoryCache();
    cache.set(profile.sim.iccid, "+79260000001");
    const manual = await discoverOwnNumber({ iccid: profile.sim.iccid, mcc: "250", mnc: "02" }, deps(channel, cache, { manual: { [profile.sim.iccid]: "89261112233" } }));
    expect(manual).toEqual({ number: "+79261112233", source: "manual" });
    const cached = await discoverOwnNumber({ iccid: profile.sim.iccid, mcc: "250", mnc: "02" }, deps(channel, cache));
    expect(cached).toEqual({ number: "+79260000001", source: "cache" });
    expect(commands).toEqual([]);
    await channel.close();
  });

  it("says what it tried when nothing works", async () => {
    const profile = profileFor("generic", "310", "410", false);
    const { channel } = await channelFor(profile);
    const result = await discoverOwnNumber({ iccid: profile.sim.iccid, mcc: "310", mnc: "410" }, deps(channel, new MemoryCache()));
    expect(result.number).toBeNull();
    expect("tried" in result && result.tried.join("; ")).toMatch(/AT\+CNUM: empty; no "my number" USSD rule for 310\/410/);
    await channel.close();
  });
});

describe("numberInReply", () => {
  const ru = { mcc: "250", mnc: "02" };
  it.each([
    ["Ваш номер +79261234567", "+79261234567"],
    ["Your number is 7 926 123-45-67.", "+79261234567"],
    ["Vash nomer: 89771234567", "+79771234567"],
  ])("%s → %s", (text, expected) => {
    expect(numberInReply(text, ru)).toMatchObject({ ok: true, e164: expected });
  });

  it("a reply without a number is no number", () => {
    expect(numberInReply("Баланс: 123,45 р.", ru)).toBeNull();
  });

  it("a rule's pattern picks the number; what it picks is validated like any other", () => {
    const pattern = /MSISDN=(\d+)/;
    expect(numberInReply("Hotline 8 800 555-35-35, MSISDN=89161234567", ru, pattern)).toMatchObject({ ok: true, e164: "+79161234567" });
    expect(numberInReply("MSISDN=88005553535", ru, pattern)).toMatchObject({ ok: false, reason: expect.stringMatching(/toll-free/) });
    expect(numberInReply("no match here", ru, pattern)).toBeNull();
  });
});
