/**
 * `simgate number check` (no daemon) and the command's usage errors, as the real CLI
 * process. `simgate number set` against a running daemon is in test/e2e/daemon-numbers.test.ts.
 */
import { describe, expect, it } from "vitest";
import { runSimgate } from "../helpers/cli.js";

const number = (...args: string[]) => runSimgate(["number", ...args], 60_000);

describe("simgate number check", () => {
  it("reads a national number in the SIM's country (--mcc) and prints E.164, country and type", async () => {
    const r = await number("check", "9123456789", "--mcc", "404");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe("+919123456789 (IN, mobile)\n");
    expect((await number("check", "8 701 234-56-78", "--mcc", "401")).stdout).toBe("+77012345678 (KZ, mobile)\n");
  });

  it("refuses with the reason and exit 1", async () => {
    const r = await number("check", "9123", "--mcc", "404");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('refused: "9123" is not a valid IN mobile number\n');
    const hotline = await number("check", "88005553535", "--mcc", "250");
    expect(hotline.stdout).toMatch(/toll-free RU number, not a mobile one/);
  });

  it("without --mcc the number must carry its calling code", async () => {
    expect((await number("check", "+7 916 123 45 67")).stdout).toBe("+79161234567 (RU, mobile)\n");
    const r = await number("check", "89161234567");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/has no calling code: write it as \+<country code><number>/);
  });

  it("usage errors exit 2 with a one-line reason", async () => {
    expect(await number()).toMatchObject({ code: 2, stderr: expect.stringMatching(/^simgate number: give a subcommand/) });
    expect(await number("frob")).toMatchObject({ code: 2, stderr: expect.stringMatching(/^simgate number: unknown subcommand 'frob'/) });
    expect(await number("check", "123", "--mcc", "999")).toMatchObject({ code: 2, stderr: "simgate number check: --mcc 999 is not a mobile country code simgate knows\n" });
    expect(await number("set", "8970101234567890123")).toMatchObject({ code: 2, stderr: expect.stringMatching(/give an ICCID and a number/) });
  });
});
