/** The config with secrets (Onlinesim key, admin token, SIM PINs) replaced, for logs and `config show`. */
import type { Config } from "./schema.js";

/**
 * The secret values free text must never carry (src/log/secrets.ts scrubs them): the
 * Onlinesim key (v1 body, v2 Bearer) and the admin token. SIM PINs are left out: 4–8 digits
 * would match ordinary numbers; they never leave the AT layer, which hides them itself.
 */
export function configSecrets(c: Readonly<Config>): string[] {
  return [c.onlinesim.key, c.admin.token, ...c.markets.map((m) => m.key)].filter((s): s is string => typeof s === "string" && s.length > 0);
}

export const REDACTED = "***";

export function redactConfig(c: Readonly<Config>): Config {
  const copy = structuredClone(c) as Config;
  if (copy.onlinesim.key !== undefined) copy.onlinesim.key = REDACTED;
  if (copy.admin.token !== undefined) copy.admin.token = REDACTED;
  for (const m of copy.markets) if (m.key !== undefined) m.key = REDACTED;
  copy.modem.pins = Object.fromEntries(Object.keys(copy.modem.pins).map((k) => [k, REDACTED]));
  return copy;
}
