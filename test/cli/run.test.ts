/**
 * `simgate run` refuses to start with a one-line reason when it cannot serve, and stops
 * within a few seconds on SIGTERM with everything closed.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runSimgate } from "../helpers/cli.js";
import { freePort, startDaemonProcess } from "../helpers/daemon.js";

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), "simgate-run-"));
  dirs.push(d);
  return d;
};

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** runSimgate with an environment (the key comes only from there). */
async function run(args: string[], env: Record<string, string> = {}) {
  const saved = { ...process.env };
  delete process.env.SIMGATE_ONLINESIM_KEY;
  Object.assign(process.env, env);
  try {
    return await runSimgate(args, 30_000);
  } finally {
    process.env = saved;
  }
}

/** Exit 78 (EX_CONFIG): another start unchanged fails the same way, so systemd must not restart it; 1 when it may help (a port still taken). */
describe("simgate run refuses to start, in one line", () => {
  it("without an Onlinesim key, naming where to put it", async () => {
    const r = await run(["run", "--simulate", "1", "--state-dir", tempDir(), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"]);
    expect(r.code).toBe(78);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/no Onlinesim key: set SIMGATE_ONLINESIM_KEY/);
  });

  it("with an invalid config, listing every problem by key path", async () => {
    const file = join(tempDir(), "bad.yaml");
    writeFileSync(file, "http:\n  listen: nowhere\nonlinesim:\n  mode: v3\nengine:\n  colour: blue\n");
    const r = await run(["run", "--config", file], { SIMGATE_ONLINESIM_KEY: "k-123456789" });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("http.listen");
    expect(r.stderr).toContain("onlinesim.mode");
    expect(r.stderr).toContain("engine.colour: unknown key");
  });

  it("when the partner port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await run(["run", "--simulate", "1", "--state-dir", tempDir(), "--listen", `127.0.0.1:${port}`, "--admin", `127.0.0.1:${await freePort()}`], { SIMGATE_ONLINESIM_KEY: "k-123456789" });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`partner endpoint: cannot listen on 127.0.0.1:${port}: the address is in use`));
    } finally {
      blocker.close();
    }
  });

  it("when the state directory is not writable", async () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere: use a path under a regular file instead, which no one can create.
      const file = join(tempDir(), "a-file");
      writeFileSync(file, "");
      const r = await run(["run", "--simulate", "1", "--state-dir", join(file, "state"), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"], { SIMGATE_ONLINESIM_KEY: "k-123456789" });
      expect(r.code).toBe(78);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/simgate run: .*state/);
    } else {
      const dir = tempDir();
      chmodSync(dir, 0o500);
      const r = await run(["run", "--simulate", "1", "--state-dir", join(dir, "state"), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"], { SIMGATE_ONLINESIM_KEY: "k-123456789" });
      expect(r.code).toBe(78);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("with bad flags, exit 2 and the reason", async () => {
    const r = await run(["run", "--simulate", "zero"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--simulate takes a whole number");
  });
});

describe("simgate run stops on SIGTERM", () => {
  it("within a few seconds, exit 0, listeners closed", async () => {
    const d = await startDaemonProcess({ modems: 4 });
    dirs.push(d.stateDir);
    const t0 = Date.now();
    const code = await d.proc.stop();
    const ms = Date.now() - t0;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
    await expect(fetch(`${d.partnerUrl}/`, { method: "POST", body: "{}" })).rejects.toThrow();
  }, 90_000);
});
