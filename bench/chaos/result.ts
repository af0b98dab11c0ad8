/**
 * What every chaos scenario reports: the same six measures (lost, duplicated,
 * double-assigned, corrupted, detection time, recovery time) per case, the targets it
 * was judged against, and short notes. `null` = the measure does not apply to the case.
 */

export interface Timing {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export interface Check {
  what: string;
  ok: boolean;
}

export interface CaseResult {
  scenario: string;
  case: string;
  /** SMS the services sent during the case. */
  sms: number | null;
  lost: number | null;
  duplicated: number | null;
  doubleAssigned: number | null;
  corrupted: number | null;
  /** ms from the fault to the daemon noticing it (a port leaving the offers, /readyz 503, a refusal). */
  detection: Timing | null;
  /** ms from the end of the fault to service restored. */
  recovery: Timing | null;
  checks: Check[];
  notes: string[];
  /** Everything else, for the JSON file. */
  details?: unknown;
}

export const verdictOf = (c: CaseResult): "pass" | "FAIL" => (c.checks.every((k) => k.ok) ? "pass" : "FAIL");

export function timing(values: readonly number[]): Timing | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return { n: s.length, p50: at(50), p95: at(95), max: s.at(-1)! };
}

export function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1_000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function formatTiming(t: Timing | null): string {
  if (!t) return "—";
  return t.n === 1 ? formatMs(t.max) : `${formatMs(t.p50)} / ${formatMs(t.max)}`;
}

const count = (v: number | null): string => (v === null ? "—" : String(v));

/** A duplicates cell: the count, and its share of the SMS when both are known. */
export function duplicatesCell(c: CaseResult): string {
  if (c.duplicated === null) return "—";
  if (!c.sms) return String(c.duplicated);
  return `${c.duplicated} (${((100 * c.duplicated) / c.sms).toFixed(2)} %)`;
}

export const TABLE_HEAD = ["scenario", "case", "SMS", "lost", "duplicated", "double-assigned", "corrupted", "detection p50 / max", "recovery p50 / max", "verdict"];

export function tableRow(c: CaseResult): string[] {
  return [c.scenario, c.case, count(c.sms), count(c.lost), duplicatesCell(c), count(c.doubleAssigned), count(c.corrupted), formatTiming(c.detection), formatTiming(c.recovery), verdictOf(c)];
}

/** Markdown table (also readable as plain text). */
export function markdownTable(cases: readonly CaseResult[]): string {
  const lines = [`| ${TABLE_HEAD.join(" | ")} |`, `| ${TABLE_HEAD.map((_, i) => (i >= 2 && i <= 8 ? "---:" : "---")).join(" | ")} |`];
  for (const c of cases) lines.push(`| ${tableRow(c).join(" | ")} |`);
  return lines.join("\n");
}
