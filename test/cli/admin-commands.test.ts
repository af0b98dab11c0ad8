/**
 * `simgate status|sms|at|activations` as an operator runs them: the real CLI process
 * against the real daemon process (`simgate run --simulate 4`), with `--admin HOST:PORT`
 * and `--config FILE` (whose stateDir leads the CLI to the admin token the daemon
 * generated, as `sudo simgate status` finds it on a real host); the helpful failures (no
 * daemon, no token, unknown port, refused command, usage); and a daemon with admin.token
 * (401 without it, works with it from --config or SIMGATE_ADMIN_TOKEN).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSimgate, startSimgate, type LongRunning, type RunResult } from "../helpers/cli.js";
import { E2E_KEY, freePort, startDaemonProcess, waitFor, waitSettled, type DaemonProcess } from "../helpers/daemon.js";
import { OPERATORS } from "../../src/sim/operators.js";

const base = (id: string) => id.slice(id.lastIndexOf("/") + 1);

/**
 * Each CLI run is a fresh node process: well under a second on an idle machine, far more
 * when other suites share the two cores. Bounded generously, and few runs per test.
 */
const CLI_MS = 60_000;
const TEST_MS = 180_000;

/** The table row of one port: the line starting with its short name. */
const rowOf = (out: string, name: string) => out.split("\n").find((l) => l.startsWith(`${name} `)) ?? "";

