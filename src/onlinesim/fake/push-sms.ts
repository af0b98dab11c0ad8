/**
 * Onlinesim's PUSH_SMS / PUSH_SMS (RENT) endpoints (docs/protocols/onlinesim-v1.md#push_sms, docs/protocols/onlinesim-v1.md#push_sms-rent) as the fake plays them.
 *
 * Wire form (Q14, the docs leave errors [U]) — chosen so a client that follows the Q14
 * resolution works and a client that trusts HTTP 200 alone does not:
 *   accepted          → HTTP 200 `{"status":"SUCCESS"}` (new docs: 200; old docs: body SUCCESS)
 *   terminal error    → form "status-200" (default): HTTP 200 `{"status":"NO_OPERATION"}`
 *                       form "error-400": HTTP 400 `{"status":"ERROR","error":"NO_OPERATION"}`
 *                       form "text-400":  HTTP 400 with the bare token as text/plain
 *   bad/missing key   → HTTP 401 `{"status":"ERROR","error":"ERROR_WRONG_KEY"|"ERROR_NO_KEY"}` (docs/protocols/onlinesim.md#authentication)
 *   schema violation  → HTTP 400 `{"status":"ERROR","error":"BAD_REQUEST: <problems>"}`
 * A number without an open operation placed by the fake gets NO_OPERATION.
 */
import { check, PushSmsRentRequest, PushSmsRequest, type PushSmsTerminal } from "../schemas.js";
import { json, type Answer, type Call } from "./call.js";
import type { Operation, OperationBook } from "./operations.js";

export type PushErrorForm = "status-200" | "error-400" | "text-400";

export function pushError(token: string, form: PushErrorForm): Answer {
  if (form === "status-200") return json(200, { status: token });
  return form === "error-400" ? json(400, { status: "ERROR", error: token }) : json(400, token);
}

/** Schema problems of a PUSH_SMS call without acting on it (recorded when an injected failure answers instead). */
export function pushSmsProblems(call: Call, rent: boolean): string[] {
  if (call.jsonError) return [call.jsonError];
  const r = check(rent ? PushSmsRentRequest : PushSmsRequest, call.body);
  return r.ok ? [] : r.problems;
}

export interface PushSmsStats {
  /** Accepted deliveries. */
  accepted: number;
  /** Every valid PUSH_SMS, whatever the answer. */
  received: number;
  /** Identical payloads (smsId, phone, phoneFrom, text) seen again after one was accepted: a bug on the sender's side (docs/protocols/onlinesim-v1.md#push_sms "never resend"). */
  duplicates: number;
  noOperation: number;
  /** Payloads sent again after a terminal answer (NO_OPERATION, BAD_SERVICE, …): retries must stop there (docs/protocols/onlinesim-v1.md#push_sms, Q15). */
  afterTerminal: number;
  /** Accepted count per smsId (with smsIdMode=activationId several SMS of one operation share one, Q12). */
  bySmsId: Record<number, number>;
}

export class PushSmsEndpoint {
  readonly stats: PushSmsStats = { accepted: 0, received: 0, duplicates: 0, noOperation: 0, afterTerminal: 0, bySmsId: {} };
  private readonly acceptedPayloads = new Set<string>();
  private readonly terminalPayloads = new Set<string>();

  constructor(
    private readonly key: string,
    private readonly book: OperationBook,
    private readonly form: PushErrorForm,
    private readonly onAccepted: (op: Operation) => void,
  ) {}

  /** An injected terminal answer (failures.ts) was given to this body: a resend of it counts in afterTerminal. */
  noteTerminal(body: unknown): void {
    const parsed = check(PushSmsRequest.omit({ action: true, key: true }).loose(), body);
    if (!parsed.ok) return;
    const fingerprint = fingerprintOf(parsed.value);
    if (this.terminalPayloads.has(fingerprint)) this.stats.afterTerminal++;
    this.terminalPayloads.add(fingerprint);
  }

  handle(call: Call, rent: boolean): Answer {
    if (call.jsonError) return json(400, { status: "ERROR", error: `BAD_REQUEST: ${call.jsonError}` }, { problems: [call.jsonError] });
    const body = call.body as { key?: unknown } | undefined;
    if (body && typeof body === "object" && body.key === undefined) {
      return json(401, { status: "ERROR", error: "ERROR_NO_KEY" }, { keyOk: false, problems: ["key: missing (docs/protocols/onlinesim.md#authentication)"] });
    }
    if (body && typeof body === "object" && typeof body.key === "string" && body.key !== this.key) {
      return json(401, { status: "ERROR", error: "ERROR_WRONG_KEY" }, { keyOk: false, problems: [] });
    }
    const parsed = check(rent ? PushSmsRentRequest : PushSmsRequest, call.body);
    if (!parsed.ok) return json(400, { status: "ERROR", error: `BAD_REQUEST: ${parsed.problems.join("; ")}` }, { keyOk: true, problems: parsed.problems });
    const sms = parsed.value;
    this.stats.received++;
    const fingerprint = fingerprintOf(sms);
    if (this.acceptedPayloads.has(fingerprint)) this.stats.duplicates++;
    if (this.terminalPayloads.has(fingerprint)) this.stats.afterTerminal++;
    const op = this.book.byNumber(sms.phone);
    if (!op) {
      this.stats.noOperation++;
      this.terminalPayloads.add(fingerprint);
      return { ...pushError("NO_OPERATION" satisfies PushSmsTerminal, this.form), keyOk: true };
    }
    if (!this.acceptedPayloads.has(fingerprint)) {
      op.sms.push({ smsId: sms.smsId, from: sms.phoneFrom, text: sms.text, at: Date.now() });
      this.acceptedPayloads.add(fingerprint);
      this.onAccepted(op);
    }
    this.stats.accepted++;
    this.stats.bySmsId[sms.smsId] = (this.stats.bySmsId[sms.smsId] ?? 0) + 1;
    const warnings = sms.smsId === op.activationId ? [] : [`smsId ${sms.smsId} is not the operation's activationId ${op.activationId} (Q12 default: activationId)`];
    return json(200, { status: "SUCCESS" }, { keyOk: true, warnings });
  }
}

function fingerprintOf(sms: { smsId: number; phone: string | number; phoneFrom: string; text: string }): string {
  return JSON.stringify([sms.smsId, String(sms.phone), sms.phoneFrom, sms.text]);
}
