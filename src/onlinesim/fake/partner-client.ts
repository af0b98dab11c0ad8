/**
 * How the fake Onlinesim calls the partner (us): POST JSON with the headers Onlinesim lists
 * (docs/protocols/onlinesim-v1.md#get_number: Bearer + Content-Type; docs/protocols/onlinesim.md#business-rules: User-Agent) and the 10 s deadline of docs/protocols/onlinesim-v1.md#requests-onlinesim-sends-us — a
 * slower answer counts as a failure (the request is cancelled).
 */

export type PartnerReply =
  | { ok: true; status: number; body: unknown; ms: number }
  | { ok: false; reason: "timeout" | "network" | "http" | "json"; status?: number; detail: string; ms: number };

export interface PartnerClientOptions {
  /** Base URL of the partner's v1 endpoint, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  key: string;
  /** Deadline per request (docs/protocols/onlinesim-v1.md#requests-onlinesim-sends-us: 10 s). */
  deadlineMs: number;
  /** Send `Authorization: Bearer <key>` besides the body key (listed as required, docs/protocols/onlinesim-v1.md#get_number; whether Onlinesim sends it is [U]). */
  bearer?: boolean;
  fetch?: typeof fetch;
}

export class PartnerClient {
  private readonly controllers = new Set<AbortController>();

  constructor(private readonly opts: PartnerClientOptions) {}

  /** POST `body` (the key is added here) to `path`. */
  async post(path: string, body: Record<string, unknown>): Promise<PartnerReply> {
    const started = Date.now();
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(new Error("deadline")), this.opts.deadlineMs);
    const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", "user-agent": "simgate-fake-onlinesim" };
    if (this.opts.bearer !== false) headers["authorization"] = `Bearer ${this.opts.key}`;
    try {
      const res = await (this.opts.fetch ?? fetch)(new URL(path, this.opts.baseUrl), {
        method: "POST",
        headers,
        body: JSON.stringify({ ...body, key: this.opts.key }),
        signal: controller.signal,
      });
      const text = await res.text();
      const ms = Date.now() - started;
      if (res.status !== 200) return { ok: false, reason: "http", status: res.status, detail: text.slice(0, 200), ms };
      try {
        return { ok: true, status: res.status, body: JSON.parse(text) as unknown, ms };
      } catch {
        return { ok: false, reason: "json", status: res.status, detail: `not JSON: ${text.slice(0, 200)}`, ms };
      }
    } catch (err) {
      const ms = Date.now() - started;
      if (controller.signal.aborted) return { ok: false, reason: "timeout", detail: `no answer within ${this.opts.deadlineMs} ms`, ms };
      return { ok: false, reason: "network", detail: err instanceof Error ? err.message : String(err), ms };
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
  }

  /** Abort every request in flight (stop()). */
  abortAll(): void {
    for (const c of this.controllers) c.abort(new Error("stopped"));
  }
}