describe("admin CLI commands against the running daemon", () => {
  let d: DaemonProcess;
  let ready: any[];
  let admin: string[];
  const simgate = (...args: string[]): Promise<RunResult> => runSimgate([...args, ...admin], CLI_MS);

  beforeAll(async () => {
    d = await startDaemonProcess({ modems: 4, seed: "3" });
    admin = ["--admin", d.adminUrl.replace("http://", ""), "--config", d.configFile];
    ready = await waitSettled(d, 3);
  }, 120_000);

  afterAll(async () => {
    await d?.proc.stop();
    if (d) rmSync(d.stateDir, { recursive: true, force: true });
  }, TEST_MS);

  it("status: one table row per port with its state, operator, number and signal", async () => {
    const r = await simgate("status");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^port\s+state\s+operator\s+number\s+signal\s+activation\s+last SMS$/);
    const ports = (await d.status()).ports;
    expect(ports).toHaveLength(4);
    for (const p of ports) {
      const row = rowOf(r.stdout, base(p.id));
      expect(row, `row of ${base(p.id)}`).toContain(` ${p.state} `);
      if (p.number) expect(row).toContain(p.number);
      const operator = p.network?.operator ?? p.operator;
      if (operator) expect(row).toContain(` ${operator} `);
      if (p.signal !== null) expect(row).toContain(`${p.signal} dBm`);
    }
    expect(r.stdout).toMatch(/\n4 ports, \d ready, 0 open activations\n$/);
    const json = JSON.parse((await simgate("status", "--json")).stdout);
    expect(json.ports.map((p: any) => p.id)).toEqual(ports.map((p: any) => p.id));
    expect(json.ports[0]).toHaveProperty("lastSms");
  }, TEST_MS);

  it("status: the last SMS column shows what the port received", async () => {
    const p = ready[2];
    const text = `status column ${Date.now()}`;
    await d.adminPost("/api/simulator/sms", { port: base(p.id), sender: "Viber", text });
    await waitFor("the SMS stored", async () => (await d.status()).ports.find((x: any) => x.id === p.id).lastSms?.text === text);
    const r = await simgate("status");
    expect(rowOf(r.stdout, base(p.id))).toMatch(new RegExp(`\\d+s ago Viber: ${text}$`));
  }, TEST_MS);

  it("sms: shows an SMS injected at the modem with its exact text, filtered by --port and --since", async () => {
    const [a, b] = ready;
    const textA = `Ваш код 2718 ${Date.now()} ✅`;
    const textB = `for the other port ${Date.now()}`;
    await d.adminPost("/api/simulator/sms", { port: base(a.id), sender: "Telegram", text: textA });
    await d.adminPost("/api/simulator/sms", { port: base(b.id), sender: "+4917000", text: textB });
    const stored = await waitFor("both SMS stored", async () => {
      const { sms } = await d.adminGet("/api/sms");
      const sa = sms.find((s: any) => s.text === textA);
      return sa && sms.some((s: any) => s.text === textB) ? sa : undefined;
    });
    const all = await simgate("sms");
    expect(all.code).toBe(0);
    expect(all.stdout.split("\n")[0]).toMatch(/^received\s+port\s+from\s+delivery\s+text$/);
    const line = all.stdout.split("\n").find((l) => l.endsWith(textA));
    expect(line).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  ${base(a.id)}\\s+Telegram\\s+unrouted\\s+`));
    const onA = await simgate("sms", "--port", base(a.id));
    expect(onA.stdout).toContain(textA);
    expect(onA.stdout).not.toContain(textB);
    expect(onA.stdout).toMatch(new RegExp(`\\n1 SMS on ${base(a.id)}\\n$`));
    const since = await simgate("sms", "--port", base(a.id), "--since", String(stored.receivedAt));
    expect(since.stdout).toContain(textA);
    const after = await simgate("sms", "--port", base(a.id), "--since", String(stored.receivedAt + 1));
    expect(after.stdout).toMatch(/^no SMS on \S+ since /);
    // --json names the port as the table and --port do, the daemon's id beside it.
    const json = JSON.parse((await simgate("sms", "--port", base(a.id), "--json")).stdout);
    expect(json).toMatchObject({ port: base(a.id), portId: a.id });
    expect(json.sms).toEqual([expect.objectContaining({ port: base(a.id), portId: a.id, sender: "Telegram", text: textA })]);
    const unknown = await simgate("sms", "--port", "modem99");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^simgate sms: no port 'modem99'; known ports: modem0, modem1, modem2, modem3\n$/);
    const bad = await simgate("sms", "--since", "yesterday");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since takes an age");
  }, TEST_MS);

  it("at: AT+CSQ answers +CSQ and OK through the port's queue while the daemon keeps serving", async () => {
    const port = base(ready[0].id);
    const [one, two, services] = await Promise.all([
      simgate("at", port, "AT+CSQ"),
      simgate("at", base(ready[1].id), "AT+CGSN"),
      Promise.all(Array.from({ length: 5 }, () => d.partner({ action: "GET_SERVICES", key: E2E_KEY }))),
    ]);
    expect(one).toMatchObject({ code: 0, stderr: "" });
    expect(one.stdout).toMatch(/^\+CSQ: \d+,\d+\nOK\n$/);
    expect(two.stdout).toMatch(/^\d{15}\nOK\n$/);
    for (const s of services) expect(s.json.status).toBe("SUCCESS");
    const json = JSON.parse((await simgate("at", port, "AT+CPIN?", "--json")).stdout);
    expect(json).toMatchObject({ port, portId: ready[0].id, lines: ["+CPIN: READY"], final: "OK", ok: true });
    const error = await simgate("at", port, "AT+NOSUCH");
    expect(error).toMatchObject({ code: 1, stdout: "ERROR\n" });
    // --json: the module's verdict alone, no "status":"SUCCESS" (the request was served) beside "ok":false.
    const errorJson = JSON.parse((await simgate("at", port, "AT+NOSUCH", "--json")).stdout);
    expect(errorJson).toEqual({ port, portId: ready[0].id, command: "AT+NOSUCH", lines: [], final: "ERROR", ok: false, durationMs: expect.any(Number) });
    expect((await d.status()).ports.find((p: any) => p.id === ready[0].id).state).toBe("ready");
  }, TEST_MS);

  it("at: a USSD request prints the network's +CUSD answer after the OK, decoded", async () => {
    const p = ready[1];
    const operator = OPERATORS.find((o) => o.mcc === p.mcc && o.mnc === p.mnc)!;
    const [code, reply] = Object.entries(operator.ussd)[0]!;
    const expected = reply.text.replaceAll("{number}", p.number);
    const r = await simgate("at", base(p.id), `AT+CUSD=1,"${code}",15`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const [ok, line, answer, end] = r.stdout.split("\n");
    expect(ok).toBe("OK");
    expect(line).toMatch(/^\+CUSD: 0,"[^"]+",\d+$/);
    expect(answer).toBe(`USSD answer (no further action required): ${expected}`);
    expect(end).toBe("");
    const json = JSON.parse((await simgate("at", base(p.id), `AT+CUSD=1,"${code}",15`, "--json")).stdout);
    expect(json).toMatchObject({ final: "OK", ok: true, ussd: { status: 0, text: expected } });
    // A code the operator does not know: the network says so (+CUSD: 4), still an answer.
    const unknown = await simgate("at", base(p.id), 'AT+CUSD=1,"*99999#",15');
    expect(unknown.stdout).toBe("OK\n+CUSD: 4\nUSSD answer (operation not supported): (no text)\n");
  }, TEST_MS);

  it("at: an unknown port, a refused command and missing arguments fail clearly", async () => {
    const unknown = await simgate("at", "modem99", "AT+CSQ");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^simgate at: no port 'modem99'; known ports: modem0, modem1, modem2, modem3\n$/);
    const refused = await simgate("at", base(ready[0].id), "AT+CFUN=1,1");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^simgate at: AT\+CFUN=1,1: changes the radio state or restarts the module.*; add --force to send it anyway\n$/);
    const missing = await simgate("at", base(ready[0].id));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("give a port and a command");
  }, TEST_MS);

  it("activations: an order made through the partner endpoint, then its finish", async () => {
    const services = await d.partner({ action: "GET_SERVICES", key: E2E_KEY });
    const country = services.json.countryList.find((c: any) => Object.values(c.operatorMap.any).some((n: any) => n > 0));
    const service = Object.entries(country.operatorMap.any).find(([, n]) => (n as number) > 0)![0];
    const order = await d.partner({ action: "GET_NUMBER", country: country.country, operator: "any", service, sum: 7.5, key: E2E_KEY });
    expect(order.json.status).toBe("SUCCESS");
    const id = order.json.activationId as number;
    const open = await simgate("activations");
    expect(open.code).toBe(0);
    const row = rowOf(open.stdout, `#${id}`);
    expect(row).toMatch(new RegExp(`^#${id}\\s+onlinesim\\s+open, 1[45]m left\\s+${order.json.number}\\s+${service}\\s+${country.country}/\\S+\\s+modem\\d\\s+7\\.5 RUB\\s`));
    expect(open.stdout).toMatch(/\n1 open, \d+ finished shown\n$/);
    const status = await simgate("status");
    expect(status.stdout).toMatch(new RegExp(`#${id} ${service} 1[45]m left`));
    expect((await d.partner({ action: "FINISH_ACTIVATION", activationId: id, status: 3, sum: 7, key: E2E_KEY })).json.status).toBe("SUCCESS");
    const done = await simgate("activations");
    expect(rowOf(done.stdout, `#${id}`)).toMatch(new RegExp(`^#${id}\\s+onlinesim\\s+3 sold\\s+${order.json.number}\\s+${service}\\s.*\\s7 RUB\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+0$`));
    const json = JSON.parse((await simgate("activations", "--json")).stdout);
    expect(json.activations.find((a: any) => a.id === id)).toMatchObject({ state: "finished", status: 3, finishSum: 7 });
  }, TEST_MS);

  it("finds the generated token through SIMGATE_STATE_DIR too; without any token: 401 explained, nothing shown", async () => {
    const address = d.adminUrl.replace("http://", "");
    const viaEnv = await runSimgate(["activations", "--admin", address], CLI_MS, { SIMGATE_STATE_DIR: d.stateDir });
    expect(viaEnv.stderr).toBe("");
    expect(viaEnv.code).toBe(0);
    const elsewhere = mkdtempSync(join(tmpdir(), "simgate-no-token-"));
    try {
      const none = await runSimgate(["status", "--admin", address], CLI_MS, { SIMGATE_STATE_DIR: elsewhere });
      expect(none.code).toBe(1);
      expect(none.stdout).toBe("");
      expect(none.stderr).toBe(`simgate status: admin API needs a token and ${join(elsewhere, "admin-token")} does not exist: set SIMGATE_ADMIN_TOKEN, or pass --config FILE of the daemon (its admin.token or stateDir)\n`);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  }, TEST_MS);

  it("no daemon at the address: says so and how to check, exit 1", async () => {
    const port = await freePort();
    for (const cmd of ["status", "activations"]) {
      const r = await runSimgate([cmd, "--admin", `127.0.0.1:${port}`], CLI_MS);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`simgate ${cmd}: no simgate daemon answers at 127.0.0.1:${port} — is it running? (systemctl status simgate)\n`);
    }
    const at = await runSimgate(["at", "modem0", "AT", "--admin", `127.0.0.1:${port}`], CLI_MS);
    expect(at.code).toBe(1);
    expect(at.stderr).toContain("no simgate daemon answers");
  }, TEST_MS);
});

