/**
 * The `engine:` block of simgate's config: one zod schema, every default and range with the
 * reason for it (docs/conventions.md#rule-10). It lives in the config layer, not in the
 * engine: the engine declares the plain type it needs (EngineConfig in
 * src/markets/onlinesim/engine-config.ts) and never sees the file or zod. The composition root hands the
 * parsed block over, and the type checker holds the two together there
 * (test/config/engine-schema.test.ts checks that they are the same type).
 */
import { z } from "zod";
import { ErrorCode, SimgateError } from "../errors.js";

const MINUTE = 60_000;

/** Onlinesim names are lowercase words (`germany`, `any`, `facebook`, docs/protocols/onlinesim-v1.md#get_number); we compare lowercase. */
const name = z.string().trim().min(1).max(64).transform((s) => s.toLowerCase());

export const engineConfigSchema = z
  .object({
    /**
     * Onlinesim service names we sell (`facebook`, `telegram`, …). Their list is not public
     * (Q4 [U]); ask partner support. Empty = sell nothing (GET_SERVICES answers an empty list).
     */
    services: z.array(name).default([]),
    /**
     * Idle modules held back from sale (never counted, never assigned): headroom for
     * maintenance or an operator's own use. The most recently used idle SIMs are the
     * ones held, so they rest. Default 0: report every usable module (docs/protocols/onlinesim-v1.md#get_services-rule-1).
     */
    reserveModules: z.number().int().min(0).max(10_000).default(0),
    /**
     * After this many status-4 (cancelled) closes for one (number, service) the number is
     * no longer offered for that service. Default 4 in total: SMSHUB re-offers a cancelled
     * number "up to 3 more times" ([R], docs/protocols/onlinesim-v1.md#finish_activation, docs/protocols/onlinesim.md#timing-and-penalties; Onlinesim says nothing, Q17).
     */
    cancelLimit: z.number().int().min(1).max(1_000).default(4),
    /** Expected length of a single-service activation: 15 minutes ([C] docs/protocols/onlinesim-v1.md#get_number, docs/protocols/onlinesim.md#timing-and-penalties). */
    activationLifeMs: z.number().int().min(MINUTE).max(24 * 60 * MINUTE).default(15 * MINUTE),
    /**
     * An open activation older than life × this factor is reported as stale (error log +
     * metric) while it waits for FINISH_ACTIVATION or for the release below. Default 4
     * (one hour) leaves room for Onlinesim's 10 s re-send cycle and our own downtime
     * before anyone is paged.
     */
    staleFactor: z.number().min(1).max(1_000).default(4),
    /**
     * Release an open activation that got NO SMS once it is older than life × this factor,
     * without a FINISH: logged, counted, its number sold again. Onlinesim's operation is over
     * after one life (it sends FINISH then and re-sends every 10 s until answered), so an
     * activation still open long after was lost on the way (our answer never reached
     * Onlinesim, or its FINISH never reached us): the module would otherwise stay blocked
     * forever. Default 4 (one hour), as staleFactor: three more lives of re-sends, restarts
     * and outages before we conclude nobody will close it. A late FINISH still answers
     * SUCCESS and records its status once. null = never release (wait for FINISH forever).
     * Values below 1 release while Onlinesim may still sell the operation: tests only.
     */
    releaseFactor: z.number().min(0.01).max(1_000).nullable().default(4),
    /**
     * The same for an activation that DID get an SMS: a buyer who saw a code may still
     * expect another one within the operation, and Onlinesim certainly knows this one, so
     * it waits longer. Once the operation is long over no second SMS can reach the buyer
     * (PUSH_SMS would answer NO_OPERATION) while the blocked module earns nothing, so it
     * is released too. Default 8 (two hours). Rent operations are never released: only
     * Onlinesim closes a rent, which may last months. null = never.
     */
    releaseWithSmsFactor: z.number().min(0.01).max(1_000).nullable().default(8),
    /**
     * FINISH_ACTIVATION for an id we never issued: "success" answers SUCCESS and logs a
     * warning so Onlinesim stops re-sending (Q11 [I]); "error" answers ERROR.
     */
    unknownActivation: z.enum(["success", "error"]).default("success"),
    /** Name overrides on top of catalog.ts (Q4): MCC → country, MCC+MNC (5 or 6 digits) → operator. */
    names: z
      .object({
        countries: z.record(z.string().regex(/^\d{3}$/), name).default({}),
        operators: z
          .record(z.string().regex(/^\d{5,6}$/), name)
          .refine((m) => !Object.values(m).includes("any"), { message: "'any' is the summed operator of GET_SERVICES, not an operator name (docs/protocols/onlinesim-v1.md#get_services-rule-2)" })
          .default({}),
      })
      .default({ countries: {}, operators: {} }),
  })
  .refine((c) => new Set(c.services).size === c.services.length, { message: "services must not repeat", path: ["services"] })
  .refine((c) => !c.services.includes("any") && !c.services.includes("rent"), {
    message: "'any' and 'rent' are reserved keys of operatorMap, not services (docs/protocols/onlinesim-v1.md#get_services, docs/protocols/onlinesim-v1.md#get_services-rent)",
    path: ["services"],
  });

/** The block as parsed: what the engine's EngineConfig describes. */
export type EngineConfigOutput = z.output<typeof engineConfigSchema>;
export type EngineConfigInput = z.input<typeof engineConfigSchema>;

/** Parse and freeze; a clear SG802 error naming the bad fields otherwise. */
export function parseEngineConfig(input: unknown): Readonly<EngineConfigOutput> {
  const result = engineConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new SimgateError(`invalid engine config: ${detail}`, ErrorCode.EngineConfigInvalid, { issues: result.error.issues });
  }
  const c = result.data;
  return Object.freeze({ ...c, services: Object.freeze([...c.services]) as string[], names: Object.freeze(c.names) });
}
