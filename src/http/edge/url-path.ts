/** Request paths as routing compares them (the servers run fastify with ignoreTrailingSlash). */

/** Routing ignores one trailing slash (`/getServices/` = `/getServices`); "/" stays "/". */
export function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** The path part of a request URL (no query), as routing compares it. */
export function pathOf(url: string): string {
  const q = url.indexOf("?");
  return trimSlash(q === -1 ? url : url.slice(0, q));
}
