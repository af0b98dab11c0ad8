/**
 * Config `modem.numbers`: the operator's ICCID → number map is validated like every number
 * the daemon sells, at load, with the key path; a good entry is normalised to E.164.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.js";
import { SimgateError } from "../../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "simgate-numbers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ICCID = "8970101234567890123";

function load(number: string) {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `modem:\n  numbers:\n    "${ICCID}": "${number}"\n`);
  return loadConfig({ file, env: {} });
}

function problems(number: string): string[] {
  try {
    load(number);
  } catch (err) {
    expect(err).toBeInstanceOf(SimgateError);
    return ((err as SimgateError).context.problems as string[] | undefined) ?? [(err as SimgateError).message];
  }
  throw new Error("expected a config error");
}

describe("config modem.numbers", () => {
  it("normalises a valid number to E.164", () => {
    expect(load("+7 916 123-45-67").config.modem.numbers).toEqual({ [ICCID]: "+79161234567" });
    expect(load("00919123456789").config.modem.numbers).toEqual({ [ICCID]: "+919123456789" });
  });

  it.each([
    ["89161234567", /has no calling code: write it as \+<country code><number>/],
    ["79161234567", /has no calling code/],
    ["+9123456789", /"\+9123456789" is not a valid IN mobile number/],
    ["+7012345678", /"\+7012345678" is not a valid \+7 mobile number/],
    ["+4930123456", /"\+4930123456" is a fixed-line DE number, not a mobile one/],
    ["+7 916", /is not a valid/],
  ])("refuses %s at load, naming the key", (number, reason) => {
    const found = problems(number);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^modem\\.numbers\\.${ICCID}: `));
    expect(found[0]).toMatch(reason);
  });
});
