/**
 * Activations nobody will finish, through the real daemon process (`simgate run
 * --simulate 1`: one module, so a number left reserved shows at once as "nothing to sell"):
 *  - the daemon is paused (SIGSTOP) while Onlinesim's GET_NUMBER waits; the client gives up
 *    and closes; after SIGCONT the number must not stay reserved for an answer nobody read.
 *    The pause lands inside the order's commit deterministically: a preloaded module
 *    (fixtures/hold-commit.mjs) stalls that commit, like a slow fsync, until the test lets go;
 *  - the operator closes an activation with `simgate activations close ID --status N`;
 *  - an activation without SMS or FINISH is released by the overdue policy (a short
 *    configured multiple), logged and counted, and a late FINISH is still recorded once.
 */
import { connect, type Socket } from "node:net";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSimgate } from "../helpers/cli.js";
import { E2E_KEY, startDaemonProcess, waitFor, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

const CLI_MS = 60_000;
const TEST_MS = 180_000;
const HOLD_COMMIT = fileURLToPath(new URL("./fixtures/hold-commit.mjs", import.meta.url));

/** Every JSON log line the daemon writes from now on (it logs JSON to stdout when that is not a terminal). */
function collectLogs(d: DaemonProcess): () => Array<Record<string, any>> {
  let text = "";
  d.proc.child.stdout!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return () =>
    text
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, any>);
}

async function telegramCount(d: DaemonProcess): Promise<number> {
  const { json } = await d.partner({ action: "GET_SERVICES", key: E2E_KEY });
  return (json.countryList as any[]).reduce((n, c) => n + (c.operatorMap.any.telegram ?? 0), 0);
}

async function orderBody(d: DaemonProcess): Promise<Record<string, unknown>> {
  const { json } = await d.partner({ action: "GET_SERVICES", key: E2E_KEY });
  const country = (json.countryList as any[]).find((c) => (c.operatorMap.any.telegram ?? 0) > 0);
  if (!country) throw new Error("nothing to sell for telegram");
  return { action: "GET_NUMBER", country: country.country, operator: "any", service: "telegram", sum: 12.5, key: E2E_KEY };
}

/**
 * A client that sends GET_NUMBER and waits. `giveUp()` closes the connection the way a
 * client that timed out does (FIN) and resolves once its socket is closed; it rejects if
 * an answer came after all.
 */
