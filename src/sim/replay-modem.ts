/**
 * A device that answers from a captured response map (replay-profile.ts): each command
 * line the host types gets exactly the lines the real module sent, framed as `\r\n<line>\r\n`.
 * Compound lines (`AT+CPMS="ME";+CMGL=4`) run their commands in order and stop at the first
 * failure, as V.250 firmware does. No echo: the captures were taken with echo off.
 */
import { EventEmitter } from "node:events";
import type { DeviceWire, DeviceWireEvents } from "../transport/device-wire.js";
import { normaliseCommand, type ReplayProfile } from "./replay-profile.js";

/** Whole-line final results of a captured reply (a capture may end without one). */
const FINAL = /^(OK|ERROR|COMMAND NOT SUPPORT|TOO MANY PARAMETERS|NO CARRIER|BUSY|NO ANSWER|NO DIALTONE|CONNECT|\+CM[ES] ERROR:.*|(MODEM )?ERROR:\s*\d+)$/i;

export class ReplayModem extends EventEmitter<DeviceWireEvents> implements DeviceWire {
  readonly present = true;
  /** Command lines received, oldest first (for tests and traces). */
  readonly received: string[] = [];
  #pending = "";
  #closed = false;

  constructor(readonly profile: ReplayProfile) {
    super();
  }

  receiveFromHost(data: Buffer): void {
    if (this.#closed) return;
    this.#pending += data.toString("latin1");
    for (let cr = this.#pending.indexOf("\r"); cr >= 0; cr = this.#pending.indexOf("\r")) {
      const line = this.#pending.slice(0, cr).replace(/[\n\x1a\x1b]/g, "");
      this.#pending = this.#pending.slice(cr + 1);
      this.#answer(line);
    }
  }

  close(): void {
    this.#closed = true;
  }

  #answer(line: string): void {
    const start = line.search(/AT/i);
    // V.250: a line without AT gets no answer.
    if (start < 0) return;
    const command = normaliseCommand(line.slice(start));
    this.received.push(command);
    const lines = this.reply(command);
    if (lines.length > 0) this.emit("output", Buffer.from(lines.map((l) => `\r\n${l}\r\n`).join(""), "latin1"));
  }

  /** The captured reply for a command line (compound lines command by command). */
  reply(command: string): string[] {
    const whole = this.profile.responses[command];
    if (whole) return whole;
    const parts = splitCompound(command);
    if (parts.length < 2) return this.profile.defaultReply;
    const out: string[] = [];
    for (const part of parts) {
      const lines = this.profile.responses[part] ?? this.profile.defaultReply;
      const final = lines.at(-1) ?? "";
      out.push(...lines.slice(0, FINAL.test(final) ? -1 : lines.length));
      if (!FINAL.test(final)) return out;
      if (!/^OK$/i.test(final)) return [...out, final];
    }
    return [...out, "OK"];
  }
}

/** `AT+CPMS="ME";+CMGL=4` → [`AT+CPMS="ME"`, `AT+CMGL=4`] (semicolons inside quotes stay). */
function splitCompound(command: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (const ch of command.slice(2)) {
    if (ch === '"') quoted = !quoted;
    if (ch === ";" && !quoted) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts.filter((p) => p.trim() !== "").map((p) => `AT${p.trim()}`);
}
