/**
 * The module's own command-line interpreter (device side): it parses one line the host
 * typed (`AT...` up to CR), runs each command of the line through the dialect's table,
 * and formats the reply the way V.250 firmware does (`\r\n<info>\r\n` blocks, one final
 * result, ATV0 numeric codes, +CMEE modes). It never imports the host-side `src/at/`.
 */
import type { AtResult, CommandCall, CommandOp, Final, SimContext } from "./commands/types.js";
import { CME_TEXT, CMS_TEXT } from "./error-texts.js";

export type ParsedLine = { ok: true; commands: CommandCall[] } | { ok: false };

/**
 * V.250 §5.2.1: characters before `AT` are ignored; a line without `AT` produces no
 * result. Returns null for such lines. Extended commands are separated by `;`.
 */
export function parseCommandLine(line: string): ParsedLine | null {
  const start = line.search(/AT/i);
  if (start < 0) return null;
  const body = line.slice(start + 2);
  const commands: CommandCall[] = [];
  let i = 0;
  while (i < body.length) {
    const ch = body.charAt(i);
    if (ch === " " || ch === ";") {
      i++;
      continue;
    }
    if ("+^$!%*#".includes(ch)) {
      const m = /^[+^$!%*#][A-Za-z0-9&_.%$]*/.exec(body.slice(i));
      const name = (m?.[0] ?? ch).toUpperCase();
      i += name.length;
      let op: CommandOp = "exec";
      let args: string[] = [];
      if (body.startsWith("=?", i)) {
        op = "test";
        i += 2;
      } else if (body.charAt(i) === "?") {
        op = "read";
        i += 1;
      } else if (body.charAt(i) === "=") {
        op = "set";
        const end = argsEnd(body, i + 1);
        if (end < 0) return { ok: false };
        args = splitArgs(body.slice(i + 1, end));
        i = end;
      }
      commands.push({ name, op, args });
      continue;
    }
    // Basic commands: a letter (or &letter), an optional number; S-registers; D runs to the end.
    const upper = body.slice(i).toUpperCase();
    const s = /^S(\d+)(=(\d*)|\?)?/.exec(upper);
    if (s) {
      commands.push({ name: "S", op: s[2] === "?" ? "read" : s[2] ? "set" : "exec", args: [s[1] ?? "0", s[3] ?? ""] });
      i += s[0].length;
      continue;
    }
    if (upper.startsWith("D")) {
      commands.push({ name: "D", op: "exec", args: [body.slice(i + 1)] });
      break;
    }
    const b = /^(&?[A-Z])(\d*)/.exec(upper);
    if (!b) return { ok: false };
    commands.push({ name: b[1] ?? "", op: "exec", args: [b[2] ?? ""] });
    i += b[0].length;
  }
  return { ok: true, commands };
}

/** Index of the `;` (or end) that ends a set command's arguments; -1 on an unterminated quote. */
function argsEnd(text: string, from: number): number {
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '"') quoted = !quoted;
    else if (c === ";" && !quoted) return i;
  }
  return quoted ? -1 : text.length;
}

function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (c === "," && !quoted) {
      out.push(cur.trim());
      cur = "";
    } else cur += quoted ? c : c === " " ? "" : c;
  }
  out.push(cur.trim());
  return out;
}

export interface LineOutcome {
  /** Bytes to send (info blocks and the final result, or the `> ` prompt). */
  output: string;
  /** Set when the line ended in a `> ` prompt: the body goes here. */
  prompt?: (body: string | null) => LineOutcome;
  after: (() => void)[];
}

