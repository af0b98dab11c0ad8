/** Small pieces several dialects share. */
import { encodeForHost, isGsm7Text } from "../commands/charset.js";
import type { SimContext } from "../commands/types.js";
import { fromUcs2Hex } from "../identifiers.js";
import { encodeUssdResponse } from "../../codec/index.js";
import type { UssdWire } from "./types.js";

/** The +CPIN URC for the current SIM (27.007 §8.3 codes, unsolicited on many modules: docs/protocols/at-commands.md#sim-hot-swap-and-readiness). */
export function cpinUrc(m: SimContext): string {
  const sim = m.sim;
  if (!sim) return "+CPIN: NOT INSERTED";
  return `+CPIN: ${sim.state === "ready" ? "READY" : sim.state === "pin" ? "SIM PIN" : "SIM PUK"}`;
}

/**
 * 27.007 behaviour: the reply in the TE character set with DCS 15 when it fits the GSM
 * alphabet, otherwise the network's UCS2 (DCS 72) as hex (docs/protocols/at-commands.md#ussd E3276 capture).
 */
export function textOrUcs2(m: SimContext, text: string): UssdWire {
  if (m.settings.cscs !== "UCS2" && isGsm7Text(text)) return { payload: encodeForHost(m, text), dcs: 15 };
  return { payload: encodeUssdResponse(text, "ucs2-hex"), dcs: 72 };
}

/** Requests are strings in the TE character set (UCS2 hex after AT+CSCS="UCS2"). */
export function plainUssdRequest(m: SimContext, raw: string): string | null {
  if (m.settings.cscs === "UCS2") return fromUcs2Hex(raw);
  return raw.length > 0 ? raw : null;
}

/** Manufacturer/Model/Revision/IMEI/+GCAP, the Qualcomm/Huawei ATI shape (docs/protocols/at-commands.md#identity, K3520). */
export function qualcommAti(m: SimContext): string[] {
  const p = m.profile;
  return [`Manufacturer: ${p.manufacturer}`, `Model: ${p.model}`, `Revision: ${p.revision}`, `IMEI: ${p.imei}`, "+GCAP: +CGSM,+DS,+ES"];
}
