/**
 * What `simgate at` refuses to send without `--force`: commands that change a setting the
 * port's session made at bring-up and relies on afterwards, or that take the module off
 * the air. The session cannot see such a change, so the port would look fine on the map
 * while SMS stop arriving — the worst kind of failure for a pool that sells SMS.
 *
 * Deliberately allowed: queries and tests (`AT+CFUN?`, `AT+CNMI=?`), `ATE1` (the channel
 * strips echo either way, docs/protocols/at-commands.md#line-protocol), `AT+COPS=0`/`AT+COPS=?` (automatic selection,
 * network scan), `AT+CUSD` (a balance check; the answer arrives as a URC), `AT&W`.
 *
 * A command line may chain several commands (V.250 §5.2.1: `ATE0V0`, `AT+CSQ;+CFUN=0`),
 * so every command of the line is checked, not just the first.
 */

export interface Refusal {
  /** The offending command as it stood in the line, upper-cased and without the line's `AT`: `+CFUN=1,1`, `Z`. */
  command: string;
  why: string;
  /** false: not even `--force` sends it (it would break the channel itself). */
  forceable: boolean;
}

interface Rule {
  test: RegExp;
  why: string;
  forceable?: false;
}

const PROFILE_RESET = "reloads a stored profile: echo, result format, +CMEE and the +CNMI routing go back to the module's defaults behind the session's back, so new SMS are no longer indicated until the port's next bring-up";

const RULES: readonly Rule[] = [
  { test: /^Z\d*$/, why: PROFILE_RESET },
  { test: /^&F\d*$/, why: PROFILE_RESET },
  { test: /^V0$/, why: "switches to numeric result codes ('0' instead of 'OK'): every later command of the session times out" },
  { test: /^Q1$/, why: "suppresses result codes: every later command of the session times out" },
  { test: /^D/, why: "dials: a call ties up the module (no SMS indications meanwhile; a data call swallows the AT channel) and may cost money" },
  { test: /^\+CFUN=(?!\?)/, why: "changes the radio state or restarts the module: the SIM drops off the network while activations may be waiting for their SMS, or the port re-enumerates" },
  { test: /^\+(IPR|ICF|IFC)=(?!\?)/, why: "changes the serial speed, framing or flow control: the daemon would no longer understand the port" },
  { test: /^\+CMGF=\s*1/, why: "text mode: the SMS receiver reads PDUs (set at bring-up) and would fail on every new message" },
  { test: /^\+CNMI=(?!\?)/, why: "changes where new-SMS indications go: the receiver relies on the +CMTI routing set at bring-up" },
  { test: /^\+CPMS=(?!\?)/, why: "changes the message storage the receiver reads and deletes from" },
  { test: /^\+CMGDA?=(?!\?)/, why: "deletes stored SMS: one the daemon has not stored yet would be lost (the receiver deletes each SMS itself once it is on disk)" },
  { test: /^\+CMEE=\s*0/, why: "turns +CME ERROR codes off: the session tells SIM problems (not inserted, PIN, busy) apart by them" },
  { test: /^\+CSCS=/, why: "changes the character set the session's USSD requests and operator names are sent in" },
  { test: /^\+CPIN=/, why: "enters a PIN/PUK past the session's PIN guard: a wrong one spends an attempt the guard does not know of (three lock the SIM); put the PIN in modem.pins instead" },
  { test: /^\+CLCK=[^,]*,\s*[01]/, why: "locks or unlocks a SIM facility: a wrong password spends an attempt, and a SIM PIN lock switched on makes the next start need a PIN" },
  { test: /^\+CPWD=/, why: "changes a SIM password: a wrong old password spends an attempt" },
  { test: /^\+COPS=\s*[1-4]/, why: "manual operator selection or deregistration: the SIM may leave its home network and stop being sellable (AT+COPS=0, automatic, is allowed)" },
  { test: /^(\+CRESET|\+CPOF|\+CPOWD|\+QPOWD|\+QRST|\^RESET|\^SMSO)\b/, why: "resets or powers off the module (vendor command): the port goes away" },
  {
    test: /^\+(CMGS|CMGW|CMGC)=/,
    why: "needs a message body after the '> ' prompt, which `simgate at` cannot send; the unanswered prompt would swallow the daemon's next command",
    forceable: false,
  },
];

/** Why this command line must not go out as is, or null when it may. */
export function refusalFor(line: string): Refusal | null {
  for (const command of splitCommandLine(line)) {
    const rule = RULES.find((r) => r.test.test(command));
    if (rule) return { command, why: rule.why, forceable: rule.forceable ?? true };
  }
  return null;
}

const EXTENDED_START = /[+^$%*#!]/;

/**
 * The commands of one V.250 command line, upper-cased: `AT+CSQ;+CREG?` → `+CSQ`, `+CREG?`;
 * `ATE0V1&F` → `E0`, `V1`, `&F`. Extended commands run to the next `;` outside quotes;
 * basic ones are a letter (or `&` + letter) with an optional number; `D` takes the rest.
 */
export function splitCommandLine(line: string): string[] {
  const body = /^AT/i.test(line) ? line.slice(2) : line;
  const out: string[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i] as string;
    if (c === ";" || c === " ") {
      i++;
    } else if (EXTENDED_START.test(c)) {
      let j = i + 1;
      let quoted = false;
      for (; j < body.length && (quoted || body[j] !== ";"); j++) if (body[j] === '"') quoted = !quoted;
      out.push(body.slice(i, j).toUpperCase());
      i = j;
    } else if (/d/i.test(c)) {
      out.push(body.slice(i).toUpperCase());
      break;
    } else {
      const m = /^(&?[A-Z])(\d*)(=\d*|\?)?/i.exec(body.slice(i));
      const token = m?.[0] || c;
      out.push(token.toUpperCase());
      i += token.length;
    }
  }
  return out;
}
