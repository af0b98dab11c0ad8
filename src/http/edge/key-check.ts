/**
 * The key check of an HTTP endpoint: where a request may carry a key (the body's `key`, an
 * `Authorization: Bearer` header, the `apikey` query parameter; each counts only if the
 * caller accepts that source) and a comparison in constant time. The partner endpoint
 * checks Onlinesim's key of *our* partner profile with it (docs/protocols/onlinesim.md#authentication, Q10: Onlinesim sends it in
 * the body `key` [C]; the pages also list the Bearer header [C, sent or not: U] and
 * `apikey` [C]), the admin listener its token. The source-IP helpers are in ip.ts.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { ErrorCode, SimgateError } from "../../errors.js";

export type KeySource = "body" | "bearer" | "apikey";

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/**
 * Constant-time key comparison: both sides are hashed first, so timingSafeEqual always
 * compares two 32-byte digests and neither the key's length nor its prefix leaks through timing.
 */
export class KeyCheck {
  readonly #digest: Buffer;

  /** `what` names the key in the refusal of an empty one ("the partner key"). */
  constructor(key: string, what = "the key") {
    if (key.length === 0) throw new SimgateError(`${what} must not be empty`, ErrorCode.HttpOptionsInvalid);
    this.#digest = digest(key);
  }

  matches(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.#digest);
  }
}

export interface KeyCarrier {
  body: unknown;
  headers: { authorization?: string | undefined };
  query: unknown;
}

/** The keys a request presents, per accepted source (non-strings are not keys). */
export function presentedKeys(req: KeyCarrier, accept: readonly KeySource[]): { source: KeySource; value: string }[] {
  const out: { source: KeySource; value: string }[] = [];
  if (accept.includes("body") && isRecord(req.body) && typeof req.body["key"] === "string") out.push({ source: "body", value: req.body["key"] });
  if (accept.includes("bearer")) {
    // RFC 7235: the scheme is case-insensitive.
    const m = /^bearer +(\S+) *$/i.exec(req.headers.authorization ?? "");
    if (m?.[1] !== undefined) out.push({ source: "bearer", value: m[1] });
  }
  if (accept.includes("apikey") && isRecord(req.query)) {
    const q = req.query["apikey"];
    for (const v of Array.isArray(q) ? q : [q]) if (typeof v === "string") out.push({ source: "apikey", value: v });
  }
  return out;
}

export type AuthResult = { ok: true; source: KeySource } | { ok: false; reason: "missing" | "wrong" };

/** Authenticated when any accepted source carries the key; every candidate is compared (no early exit). */
export function authenticate(check: KeyCheck, accept: readonly KeySource[], req: KeyCarrier): AuthResult {
  const keys = presentedKeys(req, accept);
  let good: KeySource | undefined;
  for (const k of keys) if (check.matches(k.value) && good === undefined) good = k.source;
  if (good !== undefined) return { ok: true, source: good };
  return { ok: false, reason: keys.length === 0 ? "missing" : "wrong" };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
