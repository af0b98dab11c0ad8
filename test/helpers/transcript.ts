/**
 * Annotated AT transcripts (test/fixtures/transcripts/*.at) and their replay.
 *
 * Format, one step per line:
 *   > AT+CSQ<CR>                     ;; host wrote this (asserted byte for byte)
 *   < <CR><LF>+CSQ: 17,99<CR><LF>    ;; device sent this
 *   @ timeout                        ;; wait for a named event (hook supplied by the test)
 *   # comment line
 * Tokens: <CR> <LF> <SUB> (Ctrl-Z) <ESC> <SP> (a space, needed at the end of the payload
 * since trailing blanks are trimmed) and <xx> (one byte in hex). `;;` starts the note that
 * says why the line is there.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type TranscriptStep =
  | { dir: "host"; data: Buffer; note: string; line: number }
  | { dir: "device"; data: Buffer; note: string; line: number }
  | { dir: "event"; name: string; note: string; line: number };

/** The device end of a port, as the replay needs it. */
export interface ScriptedDevice {
  say(data: Buffer): void;
  /** Resolve once the host has written these bytes (after whatever earlier waits consumed). */
  waitForWrite(expected: Buffer): Promise<void>;
}

const TOKENS: Record<string, number> = { CR: 0x0d, LF: 0x0a, SUB: 0x1a, ESC: 0x1b, SP: 0x20 };

function decodePayload(text: string, line: number): Buffer {
  const bytes: number[] = [];
  const re = /<([A-Za-z]{2,3}|[0-9a-fA-F]{2})>|([^<]+|<)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const token = m[1];
    if (token !== undefined) {
      const named = TOKENS[token.toUpperCase()];
      if (named !== undefined) bytes.push(named);
      else if (/^[0-9a-fA-F]{2}$/.test(token)) bytes.push(parseInt(token, 16));
      else throw new Error(`transcript line ${line}: unknown token <${token}>`);
    } else {
      for (const ch of m[2] ?? "") bytes.push(ch.charCodeAt(0) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

export function parseTranscript(source: string): TranscriptStep[] {
  const steps: TranscriptStep[] = [];
  source.split("\n").forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === "" || raw.startsWith("#")) return;
    const noteAt = raw.indexOf(";;");
    const body = (noteAt >= 0 ? raw.slice(0, noteAt) : raw).trimEnd();
    const note = noteAt >= 0 ? raw.slice(noteAt + 2).trim() : "";
    const marker = body.slice(0, 2);
    const payload = body.slice(2);
    if (marker === "> ") steps.push({ dir: "host", data: decodePayload(payload, line), note, line });
    else if (marker === "< ") steps.push({ dir: "device", data: decodePayload(payload, line), note, line });
    else if (marker === "@ ") steps.push({ dir: "event", name: payload.trim(), note, line });
    else throw new Error(`transcript line ${line}: expected "> ", "< ", "@ " or "#": ${raw}`);
  });
  return steps;
}

export function loadTranscript(name: string): TranscriptStep[] {
  const url = new URL(`../fixtures/transcripts/${name}`, import.meta.url);
  return parseTranscript(readFileSync(fileURLToPath(url), "utf8"));
}

/** Everything the host is expected to write, in order: compare with the mock's `recording`. */
export function hostBytes(steps: readonly TranscriptStep[]): Buffer {
  return Buffer.concat(steps.flatMap((s) => (s.dir === "host" ? [s.data] : [])));
}

/**
 * Act as the device: wait for each `>` step to be written, send each `<` step, await
 * each `@` hook. Resolves when the script is done; a missing hook rejects.
 */
export async function playDevice(
  device: ScriptedDevice,
  steps: readonly TranscriptStep[],
  hooks: Record<string, () => Promise<unknown>> = {},
): Promise<void> {
  for (const step of steps) {
    if (step.dir === "host") await device.waitForWrite(step.data);
    else if (step.dir === "device") device.say(step.data);
    else {
      const hook = hooks[step.name];
      if (!hook) throw new Error(`transcript line ${step.line}: no hook for @ ${step.name}`);
      await hook();
    }
  }
}
