/**
 * What a new user types first: the version, and help for one command. `simgate --version`
 * and `simgate version` print the package's version; `simgate help run` is `simgate run
 * --help`; `simgate config --help` is a real help text on stdout, not a usage line on stderr.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runSimgate } from "../helpers/cli.js";

const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;

describe("simgate --version / simgate version", () => {
  it.each([["--version"], ["version"]])("simgate %s prints the package version", async (arg) => {
    const r = await runSimgate([arg]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`simgate ${version}\n`);
    expect(r.stderr).toBe("");
  });

  it("the command list names it", async () => {
    const r = await runSimgate(["--help"]);
    expect(r.stdout).toMatch(/^ {2}version +print simgate's version/m);
  });
});

describe("help for one command", () => {
  it("simgate help run prints run's own help, exactly as run --help", async () => {
    const [viaHelp, viaFlag] = await Promise.all([runSimgate(["help", "run"]), runSimgate(["run", "--help"])]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toMatch(/^usage: simgate run /);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  it("simgate help with an unknown command still lists the commands", async () => {
    const r = await runSimgate(["help", "nonsense"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: simgate <command>/);
  });

  it("simgate config --help explains every subcommand on stdout (exit 0)", async () => {
    const r = await runSimgate(["config", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^usage: simgate config check FILE \| show \[FILE\] \| example\n/);
    for (const sub of ["check FILE", "show [FILE]", "example"]) expect(r.stdout).toContain(`\n  ${sub}`);
    expect((await runSimgate(["config", "check", "--help"])).stdout).toBe(r.stdout);
  });

  it("simgate config with nothing to do says so, with the help, exit 2", async () => {
    const r = await runSimgate(["config"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^simgate config: missing a subcommand\nusage: simgate config/);
  });
});