function pendingOrder(url: string, body: Record<string, unknown>): { giveUp(): Promise<void>; socket: Socket } {
  const { hostname, port } = new URL(url);
  const json = JSON.stringify(body);
  const socket = connect(Number(port), hostname);
  let answered = false;
  socket.on("data", () => (answered = true));
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve, reject) => socket.on("close", () => (answered ? reject(new Error("the daemon answered")) : resolve())));
  socket.write(`POST /getNumber HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
  return {
    socket,
    giveUp: () => {
      socket.destroy();
      return closed;
    },
  };
}

describe("a paused daemon, and the operator's close (simgate run --simulate 1)", () => {
  let d: DaemonProcess;
  let logs: () => Array<Record<string, any>>;
  let admin: string[];
  let issued: { id: number; number: number } | undefined;

  let hold: string;
  let blocked: string;

  beforeAll(async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "simgate-e2e-"));
    hold = join(stateDir, "hold-commit");
    blocked = join(stateDir, "commit-blocked");
    d = await startDaemonProcess({
      modems: 1,
      stateDir,
      config: { engine: { services: ["telegram"] } },
      env: { SIMGATE_LOG_FORMAT: "json", NODE_OPTIONS: `--import ${HOLD_COMMIT}`, SIMGATE_TEST_HOLD_COMMIT: hold, SIMGATE_TEST_COMMIT_BLOCKED: blocked },
    });
    logs = collectLogs(d);
    admin = ["--admin", d.adminUrl.replace("http://", "")];
    await waitSettled(d, 1);
  }, 120_000);

  afterAll(async () => {
    d?.proc.child.kill("SIGCONT");
    await d?.proc.stop();
    if (d) rmSync(d.stateDir, { recursive: true, force: true });
  }, TEST_MS);

  it(
    "SIGSTOP inside the order's commit, the client gives up: after SIGCONT the activation is withdrawn, its number for sale at once, its id never reused",
    async () => {
      expect(await telegramCount(d)).toBe(1);
      const body = await orderBody(d);
      writeFileSync(hold, "");
      const client = pendingOrder(d.partnerUrl, body);
      await waitFor("the daemon inside the order's commit", () => existsSync(blocked), 30_000);
      d.proc.child.kill("SIGSTOP");
      try {
        await client.giveUp();
      } finally {
        rmSync(hold, { force: true });
        d.proc.child.kill("SIGCONT");
      }
      await waitFor("the module offered again", async () => (await telegramCount(d)) === 1, 30_000);
      const listed = await d.adminGet("/api/activations?limit=10");
      expect(listed.open).toBe(0);
      expect(listed.activations).toHaveLength(1);
      expect(listed.activations[0]).toMatchObject({ closeReason: "undelivered", status: null });
      const withdrawn = listed.activations[0].id as number;
      // The log line may trail the HTTP answers by a moment (a pipe): wait for it.
      const line = await waitFor("the withdrawal log line", () => logs().find((l) => l["event"] === "activation-undelivered"), 10_000);
      expect(line).toMatchObject({ level: 40, activationId: withdrawn, reason: "the client closed the connection" });

      // The next order gets the number, under an id nobody had before.
      const next = await d.partner(body);
      expect(next.json).toMatchObject({ status: "SUCCESS" });
      expect(next.json.activationId).toBeGreaterThan(withdrawn);
      issued = { id: next.json.activationId, number: next.json.number };
    },
    TEST_MS,
  );

  it(
    "simgate activations close ID --status 4 frees the number like FINISH_ACTIVATION, is idempotent, and refuses unknown ids and bad statuses in one line",
    async () => {
      expect(issued).toBeDefined();
      const { id, number } = issued!;
      expect(await telegramCount(d)).toBe(0);

      const closed = await runSimgate(["activations", "close", String(id), "--status", "4", ...admin], CLI_MS, { SIMGATE_ADMIN_TOKEN: d.adminToken });
      expect(closed.stderr).toBe("");
      expect(closed.code).toBe(0);
      expect(closed.stdout).toBe(`activation #${id} (+${number}, telegram) closed by operator with status 4 (cancelled); the number is free again\n`);
      expect(await telegramCount(d)).toBe(1);
      const line = await waitFor("the close log line", () => logs().find((l) => l["event"] === "activation-closed" && l["activationId"] === id), 10_000);
      expect(line).toMatchObject({ by: "operator", msg: expect.stringContaining("closed by operator") });

      const again = await runSimgate(["activations", "close", String(id), "--status", "3", ...admin], CLI_MS, { SIMGATE_ADMIN_TOKEN: d.adminToken });
      expect(again).toMatchObject({ code: 0, stdout: `activation #${id} was already closed with status 4 (cancelled); nothing changed\n` });
      // Onlinesim's own FINISH afterwards is the idempotent repeat.
      expect((await d.partner({ action: "FINISH_ACTIVATION", activationId: id, status: 4, key: E2E_KEY })).json).toEqual({ status: "SUCCESS" });
      const list = await runSimgate(["activations", ...admin], CLI_MS, { SIMGATE_ADMIN_TOKEN: d.adminToken });
      expect(list.stdout).toMatch(new RegExp(`^#${id}\\s+onlinesim\\s+4 cancelled, by operator\\s`, "m"));

      const unknown = await runSimgate(["activations", "close", "999999", "--status", "3", ...admin], CLI_MS, { SIMGATE_ADMIN_TOKEN: d.adminToken });
      expect(unknown).toMatchObject({ code: 1, stdout: "", stderr: "simgate activations: no activation #999999 was ever issued\n" });
      const badStatus = await runSimgate(["activations", "close", String(id), "--status", "2", ...admin], CLI_MS, { SIMGATE_ADMIN_TOKEN: d.adminToken });
      expect(badStatus.code).toBe(2);
      expect(badStatus.stderr).toBe("simgate activations: --status must be one of 1 (excluded), 3 (sold), 4 (cancelled), 5 (refunded), got '2'\n");
      const badId = await runSimgate(["activations", "close", "abc", "--status", "3", ...admin], CLI_MS, { SIMGATE_ADMIN_TOKEN: d.adminToken });
      expect(badId.code).toBe(2);
      expect(badId.stderr.split("\n")).toHaveLength(2);
      // The admin API itself refuses an undocumented status the CLI would not send.
      expect(await d.adminPost(`/api/activations/${id}/close`, { status: 7 })).toMatchObject({ status: 400, json: { error: "BAD_STATUS" } });
    },
    TEST_MS,
  );

  it(
    "SIGSTOP before the daemon even read the request, the client gives up: nothing is reserved",
    async () => {
      expect(await telegramCount(d)).toBe(1);
      const before = (await d.adminGet("/api/activations?limit=1")).activations[0]?.id ?? 0;
      const body = await orderBody(d);
      d.proc.child.kill("SIGSTOP");
      try {
        await pendingOrder(d.partnerUrl, body).giveUp();
      } finally {
        d.proc.child.kill("SIGCONT");
      }
      // The request and the FIN wait in the kernel together; no order may come of them.
      expect(await telegramCount(d)).toBe(1);
      const listed = await d.adminGet("/api/activations?limit=1");
      expect(listed.open).toBe(0);
      expect(listed.activations[0]?.id ?? 0).toBe(before);
    },
    TEST_MS,
  );
});

