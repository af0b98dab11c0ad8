/**
 * How a marketplace of the family calls the agent (our daemon), as the fake marketplace
 * and `simgate selftest` do, the way SMSHUB does
 * (docs/protocols/smshub.md): a JSON POST to the one agent URL with the key in the body,
 * UTF-8, a User-Agent, and for the gzip dialects a gzip-compressed body and
 * Accept-Encoding: gzip. Each request has a deadline (GET_NUMBER: the 3 s of the
 * acceptance test); a slower answer counts as no answer. What came back is reported with
 * how it came (compressed or not, media type), so the buyer can judge the transport too.
 */
import { gzipSync } from "node:zlib";
import type { SmshubDialect } from "./dialects.js";

export type AgentReply =
  | { ok: true; status: number; body: unknown; text: string; ms: number; gzipped: boolean; contentType: string }
  | { ok: false; reason: "timeout" | "network" | "http" | "json"; status?: number; detail: string; ms: number; gzipped?: boolean };

export interface AgentClientOptions {
  /** The agent's one URL, e.g. http://127.0.0.1:8080/smshub */
  url: string;
  key: string;
  dialect: Pick<SmshubDialect, "gzip" | "title">;
  /** Default "fake-<dialect title>". */
  userAgent?: string;
  fetch?: typeof fetch;
}

export class AgentClient {
  readonly #controllers = new Set<AbortController>();

  constructor(private readonly o: AgentClientOptions) {}

  /** POST `body` with the key added; `deadlineMs` bounds the whole exchange. */
  async post(body: Record<string, unknown>, deadlineMs: number): Promise<AgentReply> {
    const started = performance.now();
    const ms = () => Math.round((performance.now() - started) * 10) / 10;
    const controller = new AbortController();
    this.#controllers.add(controller);
    const timer = setTimeout(() => controller.abort(new Error("deadline")), deadlineMs);
    const json = Buffer.from(JSON.stringify({ ...body, key: this.o.key }), "utf8");
    const gzip = this.o.dialect.gzip === "always";
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      "user-agent": this.o.userAgent ?? `fake-${this.o.dialect.title.replace(/\s+/g, "-").toLowerCase()}`,
      "accept-encoding": "gzip",
    };
    if (gzip) headers["content-encoding"] = "gzip";
    try {
      const res = await (this.o.fetch ?? fetch)(this.o.url, { method: "POST", headers, body: new Uint8Array(gzip ? gzipSync(json) : json), signal: controller.signal });
      // fetch undoes the gzip; the header still says whether it was there.
      const gzipped = (res.headers.get("content-encoding") ?? "").toLowerCase() === "gzip";
      const text = await res.text();
      if (res.status !== 200) return { ok: false, reason: "http", status: res.status, detail: text.slice(0, 200), ms: ms(), gzipped };
      try {
        return { ok: true, status: res.status, body: JSON.parse(text) as unknown, text, ms: ms(), gzipped, contentType: res.headers.get("content-type") ?? "" };
      } catch {
        return { ok: false, reason: "json", status: res.status, detail: `not JSON: ${text.slice(0, 200)}`, ms: ms(), gzipped };
      }
    } catch (err) {
      if (controller.signal.aborted) {
        const stopped = (controller.signal.reason as Error | undefined)?.message === "stopped";
        return stopped ? { ok: false, reason: "network", detail: "stopped", ms: ms() } : { ok: false, reason: "timeout", detail: `no answer within ${deadlineMs} ms`, ms: ms() };
      }
      return { ok: false, reason: "network", detail: err instanceof Error ? String((err as { cause?: unknown }).cause ?? err.message) : String(err), ms: ms() };
    } finally {
      clearTimeout(timer);
      this.#controllers.delete(controller);
    }
  }

  abortAll(): void {
    for (const c of this.#controllers) c.abort(new Error("stopped"));
  }
}
