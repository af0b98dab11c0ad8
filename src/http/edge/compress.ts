/**
 * gzip replies (Q26 [R]: SMSHUB asks for gzip on every response; Onlinesim's matching
 * requirement line is cut off). The partner endpoint gzips only with
 * `onlinesim.v1.gzipResponses` on and a client whose Accept-Encoding allows gzip;
 * node:zlib, no extra dependency.
 */
import { promisify } from "node:util";
import { gzip } from "node:zlib";

export const gzipAsync = promisify(gzip);

/**
 * RFC 9110 §12.5.3: gzip (or x-gzip) is acceptable when listed with q > 0, or when `*`
 * is listed with q > 0 and gzip is not refused by name.
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  let named: boolean | undefined;
  let star = false;
  for (const part of value.split(",")) {
    const [coding = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith("q="));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    const ok = Number.isFinite(q) && q > 0;
    if (coding === "gzip" || coding === "x-gzip") named = (named ?? false) || ok;
    else if (coding === "*") star = ok;
  }
  return named ?? star;
}
