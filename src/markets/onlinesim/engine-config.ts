/**
 * What the engine needs of simgate's config, as a plain type. The config layer owns the
 * `engine:` block's schema (src/config/engine-schema.ts: defaults, ranges and the reasons
 * for them), parses the file once and hands this part over frozen; the engine imports
 * nothing of the config layer.
 */
export interface EngineConfig {
  /** Onlinesim service names we sell, lower case; empty = sell nothing. */
  services: string[];
  /** Idle modules held back from sale (the most recently used rest). */
  reserveModules: number;
  /** Status-4 (cancelled) closes of one (number, service) after which it is not offered for that service. */
  cancelLimit: number;
  /** Expected length of a single-service activation, ms. */
  activationLifeMs: number;
  /** An open activation older than life × this is reported stale. */
  staleFactor: number;
  /** Release an open activation without SMS once older than life × this; null = never. */
  releaseFactor: number | null;
  /** The same for an activation that got an SMS; null = never. */
  releaseWithSmsFactor: number | null;
  /** The answer to FINISH_ACTIVATION for an id we never issued. */
  unknownActivation: "success" | "error";
  /** Name overrides: MCC → country, MCC+MNC → operator (lower case). */
  names: { countries: Record<string, string>; operators: Record<string, string> };
}
