/** The config with secrets (Onlinesim key, admin token, SIM PINs) replaced, for logs and `config show`. */
import type { Config } from "./schema.js";

export const REDACTED = "***";

export function redactConfig(c: Readonly<Config>): Config {
  const copy = structuredClone(c) as Config;
  if (copy.onlinesim.key !== undefined) copy.onlinesim.key = REDACTED;
  if (copy.admin.token !== undefined) copy.admin.token = REDACTED;
  copy.modem.pins = Object.fromEntries(Object.keys(copy.modem.pins).map((k) => [k, REDACTED]));
  return copy;
}
