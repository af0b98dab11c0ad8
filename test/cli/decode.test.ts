import { describe, it, expect } from "vitest";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { V } from "../codec/vectors.js";
import { encodeUssdResponse } from "../../src/codec/index.js";

const REPO = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["bin/simgate.js", "decode", ...args], { cwd: REPO, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === "number" ? code : null, stdout, stderr });
    });
  });
}

describe("simgate decode pdu", () => {
  it("--json gives the contract fields", async () => {
    const r = await run(["pdu", V.telegram, "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ type: "deliver", sender: "Telegram", text: "hellohello", encoding: "gsm7", timestamp: "2024-03-15T10:20:30+05:45", concat: null, smsc: "+79168999100" });
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("--json for a concatenated part, a SUBMIT and a status report", async () => {
    const c = JSON.parse((await run(["pdu", V.concat16, "--json"])).stdout);
    expect(c).toMatchObject({ sender: "+79161234567", concat: { ref: 0x1234, total: 3, seq: 2 }, smsc: null });
    const s = JSON.parse((await run(["pdu", V.submit, "--json"])).stdout);
    expect(s).toMatchObject({ type: "submit", recipient: "+46708251358", timestamp: null });
    const sr = JSON.parse((await run(["pdu", V.statusReport, "--json"])).stdout);
    expect(sr).toMatchObject({ type: "status-report", recipient: "+31628870634", status: { code: 0, category: "delivered" } });
  });

  it("--no-smsc", async () => {
    const r = await run(["pdu", V.howAreYou.slice(16), "--json", "--no-smsc"]);
    expect(JSON.parse(r.stdout)).toMatchObject({ text: "How are you?", smsc: null, warnings: [] });
  });

  it("human output is a short block", async () => {
    const r = await run(["pdu", V.ucs2Emoji]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("from:       8916123456 (national)");
    expect(r.stdout).toContain("text:       Привет 😀");
  });

  it.each([
    ["07911326040000F0040B9113466100", /^simgate decode pdu: malformed PDU at byte 11: truncated/],
    ["0791ZZ", /^simgate decode pdu: malformed PDU at byte 2: not a hex digit/],
  ])("malformed %s → exit 2 and one line naming the byte", async (hex, re) => {
    const r = await run(["pdu", hex, "--json"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(re);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("usage errors exit 2", async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(["pdu"])).code).toBe(2);
    expect((await run(["pdu", "00", "--bogus"])).code).toBe(2);
  });
});

describe("simgate decode ussd", () => {
  it("UCS2 hex with DCS 72 → {status, text, dcs, decodedAs}", async () => {
    const line = `+CUSD: 0,"${encodeUssdResponse("Баланс: 100 руб.", "ucs2-hex")}",72`;
    const r = await run(["ussd", line, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 0, text: "Баланс: 100 руб.", dcs: 72, decodedAs: "ucs2-hex" });
  });

  it("unquoted packed 7-bit, no DCS", async () => {
    const r = await run(["ussd", `+CUSD: 0, ${encodeUssdResponse("Ihr Guthaben beträgt 5.78 Euro", "gsm7-packed-hex")}`, "--json"]);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 0, text: "Ihr Guthaben beträgt 5.78 Euro", dcs: null, decodedAs: "gsm7-packed-hex" });
  });

  it("plain text prints the text", async () => {
    const r = await run(["ussd", '+CUSD: 0,"Available Balance: R 96.45 .",15']);
    expect(r).toMatchObject({ code: 0, stdout: "Available Balance: R 96.45 .\n" });
  });

  it("+CUSD: 2 without text", async () => {
    const r = await run(["ussd", "+CUSD: 2", "--json"]);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 2, text: "", dcs: null, decodedAs: "text" });
  });

  it("not a +CUSD line → exit 2", async () => {
    const r = await run(["ussd", "OK"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/offset 0/);
  });
});
