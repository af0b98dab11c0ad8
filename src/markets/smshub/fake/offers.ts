/**
 * The fake's reading of a GET_SERVICES answer, as strict as SMSHUB: the exact shape and
 * types (counts are integers, not strings), a country either per operator or `any` and
 * never switching between the two from one poll to the next (switching needs SMSHUB's
 * support), and no count above the modules the agent declared (over-reporting blocks the
 * agent's orders for 30 minutes).
 */
import { GetServicesAnswer, problemsOf } from "../schemas.js";

export interface Offer {
  country: string;
  operator: string;
  service: string;
  count: number;
}

export type OffersResult = { ok: true; offers: Offer[] } | { ok: false; problems: string[]; overReported: boolean };

export class OfferReader {
  /** country → how it was first reported. */
  readonly #modes = new Map<string, "any" | "split">();

  constructor(private readonly moduleCount?: number) {}

  read(body: unknown): OffersResult {
    const parsed = problemsOf(GetServicesAnswer, body);
    if (!parsed.ok) return { ok: false, problems: parsed.problems, overReported: false };
    if (parsed.value.status !== "SUCCESS") return { ok: false, problems: [`status ERROR: ${parsed.value.error}`], overReported: false };
    const offers: Offer[] = [];
    const problems: string[] = [];
    let overReported = false;
    const seen = new Set<string>();
    for (const entry of parsed.value.countryList) {
      if (seen.has(entry.country)) problems.push(`country ${entry.country} listed twice`);
      seen.add(entry.country);
      const operators = Object.keys(entry.operatorMap);
      if (operators.length > 0) {
        const mode = operators.includes("any") ? "any" : "split";
        const before = this.#modes.get(entry.country);
        if (before !== undefined && before !== mode) problems.push(`country ${entry.country} switched from ${before === "any" ? "'any'" : "per-operator"} to ${mode === "any" ? "'any'" : "per-operator"} (needs SMSHUB's support)`);
        else this.#modes.set(entry.country, mode);
      }
      for (const [operator, services] of Object.entries(entry.operatorMap)) {
        for (const [service, count] of Object.entries(services)) {
          if (this.moduleCount !== undefined && count > this.moduleCount) {
            overReported = true;
            problems.push(`${entry.country}/${operator}/${service} = ${count} exceeds the ${this.moduleCount} modules (over-reporting: 30-min block)`);
          }
          if (count > 0) offers.push({ country: entry.country, operator, service, count });
        }
      }
    }
    return problems.length > 0 ? { ok: false, problems, overReported } : { ok: true, offers };
  }
}
