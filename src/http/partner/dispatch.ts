/**
 * action → engine, for a body that is a JSON object and carried a valid key. Validation
 * uses the shared zod schemas of src/onlinesim/schemas.ts (minus `key`, which may have come
 * from a header or the query and was checked already). The engine calls are in-memory plus
 * GET_NUMBER's one group commit: nothing here waits on a modem (Q29).
 */
import { z } from "zod";
import type { Config } from "../../config/schema.js";
import { check, FinishActivationRequest, GetNumberRentRequest, GetNumberRequest, GetServicesRequest, Rub } from "../../onlinesim/schemas.js";
import { errorBody, WireError, type LogLevel } from "../edge/index.js";
import type { PartnerEngine } from "./options.js";
import type { PathKind } from "./routes.js";

export const ACTIONS = ["GET_SERVICES", "GET_NUMBER", "FINISH_ACTIVATION"] as const;
export type Action = (typeof ACTIONS)[number];

const getServices = GetServicesRequest.omit({ key: true });
const getNumber = GetNumberRequest.omit({ key: true });
/** docs/protocols/onlinesim-v1.md#get_number-rent [U]: rent body not retrieved; schemas.ts makes `service` optional [I]. */
const getNumberRent = GetNumberRentRequest.omit({ key: true });
/**
 * Q17 [I]: an undocumented FINISH status (not 1/3/4/5) is still a close; the engine
 * releases the number and logs it. Refusing it would keep the number busy while Onlinesim
 * re-sends the FINISH forever (docs/protocols/onlinesim-v1.md#finish_activation), so only the type is checked here.
 */
const finish = FinishActivationRequest.omit({ key: true }).extend({ status: z.number().int(), sum: z.unknown().optional() });

/** Fields each action's body is documented to carry (docs/protocols/onlinesim-v1.md#get_services, docs/protocols/onlinesim-v1.md#get_number, docs/protocols/onlinesim-v1.md#finish_activation; `currency` is SMSHUB's). */
const KNOWN_FIELDS: Record<Action, readonly string[]> = {
  GET_SERVICES: ["action", "key"],
  GET_NUMBER: ["action", "key", "country", "operator", "service", "sum", "exceptionPhoneSet", "currency"],
  FINISH_ACTIVATION: ["action", "key", "activationId", "status", "sum"],
};

export interface Outcome {
  /** HTTP status. */
  status: number;
  /** The JSON answer. */
  body: unknown;
  /** For metrics: the action (suffixed `_RENT` on rent paths) or "invalid". */
  metricAction: string;
  /** Extra fields for the request's log line. */
  log: Record<string, unknown>;
  level: LogLevel;
  /** GET_NUMBER answered SUCCESS with this id: the caller withdraws it if the answer is not delivered. */
  issued?: number;
  /** GET_NUMBER not served: the client was gone before a number was reserved (why). Nothing was reserved. */
  clientGone?: string;
}

/** What dispatch needs to know about the client's connection (ClientConnection of src/http/edge/delivery.ts fits). */
export interface ClientState {
  settle(): Promise<void>;
  lostReason(): string | undefined;
}

/** A short, log-safe version of a client-sent name (the log line scrubs the key separately). */
const short = (v: unknown): unknown => (typeof v === "string" ? v.slice(0, 64) : typeof v === "number" || typeof v === "boolean" ? v : v === undefined ? undefined : typeof v);

function invalid(status: number, error: string, detail: string | undefined, log: Record<string, unknown> = {}): Outcome {
  return { status, body: errorBody(error, detail), metricAction: "invalid", log: { ...log, error, detail }, level: "info" };
}

/** zod problems as one detail line: a few, bounded (they name fields and expectations, never values). */
function problemsDetail(problems: string[]): string {
  const shown = problems.slice(0, 5).join("; ");
  return (problems.length > 5 ? `${shown}; …` : shown).slice(0, 400);
}

