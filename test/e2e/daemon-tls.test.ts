/**
 * End to end, built-in TLS: the real `simgate run` process serving its partner endpoint over
 * HTTPS from http.tls files; SIGHUP (what `systemctl reload simgate` sends) swaps in a new
 * certificate for new connections while an open keep-alive connection carries on; a bad
 * file on SIGHUP keeps the old certificate and says why; SIGHUP never kills the daemon,
 * with or without TLS; an unusable certificate refuses the start with one line.
 *
 * The TLS daemon is started with startSimgate, not startDaemonProcess: that helper waits
 * for an `http:` partner URL and talks plain HTTP to it.
 */
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimgate, type LongRunning } from "../helpers/cli.js";
import { E2E_KEY, freePort, startDaemonProcess, waitFor, type DaemonProcess } from "../helpers/daemon.js";
import { httpsPost, makeCert, type TestCert } from "../helpers/tls.js";

interface LogLine {
  event?: string;
  [field: string]: unknown;
}

/** Every JSON line the process writes on stdout from now on. */
function collectLogs(proc: LongRunning): () => LogLine[] {
  let text = "";
  proc.child.stdout!.on("data", (d: Buffer) => (text += d.toString("utf8")));
  return () =>
    text
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as LogLine);
}

const alive = (proc: LongRunning): boolean => proc.child.exitCode === null && proc.child.signalCode === null;

/** Replace a file the way a renewal tool should: write aside, then rename over it. */
function replaceFile(from: string, to: string): void {
  copyFileSync(from, `${to}.new`);
  renameSync(`${to}.new`, to);
}

const services = { action: "GET_SERVICES", key: E2E_KEY };

describe("simgate run with http.tls", () => {
  let dir: string;
  let one: TestCert;
  let two: TestCert;
  let certFile: string;
  let keyFile: string;
  let proc: LongRunning;
  let logs: () => LogLine[];
  let partnerUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "simgate-e2e-tls-"));
    one = makeCert(dir, "one");
    two = makeCert(dir, "two");
    mkdirSync(join(dir, "tls"));
    certFile = join(dir, "tls", "server.crt");
    keyFile = join(dir, "tls", "server.key");
    copyFileSync(one.certFile, certFile);
    copyFileSync(one.keyFile, keyFile);
    const configFile = join(dir, "simgate.yaml");
    writeFileSync(configFile, stringify({ http: { tls: { cert: certFile, key: keyFile } } }));
    const [partnerPort, adminPort] = [await freePort(), await freePort()];
    proc = startSimgate(
      ["run", "--simulate", "1", "--config", configFile, "--state-dir", dir, "--listen", `127.0.0.1:${partnerPort}`, "--admin", `127.0.0.1:${adminPort}`],
      { env: { SIMGATE_ONLINESIM_KEY: E2E_KEY } },
    );
    logs = collectLogs(proc);
    const m = await proc.waitStderr(/partner endpoint (\S+), admin (http:[^,\s]+)/, 60_000);
    partnerUrl = m[1]!;
    await waitFor("readyz", async () => (await fetch(`${m[2]}/readyz`)).ok, 60_000);
  }, 90_000);

  afterAll(async () => {
    await proc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("says https:// and serves the configured certificate", async () => {
    expect(partnerUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const a = await httpsPost(partnerUrl + "/", services, { ca: [one.cert] });
    expect(a.status).toBe(200);
    expect(a.json["status"]).toBe("SUCCESS");
    expect(a.fingerprint256).toBe(one.fingerprint256);
    expect(logs().find((l) => l.event === "tls-certificate")).toMatchObject({ fingerprint256: one.fingerprint256, cert: certFile });
  });

  it("SIGHUP: new connections get the new certificate, an open keep-alive connection goes on working", async () => {
    const ca = [one.cert, two.cert];
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });
    try {
      const before = await httpsPost(partnerUrl + "/", services, { ca, agent });
      expect(before.fingerprint256).toBe(one.fingerprint256);

      replaceFile(two.keyFile, keyFile);
      replaceFile(two.certFile, certFile);
      proc.child.kill("SIGHUP");
      const reloaded = await waitFor("the tls-reloaded line", () => logs().find((l) => l.event === "tls-reloaded"), 10_000);
      expect(reloaded).toMatchObject({ fingerprint256: two.fingerprint256, subject: "CN=simgate-test-two" });
      expect(alive(proc)).toBe(true);

      const again = await httpsPost(partnerUrl + "/", services, { ca, agent });
      expect(again.status).toBe(200);
      expect(again.socket).toBe(before.socket);
      const fresh = await httpsPost(partnerUrl + "/", services, { ca });
      expect(fresh.status).toBe(200);
      expect(fresh.fingerprint256).toBe(two.fingerprint256);
    } finally {
      agent.destroy();
    }
  });

  it("SIGHUP with a broken certificate file: keeps serving the previous certificate and logs why", async () => {
    writeFileSync(certFile, "-----BEGIN CERTIFICATE-----\ntruncated by a failed renewal\n");
    proc.child.kill("SIGHUP");
    const failed = await waitFor("the tls-reload-failed line", () => logs().find((l) => l.event === "tls-reload-failed"), 10_000);
    expect(failed["reason"]).toMatch(/^http\.tls\.cert: .*server\.crt holds no PEM certificate$/);
    expect(failed["level"]).toBe(50);
    expect(alive(proc)).toBe(true);
    const fresh = await httpsPost(partnerUrl + "/", services, { ca: [one.cert, two.cert] });
    expect(fresh.status).toBe(200);
    expect(fresh.fingerprint256).toBe(two.fingerprint256);
  });

  it("still stops cleanly on SIGTERM", async () => {
    expect(await proc.stop()).toBe(0);
  });
});

describe("simgate run without http.tls", () => {
  let daemon: DaemonProcess | undefined;

  afterAll(async () => {
    await daemon?.proc.stop();
    if (daemon) rmSync(daemon.stateDir, { recursive: true, force: true });
  });

  it("SIGHUP does not kill it (node's default would): one line saying there is nothing to reload, and it keeps serving", async () => {
    daemon = await startDaemonProcess({ modems: 1 });
    const logs = collectLogs(daemon.proc);
    daemon.proc.child.kill("SIGHUP");
    const skipped = await waitFor("the tls-reload-skipped line", () => logs().find((l) => l.event === "tls-reload-skipped"), 10_000);
    expect(skipped["msg"]).toBe("TLS is off (http.tls not set): nothing to reload");
    expect(alive(daemon.proc)).toBe(true);
    expect((await daemon.partner(services)).status).toBe(200);
    expect(await daemon.proc.stop()).toBe(0);
  }, 90_000);
});

describe("simgate run with an unusable http.tls", () => {
  it("refuses to start with one line naming the file, exit 78 (a restart cannot fix it)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "simgate-e2e-badtls-"));
    try {
      const configFile = join(dir, "simgate.yaml");
      writeFileSync(configFile, stringify({ http: { tls: { cert: join(dir, "missing.crt"), key: join(dir, "missing.key") } } }));
      const proc = startSimgate(["run", "--simulate", "1", "--config", configFile, "--state-dir", dir, "--listen", `127.0.0.1:${await freePort()}`, "--admin", `127.0.0.1:${await freePort()}`], {
        env: { SIMGATE_ONLINESIM_KEY: E2E_KEY },
      });
      const timer = setTimeout(() => proc.child.kill("SIGKILL"), 60_000);
      const code = await proc.exited;
      clearTimeout(timer);
      expect(code).toBe(78);
      const lines = proc.stderr().trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^simgate run: http\.tls\.cert: cannot read .*missing\.crt: no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
