/**
 * What makes the log trustworthy to read and to ship: no line repeats a key (a strict
 * parser refuses those), stack traces only when running at debug level, Fastify's own
 * "Server listening" line does not repeat simgate's, and `run`'s banner comes first.
 */
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { createLogger, type LogFormat } from "../../src/log/logger.js";
import { parseStrictJson } from "./strict-json.js";

function collect(level: string, format: LogFormat = "json", banner?: { msg: string; fields: Record<string, unknown> }) {
  const lines: string[] = [];
  const logger = createLogger({ level, format, destination: { write: (s: string) => lines.push(...s.split("\n").filter(Boolean)) }, ...(banner ? { banner } : {}) });
  return { logger, lines };
}

describe("the strict parser used on log lines", () => {
  it("refuses a repeated key, at any depth, and parses the rest like JSON.parse", () => {
    expect(() => parseStrictJson('{"component":"outbound","component":"numbers-online"}')).toThrow(/duplicate key "component"/);
    expect(() => parseStrictJson('{"a":{"b":1,"b":2}}')).toThrow(/duplicate key "b"/);
    const ok = '{"a":[1,-2.5e3,"x\\"y",true,null,{}],"b":{"c":"é"}}';
    expect(parseStrictJson(ok)).toEqual(JSON.parse(ok));
  });
});

describe("no JSON log line repeats a key", () => {
  it("nested children with the same binding keep the innermost, a call's field wins over a binding", () => {
    const { logger, lines } = collect("info");
    const outbound = logger.child({ component: "outbound" });
    outbound.child({ component: "numbers-online" }).info({ count: 3 }, "listed");
    logger.child({ port: "modem1" }).info({ port: "modem2", event: "x" }, "moved");
    const [a, b] = lines.map((l) => parseStrictJson(l) as Record<string, unknown>);
    expect(a).toMatchObject({ component: "numbers-online", count: 3, msg: "listed" });
    expect(b).toMatchObject({ port: "modem2", event: "x" });
  });
});

describe("stack traces only at debug level", () => {
  const boom = (): Error => {
    const err = new Error("port /dev/ttyUSB3 disconnected");
    (err as Error & { cause?: unknown }).cause = new Error("EIO");
    return err;
  };

  it("below debug: the error's message (and cause), no stack, in JSON and in the journal", () => {
    for (const format of ["json", "journal"] as const) {
      const { logger, lines } = collect("info", format);
      logger.warn({ err: boom() }, "port vanished; channel closed");
      logger.error(boom(), "failed");
      expect(lines).toHaveLength(2);
      for (const line of lines) {
        expect(line).toContain("port /dev/ttyUSB3 disconnected");
        expect(line).not.toMatch(/stack|    at |\| at /);
      }
    }
  });

  it("at debug: the stack is there, as frames on the journal line", () => {
    const json = collect("debug", "json");
    json.logger.warn({ err: boom() }, "port vanished");
    expect((JSON.parse(json.lines[0]!) as { err: { stack: string } }).err.stack).toMatch(/^Error: port \/dev\/ttyUSB3 disconnected\n {4}at /);
    const journal = collect("debug", "journal");
    journal.logger.warn({ err: boom() }, "port vanished");
    expect(journal.lines[0]).toMatch(/^<4>port vanished err="port \/dev\/ttyUSB3 disconnected: EIO" .*err\.stack="at .*"$/);
  });
});

describe("Fastify's own listening line", () => {
  async function listenWith(level: string): Promise<string[]> {
    const { logger, lines } = collect(level);
    const app = Fastify({ loggerInstance: logger.child({ component: "partner-http" }) });
    await app.listen({ host: "127.0.0.1", port: 0 });
    await app.close();
    return lines;
  }

  it("is not logged at info (simgate logs its own line per listener)", async () => {
    expect((await listenWith("info")).filter((l) => l.includes("Server listening"))).toEqual([]);
  });

  it("is kept at debug", async () => {
    const listening = (await listenWith("debug")).map((l) => JSON.parse(l) as { level: number; msg: string }).filter((r) => r.msg.startsWith("Server listening at http://127.0.0.1:"));
    expect(listening.map((r) => r.level)).toEqual([20]);
  });
});

describe("the banner", () => {
  it("is the first line, before what the logger itself reports", () => {
    const lines: string[] = [];
    createLogger({
      level: "info",
      env: { SIMGATE_LOG_FORMAT: "xml" },
      banner: { msg: "simgate 9.9.9 starting", fields: { event: "starting", version: "9.9.9" } },
      destination: { write: (s: string) => lines.push(...s.split("\n").filter(Boolean)) },
    });
    // An explicit destination is JSON; the unknown SIMGATE_LOG_FORMAT is not reported for it.
    expect(lines.map((l) => JSON.parse(l) as { msg: string })[0]).toMatchObject({ msg: "simgate 9.9.9 starting", version: "9.9.9", event: "starting" });
  });
});
