/**
 * The acceptance check a marketplace runs before it buys from a supplier, played against a
 * running endpoint (docs/protocols/smshub.md#selftest): read the claimed counts, order that
 * many numbers at once, expect every one within the marketplace's deadline, then cancel
 * every number that was given. The protocol is the client's (one per marketplace family);
 * the rules of the check are here.
 *
 * The groups a client reports must be disjoint in SIMs (different countries, or different
 * operators of one country), so every group's orders can be fired at the same moment and a
 * truthful agent can serve all of them. Within a group one service is tested: the counts of
 * two services of one country share the same SIMs.
 *
 * An answer that comes after the deadline is a miss, but it is waited for (up to
 * `graceMs` more) so that its number is cancelled too: the check must not leave a number
 * held for an order nobody will finish.
 */

export interface SelftestGroup {
  /** For the report: "russia/any/vk". */
  label: string;
  /** The count the agent claimed for it. */
  claimed: number;
}

export type OrderResult =
  | { kind: "issued"; id: number; number: string; ms: number }
  | { kind: "none"; ms: number }
  /** No answer in time, a refusal, a malformed answer. */
  | { kind: "error"; detail: string; ms: number };

export interface SelftestClient<G extends SelftestGroup> {
  /** The marketplace's issuance deadline. */
  readonly deadlineMs: number;
  /** The claimed counts, as groups that can be ordered at once. Rejects when they cannot be read. */
  groups(): Promise<G[]>;
  /** One order; gives up after `timeoutMs`. */
  order(group: G, timeoutMs: number): Promise<OrderResult>;
  /** Cancel an issued number; undefined when acknowledged, else why not. */
  cancel(id: number): Promise<string | undefined>;
}

export interface SelftestOptions {
  /** Refuse to fire more orders than this in one go (SelftestTooLarge). */
  maxOrders: number;
  /** How long past the deadline a late answer is still awaited (to cancel its number). Default 5 s. */
  graceMs?: number;
  /** Attempts per cancel. Default 3. */
  cancelAttempts?: number;
}

export interface SelftestReport {
  claimed: number;
  /** Numbers given within the deadline. */
  got: number;
  /** The slowest answer of all orders, in ms (a timeout counts as its full wait). */
  slowestMs: number;
  deadlineMs: number;
  /** Answers of any kind that came after the deadline (a number given late is not in `got`, and is cancelled as well). */
  late: number;
  /** NO_NUMBERS within the deadline. */
  noNumbers: number;
  /** Up to 10 distinct order errors within the deadline, with how often each came. */
  errors: Array<{ detail: string; count: number }>;
  cancelled: number;
  /** Issued numbers whose cancel was not acknowledged: `id: why`. */
  cancelFailures: string[];
  groups: Array<{ label: string; claimed: number; got: number }>;
}

/** Claimed more than the check may fire; nothing was ordered. */
export class SelftestTooLarge extends Error {}

export async function runSelftest<G extends SelftestGroup>(client: SelftestClient<G>, o: SelftestOptions): Promise<SelftestReport> {
  const groups = (await client.groups()).filter((g) => g.claimed > 0);
  const claimed = groups.reduce((n, g) => n + g.claimed, 0);
  if (claimed > o.maxOrders) throw new SelftestTooLarge(`the agent claims ${claimed} numbers, more than the ${o.maxOrders} orders this check may fire at once`);
  const timeoutMs = client.deadlineMs + (o.graceMs ?? 5_000);
  const fired = groups.flatMap((g) => Array.from({ length: g.claimed }, () => ({ group: g, result: client.order(g, timeoutMs) })));
  const results = await Promise.all(fired.map(async (f) => ({ group: f.group, result: await f.result })));

  const report: SelftestReport = { claimed, got: 0, slowestMs: 0, deadlineMs: client.deadlineMs, late: 0, noNumbers: 0, errors: [], cancelled: 0, cancelFailures: [], groups: [] };
  const perGroup = new Map<G, number>(groups.map((g) => [g, 0]));
  const errors = new Map<string, number>();
  const issued: number[] = [];
  for (const { group, result } of results) {
    report.slowestMs = Math.max(report.slowestMs, result.ms);
    if (result.kind === "issued") issued.push(result.id);
    if (result.ms > client.deadlineMs) report.late++;
    else if (result.kind === "issued") {
      report.got++;
      perGroup.set(group, perGroup.get(group)! + 1);
    } else if (result.kind === "none") report.noNumbers++;
    else errors.set(result.detail, (errors.get(result.detail) ?? 0) + 1);
  }
  report.errors = [...errors].slice(0, 10).map(([detail, count]) => ({ detail, count }));
  report.groups = groups.map((g) => ({ label: g.label, claimed: g.claimed, got: perGroup.get(g)! }));

  await Promise.all(
    issued.map(async (id) => {
      let why: string | undefined;
      for (let attempt = 1; attempt <= (o.cancelAttempts ?? 3); attempt++) {
        why = await client.cancel(id);
        if (why === undefined) break;
      }
      if (why === undefined) report.cancelled++;
      else report.cancelFailures.push(`${id}: ${why}`);
    }),
  );
  report.slowestMs = Math.round(report.slowestMs);
  return report;
}

