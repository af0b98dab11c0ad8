/**
 * Option parsing shared by the fake marketplaces' commands (`fake-onlinesim`,
 * `fake-market`): each returns the value, or the one-line usage error as a string.
 */
import { isMarketplaceOutcome } from "../onlinesim/fake/marketplace-options.js";

export function intOption(raw: string, name: string, min: number, max: number): number | string {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(n) || n < min || n > max) return `--${name} must be an integer in ${min}..${max}, got '${raw}'`;
  return n;
}

export function rateOption(raw: string, name: string): number | string {
  const n = Number(raw);
  return raw.trim() !== "" && n >= 0 && n <= 1 ? n : `--${name} must be a number from 0 to 1, got '${raw}'`;
}

/** `--outcomes sms,1,4,5`: undefined when not given. */
export function outcomesOption(raw: string | undefined): string[] | undefined | { error: string } {
  if (raw === undefined) return undefined;
  const outcomes = raw.split(",").map((o) => o.trim());
  return outcomes.length > 0 && outcomes.every(isMarketplaceOutcome) ? outcomes : { error: `--outcomes takes a comma-separated list of sms, 1, 4 and 5, got '${raw}'` };
}

/** `--sms-via ADMIN_URL`: the simulating daemon the fake's services text through (its admin token from SIMGATE_ADMIN_TOKEN). */
export function smsViaServices(smsVia: string | undefined): { services?: { simulatorUrl: string; token?: string } } {
  if (smsVia === undefined) return {};
  const token = process.env["SIMGATE_ADMIN_TOKEN"];
  return { services: { simulatorUrl: smsVia.replace(/\/$/, ""), ...(token ? { token } : {}) } };
}
