/**
 * Failure injection for the endpoints the daemon calls: 5xx answers, slow answers past the
 * caller's deadline, terminal PUSH_SMS errors (docs/protocols/onlinesim-v1.md#push_sms, Q15), v2 errors (docs/protocols/onlinesim-v2.md#conventions), and an error
 * page that echoes the whole request back (what many frameworks do in debug mode, and what
 * leaks a key into the caller's error texts if it keeps them unscrubbed).
 */
import type { PushSmsTerminal, V2ErrorCode } from "../schemas.js";

export interface FailureRule {
  /** Matches when the request path ends with this (e.g. "/v1/PUSH_SMS", "addMessages"); all paths when absent. */
  path?: string;
  /** Answer with this HTTP status (body `{"status":"ERROR","error":"INJECTED_<status>"}` / `{"response":"INJECTED_<status>"}`). */
  status?: 400 | 500 | 503;
  /**
   * Answer with an error (`status`, default 500) whose body echoes everything received: the
   * raw URL with its query, every header (Authorization included) and the raw body, both as
   * received and URL-encoded.
   */
  echo?: boolean;
  /** How many matching requests this rule handles (default 1; Infinity = until clear()). */
  times?: number;
  /** Hold the answer this long first (a slow answer: the caller's deadline should fire). */
  delayMs?: number;
  /** PUSH_SMS: answer this error token; v2: answer this error with its documented HTTP code. */
  terminal?: PushSmsTerminal | V2ErrorCode;
}

export interface ActiveFailure extends Required<Pick<FailureRule, "times">>, Omit<FailureRule, "times"> {
  id: number;
  used: number;
}

export class FailurePlan {
  private rules: ActiveFailure[] = [];
  private nextId = 1;

  add(rule: FailureRule): ActiveFailure {
    if (rule.status === undefined && rule.delayMs === undefined && rule.terminal === undefined && !rule.echo) {
      throw new Error("fail(): give at least one of status, delayMs, terminal, echo");
    }
    const active: ActiveFailure = { ...rule, times: rule.times ?? 1, id: this.nextId++, used: 0 };
    this.rules.push(active);
    return active;
  }

  /** The first rule matching `path` with uses left; consumes one use. */
  take(path: string): ActiveFailure | undefined {
    const rule = this.rules.find((r) => r.used < r.times && (r.path === undefined || path.endsWith(r.path)));
    if (!rule) return undefined;
    rule.used++;
    if (rule.used >= rule.times) this.rules = this.rules.filter((r) => r !== rule);
    return rule;
  }

  pending(): readonly ActiveFailure[] {
    return this.rules;
  }

  clear(): void {
    this.rules = [];
  }
}

export function describeFailure(rule: ActiveFailure): string {
  const parts = [`#${rule.id}`];
  if (rule.delayMs !== undefined) parts.push(`delay ${rule.delayMs}ms`);
  if (rule.status !== undefined) parts.push(`HTTP ${rule.status}`);
  if (rule.terminal !== undefined) parts.push(rule.terminal);
  if (rule.echo) parts.push("echo");
  return parts.join(" ");
}
