/**
 * Learn the SIM's own phone number, cheapest and most trustworthy source first:
 *
 *   manual ICCID → number map (the user said so) → per-ICCID cache (asked once per SIM,
 *   not once per restart) → `AT+CNUM` (often empty) → the operator's "my number" USSD
 *   code, answered as USSD text or by SMS.
 *
 * Every number is normalised to E.164 and validated with the country from the SIM's MCC
 * (drivers/generic/phone-number.ts). A number that is not valid is never returned: the
 * chain goes on to the next source, and if none gives a valid number the result says what
 * was refused and why, so the port can show it (state `number-invalid`) instead of selling
 * a wrong number. A number that came from the modem or the network is cached; the manual
 * map is never overwritten.
 */
import { decodeUssd, encodeUssdRequest, parseCusd } from "../codec/index.js";
import { checkPhoneNumber, parseCnum, type PhoneVerdict } from "../../drivers/generic/index.js";
import type { UrcHandle, UrcSpec } from "../at/index.js";
import { numberInReply, ruleFor, type NumberUssdRule } from "./number-rules.js";

export type NumberSource = "manual" | "cache" | "cnum" | "ussd" | "sms";

export interface NumberCache {
  get(iccid: string): string | undefined;
  set(iccid: string, number: string): void;
}

export interface OwnNumberDeps {
  channel: {
    run(cmd: { text: string; timeoutMs?: number }): Promise<{ lines: string[] }>;
    registerUrc(spec: UrcSpec): UrcHandle;
    /** AtChannel's "closed" event: a USSD answer cannot arrive on a closed channel, so stop waiting. */
    once?(event: "closed", listener: () => void): unknown;
    off?(event: "closed", listener: () => void): unknown;
  };
  /** How this module wants USSD requests (Huawei sticks: packed 7-bit hex, docs/protocols/at-commands.md#ussd). */
  ussdForm: "text" | "gsm7-packed-hex";
  rules: readonly NumberUssdRule[];
  manual: Readonly<Record<string, string>>;
  cache: NumberCache;
  /** Text of the next SMS this SIM receives, or null when none arrives in time. */
  nextSmsText?: (timeoutMs: number) => Promise<string | null>;
  /** Only the manual map and the cache: the modem and the network were asked recently. */
  offline?: boolean;
  /** The network may take a while; gammu waits 30 s, ModemManager 10 s for OK then the URC (docs/hardware.md#timing). */
  ussdTimeoutMs?: number;
  smsTimeoutMs?: number;
}

export interface SimIdentity {
  iccid: string;
  mcc: string | null;
  mnc: string | null;
}

export type OwnNumberResult =
  | { number: string; source: NumberSource }
  | {
      number: null;
      tried: string[];
      /** Numbers that were found but are not valid, with the reasons: the port shows them (number-invalid). */
      refused?: string;
    };

/**
 * The SIM's number in an `AT+CNUM` answer, validated as a mobile number of the SIM's
 * country: the first entry that is valid (a SIM may list voice, data and fax lines), else
 * the first entry's refusal. Null when the SIM lists no number.
 */
export function numberFromCnum(lines: readonly string[], sim: Pick<SimIdentity, "mcc" | "mnc">): PhoneVerdict | null {
  const verdicts = parseCnum(lines).map((entry) => checkPhoneNumber(entry.number, sim));
  return verdicts.find((v) => v.ok) ?? verdicts[0] ?? null;
}

