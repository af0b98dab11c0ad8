/**
 * The SMSHUB endpoint adapter on 127.0.0.1 (random port) over the sales core with its
 * in-memory ledger,
 * with every log line kept, and a raw HTTP client that shows what is really on the wire
 * (whether an answer was gzip-compressed, not what fetch made of it).
 */
import { request } from "node:http";
import { Writable } from "node:stream";
import { gunzipSync, gzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { createLogger } from "../../src/log/logger.js";
import type { MarketSales } from "../../src/markets/market-port.js";
import { marketRulesOf } from "../../src/markets/smshub/config.js";
import type { MemoryLedger } from "../../src/sales/memory-ledger.js";
import { DIALECTS, type DialectName } from "../../src/markets/smshub/dialects.js";
import { buildSmshubServer, type SmshubEndpointOptions, type SmshubRequestInfo } from "../../src/markets/smshub/endpoint.js";
import { NameBook, type NameOverrides } from "../../src/markets/smshub/names.js";
import { memoryCore, type MemoryCore, type RecordingSales, type TestSim } from "./memory-core.js";

export const KEY = "smshub-key-9Wq2Lp7Xv";
export const MARKET = "hub";

export const SIMS: TestSim[] = [
  { number: "79281234567", network: "25099" },
  { number: "79161234568", network: "25001" },
  { number: "380501234569", network: "25501" },
];
export const SERVICES = ["vk", "telegram", "whatsapp"];

export interface WireAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The answer was gzip-compressed on the wire. */
  gzipped: boolean;
  text: string;
  json: unknown;
}

export interface CallOptions {
  /** Compress the request body (default: as the dialect's marketplace would). */
  gzip?: boolean;
  /** Accept-Encoding to send; null = no such header (default "gzip"). */
  acceptEncoding?: string | null;
  /** Leave `key` out (null) or send another. */
  key?: string | null;
  method?: string;
  headers?: Record<string, string>;
  /** Send these bytes instead of the JSON of the body. */
  raw?: Buffer;
  path?: string;
  /** Give up after this long (the client hangs up). */
  abortAfterMs?: number;
}

export interface SmshubHarness {
  app: FastifyInstance;
  url: string;
  /** The core as the adapter sees it, recording reserve and withdraw calls. */
  sales: RecordingSales;
  /** The core, its ledger and views of both. */
  mem: MemoryCore;
  infos: SmshubRequestInfo[];
  rawLogs: string[];
  logs(): Array<Record<string, unknown>>;
  call(body: Record<string, unknown>, o?: CallOptions): Promise<WireAnswer>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  dialect?: DialectName;
  sims?: TestSim[];
  services?: string[];
  names?: NameOverrides;
  /** Give the endpoint this instead of the core. */
  sales?: MarketSales;
  /** The core's ledger (default a new MemoryLedger). */
  ledger?: MemoryLedger;
  endpoint?: Partial<SmshubEndpointOptions>;
}

export function rawPost(url: string, body: Buffer, headers: Record<string, string>, method = "POST", abortAfterMs?: number): Promise<WireAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, "content-length": String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const bytes = Buffer.concat(chunks);
        const gzipped = res.headers["content-encoding"] === "gzip";
        const text = (gzipped ? gunzipSync(bytes) : bytes).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, gzipped, text, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (abortAfterMs !== undefined) setTimeout(() => req.destroy(new Error("client gave up")), abortAfterMs);
    req.end(body);
  });
}

export async function startSmshub(o: HarnessOptions = {}): Promise<SmshubHarness> {
  const dialect = DIALECTS[o.dialect ?? "smshub"];
  const names = new NameBook(dialect, o.names);
  const mem = await memoryCore({ sims: o.sims ?? SIMS, markets: [marketRulesOf(MARKET, { share: 1, headroom: 0 }, names, o.services ?? SERVICES)], ...(o.ledger ? { ledger: o.ledger } : {}) });
  const sales = mem.sales;
  const rawLogs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      rawLogs.push(chunk.toString("utf8"));
      done();
    },
  });
  const logger = createLogger({ level: "debug", destination: sink });
  const infos: SmshubRequestInfo[] = [];
  const app = await buildSmshubServer({
    market: MARKET,
    dialect,
    key: KEY,
    path: "/smshub",
    sales: o.sales ?? sales,
    names,
    logger,
    onRequest: (info) => infos.push(info),
    ...o.endpoint,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr === "string") throw new Error("no TCP address");
  const url = `http://127.0.0.1:${addr.port}`;
  return {
    app,
    url,
    sales,
    mem,
    infos,
    rawLogs,
    logs: () => rawLogs.flatMap((c) => c.split("\n").filter(Boolean)).map((l) => JSON.parse(l) as Record<string, unknown>),
    call: (body, c = {}) => {
      const withKey = c.key === null ? body : { ...body, key: c.key ?? KEY };
      const json = c.raw ?? Buffer.from(JSON.stringify(withKey), "utf8");
      const gzip = c.gzip ?? dialect.gzip === "always";
      const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", "user-agent": "test-marketplace", ...c.headers };
      if (c.acceptEncoding !== null) headers["accept-encoding"] = c.acceptEncoding ?? "gzip";
      if (gzip) headers["content-encoding"] = "gzip";
      return rawPost(`${url}${c.path ?? "/smshub"}`, gzip ? gzipSync(json) : json, headers, c.method, c.abortAfterMs);
    },
    close: () => app.close(),
  };
}

/** Wait until `cond()` holds (every 10 ms), at most `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 5_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
