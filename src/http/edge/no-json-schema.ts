/**
 * Fastify's `schemaController` option for every listener simgate serves: no JSON-schema
 * compilers. Our routes read their input with zod and write their own JSON; none declares a
 * fastify `schema`. Left at its default, fastify loads Ajv (with its JTD and format
 * vocabularies) and fast-json-stringify for each instance all the same: about 90 modules and
 * 1.4 MB of heap the daemon never uses (docs/benchmarks.md#cost-as-released-issue-13).
 *
 * A route that does declare a schema is refused when fastify compiles it (at `ready`), with
 * this message, instead of being checked by a compiler nobody chose.
 */
import type { FastifyServerOptions } from "fastify";

function refuseJsonSchema(): never {
  throw new Error("simgate's HTTP listeners have no JSON-schema compiler: check the route's input with zod in its handler instead of a fastify `schema`");
}

export const NO_JSON_SCHEMA_COMPILERS: NonNullable<FastifyServerOptions["schemaController"]> = {
  compilersFactory: { buildValidator: refuseJsonSchema, buildSerializer: refuseJsonSchema },
};
