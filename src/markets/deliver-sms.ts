/**
 * One delivery attempt of one SMS to one marketplace: the adapter builds the request and
 * judges the answer (MarketSmsDelivery); this only moves the bytes, with a deadline. Every
 * failure becomes a verdict, never a throw, so an outbox worker can record it as it is.
 */
import type { DeliveryVerdict, HeldSms, MarketAnswer, MarketSmsDelivery } from "./market-port.js";

export interface DeliverOptions {
  fetch?: typeof fetch;
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Aborts the attempt (a stopping worker). */
  signal?: AbortSignal;
}

/** The answer is cut to this many characters: it is only matched and logged. */
const MAX_ANSWER_CHARS = 4_096;

export async function deliverSms(delivery: MarketSmsDelivery, sms: HeldSms, opts: DeliverOptions = {}): Promise<{ verdict: DeliveryVerdict; answer?: MarketAnswer }> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  let req;
  try {
    req = await delivery.request(sms);
  } catch (err) {
    // The adapter cannot put this SMS in its protocol (a number that is not E.164, say):
    // no attempt can ever succeed, so say so once instead of retrying for ever.
    return { verdict: { kind: "terminal", token: `UNSENDABLE: ${err instanceof Error ? err.message : String(err)}` } };
  }
  let answer: MarketAnswer;
  try {
    // fetch undoes a gzip-encoded answer by itself (Content-Encoding), as the family asks.
    // A copy typed as fetch wants it (an ArrayBuffer-backed view); bodies are small.
    const res = await (opts.fetch ?? fetch)(req.url, { method: req.method, headers: req.headers, body: new Uint8Array(req.body), signal });
    const text = (await res.text()).slice(0, MAX_ANSWER_CHARS);
    answer = { status: res.status, text, json: parseJson(text) };
  } catch (err) {
    const error = opts.signal?.aborted ? "aborted (stopping)" : deadline.aborted ? `timeout after ${timeoutMs} ms` : describe(err);
    return { verdict: { kind: "retry", error, transient: true } };
  }
  return { verdict: delivery.classify(answer), answer };
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** undici puts the socket error in `cause`; "fetch failed" alone says nothing. */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === "string") return cause.code === "ECONNREFUSED" ? "connection refused" : cause.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof cause?.message === "string" ? `${message}: ${cause.message}` : message;
}
