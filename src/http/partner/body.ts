/**
 * Request bodies: media type, content coding, size and JSON, before anything reads a field.
 *
 * - Media type [C]+[I]: Onlinesim lists `Content-Type: application/json; charset=utf-8` as a
 *   required header of its calls (docs/protocols/onlinesim-v1.md#get_number, S5), and docs/protocols/onlinesim.md#content-type fixes JSON/UTF-8 for the whole API.
 *   We accept `application/json` with or without parameters (a charset, if given, must be
 *   UTF-8: RFC 8259 §8.1), and also a request with no Content-Type at all when the bytes
 *   are JSON (SMSHUB clones and hand-made curl tests omit it; nothing is guessed, the JSON
 *   parser still decides). Any other type (form, multipart, text/plain) is answered 415 so
 *   a misconfigured client is told instead of half-understood.
 * - Content coding [R]: SMSHUB requires gzip on every request (docs/protocols/onlinesim.md#business-rules, Q26); we accept gzip,
 *   x-gzip, deflate (zlib-wrapped or raw, both exist in the wild) and identity; 415 for others.
 * - Size: fastify caps the bytes on the wire at http.bodyLimitBytes; the decoded body is
 *   capped at the same number (zlib stops at maxOutputLength), so a small zip bomb is a 413.
 * - JSON: strict UTF-8; a parse failure is reported without the parser's message (V8 quotes
 *   the input, and the input may carry the key).
 */
import { promisify } from "node:util";
import { gunzip, inflate, inflateRaw, type InputType, type ZlibOptions } from "node:zlib";
import { ErrorCode, SimgateError } from "../../errors.js";
import { WireError } from "./errors.js";

type Inflate = (buf: InputType, options: ZlibOptions) => Promise<Buffer>;
const gunzipAsync: Inflate = promisify(gunzip);
const inflateAsync: Inflate = promisify(inflate);
const inflateRawAsync: Inflate = promisify(inflateRaw);

function bad(status: number, error: string, message: string): SimgateError {
  return new SimgateError(message, ErrorCode.HttpBadBody, { status, error });
}

/** Throws 415 unless the Content-Type is absent or application/json in UTF-8. */
export function checkContentType(header: string | undefined): void {
  if (header === undefined || header.trim() === "") return;
  const [type, ...params] = header.split(";");
  if (type?.trim().toLowerCase() !== "application/json") {
    throw bad(415, WireError.UnsupportedMediaType, "Content-Type must be application/json");
  }
  for (const param of params) {
    const [name, value] = param.split("=", 2);
    if (name?.trim().toLowerCase() !== "charset") continue;
    const charset = (value ?? "").trim().replace(/^"(.*)"$/, "$1").toLowerCase();
    if (charset !== "utf-8" && charset !== "utf8") throw bad(415, WireError.UnsupportedMediaType, "JSON bodies must be UTF-8");
  }
}

/** zlib header check (RFC 1950 §2.2): CM = 8 and the first two bytes are a multiple of 31. */
function isZlibWrapped(buf: Buffer): boolean {
  const [cmf, flg] = [buf[0], buf[1]];
  return cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0;
}

/** Undo the Content-Encoding, never producing more than `limit` bytes. */
export async function decodeBody(raw: Buffer, contentEncoding: string | undefined, limit: number): Promise<Buffer> {
  const codings = (contentEncoding ?? "")
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "" && c !== "identity");
  if (codings.length === 0) return raw;
  const [coding] = codings;
  if (codings.length > 1 || (coding !== "gzip" && coding !== "x-gzip" && coding !== "deflate")) {
    throw bad(415, WireError.UnsupportedMediaType, "Content-Encoding must be gzip, deflate or identity");
  }
  const inflater = coding === "deflate" ? (isZlibWrapped(raw) ? inflateAsync : inflateRawAsync) : gunzipAsync;
  try {
    return await inflater(raw, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") throw bad(413, WireError.BodyTooLarge, "decoded request body above http.bodyLimitBytes");
    throw bad(400, WireError.BadEncoding, `body is not valid ${coding} data`);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Bytes → JSON value; BAD_JSON for anything else. */
export function parseJson(bytes: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes); // also drops a leading BOM
  } catch {
    throw bad(400, WireError.BadJson, "body is not valid UTF-8");
  }
  if (text.trim() === "") throw bad(400, WireError.BadJson, "empty body");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad(400, WireError.BadJson, "body is not valid JSON");
  }
  // Same guard as fastify's JSON parser (prototype poisoning): nothing of ours merges
  // objects, but zod copies unknown keys of loose objects onto its result.
  if (typeof value === "object" && value !== null && Object.prototype.hasOwnProperty.call(value, "__proto__")) {
    throw bad(400, WireError.BadRequest, "body must not contain a __proto__ key");
  }
  return value;
}

/** The whole pipeline for one request's buffered wire bytes. */
export async function readBody(raw: Buffer, headers: { "content-type"?: string | undefined; "content-encoding"?: string | undefined }, limit: number): Promise<unknown> {
  checkContentType(headers["content-type"]);
  return parseJson(await decodeBody(raw, headers["content-encoding"], limit));
}
