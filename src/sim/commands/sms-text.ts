/**
 * Text mode (AT+CMGF=1) rendering. Peers use PDU mode because text-mode output varies
 * between modules (docs/protocols/at-commands.md#init-sequence, faucamp #6); this is a plain 27.005 §3.4.3 rendering
 * from what the simulator encoded, enough for tools that insist on text mode.
 */
import type { StoredSms } from "../sms-storage.js";
import { encodeForHost } from "./charset.js";
import type { SimContext } from "./types.js";

export const TEXT_STAT = ["REC UNREAD", "REC READ", "STO UNSENT", "STO SENT", "ALL"] as const;

/** `"yy/MM/dd,hh:mm:ss±zz"` in the network's local time (27.005 <scts>). */
export function scts(timestamp: Date, tzQuarterHours: number): string {
  const local = new Date(timestamp.getTime() + tzQuarterHours * 15 * 60_000);
  const p = (n: number) => String(n).padStart(2, "0");
  const tz = `${tzQuarterHours < 0 ? "-" : "+"}${p(Math.abs(tzQuarterHours))}`;
  return `${p(local.getUTCFullYear() % 100)}/${p(local.getUTCMonth() + 1)}/${p(local.getUTCDate())},${p(local.getUTCHours())}:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())}${tz}`;
}

export function textModeHeader(m: SimContext, sms: StoredSms): string {
  const stat = `"${TEXT_STAT[sms.stat]}"`;
  if (!sms.meta) return `${stat},""`;
  const when = scts(new Date(sms.meta.timestamp), m.profile.network.tzQuarterHours);
  return `${stat},"${encodeForHost(m, sms.meta.sender)}",,"${when}"`;
}
