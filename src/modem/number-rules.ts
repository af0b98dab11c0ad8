/**
 * Operator "show my number" USSD codes, keyed by the SIM's home MCC/MNC.
 *
 * Codes change and differ per tariff: every shipped default is marked `verified: false`
 * until someone confirms it on a live SIM (docs/protocols/at-commands.md#own-number lists them as unverified).
 * Users add or override rules in config. `answer: "sms"` marks operators that reply to the
 * request with an SMS instead of USSD text (MTS Russia in at least one public
 * implementation).
 */
import { checkPhoneNumber, findPhoneNumber, type PhoneVerdict } from "../../drivers/generic/index.js";

export interface NumberUssdRule {
  mcc: string;
  mnc: string;
  code: string;
  answer: "ussd" | "sms";
  /** Where the number is in the reply (group 1, else the whole match); default: the one valid mobile number libphonenumber finds in it. */
  pattern?: RegExp;
  verified: boolean;
  note?: string;
}

export const DEFAULT_NUMBER_RULES: readonly NumberUssdRule[] = [
  { mcc: "250", mnc: "01", code: "*111*0887#", answer: "sms", verified: false, note: "MTS RU" },
  { mcc: "250", mnc: "02", code: "*205#", answer: "ussd", verified: false, note: "MegaFon RU" },
  { mcc: "250", mnc: "99", code: "*110*10#", answer: "ussd", verified: false, note: "Beeline RU" },
  { mcc: "250", mnc: "20", code: "*201#", answer: "ussd", verified: false, note: "Tele2 RU" },
  // Commonly cited codes outside Russia; none confirmed on a live SIM yet.
  { mcc: "262", mnc: "01", code: "*135#", answer: "ussd", verified: false, note: "Telekom DE" },
  { mcc: "234", mnc: "15", code: "*#100#", answer: "ussd", verified: false, note: "Vodafone UK" },
  { mcc: "310", mnc: "260", code: "#686#", answer: "ussd", verified: false, note: "T-Mobile US" },
  { mcc: "405", mnc: "840", code: "*1#", answer: "ussd", verified: false, note: "Jio IN" },
];

export function ruleFor(rules: readonly NumberUssdRule[], mcc: string | null, mnc: string | null): NumberUssdRule | undefined {
  if (!mcc || !mnc) return undefined;
  return rules.find((r) => r.mcc === mcc && r.mnc === mnc);
}

/**
 * The SIM's number in an operator's reply (USSD text or SMS), normalised and validated in
 * the SIM's country: the rule's pattern when it has one, else libphonenumber's search of
 * the text (findPhoneNumber). Null when the reply holds no number at all.
 */
export function numberInReply(text: string, sim: { mcc: string | null; mnc: string | null }, pattern?: RegExp): PhoneVerdict | null {
  if (!pattern) return findPhoneNumber(text, sim);
  const m = pattern.exec(text);
  return m ? checkPhoneNumber(m[1] ?? m[0], sim) : null;
}
