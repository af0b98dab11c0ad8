/**
 * The Onlinesim key and the admin token never reach a log line, in any format: pino's
 * redact paths catch the known places, the literal scrub of the configured values catches
 * the rest (messages, odd field names, nested objects, error messages and stacks).
 */
import { describe, expect, it } from "vitest";
import { LogDestination, secretScrubber } from "../../src/log/destination.js";
import { createLogger, type LogFormat } from "../../src/log/logger.js";

const KEY = "onl1nesim-K3Y-abcdef0123";
const TOKEN = "admin-token-0123456789abcdef";
/** A secret with characters JSON escapes: its escaped form must be scrubbed too. */
const ODD = 'we"ird\\sec/ret';

function capture(format: LogFormat, secrets: string[] = [KEY, TOKEN, ODD]) {
  let text = "";
  const logger = createLogger({ level: "trace", format, secrets, destination: { write: (s: string) => (text += s) } });
  return { logger, text: () => text };
}

function logEverywhere(logger: ReturnType<typeof createLogger>): void {
  logger.info(`the key is ${KEY} and the token ${TOKEN}`);
  logger.info({ key: KEY, apikey: KEY, token: TOKEN, config: { onlinesim: { key: KEY }, admin: { token: TOKEN } } }, "known paths");
  logger.warn({ partnerKey: KEY, url: `http://x/?apikey=${KEY}`, headers: { authorization: `Bearer ${TOKEN}` } }, "odd fields");
  logger.info({ deep: { a: { b: { c: { d: KEY } } } }, list: [KEY, { t: TOKEN }], [KEY]: "as a field name" }, "nested");
  const err = Object.assign(new Error(`refused key ${KEY}`), { code: "E_KEY", detail: { token: TOKEN }, body: `key=${KEY}` });
  logger.error({ err }, "error object");
  logger.error(new Error(`bare error with ${TOKEN}`));
  logger.fatal({ err: new TypeError(`${KEY}${KEY}`) }, `fatal ${KEY}`);
  logger.child({ key: KEY, session: TOKEN }).info({ sender: `x${KEY}y` }, "child bindings");
  logger.debug({ odd: ODD, quoted: `say "${ODD}"` }, `odd ${ODD}`);
  logger.trace({ multi: `${KEY}\n${TOKEN}` }, "multiline");
}

describe.each(["json", "journal", "pretty"] as const)("secrets in %s output", (format) => {
  it("appear nowhere: messages, fields, nested objects, arrays, field names, errors, child bindings", () => {
    const { logger, text } = capture(format);
    logEverywhere(logger);
    const out = text();
    expect(out.split("\n").filter(Boolean).length).toBe(10);
    for (const secret of [KEY, TOKEN, ODD, JSON.stringify(ODD).slice(1, -1)]) expect(out).not.toContain(secret);
    // Nor a recognisable half of them (the scrub replaces whole values, it does not cut them).
    expect(out).not.toContain(KEY.slice(0, 12));
    expect(out).not.toContain(TOKEN.slice(0, 14));
    expect(out).toContain("[redacted]");
    expect(out).toContain("E_KEY"); // the rest of the error survives
  });

  it("still hides the pino-redacted paths with no secrets configured", () => {
    const { logger, text } = capture(format, []);
    logger.info({ key: KEY, config: { onlinesim: { key: KEY } }, req: { headers: { authorization: TOKEN } } }, "paths only");
    expect(text()).not.toContain(KEY);
    expect(text()).not.toContain(TOKEN);
  });
});

describe("secretScrubber", () => {
  it("ignores missing and very short secrets (they would mangle ordinary text)", () => {
    const scrub = secretScrubber([undefined, null, "", "1234", "abcde"]);
    expect(scrub("1234 abcde")).toBe("1234 abcde");
  });

  it("replaces the longer of two overlapping secrets whole", () => {
    const scrub = secretScrubber(["secret-1", "secret-1-and-more"]);
    expect(scrub("a secret-1-and-more b secret-1")).toBe("a [redacted] b [redacted]");
  });

  it("scrubs what the formatter produced, not only its input", () => {
    // A message with a real newline becomes `\n` in the journal line: a secret spelled with a
    // backslash-n must not be recreated by the escaping.
    const secret = "abc\\ndef-secret";
    let out = "";
    const d = new LogDestination({ format: "journal", out: { write: (s) => (out += s) }, secrets: [secret] });
    d.write(`${JSON.stringify({ level: 30, msg: "abc\ndef-secret" })}\n`);
    expect(out).toBe("<6>[redacted]\n");
  });
});
