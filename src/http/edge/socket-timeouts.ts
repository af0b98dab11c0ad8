/**
 * Node's server options that cut slow clients (slowloris: headers or a body dribbled a byte
 * at a time) once a request has not arrived whole within `timeoutMs`. Shared by the partner
 * endpoint and the admin listener: without them node waits 60 s for headers and 300 s for a
 * body, so a local program could hold every socket of a listener.
 *
 * Only the request is timed: a response that takes long (the status page's event stream, a
 * store backup) is not cut.
 */

/**
 * How often node looks for requests past the timeout. Its default (30 s) would let a slow
 * client hold a socket far beyond the configured timeout.
 */
const checkEvery = (timeoutMs: number): number => Math.max(100, Math.min(1_000, Math.floor(timeoutMs / 4)));

/**
 * The http.Server options: node 20 enforces requestTimeout on a stalled body only when
 * headersTimeout is not larger (its default is 60 s; checked on node 20.20 in the partner
 * and admin timeout tests).
 */
export function slowClientServerOptions(timeoutMs: number): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  return { headersTimeout: timeoutMs, requestTimeout: timeoutMs, connectionsCheckingInterval: checkEvery(timeoutMs) };
}
