/**
 * The admin listener's HTML pages (the status page, its login form) as one self-contained
 * document each: their CSS and script are read from status-page/ once and inlined, and a
 * Content-Security-Policy lets exactly those run. Nothing loads from another host: the
 * pages work with no network but the listener's.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyReply } from "fastify";

export const PAGE_ASSETS = new URL("./status-page/", import.meta.url);
export const PAGE_ASSETS_DIR = fileURLToPath(PAGE_ASSETS);

export interface InlinedPage {
  html: string;
  csp: string;
}

const sha256 = (s: string): string => `'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`;

/**
 * `html` with its `/*STYLE*\/` and `/*SCRIPT*\/` placeholders filled from `css` and `js`.
 * `formAction`: where the page's forms may post ('none' for the status page, 'self' for the login form).
 */
export function inlinePage(files: { html: string; css: string; js?: string }, formAction: "'none'" | "'self'"): InlinedPage {
  const read = (name: string): string => readFileSync(new URL(name, PAGE_ASSETS), "utf8");
  const css = read(files.css);
  const js = files.js !== undefined ? read(files.js) : undefined;
  let html = read(files.html).replace("/*STYLE*/", () => css);
  if (js !== undefined) html = html.replace("/*SCRIPT*/", () => js);
  const csp = [
    "default-src 'none'",
    ...(js !== undefined ? [`script-src ${sha256(js)}`] : []),
    `style-src ${sha256(css)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
  ].join("; ");
  return { html, csp };
}

/** Send a page with the headers every admin page carries: its CSP, no caching, no referrer, no sniffing. */
export function sendPage(reply: FastifyReply, page: InlinedPage, html = page.html): FastifyReply {
  return reply
    .type("text/html; charset=utf-8")
    .header("content-security-policy", page.csp)
    .header("cache-control", "no-store")
    .header("referrer-policy", "no-referrer")
    .header("x-content-type-options", "nosniff")
    .send(html);
}
