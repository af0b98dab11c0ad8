/**
 * `simgate selftest --market onlinesim`: the acceptance check (src/markets/selftest.ts,
 * docs/protocols/smshub.md#selftest) over Onlinesim's v1 wire, against the daemon's partner
 * endpoint: `/getServices`, `/getNumber`, `/finishActivation` under the base URL, the key
 * in the body and as a Bearer token, 10 s to answer (docs/protocols/onlinesim-v1.md#get_number).
 *
 * Groups: one per country under the operator `any`, which Onlinesim requires to be the sum
 * over the country's operators (docs/protocols/onlinesim-v1.md#get_services-rule-2), so the
 * per-operator counts are the same SIMs again and are not ordered separately.
 */
import { mostClaimed, orderResultOf, replyFailure, type OrderResult, type SelftestClient, type SelftestGroup } from "../markets/selftest.js";
import { PartnerClient } from "./fake/partner-client.js";
import { check, FinishActivationResponse, GetNumberResponse, GetServicesResponse } from "./schemas.js";

export interface OnlinesimGroup extends SelftestGroup {
  country: string;
  service: string;
}

export interface OnlinesimSelftestOptions {
  /** The partner endpoint's base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  key: string;
  /** Test this service name in every country (default: each country's most claimed one). */
  service?: string;
  /** The FINISH status that cancels the test's numbers (default 5: refunded, nothing burned). */
  cancelStatus?: number;
  fetch?: typeof fetch;
}

/** Onlinesim's deadline for every request (docs/protocols/onlinesim-v1.md#requests-onlinesim-sends-us). */
export const ONLINESIM_DEADLINE_MS = 10_000;

export class OnlinesimSelftestClient implements SelftestClient<OnlinesimGroup> {
  readonly deadlineMs = ONLINESIM_DEADLINE_MS;
  readonly #o: OnlinesimSelftestOptions;

  constructor(o: OnlinesimSelftestOptions) {
    this.#o = o;
  }

  #client(deadlineMs: number): PartnerClient {
    return new PartnerClient({ baseUrl: this.#o.url, key: this.#o.key, deadlineMs, ...(this.#o.fetch ? { fetch: this.#o.fetch } : {}) });
  }

  async groups(): Promise<OnlinesimGroup[]> {
    const reply = await this.#client(ONLINESIM_DEADLINE_MS).post("/getServices", { action: "GET_SERVICES" });
    if (!reply.ok) throw new Error(`GET_SERVICES failed: ${replyFailure(reply)}`);
    const parsed = check(GetServicesResponse, reply.body);
    if (!parsed.ok) throw new Error(`GET_SERVICES answer is not the protocol's: ${parsed.problems.slice(0, 3).join("; ")}`);
    const answer = parsed.value;
    if (answer.status === "ERROR") throw new Error(`GET_SERVICES answered ERROR: ${answer.error}`);
    const groups: OnlinesimGroup[] = [];
    for (const { country, operatorMap } of answer.countryList) {
      const counts = operatorMap["any"] ?? {};
      const service = this.#o.service ?? mostClaimed(counts);
      if (service === undefined) continue;
      groups.push({ label: `${country}/any/${service}`, country, service, claimed: counts[service] ?? 0 });
    }
    return groups;
  }

  async order(g: OnlinesimGroup, timeoutMs: number): Promise<OrderResult> {
    const reply = await this.#client(timeoutMs).post("/getNumber", { action: "GET_NUMBER", country: g.country, operator: "any", service: g.service, sum: 1 });
    if (!reply.ok) return { kind: "error", detail: `GET_NUMBER ${replyFailure(reply)}`, ms: reply.ms };
    return orderResultOf(check(GetNumberResponse, reply.body), reply.ms);
  }

  async cancel(id: number): Promise<string | undefined> {
    const reply = await this.#client(ONLINESIM_DEADLINE_MS).post("/finishActivation", { action: "FINISH_ACTIVATION", activationId: id, status: this.#o.cancelStatus ?? 5 });
    if (!reply.ok) return replyFailure(reply);
    const parsed = check(FinishActivationResponse, reply.body);
    if (!parsed.ok) return `answer is not the protocol's: ${parsed.problems[0]}`;
    return parsed.value.status === "SUCCESS" ? undefined : `ERROR ${parsed.value.error ?? ""}`.trim();
  }
}
