/**
 * GET_SERVICES: the sales core's neutral counts in SMSHUB's words.
 *
 *   {"countryList":[{"country":"russia","operatorMap":{"any":{"vk":3,"tg":3}}}],"status":"SUCCESS"}
 *
 * The core counts per home network (src/sales/inventory.ts), each network's counts in the
 * order of the services asked for. A country is reported either per operator or as `any`,
 * never both (names.ts says which); with `any`, its count per service is the sum over the
 * country's networks, and a SIM belongs to one network, so nothing is counted twice.
 * Whatever has no name or code in this market is left out, and the caller hears of it
 * once per name (`onUnnamed`).
 */
import type { NetworkOffer, ServiceId } from "../market-port.js";
import { ANY_OPERATOR, type NameBook } from "./names.js";
import { UINT_MAX, type CountryEntry } from "./schemas.js";

export type Unnamed =
  | { kind: "country"; country: string }
  | { kind: "service"; service: string }
  | { kind: "operator"; country: string; network: string }
  /** A home network whose country the core does not know (an MCC outside its table). */
  | { kind: "network"; network: string };

/** A count that is not a count: the core broke its contract; never guess a number for the marketplace. */
export class BadOfferCount extends Error {}

export function servicesAnswer(
  offers: readonly NetworkOffer[],
  services: readonly ServiceId[],
  names: NameBook,
  onUnnamed: (what: Unnamed) => void = () => {},
): { countryList: CountryEntry[]; status: "SUCCESS" } {
  const countries = new Map<string, Map<string, Map<string, number>>>();
  const codes = services.map((service) => {
    const code = names.serviceCode(service);
    if (code === undefined) onUnnamed({ kind: "service", service });
    return code;
  });
  for (const offer of offers) {
    if (offer.counts.length !== services.length) throw new BadOfferCount(`network ${offer.network} has ${offer.counts.length} counts for ${services.length} services`);
    for (const n of offer.counts) if (!Number.isSafeInteger(n) || n < 0) throw new BadOfferCount(`a count for network ${offer.network} is ${String(n)}`);
    if (offer.country === null) {
      onUnnamed({ kind: "network", network: offer.network });
      continue;
    }
    const country = names.countryName(offer.country);
    if (country === undefined) {
      onUnnamed({ kind: "country", country: offer.country });
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
    const counts = operators.get(operator) ?? new Map<string, number>();
    operators.set(operator, counts);
    codes.forEach((code, i) => {
      if (code !== undefined) counts.set(code, (counts.get(code) ?? 0) + offer.counts[i]!);
    });
  }
  const countryList: CountryEntry[] = [];
  for (const [country, operators] of [...countries].sort(([a], [b]) => a.localeCompare(b))) {
    const operatorMap: Record<string, Record<string, number>> = {};
    for (const [operator, byCode] of [...operators].sort(([a], [b]) => a.localeCompare(b))) {
      const counts: Record<string, number> = {};
      for (const [code, n] of [...byCode].sort(([a], [b]) => a.localeCompare(b))) counts[code] = Math.min(n, UINT_MAX);
      operatorMap[operator] = counts;
    }
    countryList.push({ country, operatorMap });
  }
  return { countryList, status: "SUCCESS" };
}
