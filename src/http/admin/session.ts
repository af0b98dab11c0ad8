/**
 * The status page's session cookie. A browser cannot put `Authorization` on the navigation
 * that loads a page, so after one login (form or `?token=`) the page rides on a cookie.
 * The cookie does not hold the admin token: cookies ignore the port, so every other web
 * app on this host name (a dev server on localhost:3000, say) receives it too. It holds
 *
 *     v1.<expiry, Unix seconds>.<random nonce>.<HMAC-SHA256 of the three, under a key derived from the token>
 *
 * so what leaks is a value that only reads (access.ts lets a session GET, never POST),
 * ends after SESSION_LIFETIME_MS, and dies with the token (change the token and every
 * session is void). No server-side session table: a restart keeps the sessions.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * A week, counted from the login and never renewed: whoever holds a cookie (a leaked one
 * included) cannot keep it alive. A page already connected keeps its event stream; the
 * next reconnect after the week shows the login form.
 */
export const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
const VERSION = "v1";

export class AdminSessions {
  readonly #key: Buffer;

  constructor(
    token: string,
    private readonly lifetimeMs = SESSION_LIFETIME_MS,
  ) {
    this.#key = createHmac("sha256", token).update("simgate admin session").digest();
  }

  /** A new session value and how long the cookie should live. */
  issue(now = Date.now()): { value: string; maxAgeSeconds: number } {
    const expires = Math.floor((now + this.lifetimeMs) / 1000);
    const body = `${VERSION}.${expires}.${randomBytes(12).toString("base64url")}`;
    return { value: `${body}.${this.#mac(body).toString("base64url")}`, maxAgeSeconds: Math.floor(this.lifetimeMs / 1000) };
  }

  /** Issued by us (under this token) and not expired. */
  valid(value: string | undefined, now = Date.now()): boolean {
    if (value === undefined) return false;
    const m = /^(v1\.(\d{1,12})\.[A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!m) return false;
    // Compared as text, in constant time: 43 base64url characters carry 258 bits for a
    // 256-bit MAC, so decoding would accept a last character whose two spare bits differ
    // (a second spelling of the same cookie). Only the one spelling we issued verifies.
    const good = timingSafeEqual(Buffer.from(m[3]!, "latin1"), Buffer.from(this.#mac(m[1]!).toString("base64url"), "latin1"));
    return good && Number(m[2]) * 1000 > now;
  }

  #mac(body: string): Buffer {
    return createHmac("sha256", this.#key).update(body).digest();
  }
}

/** One cookie per admin listener: two daemons on one host (cookies ignore ports) keep their own sessions. */
export const sessionCookieName = (port: number | undefined): string => `simgate_session_${port ?? 0}`;

/** The Set-Cookie line: HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure on HTTPS. */
export function sessionCookie(name: string, value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}

/** The value of cookie `name` in a Cookie header, if any. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
