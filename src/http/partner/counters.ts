/** Counts of partner-endpoint requests (action × HTTP status) and their latency, for /metrics. */
import type { PartnerRequestInfo } from "./options.js";

export class PartnerCounters {
  /** `${action} ${status}` → count. */
  readonly requests = new Map<string, number>();
  /** action → [count, total ms]. */
  readonly durations = new Map<string, [number, number]>();

  record(info: PartnerRequestInfo): void {
    const key = `${info.action} ${info.status}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const d = this.durations.get(info.action) ?? [0, 0];
    d[0]++;
    d[1] += info.durationMs;
    this.durations.set(info.action, d);
  }
}
