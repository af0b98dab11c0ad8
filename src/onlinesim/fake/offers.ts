/**
 * The buyer's reading of a GET_SERVICES answer (docs/protocols/onlinesim-v1.md#get_services): schema (incl. `any` = sum per
 * service, rule 2) plus the module-count cap (rule 1: counts never exceed the simultaneously
 * usable modules), flattened into orderable offers.
 */
import { check, GetServicesResponse } from "../schemas.js";

export interface Offer {
  country: string;
  operator: string;
  service: string;
  count: number;
}

/** `overReported`: a count above the module count, which Onlinesim punishes with a block (docs/protocols/onlinesim-v1.md#get_services-rule-1). */
export type OffersResult = { ok: true; offers: Offer[] } | { ok: false; problems: string[]; overReported?: boolean };

export function readOffers(body: unknown, moduleCount?: number): OffersResult {
  const parsed = check(GetServicesResponse, body);
  if (!parsed.ok) return parsed;
  if (parsed.value.status !== "SUCCESS") return { ok: false, problems: [`status ERROR: ${parsed.value.error}`] };
  const offers: Offer[] = [];
  const problems: string[] = [];
  let overReported = false;
  const countries = new Set<string>();
  for (const entry of parsed.value.countryList) {
    if (countries.has(entry.country)) problems.push(`country ${entry.country} listed twice`);
    countries.add(entry.country);
    for (const [operator, services] of Object.entries(entry.operatorMap)) {
      for (const [service, count] of Object.entries(services)) {
        if (moduleCount !== undefined && count > moduleCount) {
          overReported = true;
          problems.push(`${entry.country}/${operator}/${service} = ${count} exceeds the ${moduleCount} modules (docs/protocols/onlinesim-v1.md#get_services-rule-1: 30-min block)`);
        }
        // `rent` is a rent count (docs/protocols/onlinesim-v1.md#get_services-rent), not a service one can order with GET_NUMBER.
        if (service !== "rent" && count > 0) offers.push({ country: entry.country, operator, service, count });
      }
    }
  }
  return problems.length > 0 ? { ok: false, problems, overReported } : { ok: true, offers };
}