/** Run a whole command line: commands run in order and the first failure ends the line. */
export function executeLine(m: SimContext, parsed: ParsedLine): LineOutcome {
  // A restarting Wavecom answers every line, bare AT included, with 515 "please wait" whatever
  // +CMEE says (python-gsmmodem fakemodems WavecomMultiband900E1800 after AT+CFUN=1).
  if (m.settings.busyUntil > Date.now()) return { output: m.settings.verbose ? "\r\n+CME ERROR: 515\r\n" : "+CME ERROR: 515\r\n", after: [] };
  const locked = pinGateRefusal(m, parsed);
  if (locked !== null) return { output: m.settings.verbose ? `\r\n+CME ERROR: ${locked}\r\n` : `+CME ERROR: ${locked}\r\n`, after: [] };
  if (!parsed.ok) return { output: formatFinal(m, { kind: "error" }), after: [] };
  let output = "";
  const after: (() => void)[] = [];
  for (const call of parsed.commands) {
    const result = runCommand(m, call);
    output += formatInfo(m, result.lines);
    if (result.after) after.push(result.after);
    if (result.final.kind === "prompt") {
      const onBody = result.final.onBody;
      // 27.005 §3.5.1: the prompt is `<CR><LF>> ` with no line end after it.
      return { output: output + "\r\n> ", prompt: (body) => finish(m, onBody(body)), after };
    }
    if (result.final.kind !== "ok") return { output: output + formatFinal(m, result.final), after };
  }
  return { output: output + formatFinal(m, { kind: "ok" }), after };
}

/**
 * A module that refuses everything but `AT+CPIN` until its SIM is unlocked (SimFirmware
 * refusesCommandsUntilPin): the CME code it answers the line with, or null to run it.
 */
function pinGateRefusal(m: SimContext, parsed: ParsedLine): number | null {
  const state = m.sim?.state;
  if (!m.profile.firmware?.refusesCommandsUntilPin || (state !== "pin" && state !== "puk")) return null;
  if (parsed.ok && parsed.commands.length > 0 && parsed.commands.every((c) => c.name === "+CPIN")) return null;
  return state === "pin" ? 11 : 12;
}

function finish(m: SimContext, result: AtResult): LineOutcome {
  return { output: formatInfo(m, result.lines) + formatFinal(m, result.final), after: result.after ? [result.after] : [] };
}

function runCommand(m: SimContext, call: CommandCall): AtResult {
  const spec = m.dialect.commands[call.name];
  if (!spec) return { lines: [], final: { kind: "unsupported" } };
  const handler = spec[call.op];
  if (handler) return handler(m, call);
  if (call.op === "test") return { lines: [], final: { kind: "ok" } };
  return { lines: [], final: { kind: "unsupported" } };
}

export function formatInfo(m: SimContext, lines: readonly string[]): string {
  if (lines.length === 0) return "";
  // ATV0 drops the leading CR LF of information responses (V.250 §5.7.1).
  return (m.settings.verbose ? "\r\n" : "") + lines.join("\r\n") + "\r\n";
}

export function formatFinal(m: SimContext, final: Final): string {
  if (m.settings.quiet || final.kind === "prompt" || final.kind === "none") return "";
  const text = finalText(m, final);
  if (m.settings.verbose) return `\r\n${text}\r\n`;
  if (text === "OK") return "0\r";
  if (text === "ERROR") return "4\r";
  return `${text}\r\n`;
}

function finalText(m: SimContext, final: Final): string {
  switch (final.kind) {
    case "ok":
      return "OK";
    case "error":
      return "ERROR";
    case "unsupported":
      return m.dialect.unsupportedText;
    case "cme":
      if (m.settings.cmee === 0) return "ERROR";
      return `+CME ERROR: ${m.settings.cmee === 2 ? (CME_TEXT[final.code] ?? "unknown") : final.code}`;
    case "cms":
      // +CMS ERROR is the final result of SMS commands whatever +CMEE says (27.005 §3.2.5);
      // only its <err> form (number or text) follows +CMEE.
      return `+CMS ERROR: ${m.settings.cmee === 2 ? (CMS_TEXT[final.code] ?? "unknown error") : final.code}`;
    case "prompt":
    case "none":
      return "";
  }
}
