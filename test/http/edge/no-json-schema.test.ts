/**
 * Our listeners run without fastify's JSON-schema compilers (src/http/edge/no-json-schema.ts):
 * Ajv and fast-json-stringify stay out of the daemon's memory, and a route that declares a
 * schema anyway is refused at start-up instead of being validated by a compiler we never chose.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startPartner } from "../partner-harness.js";

const REPO = fileURLToPath(new URL("../../..", import.meta.url));

describe("fastify without JSON-schema compilers", () => {
  it("the partner endpoint refuses a route with a schema when it starts, naming zod as the way", async () => {
    await expect(
      startPartner({
        beforeListen: (app) => app.post("/with-schema", { schema: { body: { type: "object", required: ["a"] } } }, async () => ({ ok: true })),
      }),
    ).rejects.toThrow(/no JSON-schema compiler.*zod/);
  });

  it("the partner endpoint still answers without them", async () => {
    const h = await startPartner();
    try {
      const a = await h.call("/", { action: "GET_SERVICES" });
      expect(a.status).toBe(200);
      expect(a.json["status"]).toBe("SUCCESS");
    } finally {
      await h.close();
    }
  });

  it("a listener built with them never loads Ajv or fast-json-stringify's compiler (a fresh process, the compiled build)", () => {
    // In a child process: this test process has loaded fastify's compilers through other files.
    const script = `
      const { createRequire } = await import("node:module");
      const require = createRequire(${JSON.stringify(`${REPO}/package.json`)});
      const Fastify = require("fastify");
      const { NO_JSON_SCHEMA_COMPILERS } = await import(${JSON.stringify(`${REPO}/dist/src/http/edge/no-json-schema.js`)});
      const app = Fastify({ logger: false, schemaController: NO_JSON_SCHEMA_COMPILERS });
      app.post("/echo", async (req) => ({ got: req.body }));
      const res = await app.inject({ method: "POST", url: "/echo", payload: { a: 1 } });
      await app.close();
      const loaded = Object.keys(require.cache).filter((p) => /node_modules\\/(ajv|@fastify\\/ajv-compiler|@fastify\\/fast-json-stringify-compiler)\\//.test(p));
      process.stdout.write(JSON.stringify({ status: res.statusCode, body: res.json(), loaded }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: REPO, encoding: "utf8" })) as { status: number; body: unknown; loaded: string[] };
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ got: { a: 1 } });
    expect(out.loaded).toEqual([]);
  });
});
