/**
 * PUSH_SMS as the fake marketplace receives it (docs/protocols/smshub.md): what SMSHUB's
 * acceptance test checks, plus what selling one pool on several marketplaces needs.
 *
 *  - transport: gzip-compressed for the gzip dialects, a User-Agent, JSON in UTF-8;
 *  - types: smsId and phone are JSON numbers (a string fails), phoneFrom and text strings;
 *  - the phone is a number this marketplace holds in an open order (an SMS for a number
 *    it never ordered, or long after it closed, went to the wrong marketplace);
 *  - an SMS is never sent again after SUCCESS (same smsId), and one smsId is one SMS;
 *  - the text is exactly what the "service" sent, when the fake's services sent it.
 * Answers: {"status":"SUCCESS"}, or {"status":"ERROR","error":"…"} (the agent then sends
 * it again after 10 s). Every breach is recorded as a violation, once per SMS.
 */
import { gunzipSync } from "node:zlib";
import type { SmshubDialect } from "../dialects.js";
import { problemsOf, PushSmsRequest } from "../schemas.js";
import type { Order, OrderBook } from "./orders.js";

export interface PushAnswer {
  status: number;
  body: { status: "SUCCESS" } | { status: "ERROR"; error: string };
  keyOk?: boolean;
  problems: string[];
}

export interface PushSmsStats {
  /** Accepted SMS (first delivery of each). */
  accepted: number;
  /** Every request, whatever the answer. */
  received: number;
  /** The same SMS again after SUCCESS. */
  duplicates: number;
  /** For a number whose order had closed shortly before (the SMS came in while it was open). */
  late: number;
  /** For a number this marketplace does not hold. */
  notHeld: number;
  refused: number;
}

export interface PushReceiverHooks {
  onAccepted(order: Order): void;
  violate(detail: string): void;
  /** What the services texted this order, if they did. */
  sentText(activationId: number): string | undefined;
}

export class PushSmsReceiver {
  readonly stats: PushSmsStats = { accepted: 0, received: 0, duplicates: 0, late: 0, notHeld: 0, refused: 0 };
  /** smsId → the accepted payload's fingerprint. */
  readonly #accepted = new Map<number, string>();
  /** smsIds already reported as a violation (an agent retries every 10 s: one report per SMS). */
  readonly #reported = new Set<string>();
  /** Texts that differ from what the service sent. */
  readonly mismatches: Array<{ activationId: number; sent: string; got: string }> = [];
  exact = 0;

  constructor(
    private readonly key: string,
    private readonly dialect: Pick<SmshubDialect, "gzip">,
    private readonly book: OrderBook,
    private readonly hooks: PushReceiverHooks,
    /** An SMS for an order closed less than this ago still counts (it came in while open). */
    private readonly lateGraceMs: number,
  ) {}

  handle(headers: Record<string, string | undefined>, raw: Buffer): PushAnswer {
    this.stats.received++;
    const once = (id: string, detail: string) => {
      if (this.#reported.has(id)) return;
      this.#reported.add(id);
      this.hooks.violate(detail);
    };
    const refuse = (status: number, error: string, problems: string[], keyOk?: boolean): PushAnswer => {
      this.stats.refused++;
      return { status, body: { status: "ERROR", error }, problems, ...(keyOk === undefined ? {} : { keyOk }) };
    };
    const encoding = (headers["content-encoding"] ?? "").toLowerCase();
    if (this.dialect.gzip === "always" && encoding !== "gzip") once("transport:gzip", "PUSH_SMS not gzip-compressed (required on every request)");
    if (!headers["user-agent"]) once("transport:ua", "PUSH_SMS without a User-Agent (required on every request)");
    let text: string;
    try {
      text = (encoding === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
    } catch {
      return refuse(400, "BAD_REQUEST: body is not gzip data", ["body is not gzip data"]);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      once(`json:${text.slice(0, 40)}`, "PUSH_SMS body is not JSON");
      return refuse(400, "BAD_REQUEST: body is not JSON", ["body is not JSON"]);
    }
    const presented = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["key"] : undefined;
    if (presented !== this.key) return refuse(401, "BAD_KEY", [presented === undefined ? "key: missing" : "key: wrong"], false);
    const parsed = problemsOf(PushSmsRequest, body);
    if (!parsed.ok) {
      const id = (body as Record<string, unknown>)["smsId"];
      once(`types:${String(id)}`, `PUSH_SMS types: ${parsed.problems.join("; ")}`);
      return refuse(400, `BAD_REQUEST: ${parsed.problems.join("; ").slice(0, 300)}`, parsed.problems, true);
    }
    const sms = parsed.value;
    const phone = String(sms.phone);
    const fingerprint = JSON.stringify([phone, sms.phoneFrom, sms.text]);
    const before = this.#accepted.get(sms.smsId);
    if (before !== undefined) {
      if (before === fingerprint) {
        this.stats.duplicates++;
        once(`dup:${sms.smsId}`, `PUSH_SMS smsId ${sms.smsId} sent again after SUCCESS (acceptance test: never re-send)`);
      } else {
        once(`reuse:${sms.smsId}`, `PUSH_SMS smsId ${sms.smsId} names two different SMS`);
      }
      return { status: 200, body: { status: "SUCCESS" }, keyOk: true, problems: [] };
    }
    let order = this.book.byNumber(phone);
    if (!order) {
      const last = this.book.lastClosed(phone);
      if (last?.closed && Date.now() - last.closed.at <= this.lateGraceMs) {
        this.stats.late++;
        order = last;
      } else {
        this.stats.notHeld++;
        once(`held:${sms.smsId}`, `PUSH_SMS for ${phone}, which this marketplace does not hold (smsId ${sms.smsId})`);
        return refuse(200, "NO_ACTIVATION", [`no open order for ${phone}`], true);
      }
    }
    this.#accepted.set(sms.smsId, fingerprint);
    order.sms.push({ smsId: sms.smsId, from: sms.phoneFrom, text: sms.text, at: Date.now() });
    this.stats.accepted++;
    const sent = this.hooks.sentText(order.activationId);
    if (sent !== undefined) {
      if (sent === sms.text) this.exact++;
      else {
        this.mismatches.push({ activationId: order.activationId, sent, got: sms.text });
        this.hooks.violate(`PUSH_SMS text for #${order.activationId} differs from what the service sent`);
      }
    }
    if (order.closed === undefined) this.hooks.onAccepted(order);
    return { status: 200, body: { status: "SUCCESS" }, keyOk: true, problems: [] };
  }
}
