/**
 * SMS TPDU decoder (23.040 §9.2.2): SMS-DELIVER, SMS-SUBMIT, SMS-STATUS-REPORT, with or
 * without the leading SMSC field (27.005 §3.1: the <length> of +CMGR/+CMGL/+CMT counts
 * TPDU octets only, so a longer PDU tells us how many SMSC octets precede it).
 * Never throws: malformed input gives `{ ok: false, error: { offset, reason } }`; PDUs that
 * real modems produce with small defects decode best effort with warnings.
 */
import { readSmscAddress, readTpAddress, type Address } from "./address.js";
import { decodeSmsDcs, type Alphabet, type DcsInfo } from "./dcs.js";
import { septetsToText } from "./gsm7.js";
import { ByteReader, DecodeFailure, parseHex, toHex } from "./hex-reader.js";
import { languageName, tablesFor } from "./national.js";
import { decodeScts } from "./scts.js";
import { udhSeptets, unpackSeptets } from "./septets.js";
import { describeStatus } from "./status.js";
import type { DecodeOutcome, DecodedSms, SmsCommon, ValidityPeriod } from "./types.js";
import { decodeUcs2 } from "./ucs2.js";
import { parseUdh, type ParsedUdh } from "./udh.js";

export interface DecodeOptions {
  /** Whether the hex starts with the SMSC field (default true, as AT+CMGR prints it). */
  smsc?: boolean;
  /** The <length> the modem reported (TPDU octets, SMSC excluded); overrides `smsc`. */
  tpduLength?: number;
}

export function decodePdu(hex: string, opts: DecodeOptions = {}): DecodeOutcome {
  try {
    const parsed = parseHex(hex);
    if (!parsed.ok) return parsed;
    const bytes = parsed.bytes;
    if (bytes.length === 0) return { ok: false, error: { offset: 0, reason: "empty PDU" } };
    const warnings = [...parsed.warnings];

    const tpduLength = opts?.tpduLength;
    if (typeof tpduLength === "number" && Number.isInteger(tpduLength) && tpduLength >= 0) {
      const extra = bytes.length - tpduLength;
      if (extra === 0) {
        const bare = attempt(bytes, false, warnings);
        if (bare.ok) return bare;
        // Some modems count the SMSC octets in <length> too (gammu at-sms 41).
        const withSmsc = attempt(bytes, true, [...warnings, `reported length ${tpduLength} includes the SMSC field; decoded with it`]);
        return withSmsc.ok ? withSmsc : bare;
      }
      if (extra > 0) {
        if (bytes[0]! + 1 !== extra) {
          // Modems misreport <length> (gammu at-sms 08, 22, 31: the PDU's own SMSC field is
          // right and the count is off). Prefer the reading that decodes: the PDU's own
          // structure first, then the reported length.
          const own = attempt(bytes, true, [...warnings, `reported length ${tpduLength} does not match the PDU's SMSC field (${bytes[0]} octets); decoded by the SMSC field`]);
          if (own.ok) return own;
          warnings.push(`SMSC length octet says ${bytes[0]} but the reported length ${tpduLength} leaves ${extra} SMSC octets; trusting the reported length`);
          return finish(decodeAt(bytes, extra, warnings));
        }
        return finish(decodeAt(bytes, true, warnings));
      }
      warnings.push(`reported length ${tpduLength} is more than the ${bytes.length} octets given; decoding what is there`);
    }

    const withSmsc = opts?.smsc ?? true;
    const primary = attempt(bytes, withSmsc, warnings);
    if (primary.ok || tpduLength !== undefined) return primary;
    // Best effort for a caller who guessed the SMSC field wrong: accept the other reading
    // only if it is clean (no warnings, every octet used), which garbage rarely is.
    const other = attempt(bytes, !withSmsc, []);
    if (other.ok && other.warnings.length === 0) {
      other.warnings.push(
        withSmsc
          ? "PDU does not decode with an SMSC field but does without one; decoded as if --no-smsc"
          : "PDU does not decode without an SMSC field but does with one; decoded with the SMSC field",
      );
      return other;
    }
    return primary;
  } catch (err) {
    if (err instanceof DecodeFailure) return { ok: false, error: { offset: err.offset, reason: err.reason } };
    return { ok: false, error: { offset: 0, reason: `internal decoder error: ${err instanceof Error ? err.message : String(err)}` } };
  }
}

function attempt(bytes: Uint8Array, smsc: boolean, warnings: string[]): DecodeOutcome {
  const w = [...warnings];
  try {
    return finish(decodeAt(bytes, smsc, w));
  } catch (err) {
    if (err instanceof DecodeFailure) return { ok: false, error: { offset: err.offset, reason: err.reason } };
    throw err;
  }
}

