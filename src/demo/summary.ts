/** The demo's one-line summary: what a newcomer watches scroll by. */
export interface DemoCounts {
  startedAt: number;
  ports: number;
  sellable: number;
  orders: number;
  /** SMS delivered to the fake Onlinesim (accepted PUSH_SMS). */
  delivered: number;
  /** Delivered with exactly the text the service sent, and how many differed (should be 0). */
  exact: number;
  mismatched: number;
  finishes: Record<"1" | "3" | "4" | "5", number> | Record<number, number>;
  /** RUB credited by FINISH 3. */
  earnings: number;
  /** Numbers in the last v2 sendNumbersOnline list, and SMS sent by addMessages. */
  listed: number;
  v2Messages: number;
  violations: number;
}

/**
 * Printed once under the URLs: what the summary's fields mean. `finished` counts the
 * statuses Onlinesim closed its operations with (FINISH_ACTIVATION's 1, 3, 4 and 5; the
 * README's demo section says the same).
 */
export const SUMMARY_LEGEND: readonly string[] = [
  "  summary: ports sellable now · orders placed (GET_NUMBER) · SMS delivered to Onlinesim (exact = text unchanged) ·",
  "           finished S:N = operations Onlinesim closed with status S: 3 sold (code received, paid), 1 number not",
  "           wanted for that service, 4 cancelled (no SMS), 5 cancelled and refunded · earnings from status 3 · v2 listed numbers",
];

const clock = (ms: number): string => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

export function formatSummary(c: DemoCounts, now = Date.now()): string {
  const f = c.finishes as Record<number, number>;
  return (
    `[${clock(now - c.startedAt)}] ports ${c.sellable}/${c.ports} sellable · orders ${c.orders} · delivered ${c.delivered}` +
    ` (exact ${c.exact}${c.mismatched ? `, MISMATCHED ${c.mismatched}` : ""}) · finished 1:${f[1] ?? 0} 3:${f[3] ?? 0} 4:${f[4] ?? 0} 5:${f[5] ?? 0}` +
    ` · earnings ${c.earnings.toFixed(1)} RUB · v2 listed ${c.listed}` +
    (c.violations ? ` · VIOLATIONS ${c.violations}` : "")
  );
}
