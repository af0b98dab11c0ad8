/**
 * Onlinesim answers that mean "the operator must fix something" (docs/protocols/onlinesim-v2.md#conventions common errors,
 * docs/protocols/onlinesim.md#authentication, Q28), each with the one-line remedy the log prints. Retrying these quickly cannot
 * help, so callers back off up to minutes (src/worker/backoff.ts CONFIG_BACKOFF) and log at error.
 */

export const CONFIG_ERROR_REMEDIES = {
  ERROR_WRONG_KEY: "Onlinesim refused the partner key: check SIMGATE_ONLINESIM_KEY (or onlinesim.key) against Profile → API → API Key in the Onlinesim cabinet",
  ERROR_NO_KEY: "no partner key reached Onlinesim: set SIMGATE_ONLINESIM_KEY (or onlinesim.key)",
  API_ACCESS_IP: "Onlinesim refuses calls from this host's IP: add this host's public IP in the Onlinesim cabinet (Profile → API) or ask partner support",
  API_ACCESS_DISABLED: "API access is disabled for this Onlinesim account: ask Onlinesim partner support to enable the Reseller API",
  ACCOUNT_BLOCKED:
    "the Onlinesim account is blocked (listing numbers that are not live blocks it for 30 min, docs/protocols/onlinesim-v2.md#sendnumbersonline): check the Onlinesim cabinet and the port list; contact partner support if it persists",
} as const;

export type ConfigErrorCode = keyof typeof CONFIG_ERROR_REMEDIES;

/** Unknown v2 method (docs/protocols/onlinesim-v2.md#conventions, HTTP 405). */
export const REQUEST_NOT_FOUND = "REQUEST_NOT_FOUND";
export const REQUEST_NOT_FOUND_REMEDY = "Onlinesim does not know this method: check onlinesim.v2.baseUrl (the SERVER_URL partner support gave you)";

export function isConfigError(token: unknown): token is ConfigErrorCode {
  return typeof token === "string" && Object.hasOwn(CONFIG_ERROR_REMEDIES, token);
}

/**
 * The config error an answer names, in any of the forms seen on the wire: JSON
 * `response` (v2), `error` or `status` (v1 PUSH_SMS), or a bare token as text.
 */
export function configErrorIn(json: unknown, text: string): ConfigErrorCode | undefined {
  if (json && typeof json === "object") {
    const o = json as Record<string, unknown>;
    for (const field of ["response", "error", "status"]) if (isConfigError(o[field])) return o[field] as ConfigErrorCode;
  }
  const bare = text.trim();
  return isConfigError(bare) ? bare : undefined;
}