function finish(r: { message: DecodedSms; warnings: string[] }): DecodeOutcome {
  return { ok: true, message: r.message, warnings: r.warnings };
}

/** `smsc`: true = SMSC field with its own length octet, false = none, a number = skip that many octets. */
function decodeAt(bytes: Uint8Array, smsc: boolean | number, warnings: string[]): { message: DecodedSms; warnings: string[] } {
  const r = new ByteReader(bytes);
  let smscAddress: Address | null = null;
  if (smsc === true) smscAddress = readSmscAddress(r);
  else if (typeof smsc === "number") {
    try {
      smscAddress = readSmscAddress(new ByteReader(bytes.subarray(0, smsc)));
    } catch {
      warnings.push("SMSC field unreadable; ignored");
    }
    r.pos = smsc;
  }
  const smscValue = smscAddress?.value || null;
  const foPos = r.pos;
  const fo = r.u8("first octet (TP-MTI)");
  let mti = fo & 0x03;
  if (mti === 0x03) {
    // 23.040 §9.2.3.1: a reserved MTI is processed as SMS-DELIVER.
    warnings.push(`TP-MTI 3 (reserved) at byte ${foPos}; treated as SMS-DELIVER`);
    mti = 0;
  }
  const udhi = (fo & 0x40) !== 0;
  let message: DecodedSms;
  if (mti === 0) {
    const senderAddress = readTpAddress(r, "TP-OA");
    const pid = r.u8("TP-PID");
    const dcs = decodeSmsDcs(r.u8("TP-DCS"));
    const scts = decodeScts(r.take(7, "TP-SCTS"), warnings, "TP-SCTS");
    const ud = readUserData(r, udhi, dcs, warnings);
    message = {
      ...common("deliver", smscValue, fo, pid, dcs, ud, scts?.iso ?? null),
      type: "deliver",
      sender: senderAddress.value,
      senderAddress,
      moreMessagesToSend: (fo & 0x04) === 0,
      replyPath: (fo & 0x80) !== 0,
      statusReportIndication: (fo & 0x20) !== 0,
    };
  } else if (mti === 1) {
    const messageRef = r.u8("TP-MR");
    const recipientAddress = readTpAddress(r, "TP-DA");
    const pid = r.u8("TP-PID");
    const dcs = decodeSmsDcs(r.u8("TP-DCS"));
    const validityPeriod = readValidity(r, (fo >> 3) & 0x03, warnings);
    const ud = readUserData(r, udhi, dcs, warnings);
    message = {
      ...common("submit", smscValue, fo, pid, dcs, ud, null),
      type: "submit",
      recipient: recipientAddress.value,
      recipientAddress,
      messageRef,
      validityPeriod,
      rejectDuplicates: (fo & 0x04) !== 0,
      statusReportRequest: (fo & 0x20) !== 0,
    };
  } else {
    const messageRef = r.u8("TP-MR");
    const recipientAddress = readTpAddress(r, "TP-RA");
    const scts = decodeScts(r.take(7, "TP-SCTS"), warnings, "TP-SCTS");
    const dt = decodeScts(r.take(7, "TP-DT"), warnings, "TP-DT");
    const status = describeStatus(r.u8("TP-ST"));
    // 23.040 §9.2.2.3: TP-PI and what it announces are optional.
    let pid: number | null = null;
    let dcs: DcsInfo | null = null;
    let ud: UserData = { text: "", encoding: "gsm7", userDataHex: "", udh: null };
    if (r.remaining > 0) {
      const piPos = r.pos;
      const pi = r.u8("TP-PI");
      if (pi & 0x78 || pi === 0xff) {
        // Reserved bits set: SCs pad status reports with 0xFF / garbage; ignore the rest.
        warnings.push(`TP-PI 0x${pi.toString(16)} at byte ${piPos} has reserved bits set; rest of the report ignored`);
        r.rest();
      } else {
        if (pi & 0x01) pid = r.u8("TP-PID");
        if (pi & 0x02) dcs = decodeSmsDcs(r.u8("TP-DCS"));
        if (pi & 0x04) ud = readUserData(r, udhi, dcs ?? decodeSmsDcs(0), warnings);
      }
    }
    message = {
      ...common("status-report", smscValue, fo, pid, dcs, ud, scts?.iso ?? null),
      type: "status-report",
      messageRef,
      recipient: recipientAddress.value,
      recipientAddress,
      dischargeTime: dt?.iso ?? null,
      status,
      aboutCommand: (fo & 0x20) !== 0,
    };
  }
  if (r.remaining > 0) warnings.push(`${r.remaining} octet(s) after the end of the TPDU ignored (from byte ${r.offset})`);
  return { message, warnings };
}