export async function dispatch(engine: PartnerEngine, body: Record<string, unknown>, kind: PathKind, v1: Config["onlinesim"]["v1"], client?: ClientState): Promise<Outcome> {
  const action = body["action"];
  const rent = kind === "rent";
  if (typeof action !== "string") return invalid(400, WireError.BadRequest, action === undefined ? "action: missing" : "action: must be a string");
  if (!(ACTIONS as readonly string[]).includes(action)) {
    // Q30: status configurable; the action name is logged only when it looks like one.
    return invalid(v1.unknownActionStatus, WireError.UnknownAction, "action must be GET_SERVICES, GET_NUMBER or FINISH_ACTIVATION", {
      action: /^[A-Z_]{1,40}$/.test(action) ? action : "(not an action name)",
      ...(rent ? { fields: fieldNames(body) } : {}),
    });
  }
  const act = action as Action;
  const metricAction = rent ? `${act}_RENT` : act;
  const base: Record<string, unknown> = { action: act, ...(rent ? { rent: true } : {}) };
  if (rent) {
    // docs/protocols/onlinesim-v1.md#get_number-rent [U]: the rent bodies were never published; log what Onlinesim actually sends.
    const unknown = fieldNames(body).filter((f) => !KNOWN_FIELDS[act].includes(f));
    if (unknown.length > 0) base["unknownFields"] = unknown;
  }

  switch (act) {
    case "GET_SERVICES": {
      const c = check(getServices, body);
      if (!c.ok) return invalid(400, WireError.BadRequest, problemsDetail(c.problems), base);
      // docs/protocols/onlinesim-v1.md#get_services-rent [C]: the rent counts are the engine's `rent` service, already in this answer.
      return { status: 200, body: engine.getServices(), metricAction, log: base, level: "debug" };
    }
    case "GET_NUMBER": {
      const c = check(rent ? getNumberRent : getNumber, body);
      if (!c.ok) return invalid(400, WireError.BadRequest, problemsDetail(c.problems), base);
      const req = c.value;
      const service = req.service ?? "rent"; // only a rent body may omit it
      const log = { ...base, country: short(req.country), operator: short(req.operator), service: short(service), sum: req.sum };
      // A client that already left (it gave up while we were paused, say) would never learn
      // the id: reserve nothing. settle() first reads a FIN that is waiting in the kernel.
      if (client) {
        await client.settle();
        const gone = client.lostReason();
        if (gone !== undefined) return { status: 200, body: errorBody("CLIENT_GONE"), metricAction, log: { ...log, result: "NOT_RESERVED", reason: gone }, level: "info", clientGone: gone };
      }
      const answer = await engine.orderNumber({ country: req.country, operator: req.operator, service, sum: req.sum, exceptionPhoneSet: req.exceptionPhoneSet });
      if (answer.status === "SUCCESS") {
        // The commit blocks the event loop (an fsync; or the process was paused in it): a FIN that
        // arrived meanwhile is read now, and the caller then withdraws the answer instead of sending it.
        await client?.settle();
        // Q7: a JSON int (SMSHUB) unless the config asks for a string.
        const number = v1.numberType === "string" ? String(answer.number) : answer.number;
        return {
          status: 200,
          body: { status: "SUCCESS", number, activationId: answer.activationId },
          metricAction,
          log: { ...log, result: "SUCCESS", number: answer.number, activationId: answer.activationId },
          level: "info",
          issued: answer.activationId,
        };
      }
      if (answer.status === "NO_NUMBERS") return { status: 200, body: answer, metricAction, log: { ...log, result: "NO_NUMBERS" }, level: "info" };
      return { status: 200, body: answer, metricAction, log: { ...log, result: "ERROR", error: answer.error }, level: "warn" };
    }
    case "FINISH_ACTIVATION": {
      const c = check(finish, body);
      if (!c.ok) return invalid(400, WireError.BadRequest, problemsDetail(c.problems), base);
      const { activationId, status } = c.value;
      // The same reasoning for the sum: a FINISH whose sum is not valid money (1e300, float
      // noise, a negative) still closes the operation, without a recorded sum — refusing it
      // would keep the module busy while Onlinesim re-sends the same FINISH forever.
      const money = c.value.sum === undefined ? undefined : Rub.safeParse(c.value.sum);
      const sum = money?.success ? money.data : undefined;
      const badSum = money !== undefined && !money.success ? { ignoredSum: String(c.value.sum).slice(0, 40) } : {};
      const log = { ...base, activationId, finishStatus: status, sum, ...badSum };
      const answer = await engine.finishActivation({ activationId, status, sum });
      // docs/protocols/onlinesim-v1.md#finish_activation [C]: ERROR makes Onlinesim re-send, which is what a failed store write needs.
      return { status: 200, body: answer, metricAction, log: { ...log, result: answer.status, ...(answer.status === "ERROR" ? { error: answer.error } : {}) }, level: answer.status === "SUCCESS" && !("ignoredSum" in badSum) ? "info" : "warn" };
    }
  }
}

/** Top-level field names, bounded (a hostile body may carry thousands). */
function fieldNames(body: Record<string, unknown>): string[] {
  return Object.keys(body)
    .slice(0, 20)
    .map((k) => k.slice(0, 64));
}
