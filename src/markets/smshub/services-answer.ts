/**
 * GET_SERVICES: the sales core's neutral counts in SMSHUB's words.
 *
 *   {"countryList":[{"country":"russia","operatorMap":{"any":{"vk":3,"tg":3}}}],"status":"SUCCESS"}
 *
 * A country is reported either per operator or as `any`, never both (names.ts says which);
 * with `any`, its count per service is the sum over the country's networks, which the core
 * already reports per SIM, so nothing is counted twice. Whatever has no name or code in
 * this market is left out, and the caller hears of it once per name (`onUnnamed`).
 */
import type { OfferCount } from "../market-port.js";
import { ANY_OPERATOR, type NameBook } from "./names.js";
import { UINT_MAX, type CountryEntry } from "./schemas.js";

export type Unnamed = { kind: "country"; country: string } | { kind: "service"; service: string } | { kind: "operator"; country: string; network: string };

/** A count that is not a count: the core broke its contract; never guess a number for the marketplace. */
export class BadOfferCount extends Error {}

export function servicesAnswer(offers: readonly OfferCount[], names: NameBook, onUnnamed: (what: Unnamed) => void = () => {}): { countryList: CountryEntry[]; status: "SUCCESS" } {
  const countries = new Map<string, Map<string, Map<string, number>>>();
  for (const offer of offers) {
    if (!Number.isSafeInteger(offer.count) || offer.count < 0) throw new BadOfferCount(`count for ${offer.country}/${offer.network}/${offer.service} is ${String(offer.count)}`);
    const country = names.countryName(offer.country);
    if (country === undefined) {
      onUnnamed({ kind: "country", country: offer.country });
      continue;
    }
    const code = names.serviceCode(offer.service);
    if (code === undefined) {
      onUnnamed({ kind: "service", service: offer.service });
      continue;
    }
    let operator = ANY_OPERATOR;
    if (names.isSplit(offer.country)) {
      const named = names.operatorName(offer.network);
      if (named === undefined) {
        onUnnamed({ kind: "operator", country: offer.country, network: offer.network });
        continue;
      }
      operator = named;
    }
    const operators = countries.get(country) ?? new Map<string, Map<string, number>>();
    countries.set(country, operators);
    const services = operators.get(operator) ?? new Map<string, number>();
    operators.set(operator, services);
    services.set(code, (services.get(code) ?? 0) + offer.count);
  }
  const countryList: CountryEntry[] = [];
  for (const [country, operators] of [...countries].sort(([a], [b]) => a.localeCompare(b))) {
    const operatorMap: Record<string, Record<string, number>> = {};
    for (const [operator, services] of [...operators].sort(([a], [b]) => a.localeCompare(b))) {
      const counts: Record<string, number> = {};
      for (const [code, n] of [...services].sort(([a], [b]) => a.localeCompare(b))) counts[code] = Math.min(n, UINT_MAX);
      operatorMap[operator] = counts;
    }
    countryList.push({ country, operatorMap });
  }
  return { countryList, status: "SUCCESS" };
}
