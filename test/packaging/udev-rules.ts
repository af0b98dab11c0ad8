/**
 * A small reader for udev rules files (udev(7)) and an evaluator for the subset our rules
 * use, so the tests can ask "what does this file do to a CH340 tty / an EC25 interface 02"
 * without a kernel, a USB bus or udevd. Test-only code: the real parser is udevd's, which
 * the test also runs where it can (udevadm verify / udevadm test).
 */

export type Op = "==" | "!=" | "=" | "+=" | "-=" | ":=";
const MATCH_OPS: readonly Op[] = ["==", "!="];

export interface Token {
  key: string;
  /** The `{…}` part of ENV{…}, ATTRS{…}, IMPORT{…}. */
  attr?: string;
  op: Op;
  value: string;
}

export interface Rule {
  /** First physical line of the rule (1-based). */
  line: number;
  tokens: Token[];
}

export interface Problem {
  line: number;
  message: string;
}

interface KeySpec {
  attr: "none" | "required" | "optional";
  /** Operators allowed. */
  ops: readonly Op[];
  /** Whether the key only tests (a rule made of these alone does nothing). */
  test: boolean;
}

const M: readonly Op[] = MATCH_OPS;
const spec = (attr: KeySpec["attr"], ops: readonly Op[], test: boolean): KeySpec => ({ attr, ops, test });

/** udev(7) "Rules syntax": which keys exist, whether they take `{…}`, and their operators. */
export const UDEV_KEYS: Readonly<Record<string, KeySpec>> = {
  ACTION: spec("none", M, true),
  DEVPATH: spec("none", M, true),
  KERNEL: spec("none", M, true),
  KERNELS: spec("none", M, true),
  SUBSYSTEM: spec("none", M, true),
  SUBSYSTEMS: spec("none", M, true),
  DRIVER: spec("none", M, true),
  DRIVERS: spec("none", M, true),
  ATTRS: spec("required", M, true),
  TAGS: spec("none", M, true),
  CONST: spec("required", M, true),
  TEST: spec("optional", M, true),
  RESULT: spec("none", M, true),
  // PROGRAM runs a program (an effect), usually as a match; `PROGRAM="…"` is accepted too.
  PROGRAM: spec("none", [...M, "="], false),
  // Both match and assignment keys.
  NAME: spec("none", [...M, "=", ":="], false),
  SYMLINK: spec("none", [...M, "=", "+=", "-=", ":="], false),
  ATTR: spec("required", [...M, "=", ":="], false),
  SYSCTL: spec("required", [...M, "=", ":="], false),
  ENV: spec("required", [...M, "=", "+=", ":="], false),
  TAG: spec("none", [...M, "=", "+=", "-=", ":="], false),
  // Assignment-only keys.
  OWNER: spec("none", ["=", ":="], false),
  GROUP: spec("none", ["=", ":="], false),
  MODE: spec("none", ["=", ":="], false),
  SECLABEL: spec("required", ["=", "+=", ":="], false),
  RUN: spec("optional", ["=", "+=", ":="], false),
  LABEL: spec("none", ["="], false),
  GOTO: spec("none", ["="], false),
  IMPORT: spec("required", [...M, "="], false),
  OPTIONS: spec("none", ["=", "+=", ":="], false),
};

const TOKEN = /^\s*([A-Za-z_]+)(?:\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/;
/** Substitutions udev(7) knows ("String substitutions"). */
const SUBSTITUTION = /\$(?:kernel|number|devpath|id|driver|major|minor|result|parent|name|links|root|sys|devnode|attr\{[^}]+\}|sysfs\{[^}]+\}|env\{[^}]+\}|\$)|%(?:[knpbdMmcPNDLrS%]|s\{[^}]+\}|E\{[^}]+\})/g;

export function isMatchOp(op: Op): boolean {
  return op === "==" || op === "!=";
}

/** Parse a rules file: one rule per logical line (backslash-newline continues it). */
export function parseRules(text: string): { rules: Rule[]; problems: Problem[] } {
  const rules: Rule[] = [];
  const problems: Problem[] = [];
  const physical = text.split("\n");
  for (let i = 0; i < physical.length; i++) {
    const start = i + 1;
    let line = physical[i] as string;
    while (line.endsWith("\\") && i + 1 < physical.length) line = line.slice(0, -1) + " " + (physical[++i] as string);
    if (line.endsWith("\\")) problems.push({ line: start, message: "continuation at end of file" });
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const tokens: Token[] = [];
    let rest = line;
    while (rest.trim() !== "") {
      const m = TOKEN.exec(rest);
      if (!m) {
        problems.push({ line: start, message: `cannot parse ${JSON.stringify(rest.trim().slice(0, 60))}` });
        break;
      }
      const token: Token = { key: m[1] as string, op: m[3] as Op, value: m[4] as string };
      if (m[2] !== undefined) token.attr = m[2];
      tokens.push(token);
      rest = rest.slice(m[0].length);
      if (m[5] === "" && rest.trim() !== "") {
        problems.push({ line: start, message: `missing comma before ${JSON.stringify(rest.trim().slice(0, 40))}` });
        break;
      }
    }
    problems.push(...checkRule(start, tokens));
    rules.push({ line: start, tokens });
  }
  problems.push(...checkLabels(rules));
  return { rules, problems };
}

