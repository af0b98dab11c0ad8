/**
 * A GET_NUMBER answer that never reached the client must not keep a number reserved:
 * Onlinesim never learned the id, so it will never FINISH it. Each interleaving is made
 * deterministic with a gate (an engine wrapper or a fastify hook that waits until the
 * server has seen the connection close), never with timing luck.
 */
import { connect, type Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { OnlinesimEngine } from "../../src/markets/onlinesim/engine.js";
import { MemoryLedger } from "../../src/sales/memory-ledger.js";
import type { PartnerEngine } from "../../src/http/partner/index.js";
import { port } from "../sales/ports.js";
import { waitFor } from "../helpers/daemon.js";
import { KEY, LEVEL, startPartner, type Harness } from "./partner-harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const order = { action: "GET_NUMBER", country: "russia", operator: "any", service: "facebook", sum: 10 };

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** The real engine behind the PartnerEngine interface, with some methods replaced. */
function around(engine: OnlinesimEngine, replace: Partial<PartnerEngine>): PartnerEngine {
  return {
    getServices: () => engine.getServices(),
    orderNumber: (req) => engine.orderNumber(req),
    finishActivation: (req) => engine.finishActivation(req),
    withdrawUndelivered: (id, reason) => engine.withdrawUndelivered(id, reason),
    ...replace,
  };
}

/** One whole HTTP request on a raw socket; the caller decides when the client leaves. */
function sendRaw(portNumber: number, path: string, body: Record<string, unknown>): Socket {
  const json = JSON.stringify({ ...body, key: KEY });
  const socket = connect(portNumber, "127.0.0.1");
  socket.on("error", () => undefined);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
  return socket;
}

/** Resolves when the server side of the next accepted connection has closed. */
function nextConnectionClosed(app: FastifyInstance): Promise<void> {
  return new Promise((resolve) => app.server.once("connection", (s: Socket) => s.once("close", () => resolve())));
}

const facebookCount = async (): Promise<number> => {
  const a = await h!.call("/", { action: "GET_SERVICES" });
  const list = a.json["countryList"] as Array<{ operatorMap: { any: Record<string, number> } }>;
  return list.reduce((n, c) => n + (c.operatorMap.any["facebook"] ?? 0), 0);
};

describe("GET_NUMBER whose answer never reached the client", () => {
  it("client gone while the order is committed: the reservation is rolled back at once, the id is never reused, a late FINISH for it answers SUCCESS and frees nothing", async () => {
    const persistence = new MemoryLedger();
    const committed = deferred();
    const answer = deferred();
    h = await startPartner({
      ledger: persistence,
      ports: [port(1)],
      wrapEngine: (engine) =>
        around(engine, {
          orderNumber: async (req) => {
            const a = await engine.orderNumber(req);
            committed.resolve();
            await answer.promise;
            return a;
          },
        }),
    });
    const serverClosed = nextConnectionClosed(h.app);
    const client = sendRaw(h.port, "/getNumber", order);
    await committed.promise;
    expect(h.engine.openActivations().map((a) => a.id)).toEqual([1]); // durable, nobody told yet
    client.destroy();
    await serverClosed;
    answer.resolve();

    await waitFor("the rollback", () => h!.engine.openActivations().length === 0, 5_000);
    expect(await facebookCount()).toBe(1);
    const stored = persistence.snapshot().reservations;
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: 1, closeReason: "undelivered", status: null });
    expect(stored[0]!.closedAt).toBeGreaterThan(0);
    const line = h.logs().find((l) => l["event"] === "activation-undelivered");
    expect(line).toMatchObject({ level: LEVEL.warn, activationId: 1, number: "+79000000001", port: "port-1" });
    expect(String(line!["reason"])).toMatch(/closed|reset/);
    expect(h.engine.stats()).toMatchObject({ undelivered: 1 });

    // The number sells again, under a new id.
    const next = await h.call("/getNumber", order);
    expect(next.json).toEqual({ status: "SUCCESS", number: 79000000001, activationId: 2 });
    // A FINISH for the withdrawn id (Onlinesim somehow had it after all) is answered as
    // the idempotent close of an id we issued, and must not free #2's number.
    expect((await h.call("/finishActivation", { action: "FINISH_ACTIVATION", activationId: 1, status: 4 })).json).toEqual({ status: "SUCCESS" });
    expect((await h.call("/finishActivation", { action: "FINISH_ACTIVATION", activationId: 1, status: 4 })).json).toEqual({ status: "SUCCESS" });
    expect(h.engine.openActivations().map((a) => a.id)).toEqual([2]);
    expect(await facebookCount()).toBe(0);
  });

  it("client gone before the engine is called: nothing is reserved at all", async () => {
    const persistence = new MemoryLedger();
    let orders = 0;
    const arrived = deferred();
    let closed: Promise<void> | undefined;
    h = await startPartner({
      ledger: persistence,
      wrapEngine: (engine) =>
        around(engine, {
          orderNumber: (req) => {
            orders++;
            return engine.orderNumber(req);
          },
        }),
      beforeListen: (app) => {
        closed = nextConnectionClosed(app);
        // Between the parsed body and the handler: the client leaves here.
        app.addHook("preHandler", async () => {
          arrived.resolve();
          await closed;
        });
      },
    });
    const client = sendRaw(h.port, "/getNumber", order);
    await arrived.promise;
    client.destroy();
    await closed;
    await waitFor("the handler's decision", () => orders > 0 || h!.logs().some((l) => l["event"] === "v1-client-gone"), 5_000);
    expect(orders).toBe(0);
    expect(persistence.snapshot().reservations).toEqual([]);
    expect(h.logs().find((l) => l["event"] === "v1-client-gone")).toMatchObject({ level: LEVEL.info, action: "GET_NUMBER", result: "NOT_RESERVED" });
    expect(await facebookCount()).toBe(3);
  });

  it("the answer's write fails: the reservation is rolled back", async () => {
    const persistence = new MemoryLedger();
    h = await startPartner({
      ledger: persistence,
      beforeListen: (app) =>
        app.addHook("onSend", async (request, _reply, payload) => {
          const socket = request.raw.socket;
          // The kernel refuses the write (the peer is gone): what node sees on EPIPE.
          socket.write = (() => {
            socket.destroy(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
            return false;
          }) as typeof socket.write;
          return payload;
        }),
    });
    await expect(fetch(`${h.url}/getNumber`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...order, key: KEY }) })).rejects.toThrow();
    await waitFor("the rollback", () => h!.engine.openActivations().length === 0, 5_000);
    expect(persistence.snapshot().reservations).toMatchObject([{ id: 1, closeReason: "undelivered" }]);
    expect(h.logs().find((l) => l["event"] === "activation-undelivered")).toMatchObject({ activationId: 1 });
  });

  it("answers that reach their clients are never rolled back (keep-alive and closing clients alike)", async () => {
    h = await startPartner();
    const answers = await Promise.all([
      h.call("/getNumber", order),
      h.call("/getNumber", order, { headers: { connection: "close" } }),
      h.call("/getNumber", order),
    ]);
    expect(answers.map((a) => a.json["status"])).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);
    // One more turn of the loop for any late close event, then nothing may have changed.
    await h.call("/", { action: "GET_SERVICES" });
    expect(h.engine.openActivations()).toHaveLength(3);
    expect(h.logs().some((l) => l["event"] === "activation-undelivered")).toBe(false);
  });
});
