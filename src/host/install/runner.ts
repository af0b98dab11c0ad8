/**
 * Runs a plan: each step is checked, then (unless --dry-run) applied, one line each:
 *   would: <what>              dry run, the step has work to do
 *   done: <what>               applied
 *   ok (already): <title>      nothing to do
 *   ok: <note>                 a preflight check passed
 *   skipped (prefix): <title>  a host command, not run into a fake root
 *   skipped (<why>): <title>   deliberately left alone
 *   warning: <what>: <why>     could not be done, and the install is fine without it
 * The first failure stops the run with one line on stderr naming the step (exit 1); a
 * dry run reports a failing check as `would stop:` and shows the rest of the plan.
 */
import { type Step, type StepContext } from "./steps.js";

export interface PlanOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export interface RunSummary {
  ok: boolean;
  done: number;
  already: number;
  skipped: number;
  /** Steps that could not be done and did not need to be (a missing modprobe). */
  warnings: number;
  /** The step that stopped the run (or would have, in a dry run). */
  stoppedAt?: { id: string; title: string; reason: string };
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
}

export async function runPlan(command: string, steps: readonly Step[], ctx: StepContext, out: PlanOutput): Promise<RunSummary> {
  const summary: RunSummary = { ok: true, done: 0, already: 0, skipped: 0, warnings: 0 };
  const say = (line: string) => out.stdout.write(`${line}\n`);
  const stop = (step: Step, what: string, reason: string): RunSummary => {
    summary.ok = false;
    summary.stoppedAt = { id: step.id, title: what, reason };
    if (ctx.dryRun) say(`would stop: ${what}: ${reason}`);
    else out.stderr.write(`simgate ${command}: ${what}: ${reason}\n`);
    return summary;
  };
  for (const step of steps) {
    if (step.host && ctx.prefix) {
      say(`skipped (prefix): ${step.title}`);
      summary.skipped++;
      continue;
    }
    let check;
    try {
      check = await step.check(ctx);
    } catch (err) {
      check = { state: "fail" as const, reason: message(err) };
    }
    switch (check.state) {
      case "done":
        say(step.preflight ? `ok: ${check.note ?? step.title}` : `ok (already): ${step.title}${check.note ? ` — ${check.note}` : ""}`);
        summary.already++;
        break;
      case "skip":
        say(`skipped (${check.reason}): ${step.title}`);
        summary.skipped++;
        break;
      case "fail":
        stop(step, step.title, check.reason);
        if (!ctx.dryRun) return summary;
        break;
      case "todo": {
        const what = check.what ?? step.title;
        ctx.changed.add(step.id);
        if (ctx.dryRun) {
          say(`would: ${what}`);
          summary.done++;
          break;
        }
        let outcome;
        try {
          outcome = await step.apply?.(ctx);
        } catch (err) {
          return stop(step, `failed at "${what}"`, message(err));
        }
        if (outcome?.warning !== undefined) {
          ctx.changed.delete(step.id);
          say(`warning: ${what}: ${outcome.warning}`);
          summary.warnings++;
          break;
        }
        say(`done: ${what}`);
        summary.done++;
        break;
      }
    }
  }
  return summary;
}