function checkRule(line: number, tokens: readonly Token[]): Problem[] {
  const problems: Problem[] = [];
  for (const t of tokens) {
    const s = UDEV_KEYS[t.key];
    const name = t.attr === undefined ? t.key : `${t.key}{${t.attr}}`;
    if (!s) {
      problems.push({ line, message: `unknown key ${name}` });
      continue;
    }
    if (s.attr === "none" && t.attr !== undefined) problems.push({ line, message: `${t.key} takes no {…}` });
    if (s.attr === "required" && !t.attr) problems.push({ line, message: `${t.key} needs {…}` });
    if (!s.ops.includes(t.op)) problems.push({ line, message: `operator ${t.op} is not valid for ${name}` });
    const leftover = t.value.replace(SUBSTITUTION, "");
    if (/[$]/.test(leftover) || /%[^%]/.test(leftover.replace(/%%/g, ""))) problems.push({ line, message: `unknown substitution in ${JSON.stringify(t.value)}` });
  }
  const tests = tokens.filter((t) => isMatchOp(t.op) || UDEV_KEYS[t.key]?.test);
  const actions = tokens.filter((t) => !tests.includes(t));
  if (tests.length > 0 && actions.length === 0) problems.push({ line, message: "rule has matches but no assignment: it does nothing" });
  if (tokens.some((t) => t.key === "LABEL") && tokens.length > 1) problems.push({ line, message: "LABEL should stand alone" });
  return problems;
}

function checkLabels(rules: readonly Rule[]): Problem[] {
  const problems: Problem[] = [];
  const labels = new Map<string, number>();
  for (const [index, rule] of rules.entries()) {
    for (const t of rule.tokens) {
      if (t.key !== "LABEL") continue;
      if (labels.has(t.value)) problems.push({ line: rule.line, message: `LABEL ${t.value} defined twice` });
      labels.set(t.value, index);
    }
  }
  for (const [index, rule] of rules.entries()) {
    for (const t of rule.tokens) {
      if (t.key !== "GOTO") continue;
      const target = labels.get(t.value);
      // udev only jumps forward.
      if (target === undefined) problems.push({ line: rule.line, message: `GOTO ${t.value} has no LABEL` });
      else if (target <= index) problems.push({ line: rule.line, message: `GOTO ${t.value} jumps backwards` });
    }
  }
  return problems;
}

/** fnmatch(3)-style pattern with udev's `|` alternatives. */
export function udevPatternMatches(pattern: string, value: string): boolean {
  return pattern.split("|").some((alt) => {
    let re = "";
    for (let i = 0; i < alt.length; i++) {
      const c = alt[i] as string;
      if (c === "*") re += ".*";
      else if (c === "?") re += ".";
      else if (c === "[") {
        const close = alt.indexOf("]", i + 1);
        if (close === -1) re += "\\[";
        else {
          re += `[${alt.slice(i + 1, close).replace(/^!/, "^")}]`;
          i = close;
        }
      } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
    }
    return new RegExp(`^${re}$`).test(value);
  });
}

/** One device in sysfs: the event's device is `chain[0]`, its parents follow. */
export interface SysDevice {
  subsystem: string;
  kernel: string;
  driver?: string;
  devtype?: string;
  attrs: Record<string, string>;
}

export interface SimEvent {
  action: string;
  chain: readonly SysDevice[];
  /** Properties set by earlier rules files (ID_PATH from 60-serial, brltty's SYSTEMD_WANTS). */
  env?: Record<string, string>;
  /** What IMPORT{builtin}="<name>" adds. */
  builtins?: Record<string, Record<string, string>>;
}

export interface SimResult {
  /** The device's properties after the rules, as `udevadm info` would show them. */
  env: Record<string, string>;
  symlinks: string[];
  group?: string;
  mode?: string;
  /** Rules that matched, by line: for failure messages. */
  matched: number[];
}

const PARENT_KEYS = new Set(["KERNELS", "SUBSYSTEMS", "DRIVERS", "ATTRS"]);