describe("admin CLI commands against a daemon with admin.token", () => {
  const TOKEN = "cli-test-admin-token-0123456789";
  let dir: string;
  let configFile: string;
  let address: string;
  let proc: LongRunning | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "simgate-admin-cli-"));
    configFile = join(dir, "simgate.yaml");
    address = `127.0.0.1:${await freePort()}`;
    // admin.listen in the file: `simgate status --config FILE` finds address and token there.
    writeFileSync(configFile, stringify({ admin: { listen: address, token: TOKEN } }));
    const args = ["run", "--simulate", "1", "--config", configFile, "--state-dir", dir, "--listen", `127.0.0.1:${await freePort()}`];
    proc = startSimgate(args, { env: { SIMGATE_ONLINESIM_KEY: E2E_KEY } });
    await proc.waitStderr(/admin http:/, 60_000);
  }, 90_000);

  afterAll(async () => {
    await proc?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, TEST_MS);

  /** runSimgate inherits this process's environment, copied when the child is spawned. */
  function withEnvToken(token: string, args: string[]): Promise<RunResult> {
    process.env.SIMGATE_ADMIN_TOKEN = token;
    try {
      return runSimgate(args, CLI_MS);
    } finally {
      delete process.env.SIMGATE_ADMIN_TOKEN;
    }
  }

  it("without the token: 401 explained, exit 1", async () => {
    const r = await runSimgate(["status", "--admin", address], CLI_MS, { SIMGATE_STATE_DIR: join(dir, "elsewhere") });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^simgate status: admin API needs a token and \S+admin-token does not exist: set SIMGATE_ADMIN_TOKEN, or pass --config FILE of the daemon/);
  }, TEST_MS);

  it("with the token from --config (address too) or from SIMGATE_ADMIN_TOKEN: works", async () => {
    const fromConfig = await runSimgate(["status", "--config", configFile], CLI_MS);
    expect(fromConfig.stderr).toBe("");
    expect(fromConfig.stdout).toMatch(/^port\s+state/);
    expect(fromConfig.stdout).toMatch(/\n1 ports, /);
    const fromEnv = await withEnvToken(TOKEN, ["activations", "--admin", address]);
    expect(fromEnv).toMatchObject({ code: 0, stdout: "no activations yet\n" });
    const wrong = await withEnvToken("not-the-admin-token-xxxx", ["sms", "--admin", address]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe("simgate sms: admin API refused the token from SIMGATE_ADMIN_TOKEN: it does not match the daemon's admin token\n");
  }, TEST_MS);
});
