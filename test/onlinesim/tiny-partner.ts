/**
 * A few lines of fastify playing the partner (our daemon's v1 side, docs/protocols/onlinesim-v1.md#requests-onlinesim-sends-us) from an
 * in-memory list of numbers, so the Marketplace can be tested without the engine.
 */
import Fastify, { type FastifyInstance } from "fastify";

export interface TinyNumber {
  number: number;
  country: string;
  operator: string;
}

export interface TinyPartner {
  url: string;
  app: FastifyInstance;
  /** Every request body received, in order. */
  received: Array<Record<string, unknown>>;
  /** activationId → number, for issued operations still open. */
  open: Map<number, TinyNumber>;
  /** FINISH bodies per activationId (re-sends included). */
  finishes: Map<number, Array<Record<string, unknown>>>;
  /** Hold the next N FINISH answers this long (a slow answer). */
  slowFinish: { times: number; delayMs: number };
  /** Lie in GET_SERVICES (any ≠ sum) when set. */
  badServices: boolean;
  /** Issue numbers even when they match exceptionPhoneSet. */
  ignoreExceptions: boolean;
  /** Answer ERROR to a FINISH for an operation already closed (the bug Q11 forbids). */
  nonIdempotent: boolean;
  close(): Promise<void>;
}

export async function startTinyPartner(key: string, numbers: TinyNumber[], services = ["vk", "telegram"], port = 0): Promise<TinyPartner> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  let nextId = 100;
  const held = new Set<NodeJS.Timeout>();
  const p: TinyPartner = {
    url: "",
    app,
    received: [],
    open: new Map(),
    finishes: new Map(),
    slowFinish: { times: 0, delayMs: 0 },
    badServices: false,
    ignoreExceptions: false,
    nonIdempotent: false,
    close: async () => {
      for (const t of held) clearTimeout(t);
      await app.close();
    },
  };
  const busy = () => new Set([...p.open.values()].map((n) => n.number));
  const free = () => numbers.filter((n) => !busy().has(n.number));

  app.post("/:action", async (req, reply) => {
    const body = req.body as Record<string, unknown>;
    p.received.push(body);
    if (body["key"] !== key) return reply.code(401).send({ status: "ERROR", error: "BAD_KEY" });
    switch (body["action"]) {
      case "GET_SERVICES": {
        const countries = new Map<string, Record<string, Record<string, number>>>();
        for (const n of free()) {
          const map = countries.get(n.country) ?? { any: {} };
          countries.set(n.country, map);
          for (const op of [n.operator, "any"]) {
            const counts = (map[op] ??= {});
            for (const s of services) counts[s] = (counts[s] ?? 0) + 1;
          }
        }
        if (p.badServices) for (const m of countries.values()) for (const s of services) m["any"]![s]! += 1;
        return { countryList: [...countries].map(([country, operatorMap]) => ({ country, operatorMap })), status: "SUCCESS" };
      }
      case "GET_NUMBER": {
        const prefixes = ((body["exceptionPhoneSet"] as unknown[] | undefined) ?? []).map(String);
        const n = free().find(
          (x) =>
            x.country === body["country"] &&
            (body["operator"] === "any" || x.operator === body["operator"]) &&
            (p.ignoreExceptions || !prefixes.some((pre) => String(x.number).startsWith(pre))),
        );
        if (!n) return { status: "NO_NUMBERS" };
        const activationId = nextId++;
        p.open.set(activationId, n);
        return { status: "SUCCESS", number: n.number, activationId };
      }
      case "FINISH_ACTIVATION": {
        const id = body["activationId"] as number;
        p.finishes.set(id, [...(p.finishes.get(id) ?? []), body]);
        if (p.nonIdempotent && !p.open.has(id)) return { status: "ERROR", error: "NO_ACTIVATION" };
        p.open.delete(id); // idempotent: a re-send finds it closed and still gets SUCCESS (Q11)
        if (p.slowFinish.times > 0) {
          p.slowFinish.times--;
          await new Promise<void>((resolve) => {
            const t = setTimeout(() => (held.delete(t), resolve()), p.slowFinish.delayMs);
            held.add(t);
          });
        }
        return { status: "SUCCESS" };
      }
      default:
        return { status: "ERROR", error: "UNKNOWN_ACTION" };
    }
  });
  await app.listen({ host: "127.0.0.1", port });
  const addr = app.server.address();
  if (!addr || typeof addr === "string") throw new Error("no address");
  p.url = `http://127.0.0.1:${addr.port}`;
  return p;
}

/** Wait until `cond()` holds, polling every 10 ms, at most `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 3_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