describe("overdue release through the daemon (engine.releaseFactor 0.02 of a 60 s operation)", () => {
  let d: DaemonProcess;
  let logs: () => Array<Record<string, any>>;

  beforeAll(async () => {
    d = await startDaemonProcess({
      modems: 1,
      config: { engine: { services: ["telegram"], activationLifeMs: 60_000, releaseFactor: 0.02 } },
      env: { SIMGATE_LOG_FORMAT: "json" },
    });
    logs = collectLogs(d);
    await waitSettled(d, 1);
  }, 120_000);

  afterAll(async () => {
    await d?.proc.stop();
    if (d) rmSync(d.stateDir, { recursive: true, force: true });
  }, TEST_MS);

  it(
    "releases an activation without SMS or FINISH, logs one line with id, number, port and age, counts it; a late FINISH answers SUCCESS and is earned once",
    async () => {
      const order = await d.partner(await orderBody(d));
      expect(order.json.status).toBe("SUCCESS");
      const id = order.json.activationId as number;
      const line = await waitFor("the release log line", () => logs().find((l) => l["event"] === "activation-released" && l["activationId"] === id), 30_000);
      expect(line).toMatchObject({ level: 40, number: `+${order.json.number}`, sms: false });
      expect(line["ageMs"]).toBeGreaterThan(1_200);
      expect(line["msg"]).toMatch(new RegExp(`^released activation #${id} \\(\\+${order.json.number}, port \\S+, telegram\\): no FINISH_ACTIVATION \\d+ s after it was issued`));
      expect(await telegramCount(d)).toBe(1);
      const metrics = await (await fetch(`${d.adminUrl}/metrics`)).text();
      expect(metrics).toContain('simgate_activations_released_total{reason="overdue"} 1');
      const list = await runSimgate(["activations", "--admin", d.adminUrl.replace("http://", "")], CLI_MS, { SIMGATE_ADMIN_TOKEN: d.adminToken });
      expect(list.stdout).toMatch(new RegExp(`^#${id}\\s+onlinesim\\s+released \\(overdue, no FINISH\\)\\s+${order.json.number}\\s`, "m"));

      const finish = { action: "FINISH_ACTIVATION", activationId: id, status: 3, sum: 9.5, key: E2E_KEY };
      expect((await d.partner(finish)).json).toEqual({ status: "SUCCESS" });
      expect((await d.partner(finish)).json).toEqual({ status: "SUCCESS" });
      const after = await (await fetch(`${d.adminUrl}/metrics`)).text();
      expect(after).toContain("simgate_earnings_rub_total 9.5");
      expect(after).toContain('simgate_activations_closed_total{status="3"} 1');
      const listed = await d.adminGet("/api/activations?limit=5");
      expect(listed.activations.find((a: any) => a.id === id)).toMatchObject({ closeReason: "overdue", status: 3, finishSum: 9.5 });
    },
    TEST_MS,
  );
});
