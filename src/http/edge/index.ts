/**
 * The HTTP edge: what every endpoint simgate serves needs before its own protocol starts,
 * shared by the partner endpoint, the admin listener and each marketplace's endpoint. TLS
 * with reload, the per-IP rate limit, the request body reader (media type, gzip/deflate,
 * the decoded-size cap, JSON), the key check in constant time, source addresses, the JSON
 * error shape, the request log line, the server's slow-client timeouts, and whether an
 * answer reached its client. Nothing here knows a marketplace's actions or the engine.
 */
export { checkContentType, decodeBody, parseJson, readBody } from "./body.js";
export { acceptsGzip, gzipAsync } from "./compress.js";
export { ClientConnection } from "./delivery.js";
export { errorBody, mapThrown, RateLimited, WireError, writeClientError, type ErrorBody, type MappedError } from "./errors.js";
export { IpAllowList, isLoopback, normaliseIp } from "./ip.js";
export { authenticate, isRecord, KeyCheck, presentedKeys, type AuthResult, type KeyCarrier, type KeySource } from "./key-check.js";
export { registerRateLimit } from "./rate-limit.js";
export { RequestLog, type LogLevel, type RequestInfo, type RequestLogOptions, type RequestNote } from "./request-log.js";
export { checkTlsMaterial, loadTlsMaterial, logCertificate, TlsReloader, type CertificateInfo, type TlsFiles, type TlsMaterial, type TlsReloadResult } from "./tls.js";
export { slowClientServerOptions } from "./socket-timeouts.js";
export { NO_JSON_SCHEMA_COMPILERS } from "./no-json-schema.js";
export { pathOf, trimSlash } from "./url-path.js";
