import { describe, expect, it } from "vitest";
import { initialState, transition, type CommandInput, type CommandState, type MachineSpec } from "../../src/at/command-machine.js";
import { classifyFinal, type FinalResult } from "../../src/at/final-result.js";

const plain: MachineSpec = { expectsPrompt: false, allowMissingFinal: false };
const twoPhase: MachineSpec = { expectsPrompt: true, allowMissingFinal: false };
const wavecom: MachineSpec = { expectsPrompt: false, allowMissingFinal: true };

const final = (line: string): CommandInput => ({ type: "final", result: classifyFinal(line) as FinalResult });
const line = (text: string): CommandInput => ({ type: "line", text });
const run = (spec: MachineSpec, inputs: CommandInput[]): CommandState => inputs.reduce((s, i) => transition(s, i, spec), initialState);

describe("command machine", () => {
  it.each<[string, MachineSpec, CommandInput[], Partial<CommandState>]>([
    ["idle until written", plain, [], { name: "idle" }],
    ["replies before the write are not ours", plain, [line("+CSQ: 1,1"), final("OK")], { name: "idle" }],
    ["write → written", plain, [{ type: "write" }], { name: "written", lines: [] }],
    ["OK with no lines → done", plain, [{ type: "write" }, final("OK")], { name: "done", lines: [], final: "OK" }],
    ["lines then OK → done with lines", plain, [{ type: "write" }, line("a"), line("b"), final("OK")], { name: "done", lines: ["a", "b"] }],
    ["ERROR → failed error", plain, [{ type: "write" }, final("ERROR")], { name: "failed", reason: "error" }],
    ["+CME → failed cme, lines kept", plain, [{ type: "write" }, line("x"), final("+CME ERROR: 10")], { name: "failed", reason: "cme", lines: ["x"] }],
    ["+CMS → failed cms", plain, [{ type: "write" }, final("+CMS ERROR: 500")], { name: "failed", reason: "cms" }],
    ["NO CARRIER", plain, [{ type: "write" }, final("NO CARRIER")], { name: "failed", reason: "no-carrier" }],
    ["BUSY", plain, [{ type: "write" }, final("BUSY")], { name: "failed", reason: "busy" }],
    ["NO ANSWER", plain, [{ type: "write" }, final("NO ANSWER")], { name: "failed", reason: "no-answer" }],
    ["NO DIALTONE", plain, [{ type: "write" }, final("NO DIALTONE")], { name: "failed", reason: "no-dialtone" }],
    ["timeout while written", plain, [{ type: "write" }, { type: "timeout" }], { name: "failed", reason: "timeout" }],
    ["timeout while collecting", plain, [{ type: "write" }, line("a"), { type: "timeout" }], { name: "failed", reason: "timeout", lines: ["a"] }],
    ["closed while collecting", plain, [{ type: "write" }, line("a"), { type: "closed" }], { name: "failed", reason: "port-closed", lines: ["a"] }],
    ["closed before the write", plain, [{ type: "closed" }], { name: "failed", reason: "port-closed" }],
    ["terminal states ignore later input", plain, [{ type: "write" }, final("OK"), line("late"), { type: "timeout" }], { name: "done", lines: [] }],
    ["a stray prompt is ignored by one-phase commands", plain, [{ type: "write" }, { type: "prompt" }], { name: "written" }],
    ["two-phase: prompt → prompted", twoPhase, [{ type: "write" }, { type: "prompt" }], { name: "prompted" }],
    ["two-phase: prompt after an echo line still counts", twoPhase, [{ type: "write" }, line("x"), { type: "prompt" }], { name: "prompted" }],
    ["two-phase: reply after body", twoPhase, [{ type: "write" }, { type: "prompt" }, line("+CMGS: 4"), final("OK")], { name: "done", lines: ["+CMGS: 4"] }],
    ["two-phase: a second prompt is not ours", twoPhase, [{ type: "write" }, { type: "prompt" }, line("x"), { type: "prompt" }], { name: "collecting", prompted: true }],
    ["two-phase: CMS error instead of the prompt", twoPhase, [{ type: "write" }, final("+CMS ERROR: 304")], { name: "failed", reason: "cms" }],
    ["missing final allowed: timeout with a line → done, final ''", wavecom, [{ type: "write" }, line("+CPIN: READY"), { type: "timeout" }], { name: "done", final: "", lines: ["+CPIN: READY"] }],
    ["missing final allowed: timeout with no line → still a timeout", wavecom, [{ type: "write" }, { type: "timeout" }], { name: "failed", reason: "timeout" }],
  ])("%s", (_name, spec, inputs, expected) => {
    expect(run(spec, inputs)).toMatchObject(expected);
  });

  it("is pure: the input state is not mutated", () => {
    const s: CommandState = { name: "collecting", lines: ["a"], prompted: false };
    const next = transition(s, line("b"), plain);
    expect(s.lines).toEqual(["a"]);
    expect(next).toMatchObject({ lines: ["a", "b"] });
  });

  it("keeps the cause of a close", () => {
    const cause = new Error("unplugged");
    expect(run(plain, [{ type: "write" }, { type: "closed", cause }])).toMatchObject({ reason: "port-closed", cause });
  });
});
