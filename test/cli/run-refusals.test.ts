/**
 * Under systemd, why `simgate run` did not start must reach `journalctl -p err`: stderr goes
 * to the journal too, and journald files a line without a `<N>` prefix at info. Each case
 * starts the real `simgate run` (the compiled build) in journal mode and checks that every
 * line carries a priority, that the refusal is one `<3>` line, and that it names the remedy.
 */
import { spawn } from "node:child_process";
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO, SIMGATE, runSimgate } from "../helpers/cli.js";

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), "simgate-refusal-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const KEY = "k-123456789";
const LOOPBACK = ["--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"];

/** `simgate run ARGS` in journal mode (SIMGATE_LOG_FORMAT=journal, as systemd's JOURNAL_STREAM would choose). */
async function runJournal(args: string[], env: Record<string, string> = {}) {
  const saved = { ...process.env };
  delete process.env.SIMGATE_ONLINESIM_KEY;
  delete process.env.CREDENTIALS_DIRECTORY;
  Object.assign(process.env, { SIMGATE_LOG_FORMAT: "journal" }, env);
  try {
    return await runSimgate(["run", ...args], 30_000);
  } finally {
    process.env = saved;
  }
}

/** Every line of `text` has a journal priority prefix. */
function expectPrefixed(text: string): void {
  for (const line of text.split("\n").filter((l) => l !== "")) expect(line, text).toMatch(/^<[0-7]>/);
}

/**
 * The one stderr line of a refusal: `<3>simgate run: …`. Exit 78 (EX_CONFIG) when starting
 * again unchanged cannot help, so systemd does not restart it (RestartPreventExitStatus=);
 * 1 when it may (a port or a lock still held).
 */
function refusal(r: { code: number | null; stdout: string; stderr: string }, code = 78): string {
  expect(r.code, r.stderr + r.stdout).toBe(code);
  expectPrefixed(r.stdout);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^<3>simgate run: /);
  return lines[0]!;
}

function listening(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

describe("simgate run refusals in journal mode: one <3> line naming the remedy", () => {
  it("no Onlinesim key", async () => {
    const line = refusal(await runJournal(["--simulate", "1", "--state-dir", tempDir(), ...LOOPBACK]));
    expect(line).toMatch(/no Onlinesim key: set SIMGATE_ONLINESIM_KEY/);
  });

  it("a key too short: names the variable it came from, not a config path", async () => {
    const line = refusal(await runJournal(["--simulate", "1", "--state-dir", tempDir(), ...LOOPBACK], { SIMGATE_ONLINESIM_KEY: "abc" }));
    expect(line).toMatch(/SIMGATE_ONLINESIM_KEY \(from the environment\): too short \(at least 8 characters\)/);
    expect(line).not.toContain("onlinesim.key");
    expect(line).not.toContain("abc");
  });

  it("a key too short from the systemd credential: names the credential", async () => {
    const creds = tempDir();
    writeFileSync(join(creds, "onlinesim-key"), "short\n");
    const line = refusal(await runJournal(["--simulate", "1", "--state-dir", tempDir(), ...LOOPBACK], { CREDENTIALS_DIRECTORY: creds }));
    expect(line).toContain(`the systemd credential onlinesim-key (${creds}/onlinesim-key): too short`);
  });

  it("the partner address is in use (the log so far carries priorities and the version first)", async () => {
    const { server, port } = await listening();
    try {
      const r = await runJournal(["--simulate", "1", "--state-dir", tempDir(), "--listen", `127.0.0.1:${port}`, "--admin", "127.0.0.1:0"], { SIMGATE_ONLINESIM_KEY: KEY });
      const line = refusal(r, 1);
      expect(line).toMatch(new RegExp(`partner endpoint: cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use`));
      expect(line).toMatch(/choose another HOST:PORT \(--listen or http\.listen/);
      expect(r.stdout.split("\n")[0]).toMatch(/^<6>simgate \d+\.\d+\.\d+\S* starting version=/);
    } finally {
      server.close();
    }
  });

  it("the state directory cannot be created (a file is in the way)", async () => {
    const file = join(tempDir(), "a-file");
    writeFileSync(file, "");
    const line = refusal(await runJournal(["--simulate", "1", "--state-dir", join(file, "state"), ...LOOPBACK], { SIMGATE_ONLINESIM_KEY: KEY }));
    expect(line).toContain(`${file} is a file, not a directory: choose another with --state-dir or stateDir`);
  });

  it("the state directory is on /proc: refused at once instead of spinning in mkdir", async () => {
    const line = refusal(await runJournal(["--simulate", "1", "--state-dir", "/proc/simgate-state", ...LOOPBACK], { SIMGATE_ONLINESIM_KEY: KEY }));
    expect(line).toMatch(/state directory \/proc\/simgate-state: cannot create \/proc\/simgate-state: \/proc does not accept new directories .*choose another with --state-dir/);
  });

  it("an invalid config: every problem on the one line, and how to check a file", async () => {
    const file = join(tempDir(), "bad.yaml");
    writeFileSync(file, "http:\n  listen: nowhere\nengine:\n  colour: blue\n");
    const line = refusal(await runJournal(["--config", file], { SIMGATE_ONLINESIM_KEY: KEY }));
    expect(line).toContain(`${file}: invalid config: `);
    expect(line).toContain("http.listen");
    expect(line).toContain("engine.colour: unknown key");
    expect(line).toContain("'simgate config check FILE'");
  });

  it("a config file that is not there", async () => {
    const line = refusal(await runJournal(["--config", "/nonexistent/simgate.yaml"], { SIMGATE_ONLINESIM_KEY: KEY }));
    expect(line).toMatch(/\/nonexistent\/simgate\.yaml: cannot read config: no such file — check the path/);
  });

  it("a bad flag: exit 2, and the help that follows carries the prefix too", async () => {
    const r = await runJournal(["--simulate", "zero"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^<3>simgate run: --simulate takes a whole number/);
    expectPrefixed(r.stderr);
  });

  it("JOURNAL_STREAM naming stderr is enough (what systemd sets), no SIMGATE_LOG_FORMAT needed", async () => {
    const dir = tempDir();
    const out = join(dir, "journal");
    const fd = openSync(out, "w");
    const st = fstatSync(fd);
    const env: NodeJS.ProcessEnv = { ...process.env, JOURNAL_STREAM: `${st.dev}:${st.ino}` };
    delete env.SIMGATE_LOG_FORMAT;
    delete env.SIMGATE_ONLINESIM_KEY;
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [SIMGATE, "run", "--simulate", "1", "--state-dir", join(dir, "state"), ...LOOPBACK], { cwd: REPO, env, stdio: ["ignore", fd, fd] });
      child.once("exit", resolve);
    });
    closeSync(fd);
    expect(code).toBe(78);
    const text = readFileSync(out, "utf8");
    expectPrefixed(text);
    expect(text).toMatch(/^<3>simgate run: no Onlinesim key: set SIMGATE_ONLINESIM_KEY/m);
  });
});

describe("outside the journal nothing changes", () => {
  it("a refusal is a plain line", async () => {
    const r = await runJournal(["--simulate", "1", "--state-dir", tempDir(), ...LOOPBACK], { SIMGATE_LOG_FORMAT: "json" });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/^simgate run: no Onlinesim key/);
  });
});
