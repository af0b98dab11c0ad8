/**
 * `simgate decode pdu <hex> [--json] [--no-smsc] [--length N]` and
 * `simgate decode ussd '<+CUSD line>' [--json]`: offline decoding of what a modem printed.
 * Malformed input exits with EXIT_USAGE (2) and one line naming the byte offset.
 */
import { parseArgs } from "node:util";
import { decodePdu, decodeUssd, parseCusd, type DecodedSms } from "../../codec/index.js";
import { EXIT_USAGE, type CliCommand, type CliIo } from "../io.js";

const USAGE = `usage: simgate decode pdu <hex> [--json] [--no-smsc] [--length <tpdu octets>]
       simgate decode ussd '<+CUSD line>' [--json]

  pdu    decode an SMS PDU (SMS-DELIVER, SMS-SUBMIT, SMS-STATUS-REPORT). The hex is assumed
         to start with the SMSC field, as AT+CMGR prints it; --no-smsc says it does not.
         --length is the <length> the modem reported (TPDU octets), which settles it.
  ussd   decode a +CUSD line (plain text, UCS2 hex, packed 7-bit hex or 8-bit hex).
`;

export const decodeCommand: CliCommand = async (argv, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: "boolean", default: false },
        "no-smsc": { type: "boolean", default: false },
        length: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    io.stderr.write(`simgate decode: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const [what, ...rest] = positionals;
  if (what === "pdu") return decodePduCommand(rest, values, io);
  if (what === "ussd") return decodeUssdCommand(rest, values.json, io);
  io.stderr.write(`simgate decode: expected 'pdu' or 'ussd'${what ? `, got '${what}'` : ""}\n${USAGE}`);
  return EXIT_USAGE;
};

function decodePduCommand(rest: string[], values: { json: boolean; "no-smsc": boolean; length?: string | undefined }, io: CliIo): number {
  if (rest.length === 0) {
    io.stderr.write(`simgate decode pdu: missing <hex>\n${USAGE}`);
    return EXIT_USAGE;
  }
  // A PDU pasted with spaces arrives as several arguments.
  const hex = rest.join("");
  let tpduLength: number | undefined;
  if (values.length !== undefined) {
    tpduLength = Number(values.length);
    if (!Number.isInteger(tpduLength) || tpduLength < 0) {
      io.stderr.write(`simgate decode pdu: --length must be a non-negative integer, got '${values.length}'\n`);
      return EXIT_USAGE;
    }
  }
  const out = decodePdu(hex, { smsc: !values["no-smsc"], ...(tpduLength !== undefined ? { tpduLength } : {}) });
  if (!out.ok) {
    io.stderr.write(`simgate decode pdu: malformed PDU at byte ${out.error.offset}: ${out.error.reason}\n`);
    return EXIT_USAGE;
  }
  if (values.json) io.stdout.write(`${JSON.stringify(pduJson(out.message, out.warnings))}\n`);
  else io.stdout.write(pduHuman(out.message, out.warnings));
  return 0;
}

/** The contract fields first (type, sender|recipient, text, encoding, timestamp, concat, smsc), then the details. */
function pduJson(m: DecodedSms, warnings: string[]): Record<string, unknown> {
  const head: Record<string, unknown> = { type: m.type };
  if (m.type === "deliver") head["sender"] = m.sender;
  else head["recipient"] = m.recipient;
  Object.assign(head, { text: m.text, encoding: m.encoding, timestamp: m.timestamp, concat: m.concat, smsc: m.smsc });
  return { ...head, ...m, warnings };
}

function pduHuman(m: DecodedSms, warnings: string[]): string {
  const rows: [string, string][] = [["type", m.type]];
  if (m.type === "deliver") rows.push(["from", `${m.sender} (${m.senderAddress.type})`]);
  else rows.push(["to", `${m.recipient} (${m.recipientAddress.type})`]);
  if (m.smsc) rows.push(["smsc", m.smsc]);
  if (m.timestamp) rows.push([m.type === "status-report" ? "sc time" : "time", m.timestamp]);
  if (m.type === "status-report") {
    rows.push(["ref", String(m.messageRef)]);
    if (m.dischargeTime) rows.push(["discharged", m.dischargeTime]);
    rows.push(["status", `${m.status.category}: ${m.status.description} (0x${m.status.code.toString(16).padStart(2, "0")})`]);
  }
  if (m.type === "submit") rows.push(["ref", String(m.messageRef)]);
  const enc = [m.encoding];
  if (m.dcs?.messageClass !== null && m.dcs?.messageClass !== undefined) enc.push(`class ${m.dcs.messageClass}` as never);
  if (m.dcs?.compressed) enc.push("compressed" as never);
  if (m.language.locking !== null) enc.push(`locking shift ${m.language.locking}` as never);
  if (m.language.single !== null) enc.push(`single shift ${m.language.single}` as never);
  rows.push(["encoding", enc.join(", ")]);
  if (m.dcs?.waiting) rows.push(["waiting", `${m.dcs.waiting.kind} ${m.dcs.waiting.active ? "on" : "off"}`]);
  if (m.concat) rows.push(["part", `${m.concat.seq}/${m.concat.total} (ref ${m.concat.ref}, ${m.concat.refWidth}-bit)`]);
  if (m.port) rows.push(["port", `${m.port.destination} ← ${m.port.source}`]);
  if (m.type !== "status-report" || m.text !== "") rows.push(["text", m.text.replace(/\r?\n/g, "\n" + " ".repeat(12))]);
  for (const w of warnings) rows.push(["warning", w]);
  return rows.map(([k, v]) => `${(k + ":").padEnd(11)} ${v}`).join("\n") + "\n";
}

function decodeUssdCommand(rest: string[], json: boolean, io: CliIo): number {
  if (rest.length === 0) {
    io.stderr.write(`simgate decode ussd: missing '<+CUSD line>'\n${USAGE}`);
    return EXIT_USAGE;
  }
  const line = rest.join(" ");
  const p = parseCusd(line);
  if (!p.ok) {
    io.stderr.write(`simgate decode ussd: malformed +CUSD line at offset ${p.error.offset}: ${p.error.reason}\n`);
    return EXIT_USAGE;
  }
  const d = p.raw === null ? { text: "", decodedAs: "text" as const, warnings: [] as string[] } : decodeUssd(p.raw, p.dcs);
  const warnings = [...p.warnings, ...d.warnings];
  if (json) {
    const obj: Record<string, unknown> = { status: p.status, text: d.text, dcs: p.dcs, decodedAs: d.decodedAs, statusText: p.statusText, raw: p.raw };
    if ("language" in d && d.language) obj["language"] = d.language;
    obj["warnings"] = warnings;
    io.stdout.write(`${JSON.stringify(obj)}\n`);
  } else {
    io.stdout.write(`${d.text}\n`);
    for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
  }
  return 0;
}