interface UserData {
  text: string;
  encoding: Alphabet;
  userDataHex: string;
  udh: ParsedUdh | null;
}

function common(type: DecodedSms["type"], smsc: string | null, fo: number, pid: number | null, dcs: DcsInfo | null, ud: UserData, timestamp: string | null): SmsCommon {
  const udh = ud.udh;
  const lang = (id: number | null) => (id === null ? null : (languageName(id) ?? id));
  return {
    type,
    smsc,
    firstOctet: fo,
    pid,
    dcs,
    encoding: ud.encoding,
    text: ud.text,
    userDataHex: ud.userDataHex,
    udh: udh?.elements ?? [],
    concat: udh?.concat ?? null,
    port: udh?.port ?? null,
    language: { locking: lang(udh?.lockingShift ?? null), single: lang(udh?.singleShift ?? null) },
    timestamp,
  };
}

function readValidity(r: ByteReader, vpf: number, warnings: string[]): ValidityPeriod {
  switch (vpf) {
    case 0:
      return { format: "none" };
    case 2: {
      // 23.040 §9.2.3.12.1
      const v = r.u8("TP-VP (relative)");
      const minutes = v <= 143 ? (v + 1) * 5 : v <= 167 ? 720 + (v - 143) * 30 : v <= 196 ? (v - 166) * 1440 : (v - 192) * 10080;
      return { format: "relative", raw: v, minutes };
    }
    case 3:
      return { format: "absolute", iso: decodeScts(r.take(7, "TP-VP (absolute)"), warnings, "TP-VP")?.iso ?? null };
    default:
      return { format: "enhanced", hex: toHex(r.take(7, "TP-VP (enhanced)")) };
  }
}

/** TP-UDL + TP-UD (23.040 §9.2.3.16, §9.2.3.24). Lying lengths decode best effort. */
function readUserData(r: ByteReader, udhi: boolean, dcs: DcsInfo, warnings: string[]): UserData {
  const udlPos = r.pos;
  const udl = r.u8("TP-UDL");
  const septets = dcs.alphabet === "gsm7" && !dcs.compressed;
  const wanted = septets ? Math.ceil((udl * 7) / 8) : udl;
  const dataStart = r.offset;
  const data = r.takeUpTo(wanted);
  if (data.length < wanted) {
    warnings.push(`TP-UDL at byte ${udlPos} says ${udl} ${septets ? "septets" : "octets"} (${wanted} octets) but only ${data.length} follow; decoded what is there`);
  }
  let udh: ParsedUdh | null = null;
  let headerOctets = 0;
  if (udhi) {
    if (data.length === 0) {
      warnings.push("TP-UDHI is set but there is no user data");
    } else {
      const udhl = data[0]!;
      if (1 + udhl > data.length) r.fail(`UDH length ${udhl} overruns the ${data.length} octets of user data`, dataStart - 0);
      udh = parseUdh(data.subarray(1, 1 + udhl), warnings);
      headerOctets = 1 + udhl;
    }
  }
  const tables = udh ? tablesFor(udh.lockingShift, udh.singleShift, warnings) : undefined;
  if (dcs.compressed) {
    warnings.push("user data is compressed (23.042), which is not supported; text left empty, see userDataHex");
    return { text: "", encoding: dcs.alphabet, userDataHex: toHex(data.subarray(headerOctets)), udh };
  }
  if (septets) {
    const skip = headerOctets === 0 ? 0 : udhSeptets(headerOctets);
    const available = Math.min(udl, Math.floor((data.length * 8) / 7));
    const count = available - skip;
    if (count < 0) warnings.push(`TP-UDL ${udl} is shorter than the ${skip}-septet header`);
    const s = unpackSeptets(data, Math.max(0, count), 7 * skip);
    return { text: septetsToText(s, tables, warnings), encoding: "gsm7", userDataHex: toHex(data.subarray(headerOctets)), udh };
  }
  const body = data.subarray(headerOctets);
  if (dcs.alphabet === "ucs2") return { text: decodeUcs2(body, warnings), encoding: "ucs2", userDataHex: toHex(body), udh };
  // 8-bit data has no character set; ISO 8859-1 keeps ASCII texts readable and every byte visible.
  let text = "";
  for (const b of body) text += String.fromCharCode(b);
  return { text, encoding: "8bit", userDataHex: toHex(body), udh };
}
