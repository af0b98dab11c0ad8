/**
 * Final result codes: the line that ends an AT command (3GPP TS 27.007 §4.1, V.250 §5.7).
 * Classification is a table over WHOLE lines (trimmed, case-insensitive). Substring
 * matching (`includes("ERROR")`, as serialport-gsm does) would end a command on an SMS
 * body or an operator name that happens to contain the word.
 */
import { ErrorCode, SimgateError } from "../errors.js";
import { cmeCodeForText, cmeText, cmsCodeForText, cmsText } from "./error-texts.js";

export { cmeText, cmsText, cmeCodeForText, cmsCodeForText } from "./error-texts.js";

export type FinalKind = "ok" | "error" | "cme" | "cms" | "no-carrier" | "busy" | "no-answer" | "no-dialtone";

export type FinalResult =
  | { kind: "ok"; line: string }
  | { kind: "error"; line: string }
  | { kind: "no-carrier" | "busy" | "no-answer" | "no-dialtone"; line: string }
  /** `code` is null when the text maps to no known number; `text` is what the modem said (or the table text for numeric replies). */
  | { kind: "cme" | "cms"; line: string; code: number | null; text: string };

export type ErrorFinal = Exclude<FinalResult, { kind: "ok" }>;

/** Whole-line finals without a payload. Vendor spellings are plain errors. */
type SimpleKind = Exclude<FinalKind, "cme" | "cms">;
const SIMPLE_FINALS: ReadonlyMap<string, SimpleKind> = new Map<string, SimpleKind>([
  ["OK", "ok"],
  ["ERROR", "error"],
  // Huawei E1752 and relatives (python-gsmmodem fakemodems HuaweiE1752; docs/protocols/at-commands.md#line-protocol).
  ["COMMAND NOT SUPPORT", "error"],
  // Seen from Huawei/ZTE firmware on extra arguments (at-messages-parser "final messages").
  ["TOO MANY PARAMETERS", "error"],
  ["NO CARRIER", "no-carrier"],
  ["BUSY", "busy"],
  ["NO ANSWER", "no-answer"],
  ["NO DIALTONE", "no-dialtone"],
  // V.250 spells it both ways; some modules send the older "NO DIAL TONE".
  ["NO DIAL TONE", "no-dialtone"],
  // V.250 §5.7.1 lists CONNECT as a final result (at-messages-parser "final messages"). We
  // never dial, so a module that says it went on line failed the command it was given.
  ["CONNECT", "error"],
]);

/**
 * Vendor error finals with a number of their own: `MODEM ERROR: <n>` and `ERROR: <n>`. The
 * number is vendor-specific (no 27.007 meaning), so they end the command as a plain error and
 * the line keeps the number for the log.
 */
const NUMBERED_VENDOR_ERROR = /^(?:MODEM ERROR|ERROR)\s*:\s*\d+$/i;

/**
 * Huawei firmware glues an error onto an information line: `+CME ERROR: 25+CNUM: "","+33…",145`
 * (at-messages-parser "CNUM" captures). That is the +CNUM line, not the end of the command.
 */
const GLUED_INFORMATION = /\+[A-Z]{2,}\s*:/i;

const EXTENDED_ERROR = /^\+(CME|CMS) ERROR:\s*(.*)$/i;

/** Classify one complete line; `null` means "not a final result" (an information line or a URC). */
export function classifyFinal(line: string): FinalResult | null {
  const trimmed = line.trim();
  const simple = SIMPLE_FINALS.get(trimmed.toUpperCase().replace(/\s+/g, " "));
  if (simple !== undefined) return { kind: simple, line: trimmed };
  if (NUMBERED_VENDOR_ERROR.test(trimmed)) return { kind: "error", line: trimmed };
  const m = EXTENDED_ERROR.exec(trimmed);
  if (!m || GLUED_INFORMATION.test(m[2] ?? "")) return null;
  const kind = (m[1] ?? "").toUpperCase() === "CME" ? "cme" : "cms";
  const payload = (m[2] ?? "").trim().replace(/^"(.*)"$/, "$1");
  if (/^\d+$/.test(payload)) {
    const code = Number(payload);
    const text = (kind === "cme" ? cmeText(code) : cmsText(code)) ?? `unknown ${kind.toUpperCase()} error ${code}`;
    return { kind, line: trimmed, code, text };
  }
  // +CMEE=2 text form: keep what the modem said, and find the number when we know the text.
  const code = (kind === "cme" ? cmeCodeForText(payload) : cmsCodeForText(payload)) ?? null;
  return { kind, line: trimmed, code, text: payload };
}

const CODE_FOR_KIND: Record<ErrorFinal["kind"], ErrorCode> = {
  error: ErrorCode.AtError,
  cme: ErrorCode.AtCmeError,
  cms: ErrorCode.AtCmsError,
  "no-carrier": ErrorCode.AtNoCarrier,
  busy: ErrorCode.AtBusy,
  "no-answer": ErrorCode.AtNoAnswer,
  "no-dialtone": ErrorCode.AtNoDialtone,
};

/**
 * The SimgateError for a failing final result. The CME/CMS number goes into
 * `context.cme` / `context.cms` (null when only an unknown text was given) so callers
 * can branch with `isTransient()` and friends; the raw line is kept in `context.final`.
 */
export function finalResultError(command: string, result: ErrorFinal, lines: readonly string[] = []): SimgateError {
  const context: Record<string, unknown> = { command, final: result.line, lines: [...lines] };
  let detail: string = result.line;
  if (result.kind === "cme" || result.kind === "cms") {
    context[result.kind] = result.code;
    context[`${result.kind}Text`] = result.text;
    const numeric = /:\s*\d+$/.test(result.line);
    if (result.code !== null) detail = numeric ? `${result.line} (${result.text})` : `${result.line} (${result.code})`;
  }
  return new SimgateError(`${command} failed: ${detail}`, CODE_FOR_KIND[result.kind], context);
}
