/**
 * The partner endpoint under test for bench/http.ts, run in a worker thread so the load
 * generator (autocannon, main thread) and the server do not share one event loop: the
 * server here is what the daemon runs — buildPartnerServer over the real Onlinesim engine (sales core + adapter)
 * on the real SQLite store (WAL, synchronous=FULL, GET_NUMBER through orderNumber's group
 * commit), logging at info to /dev/null through pino's own destination (as to stdout).
 *
 * Next to it, on another port, a bare node:http server that reads the body and answers a
 * constant JSON: the floor of this machine's loopback HTTP on the same thread layout, so
 * the partner endpoint's numbers can be read against what the machine gives right now.
 *
 * workerData: { stateDir, sims, services, key }. Posts { url, floorUrl } once listening; on
 * "close" it closes both servers and the store and posts { closed: true, stats }.
 */
import { createServer, type Server } from "node:http";
import { parentPort, workerData } from "node:worker_threads";
import { destination } from "pino";
import { ConfigSchema, type Config } from "../src/config/schema.js";
import { parseEngineConfig } from "../src/config/engine-schema.js";
import { OnlinesimEngine } from "../src/markets/onlinesim/engine.js";
import type { PortInput } from "../src/sales/inventory.js";
import { buildPartnerServer } from "../src/http/partner/index.js";
import { createLogger } from "../src/log/logger.js";
import { openStore } from "../src/store/index.js";

export interface PartnerWorkerData {
  stateDir: string;
  sims: number;
  services: string[];
  key: string;
}

/** Russian SIMs on the four big networks, so `country: "russia", operator: "any"` can take any of them. */
const NETS = ["25001", "25002", "25099", "25020"];

function benchPorts(count: number): PortInput[] {
  return Array.from({ length: count }, (_, i) => {
    const net = NETS[i % NETS.length]!;
    return { id: `port-${i}`, state: "ready", present: true, iccid: `897010${String(i).padStart(13, "0")}`, number: `+7916${String(i).padStart(7, "0")}`, mcc: net.slice(0, 3), mnc: net.slice(3) };
  });
}

async function main(): Promise<void> {
  const data = workerData as PartnerWorkerData;
  const port = parentPort;
  if (!port) throw new Error("partner-worker: not in a worker thread");
  const store = openStore({ stateDir: data.stateDir });
  // cancelLimit: the bench cancels (status 4) every order between rounds; the default (4)
  // would retire each (number, service) after a few rounds.
  const engine = await OnlinesimEngine.open({ ledger: store.sales, config: parseEngineConfig({ services: data.services, cancelLimit: 1_000 }) });
  engine.updatePorts(benchPorts(data.sims));
  const defaults = ConfigSchema.parse({});
  const logger = createLogger({ level: "info", destination: destination({ dest: "/dev/null", sync: true }) as unknown as NodeJS.WritableStream });
  // Onlinesim's own addresses belong in the rate limit's allow-list (config comment), and
  // the load here comes from 127.0.0.1: limit it and the bench would measure 429 answers.
  const http = { ...defaults.http } as Config["http"] & { rateLimit?: { allowList: string[] } };
  if (http.rateLimit) http.rateLimit = { ...http.rateLimit, allowList: [...http.rateLimit.allowList, "127.0.0.1"] };
  const app = await buildPartnerServer({ engine, key: data.key, http, v1: defaults.onlinesim.v1, auth: defaults.onlinesim.auth, logger });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr === "string") throw new Error("partner-worker: no TCP address");
  const floor = await bareServer();
  const floorAddr = floor.address();
  if (floorAddr === null || typeof floorAddr === "string") throw new Error("partner-worker: no TCP address");
  port.on("message", (msg: unknown) => {
    if (msg !== "close") return;
    void (async () => {
      const stats = engine.stats();
      floor.closeAllConnections();
      await new Promise((r) => floor.close(r));
      await app.close();
      store.close();
      port.postMessage({ closed: true, stats });
      port.close();
    })();
  });
  port.postMessage({ url: `http://127.0.0.1:${addr.port}`, floorUrl: `http://127.0.0.1:${floorAddr.port}` });
}

/** POST anything → 200 {"status":"SUCCESS"} once the body is read: loopback HTTP with no framework and no work. */
function bareServer(): Promise<Server> {
  const answer = Buffer.from(JSON.stringify({ status: "SUCCESS" }));
  const server = createServer((req, res) => {
    req.on("data", () => undefined);
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": answer.length });
      res.end(answer);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

await main();
