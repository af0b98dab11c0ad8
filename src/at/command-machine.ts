/**
 * The life of ONE AT command as a pure state machine (docs/conventions.md#rule-4, after
 * zwave-js SerialAPICommandMachine): the channel feeds inputs and acts on the new
 * state; this file does no I/O and keeps no timers, so it is tested alone.
 *
 *   idle ──write──▶ written ──prompt──▶ prompted ──line/final──▶ …
 *                     │ line                         (body is written by the channel)
 *                     ▼
 *                 collecting ──final ok──▶ done
 *                     │ final error / timeout / closed
 *                     ▼
 *                   failed{reason}
 */
import type { ErrorFinal, FinalResult } from "./final-result.js";

export type FailReason =
  | "timeout"
  | "error"
  | "cme"
  | "cms"
  | "no-carrier"
  | "busy"
  | "no-answer"
  | "no-dialtone"
  | "port-closed";

export type CommandState =
  | { name: "idle" }
  | { name: "written"; lines: string[] }
  | { name: "prompted"; lines: string[] }
  /** `prompted`: the `> ` prompt of a two-phase command was already seen (and the body sent). */
  | { name: "collecting"; lines: string[]; prompted: boolean }
  | { name: "done"; lines: string[]; final: string }
  | { name: "failed"; reason: FailReason; lines: string[]; result?: ErrorFinal; cause?: unknown };

export type CommandInput =
  | { type: "write" }
  | { type: "prompt" }
  | { type: "line"; text: string }
  | { type: "final"; result: FinalResult }
  | { type: "timeout" }
  | { type: "closed"; cause?: unknown };

/** The parts of the command that change transitions. */
export interface MachineSpec {
  /** The command has a body and waits for the `> ` prompt. */
  expectsPrompt: boolean;
  /** On timeout, ≥1 information line counts as success (Wavecom `AT+CPIN?`). */
  allowMissingFinal: boolean;
}

export const initialState: CommandState = { name: "idle" };

export function isTerminal(state: CommandState): state is Extract<CommandState, { name: "done" | "failed" }> {
  return state.name === "done" || state.name === "failed";
}

function linesOf(state: CommandState): string[] {
  return state.name === "idle" ? [] : state.lines;
}

/** Pure: the next state for an input. Inputs that make no sense in a state leave it unchanged. */
export function transition(state: CommandState, input: CommandInput, spec: MachineSpec): CommandState {
  if (isTerminal(state)) return state;
  if (input.type === "closed") {
    return input.cause === undefined
      ? { name: "failed", reason: "port-closed", lines: linesOf(state) }
      : { name: "failed", reason: "port-closed", lines: linesOf(state), cause: input.cause };
  }
  switch (state.name) {
    case "idle":
      // Nothing is on the wire yet: the timer has not started and no reply can be ours.
      return input.type === "write" ? { name: "written", lines: [] } : state;
    case "written":
    case "prompted":
    case "collecting":
      return onTheWire(state, input, spec);
  }
}

function wasPrompted(state: Extract<CommandState, { name: "written" | "prompted" | "collecting" }>): boolean {
  return state.name === "prompted" || (state.name === "collecting" && state.prompted);
}

function onTheWire(
  state: Extract<CommandState, { name: "written" | "prompted" | "collecting" }>,
  input: Exclude<CommandInput, { type: "closed" }>,
  spec: MachineSpec,
): CommandState {
  switch (input.type) {
    case "write":
      return state;
    case "prompt":
      // Only the first prompt of a two-phase command counts; a stray "> " is not ours.
      return spec.expectsPrompt && !wasPrompted(state) ? { name: "prompted", lines: state.lines } : state;
    case "line":
      return { name: "collecting", lines: [...state.lines, input.text], prompted: wasPrompted(state) };
    case "final":
      if (input.result.kind === "ok") return { name: "done", lines: state.lines, final: input.result.line };
      return { name: "failed", reason: input.result.kind, lines: state.lines, result: input.result };
    case "timeout":
      if (spec.allowMissingFinal && state.lines.length > 0) return { name: "done", lines: state.lines, final: "" };
      return { name: "failed", reason: "timeout", lines: state.lines };
  }
}
