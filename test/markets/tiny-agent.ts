/**
 * A few lines of fastify playing a SMSHUB agent from a list of numbers, correct by
 * default and wrong on demand, so the fake marketplace's judgement can be tested on its
 * own: each flag breaks one rule the fake must catch.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import Fastify, { type FastifyInstance } from "fastify";

export interface TinyNumber {
  number: number;
  country: string;
  operator: string;
}

export interface TinyAgentFlags {
  /** GET_NUMBER answers number and activationId as strings. */
  stringTypes: boolean;
  /** Answers are not gzip-compressed. */
  noGzip: boolean;
  /** GET_SERVICES counts 100 above the truth. */
  overReport: boolean;
  /** GET_SERVICES lists `any` beside the operators. */
  mixAny: boolean;
  /** GET_SERVICES reports per operator after the first poll reported `any`. */
  switchMode: boolean;
  /** Claims one SIM per service but answers NO_NUMBERS. */
  claimButNone: boolean;
  /** Gives numbers that are in an open activation. */
  giveBusy: boolean;
  /** Ignores exceptionPhoneSet. */
  ignoreExceptions: boolean;
  /** Ignores what FINISH 1, 3 and 4 (× cancelLimit) burned. */
  ignoreBurns: boolean;
  /** Hold each GET_NUMBER answer this long. */
  slowMs: number;
  /** A repeated FINISH answers ERROR. */
  nonIdempotent: boolean;
}

export interface TinyAgent {
  url: string;
  flags: TinyAgentFlags;
  received: Array<Record<string, unknown>>;
  /** Request headers as received, per request. */
  headers: Array<Record<string, string | string[] | undefined>>;
  open: Map<number, TinyNumber>;
  close(): Promise<void>;
}

export async function startTinyAgent(key: string, numbers: TinyNumber[], services = ["vk", "tg"], cancelLimit = 4): Promise<TinyAgent> {
  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  let nextId = 500;
  let polls = 0;
  const timers = new Set<NodeJS.Timeout>();
  const flags: TinyAgentFlags = {
    stringTypes: false, noGzip: false, overReport: false, mixAny: false, switchMode: false, claimButNone: false,
    giveBusy: false, ignoreExceptions: false, ignoreBurns: false, slowMs: 0, nonIdempotent: false,
  };
  const burned = new Map<string, number>(); // `${number}|${service}` → cancels (Infinity when sold or 1)
  const closed = new Set<number>();
  const agent: TinyAgent = {
    url: "",
    flags,
    received: [],
    headers: [],
    open: new Map(),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await app.close();
    },
  };
  const busy = () => new Set([...agent.open.values()].map((n) => n.number));
  const usable = (n: TinyNumber, service: string) => flags.ignoreBurns || (burned.get(`${n.number}|${service}`) ?? 0) < cancelLimit;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (req, body, done) => {
    const raw = body as Buffer;
    try {
      done(null, JSON.parse((req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8")));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook("onSend", async (_req, reply, payload) => {
    reply.header("content-type", "application/json; charset=utf-8");
    if (flags.noGzip || typeof payload !== "string") return payload;
    reply.header("content-encoding", "gzip");
    return gzipSync(payload);
  });
  app.post("/smshub", async (req) => {
    const body = req.body as Record<string, unknown>;
    agent.received.push(body);
    agent.headers.push(req.headers);
    if (body["key"] !== key) return { status: "ERROR", error: "BAD_KEY" };
    switch (body["action"]) {
      case "GET_SERVICES": {
        polls++;
        const split = flags.switchMode && polls > 1;
        const countries = new Map<string, Record<string, Record<string, number>>>();
        for (const n of numbers.filter((x) => flags.giveBusy || !busy().has(x.number))) {
          const map = countries.get(n.country) ?? {};
          countries.set(n.country, map);
          const ops = flags.mixAny ? [n.operator, "any"] : [split ? n.operator : "any"];
          for (const op of ops) {
            const counts = (map[op] ??= {});
            for (const s of services) counts[s] = (counts[s] ?? 0) + (usable(n, s) ? 1 : 0) + (flags.overReport ? 100 : 0);
          }
        }
        return { countryList: [...countries].map(([country, operatorMap]) => ({ country, operatorMap })), status: "SUCCESS" };
      }
      case "GET_NUMBER": {
        if (flags.slowMs > 0) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(() => (timers.delete(t), resolve()), flags.slowMs);
            timers.add(t);
          });
        }
        if (flags.claimButNone) return { status: "NO_NUMBERS" };
        const prefixes = ((body["exceptionPhoneSet"] as string[] | undefined) ?? []).map(String);
        const service = String(body["service"]);
        const n = numbers.find(
          (x) =>
            x.country === body["country"] &&
            (flags.giveBusy || !busy().has(x.number)) &&
            usable(x, service) &&
            (flags.ignoreExceptions || !prefixes.some((p) => String(x.number).startsWith(p))),
        );
        if (!n) return { status: "NO_NUMBERS" };
        const activationId = nextId++;
        agent.open.set(activationId, { ...n, operator: service }); // operator slot keeps the service for FINISH
        return flags.stringTypes ? { number: String(n.number), activationId: String(activationId), status: "SUCCESS" } : { number: n.number, activationId, status: "SUCCESS" };
      }
      case "FINISH_ACTIVATION": {
        const id = body["activationId"] as number;
        const status = body["status"] as number;
        if (closed.has(id)) return flags.nonIdempotent ? { status: "ERROR", error: "ALREADY_CLOSED" } : { status: "SUCCESS" };
        const held = agent.open.get(id);
        if (held) {
          const k = `${held.number}|${held.operator}`;
          if (status === 3 || status === 1) burned.set(k, Infinity);
          if (status === 4) burned.set(k, (burned.get(k) ?? 0) + 1);
          agent.open.delete(id);
          closed.add(id);
        }
        return { status: "SUCCESS" };
      }
      default:
        return { status: "ERROR", error: "UNKNOWN_ACTION" };
    }
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  if (!addr || typeof addr === "string") throw new Error("no address");
  agent.url = `http://127.0.0.1:${addr.port}/smshub`;
  return agent;
}
