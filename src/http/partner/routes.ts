/**
 * Which paths the endpoint serves. One handler dispatches on the body's `action` at every
 * path (Q2 [I]); the rent paths (docs/protocols/onlinesim-v1.md#get_services-rent, docs/protocols/onlinesim-v1.md#get_number-rent, docs/protocols/onlinesim-v1.md#finish_activation-rent [C], names fixed by Onlinesim's pages)
 * exist only with `onlinesim.v1.rent` on (Q9: off until Onlinesim sends the spec).
 */
import type { Config } from "../../config/schema.js";

export type PathKind = "plain" | "rent";

/** docs/protocols/onlinesim-v1.md#get_services-rent S4, docs/protocols/onlinesim-v1.md#get_number-rent S6, docs/protocols/onlinesim-v1.md#finish_activation-rent S8 [C]. */
export const RENT_PATHS = ["/getServicesRent", "/getNumberRent", "/finishActivationRent"] as const;

/**
 * path → kind, for the routes to register. A path listed twice is served once; with rent
 * on, a rent path that also appears in `v1.paths` is served as rent (the flag says so).
 */
export function routeTable(v1: Config["onlinesim"]["v1"]): Map<string, PathKind> {
  const table = new Map<string, PathKind>();
  for (const path of v1.paths) table.set(trimSlash(path), "plain");
  if (v1.rent) for (const path of RENT_PATHS) table.set(path, "rent");
  return table;
}

/** Routing ignores one trailing slash (`/getServices/` = `/getServices`); "/" stays "/". */
export function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** The path part of a request URL (no query), as routing compares it. */
export function pathOf(url: string): string {
  const q = url.indexOf("?");
  return trimSlash(q === -1 ? url : url.slice(0, q));
}