/** GET_NUMBER's answers, the same in every protocol of the family (Onlinesim v1 included). */
export type NumberAnswer = { status: "SUCCESS"; number: number; activationId: number } | { status: "NO_NUMBERS" } | { status: "ERROR"; error?: string | undefined };

/** An order's result from its checked answer; `ms` is how long the answer took. */
export function orderResultOf(checked: { ok: true; value: NumberAnswer } | { ok: false; problems: string[] }, ms: number): OrderResult {
  if (!checked.ok) return { kind: "error", detail: `GET_NUMBER answer is not the protocol's: ${checked.problems[0]}`, ms };
  const a = checked.value;
  if (a.status === "SUCCESS") return { kind: "issued", id: a.activationId, number: String(a.number), ms };
  if (a.status === "NO_NUMBERS") return { kind: "none", ms };
  return { kind: "error", detail: `GET_NUMBER answered ERROR: ${a.error ?? "(no text)"}`, ms };
}

/** A request that got no usable answer, in one line. */
export function replyFailure(reply: { reason: string; status?: number; detail: string }): string {
  return reply.reason === "http" ? `HTTP ${reply.status}: ${reply.detail}` : reply.detail;
}

/** The service with the highest count in one group; ties go to the first name in alphabetical order. */
export function mostClaimed(counts: Readonly<Record<string, number>>): string | undefined {
  let best: string | undefined;
  for (const [name, n] of Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (n > 0 && (best === undefined || n > counts[best]!)) best = name;
  }
  return best;
}

/** The one line the contract asks for. */
export function summaryLine(r: Pick<SelftestReport, "claimed" | "got" | "slowestMs">): string {
  return `claimed ${r.claimed}, got ${r.got}, slowest ${r.slowestMs} ms`;
}

/** Passed: every claimed number was given in time and every given number was cancelled. */
export function selftestPassed(r: SelftestReport): boolean {
  return r.got === r.claimed && r.cancelFailures.length === 0;
}

/** What went wrong, one line each, for stderr. */
export function shortfallLines(r: SelftestReport): string[] {
  const out: string[] = [];
  if (r.got < r.claimed) out.push(`shortfall: ${r.claimed - r.got} of ${r.claimed} claimed numbers were not given within ${r.deadlineMs} ms`);
  for (const g of r.groups) if (g.got < g.claimed) out.push(`  ${g.label}: claimed ${g.claimed}, got ${g.got}`);
  if (r.noNumbers > 0) out.push(`  ${r.noNumbers} answered no numbers (over-reporting: the marketplace blocks orders for 30 minutes)`);
  if (r.late > 0) out.push(`  ${r.late} answered after the ${r.deadlineMs} ms deadline, or not at all (a slow issuance fails the marketplace's test)`);
  for (const e of r.errors) out.push(`  ${e.count} × ${e.detail}`);
  for (const f of r.cancelFailures) out.push(`not cancelled: activation ${f} (the number stays held until the daemon releases it)`);
  return out;
}
