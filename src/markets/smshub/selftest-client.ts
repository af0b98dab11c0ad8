/**
 * `simgate selftest` for the SMSHUB family: the marketplace's side of its acceptance test
 * (docs/protocols/smshub.md#selftest), over the wire exactly as the marketplace sends it
 * (agent-client.ts: gzip per dialect, User-Agent, key in the body).
 *
 * Groups: every (country, operator) of GET_SERVICES is a disjoint set of SIMs (a country is
 * either `any` or split by operator, never both). In each, the service asked for, or else
 * the one with the highest count (the strongest claim; ties go to the first code in
 * alphabetical order).
 */
import { AgentClient } from "./agent-client.js";
import type { SmshubDialect } from "./dialects.js";
import { FinishActivationAnswer, GetNumberAnswer, GetServicesAnswer, problemsOf } from "./schemas.js";
import { mostClaimed, orderResultOf, replyFailure, type OrderResult, type SelftestClient, type SelftestGroup } from "../selftest.js";

export interface SmshubGroup extends SelftestGroup {
  country: string;
  operator: string;
  service: string;
}

export interface SmshubSelftestOptions {
  /** The agent's one URL, e.g. http://127.0.0.1:8080/smshub */
  url: string;
  key: string;
  dialect: SmshubDialect;
  /** Test this service code in every group (default: each group's most claimed one). */
  service?: string;
  /** The FINISH status that cancels the test's numbers (default 5: refunded, nothing burned). */
  cancelStatus?: number;
  fetch?: typeof fetch;
}

/** What the test orders pay: the smallest price every dialect accepts, in roubles. */
const TEST_PRICE = { sum: 1, currency: 643 };
/** GET_SERVICES and FINISH get this long (the marketplace's own wait is not published). */
const REQUEST_TIMEOUT_MS = 10_000;

export class SmshubSelftestClient implements SelftestClient<SmshubGroup> {
  readonly deadlineMs: number;
  readonly #client: AgentClient;
  readonly #o: SmshubSelftestOptions;

  constructor(o: SmshubSelftestOptions) {
    this.#o = o;
    this.deadlineMs = o.dialect.issueDeadlineMs;
    this.#client = new AgentClient({ url: o.url, key: o.key, dialect: o.dialect, userAgent: "simgate-selftest", ...(o.fetch ? { fetch: o.fetch } : {}) });
  }

  async groups(): Promise<SmshubGroup[]> {
    const reply = await this.#client.post({ action: "GET_SERVICES" }, REQUEST_TIMEOUT_MS);
    if (!reply.ok) throw new Error(`GET_SERVICES failed: ${replyFailure(reply)}`);
    const parsed = problemsOf(GetServicesAnswer, reply.body);
    if (!parsed.ok) throw new Error(`GET_SERVICES answer is not the protocol's: ${parsed.problems.slice(0, 3).join("; ")}`);
    const answer = parsed.value;
    if (answer.status === "ERROR") throw new Error(`GET_SERVICES answered ERROR: ${answer.error}`);
    const groups: SmshubGroup[] = [];
    for (const { country, operatorMap } of answer.countryList) {
      for (const [operator, counts] of Object.entries(operatorMap)) {
        const service = this.#o.service ?? mostClaimed(counts);
        if (service === undefined) continue;
        groups.push({ label: `${country}/${operator}/${service}`, country, operator, service, claimed: counts[service] ?? 0 });
      }
    }
    return groups;
  }

  async order(g: SmshubGroup, timeoutMs: number): Promise<OrderResult> {
    const reply = await this.#client.post({ action: "GET_NUMBER", country: g.country, operator: g.operator, service: g.service, ...TEST_PRICE }, timeoutMs);
    if (!reply.ok) return { kind: "error", detail: `GET_NUMBER ${replyFailure(reply)}`, ms: reply.ms };
    return orderResultOf(problemsOf(GetNumberAnswer, reply.body), reply.ms);
  }

  async cancel(id: number): Promise<string | undefined> {
    const reply = await this.#client.post({ action: "FINISH_ACTIVATION", activationId: id, status: this.#o.cancelStatus ?? 5 }, REQUEST_TIMEOUT_MS);
    if (!reply.ok) return replyFailure(reply);
    const parsed = problemsOf(FinishActivationAnswer, reply.body);
    if (!parsed.ok) return `answer is not the protocol's: ${parsed.problems[0]}`;
    return parsed.value.status === "SUCCESS" ? undefined : `ERROR ${parsed.value.error}`;
  }
}