/** Run the rules over one event (the subset of udev semantics our file uses; anything else throws). */
export function simulate(rules: readonly Rule[], event: SimEvent): SimResult {
  const self = event.chain[0];
  if (!self) throw new Error("empty device chain");
  const env: Record<string, string> = { ...(event.env ?? {}) };
  if (self.devtype) env["DEVTYPE"] ??= self.devtype;
  const result: SimResult = { env, symlinks: [], matched: [] };
  const labels = new Map<string, number>();
  rules.forEach((r, i) => r.tokens.forEach((t) => t.key === "LABEL" && labels.set(t.value, i)));

  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as Rule;
    if (rule.tokens.some((t) => t.key === "LABEL")) continue;
    const parent = matchRule(rule, self, event, env);
    if (parent === false) continue;
    result.matched.push(rule.line);
    const subst = (value: string) => substitute(value, self, parent, env);
    let jump: string | undefined;
    for (const t of rule.tokens) {
      if (isMatchOp(t.op) || PARENT_KEYS.has(t.key)) continue;
      switch (t.key) {
        case "ENV": {
          const v = subst(t.value);
          const name = t.attr as string;
          if (t.op === "+=") env[name] = (env[name] ?? "") + v;
          else if (v === "") delete env[name];
          else env[name] = v;
          break;
        }
        case "GROUP":
          result.group = subst(t.value);
          break;
        case "MODE":
          result.mode = subst(t.value);
          break;
        case "SYMLINK": {
          const names = subst(t.value).split(/\s+/).filter(Boolean);
          if (t.op === "+=") result.symlinks.push(...names);
          else result.symlinks = names;
          break;
        }
        case "IMPORT":
          if (t.attr !== "builtin") throw new Error(`simulator: IMPORT{${t.attr}} not supported (line ${rule.line})`);
          Object.assign(env, event.builtins?.[t.value] ?? {});
          break;
        case "GOTO":
          jump = t.value;
          break;
        default:
          throw new Error(`simulator: ${t.key} not supported (line ${rule.line})`);
      }
    }
    if (jump !== undefined) {
      const target = labels.get(jump);
      if (target === undefined) throw new Error(`GOTO ${jump}: no label`);
      i = target;
    }
  }
  // Private (leading dot) variables live for one event only; udev never stores them.
  for (const key of Object.keys(env)) if (key.startsWith(".")) delete env[key];
  return result;
}

/** False when the rule does not match; otherwise the parent its parent keys selected (or undefined). */
function matchRule(rule: Rule, self: SysDevice, event: SimEvent, env: Record<string, string>): SysDevice | undefined | false {
  for (const t of rule.tokens) {
    if (!isMatchOp(t.op) || PARENT_KEYS.has(t.key)) continue;
    let value: string;
    switch (t.key) {
      case "ACTION":
        value = event.action;
        break;
      case "KERNEL":
        value = self.kernel;
        break;
      case "SUBSYSTEM":
        value = self.subsystem;
        break;
      case "DRIVER":
        value = self.driver ?? "";
        break;
      case "ENV":
        value = env[t.attr as string] ?? "";
        break;
      case "ATTR":
        value = self.attrs[t.attr as string] ?? "";
        break;
      default:
        throw new Error(`simulator: match on ${t.key} not supported (line ${rule.line})`);
    }
    if (udevPatternMatches(t.value, value) !== (t.op === "==")) return false;
  }
  const parentTokens = rule.tokens.filter((t) => PARENT_KEYS.has(t.key));
  if (parentTokens.length === 0) return undefined;
  // All parent keys of one rule must match on the same device (the event's own included).
  for (const device of event.chain) {
    const ok = parentTokens.every((t) => {
      const value =
        t.key === "KERNELS" ? device.kernel : t.key === "SUBSYSTEMS" ? device.subsystem : t.key === "DRIVERS" ? (device.driver ?? "") : device.attrs[t.attr as string];
      if (value === undefined) return false;
      return udevPatternMatches(t.value, value) === (t.op === "==");
    });
    if (ok) return device;
  }
  return false;
}

function substitute(value: string, self: SysDevice, parent: SysDevice | undefined, env: Record<string, string>): string {
  return value.replace(/\$(attr|env)\{([^}]+)\}|\$kernel|%k/g, (whole, kind: string | undefined, name: string | undefined) => {
    if (whole === "$kernel" || whole === "%k") return self.kernel;
    if (kind === "env") return env[name as string] ?? "";
    // $attr: the device's own attribute, else the parent a KERNELS/SUBSYSTEMS/ATTRS test selected.
    return self.attrs[name as string] ?? parent?.attrs[name as string] ?? "";
  });
}