export async function discoverOwnNumber(sim: SimIdentity, deps: OwnNumberDeps): Promise<OwnNumberResult> {
  const tried: string[] = [];
  const refused: string[] = [];
  const notFound = (): OwnNumberResult => ({ number: null, tried, ...(refused.length > 0 ? { refused: refused.join("; ") } : {}) });
  /** The number when the verdict is valid; otherwise notes the refusal and returns null. */
  const accept = (verdict: PhoneVerdict | null, from: string): string | null => {
    if (verdict === null) return null;
    if (verdict.ok) return verdict.e164;
    refused.push(`${from}: ${verdict.reason}`);
    tried.push(`${from}: refused, ${verdict.reason}`);
    return null;
  };
  // The manual map and the store are checked like the modem's answer: a stored toll-free
  // hotline (an older release took the first digits of a USSD reply) is not sold either.
  const own = (raw: string) => checkPhoneNumber(raw, sim);

  const manualRaw = deps.manual[sim.iccid];
  if (manualRaw !== undefined) {
    const manual = accept(own(manualRaw), "manual number");
    // Manual wins: a bad manual number is shown, not silently replaced by the modem's idea.
    return manual ? { number: manual, source: "manual" } : notFound();
  }
  const cachedRaw = deps.cache.get(sim.iccid);
  // A stored number that is not valid (learned by an older release, or for another country) is asked again.
  const cached = cachedRaw === undefined ? null : accept(own(cachedRaw), "stored number");
  if (cached) return { number: cached, source: "cache" };
  if (deps.offline) {
    tried.push("not in the manual map or the cache; the modem was asked recently");
    return notFound();
  }

  const learned = (number: string, source: NumberSource): OwnNumberResult => {
    deps.cache.set(sim.iccid, number);
    return { number, source };
  };

  try {
    const verdict = numberFromCnum((await deps.channel.run({ text: "AT+CNUM", timeoutMs: 10_000 })).lines, sim);
    const number = accept(verdict, "AT+CNUM");
    if (number) return learned(number, "cnum");
    if (verdict === null) tried.push("AT+CNUM: empty");
  } catch (err) {
    tried.push(`AT+CNUM: ${err instanceof Error ? err.message : String(err)}`);
  }

  const rule = ruleFor(deps.rules, sim.mcc, sim.mnc);
  if (!rule) {
    tried.push(`no "my number" USSD rule for ${sim.mcc ?? "?"}/${sim.mnc ?? "?"}`);
    return notFound();
  }
  // Listen for the operator's SMS before asking: the SMS can arrive together with the USSD reply.
  const sms = rule.answer === "sms" && deps.nextSmsText ? deps.nextSmsText(deps.smsTimeoutMs ?? 60_000) : null;
  const text = await askUssd(rule, deps, tried);
  if (rule.answer === "ussd") {
    if (text === null) return notFound();
    const verdict = numberInReply(text, sim, rule.pattern);
    const number = accept(verdict, `USSD ${rule.code}`);
    if (number) return learned(number, "ussd");
    if (verdict === null) tried.push(`USSD ${rule.code}: no number in reply "${text}"`);
    return notFound();
  }
  if (!sms) {
    tried.push(`USSD ${rule.code} answers by SMS, and no SMS feed is attached`);
    return notFound();
  }
  const smsText = await sms;
  if (smsText === null) {
    tried.push(`USSD ${rule.code}: no SMS with the number arrived`);
    return notFound();
  }
  const verdict = numberInReply(smsText, sim, rule.pattern);
  const number = accept(verdict, `SMS after ${rule.code}`);
  if (number) return learned(number, "sms");
  if (verdict === null) tried.push(`SMS after ${rule.code} had no number`);
  return notFound();
}

/** Send the USSD request and wait for the network's `+CUSD` answer; its decoded text or null. */
async function askUssd(rule: NumberUssdRule, deps: OwnNumberDeps, tried: string[]): Promise<string | null> {
  const timeoutMs = deps.ussdTimeoutMs ?? 30_000;
  let handle: UrcHandle | undefined;
  let timer: NodeJS.Timeout | undefined;
  let onClosed: (() => void) | undefined;
  const reply = new Promise<string | null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
    // The port closing (daemon stop, unplug) ends the wait at once instead of after timeoutMs.
    onClosed = () => resolve(null);
    deps.channel.once?.("closed", onClosed);
    handle = deps.channel.registerUrc({ name: "cusd-own-number", pattern: /^\+CUSD\s*:/i, handler: ([line]) => resolve(line ?? null) });
  });
  try {
    const payload = encodeUssdRequest(rule.code, deps.ussdForm);
    await deps.channel.run({ text: `AT+CUSD=1,"${payload}",15`, timeoutMs: 10_000 });
    const line = await reply;
    if (line === null) {
      tried.push(`USSD ${rule.code}: no answer in ${timeoutMs} ms`);
      // Close the session so the module accepts the next USSD request.
      await deps.channel.run({ text: "AT+CUSD=2", timeoutMs: 5_000 }).catch(() => undefined);
      return null;
    }
    const parsed = parseCusd(line);
    if (!parsed.ok || parsed.raw === null) {
      tried.push(`USSD ${rule.code}: unreadable answer "${line}"`);
      return null;
    }
    return decodeUssd(parsed.raw, parsed.dcs).text;
  } catch (err) {
    tried.push(`USSD ${rule.code}: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  } finally {
    clearTimeout(timer);
    handle?.remove();
    if (onClosed) deps.channel.off?.("closed", onClosed);
  }
}
