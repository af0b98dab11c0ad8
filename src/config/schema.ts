/**
 * simgate's whole config: one zod schema (docs/conventions.md#rule-10). Every key has a default
 * and a comment saying why; durations are in ms; objects are strict so a typo in a key is
 * an error instead of a silent fallback to the default. Parsed once by load.ts, then frozen.
 * The shipped config/simgate.example.yaml lists every key with these defaults (tested).
 */
import { isIP } from "node:net";
import { z } from "zod";
import { engineConfigSchema } from "./engine-schema.js";
import { marketsConfigSchema } from "./markets-schema.js";
import { checkInternationalNumber } from "../../drivers/generic/phone-number.js";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const ms = (min: number, max: number) => z.number().int().min(min).max(max);
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, "expected HOST:PORT").refine((s) => Number(s.split(":")[1]) <= 65535, "port above 65535");
const url = z.string().url();

/** A number the operator wrote: normalised to E.164, or refused with the reason (at its key path). */
const operatorNumber = z.string().transform((raw, ctx) => {
  const verdict = checkInternationalNumber(raw);
  if (verdict.ok) return verdict.e164;
  ctx.addIssue({ code: "custom", message: verdict.reason });
  return z.NEVER;
});

const modem = z
  .strictObject({
    /** Serial paths or globs to probe (DiscoveryOptions.paths); empty = the built-in USB globs. */
    paths: z.array(z.string().min(1)).default([]),
    /** Only these device paths/globs (after discovery); empty = all. */
    include: z.array(z.string().min(1)).default([]),
    /** Never touch these paths/globs (e.g. a console adapter). */
    exclude: z.array(z.string().min(1)).default([]),
    /** Skip ports ModemManager was told to ignore? Default false: the pool host owns its modems. */
    skipMmIgnored: z.boolean().default(false),
    /** SIM PIN per ICCID, "*" = for any SIM not listed. Secrets: redacted in `config show`. */
    pins: z.record(z.string().regex(/^(\*|\d{18,22}F?)$/, "ICCID or *"), z.string().regex(/^\d{4,8}$/, "PIN is 4-8 digits")).default({}),
    /**
     * Manual ICCID → number map for SIMs whose number cannot be asked or was refused (wins
     * over everything the modem says). Written with its calling code (+…) and valid for its
     * country, checked here like every number the daemon sells (drivers/generic/phone-number.ts).
     */
    numbers: z.record(z.string().regex(/^\d{18,22}F?$/, "ICCID"), operatorNumber).default({}),
    /** Extra "my number" USSD rules, tried before the built-in DEFAULT_NUMBER_RULES. */
    numberRules: z
      .array(z.strictObject({ mcc: z.string().regex(/^\d{3}$/), mnc: z.string().regex(/^\d{2,3}$/), code: z.string().regex(/^[*#\d]+$/), answer: z.enum(["ussd", "sms"]) }))
      .default([]),
    /**
     * Status poll per port (SIM, registration, signal): 60 s. Registration and SIM changes
     * arrive as URCs at once and liveness has its own probe (livenessProbeMs), so this only
     * refreshes the signal and catches what a module never indicates; polling every port
     * every 15 s was most of the idle daemon's CPU.
     */
    pollIntervalMs: ms(2 * SECOND, 10 * MINUTE).default(60 * SECOND),
    /**
     * A port silent this long (no line of any kind) gets a bare AT: 3 s, so a hung idle
     * module is off sale within this plus answerWithinMs (under the 5 s target). Ports with
     * traffic are never probed.
     */
    livenessProbeMs: ms(500, 10 * MINUTE).default(3 * SECOND),
    /**
     * A command not answered within this takes the port off sale at once (it comes back on
     * the next prompt answer): 1.5 s, ten times what a healthy module needs. Commands that
     * ask for more time (USSD, PIN entry, a full SMS list) are held to their own timeout.
     */
    answerWithinMs: ms(100, MINUTE).default(1_500),
    /** Bytes of line noise a minute that take a port off sale until it stops: 600 (10 a second) is far above a module's boot noise. */
    noiseBytesPerMinute: z.number().int().min(1).max(10_000_000).default(600),
    /** AT command timeout; must stay below the poll interval (refine). */
    commandTimeoutMs: ms(500, MINUTE).default(10 * SECOND),
    /** Consecutive poll timeouts before the port is reset: 3 rides out a slow network scan. */
    timeoutsBeforeReset: z.number().int().min(1).max(100).default(3),
    /** Re-ask an unknown own number every 30 min (USSD costs nothing but annoys operators). */
    numberRetryMs: ms(MINUTE, 24 * 60 * MINUTE).default(30 * MINUTE),
    /** Sweep stored SMS every 60 s in case a +CMTI indication was lost. */
    smsSweepMs: ms(5 * SECOND, 60 * MINUTE).default(60 * SECOND),
    /** Sell SIMs registered while roaming? Off: roaming SMS may not arrive and may cost money. */
    allowRoaming: z.boolean().default(false),
    /**
     * Count a SIM as registered when +CREG says it is not but the vendor's network command
     * (^SYSINFO, +QNWINFO, +CPSI) says it is in service (an LTE or packet-only attach). On by
     * default: modules in such an attach do get service. Off for SIMs with packet-only
     * plans that get no SMS over the circuit-switched domain, so they are not sold.
     */
    trustVendorRegistration: z.boolean().default(true),
  })
  .refine((m) => m.commandTimeoutMs < m.pollIntervalMs, { message: "commandTimeoutMs must be below pollIntervalMs", path: ["commandTimeoutMs"] });

const v1 = z.strictObject({
  /** Our v1 endpoint paths (Q2); one handler dispatches on body `action` at all of them. */
  paths: z.array(z.string().regex(/^\//, "path must start with /")).min(1).default(["/", "/getServices", "/getNumber", "/finishActivation"]),
  /** Rent actions (Q9): off until Onlinesim sends the spec. */
  rent: z.boolean().default(false),
  /** GET_NUMBER `number` as JSON int (SMSHUB shape, Q7) or string. */
  numberType: z.enum(["int", "string"]).default("int"),
  /** Unknown action / malformed body (Q30): HTTP status of the UNKNOWN_ACTION reply. */
  unknownActionStatus: z.union([z.literal(200), z.literal(400)]).default(200),
  /** Accept gzip-encoded requests always; compress replies only if on (Q26). */
  gzipResponses: z.boolean().default(false),
});

const auth = z.strictObject({
  /** Where the key may arrive (Q10): body `key`, Authorization: Bearer, `apikey` query. */
  accept: z.array(z.enum(["body", "bearer", "apikey"])).min(1).default(["body", "bearer", "apikey"]),
  /** Source-IP allow-list (exact IPs); empty = any source. */
  allowIps: z.array(z.string().min(1)).default([]),
  /** Error token on a bad key (Q10), sent with HTTP 401. */
  errorCode: z.string().regex(/^[A-Z_]+$/).default("BAD_KEY"),
});

const push = z
  .strictObject({
    /** PUSH_SMS URL; unset = SMS stay queued in the outbox until configured. */
    url: url.optional(),
    /** PUSH_SMS (RENT) URL; unset = queue. */
    rentUrl: url.optional(),
    /** smsId (Q12): the literal Onlinesim docs say operation id. */
    smsIdMode: z.enum(["activationId", "uniqueSmsId"]).default("activationId"),
    /** `phone` (Q13): digits without + as a string (new docs). */
    phoneFormat: z.enum(["string", "int"]).default("string"),
    /** Errors that stop retries (Q15). */
    terminalErrors: z.array(z.string().regex(/^[A-Z_]+$/)).default(["NO_OPERATION", "NO_OP", "BAD_SERVICE", "IGNORED", "SERVICE_BAN"]),
    /** Retry an undelivered PUSH every 10 s (Onlinesim's own re-send cadence). */
    retryMs: ms(SECOND, 10 * MINUTE).default(10 * SECOND),
    /** Give up this long after the operation closed (Q15 suggests 30 min). */
    giveUpAfterCloseMs: ms(MINUTE, 7 * 24 * 60 * MINUTE).default(30 * MINUTE),
    /**
     * Wait this long for Onlinesim's answer. 30 s: Onlinesim has been seen taking more than
     * 10 s to accept a PUSH_SMS; a deadline shorter than its processing gives up on attempts
     * it then accepts, and the retry duplicates the SMS.
     */
    timeoutMs: ms(SECOND, 5 * MINUTE).default(30 * SECOND),
    /**
     * PUSH_SMS requests in flight at once (each SMS of one number still waits for the one
     * before it). A crash can duplicate at most the requests in flight; 4 halves that bound
     * against 8 and still drains a backlog of hundreds in seconds (docs/benchmarks.md).
     */
    concurrency: z.number().int().min(1).max(64).default(4),
    /**
     * Longest back-off step towards a failing PUSH_SMS URL: one probe per step (10 s, 20 s,
     * +0–25 % jitter) instead of one request per queued SMS. 20 s: while Onlinesim is down
     * about 3 requests a minute whatever the backlog, and once it is back the first SMS goes
     * through within 25 s (a code the buyer waits for); longer steps save nothing worth that.
     * Never below retryMs.
     */
    backoffMaxMs: ms(10 * SECOND, 30 * MINUTE).default(20 * SECOND),
  })
  .refine((p) => p.retryMs < p.giveUpAfterCloseMs, { message: "retryMs must be below giveUpAfterCloseMs", path: ["retryMs"] });

const v2 = z
  .strictObject({
    /** v2 API base URL; unset = v2 calls stay queued. */
    baseUrl: url.optional(),
    /** Full sendNumbersOnline every 4 min (Onlinesim wants ≤ 5 min, Q21) ± jitter. */
    sendNumbersOnlineMs: ms(30 * SECOND, 5 * MINUTE).default(4 * MINUTE),
    /** Random ± jitter on that period so pools do not sync up. */
    jitterMs: ms(0, MINUTE).default(15 * SECOND),
    /** Debounced resend after any change (Q21). */
    debounceMs: ms(0, MINUTE).default(3 * SECOND),
    /** addMessages batch flush (Q25). */
    addMessagesBatchMs: ms(0, MINUTE).default(5 * SECOND),
    /** addNumber/removeNumber/checkWork: undocumented (Q21), off. */
    incremental: z.boolean().default(false),
    /** Onlinesim test modes for sendNumbersOnline. */
    test: z.enum(["none", "test1", "test2"]).default("none"),
    /** operator = MCC+MNC with the real MNC length (5 or 6 digits), or force 5 (Q19). */
    operatorDigits: z.enum(["real", "5"]).default("real"),
    /**
     * Wait this long for an addMessage(s) answer. 30 s, as for PUSH_SMS: a batch given up on
     * while Onlinesim still processes it is sent twice; a timed-out one is retried only after
     * at least 10 s. (The idempotent list methods keep 10 s.)
     */
    timeoutMs: ms(SECOND, 5 * MINUTE).default(30 * SECOND),
  })
  .refine((v) => v.jitterMs < v.sendNumbersOnlineMs, { message: "jitterMs must be below sendNumbersOnlineMs", path: ["jitterMs"] });

const onlinesim = z.strictObject({
  /** Which API our account uses (Q1); v1 = Onlinesim polls us. */
  mode: z.enum(["v1", "v2", "both"]).default("v1"),
  /** Partner key. Prefer SIMGATE_ONLINESIM_KEY (wins over the file); the daemon refuses to serve without one. */
  key: z.string().min(8).optional(),
  v1: v1.prefault({}),
  auth: auth.prefault({}),
  push: push.prefault({}),
  v2: v2.prefault({}),
  /**
   * The share of the idle SIMs Onlinesim is shown, and SIMs subtracted after it
   * (src/sales/policy.ts). Onlinesim reads the counts only every 2 minutes
   * (docs/protocols/onlinesim-v1.md#get_services): when other marketplaces (markets:) sell
   * the same SIMs meanwhile, a smaller share keeps its orders from finding them gone.
   * Alone on the pool: 1 and 0, every idle SIM.
   */
  share: z.number().gt(0).max(1).default(1),
  headroom: z.number().int().min(0).max(100_000).default(0),
});

/** An exact IP address (v4 or v6). */
const ipAddress = z.string().refine((s) => isIP(s) !== 0, "expected an IP address (exact, no ranges)");
/** What fastify's trustProxy (proxy-addr) accepts: an address, a CIDR range, or one of its named ranges. */
const proxyAddress = z.string().refine((s) => {
  if (["loopback", "linklocal", "uniquelocal"].includes(s)) return true;
  const [addr = "", bits, ...rest] = s.split("/");
  const family = isIP(addr);
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}, "expected an IP address, a CIDR range (10.0.0.0/8) or loopback|linklocal|uniquelocal");
const absolutePath = z.string().regex(/^\//, "expected an absolute path");

const tls = z
  .strictObject({
    /** PEM certificate file (the full chain: leaf first, then intermediates). Re-read on SIGHUP. */
    cert: absolutePath.optional(),
    /** PEM private key file for that certificate (unencrypted; readable by the simgate user). Re-read on SIGHUP. */
    key: absolutePath.optional(),
  })
  .refine((t) => (t.cert === undefined) === (t.key === undefined), {
    message: "set both cert and key (PEM files) for built-in TLS, or neither for plain HTTP",
  });

const rateLimit = z.strictObject({
  /**
   * Requests per window per client IP before 429 RATE_LIMITED. 600/min is far above what
   * Onlinesim sends (a GET_SERVICES poll every 2 min plus bursts of orders and finishes):
   * a limit below its burst would refuse orders. Put Onlinesim's addresses in allowList.
   */
  max: z.number().int().min(1).max(1_000_000).default(600),
  /** The window (fixed, per IP): 1 min. */
  windowMs: ms(SECOND, 60 * MINUTE).default(MINUTE),
  /**
   * Client IPs never limited (exact addresses), e.g. Onlinesim's; the client IP is the one
   * trustProxy resolves. Loopback clients are never limited either (a local proxy without
   * trustProxy would put every client in one bucket).
   */
  allowList: z.array(ipAddress).default([]),
});

const http = z
  .strictObject({
    /** Partner endpoint. 127.0.0.1 so a fresh install is not exposed before it is configured; put a TLS proxy in front or set 0.0.0.0:8080 (`--listen` overrides). */
    listen: hostPort.default("127.0.0.1:8080"),
    /** Request body cap: Onlinesim bodies are tiny; 64 KiB stops abuse. */
    bodyLimitBytes: z.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
    /** Request timeout: well under Onlinesim's 10 s hard deadline (Q29). Also the TLS handshake timeout, and the time a request to the admin listener has to arrive whole (slow clients). */
    requestTimeoutMs: ms(500, 9 * SECOND).default(5 * SECOND),
    /** Built-in TLS (HTTPS) from certificate and key files; unset = plain HTTP (behind a TLS proxy, docs/reverse-proxy.md). */
    tls: tls.prefault({}),
    /** Per-IP rate limit of the partner endpoint (@fastify/rate-limit). */
    rateLimit: rateLimit.prefault({}),
    /**
     * Take the client IP from X-Forwarded-For (for auth.allowIps, the rate limit and the logs)
     * when simgate sits behind a reverse proxy. false: the TCP peer is the client. A list: trust
     * only those proxy addresses (safe). true: trust any sender, so anyone who can reach the
     * port directly can claim any IP and walk past allowIps and the rate limit: only with
     * `listen` on 127.0.0.1 behind the proxy.
     */
    trustProxy: z.union([z.boolean(), z.array(proxyAddress).min(1)]).default(false),
  });

const admin = z.strictObject({
  /** Admin listener (issue 7): loopback only by default. */
  listen: hostPort.default("127.0.0.1:8081"),
  /**
   * Bearer token for everything on the admin listener but /healthz, /readyz and /metrics,
   * from any address (loopback is not an identity). Unset = the daemon generates one at
   * its first start in <stateDir>/admin-token (mode 0600), where the CLI finds it.
   * Redacted in `config show`.
   */
  token: z.string().min(16).optional(),
  /**
   * Host names the admin listener answers to besides localhost, 127.0.0.1, [::1] and its
   * own address (a reverse proxy's name, say); `name` or `name:port`. Any other Host header
   * gets 421: a DNS-rebinding web page cannot use the listener.
   */
  hosts: z.array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?)(:\d{1,5})?$/, "expected a host name, an IP address or HOST:PORT")).default([]),
});

const store = z.strictObject({
  /**
   * One warning in the log (and the simgate_state_dir_free_bytes gauge to alert on) when the
   * state directory's free space falls below this: a full disk stops every write, so no SMS
   * is stored and no number sold. 64 MiB is weeks of SMS and activations at a busy pool's rate.
   */
  lowSpaceWarnBytes: z.number().int().min(0).default(64 * 1024 * 1024),
});

export const ConfigSchema = z
  .strictObject({
    /** Where simgate.db lives (DEFAULT_STATE_DIR). */
    stateDir: z.string().min(1).default("/var/lib/simgate"),
    /** The state database beside it (src/store). */
    store: store.prefault({}),
    /** Log level. */
    logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).default("info"),
    http: http.prefault({}),
    admin: admin.prefault({}),
    onlinesim: onlinesim.prefault({}),
    /** The other marketplaces selling the same SIMs (markets-schema.ts); none by default. */
    markets: marketsConfigSchema,
    modem: modem.prefault({}),
    /** The engine block (engine-schema.ts); the engine reads it as its plain EngineConfig type. */
    engine: engineConfigSchema.prefault({}),
  })
  .refine((c) => c.http.listen !== c.admin.listen, { message: "admin.listen must differ from http.listen", path: ["admin", "listen"] })
  .superRefine((c, ctx) => {
    c.markets.forEach((m, i) => {
      if (m.listen !== undefined && (m.listen === c.http.listen || m.listen === c.admin.listen)) {
        ctx.addIssue({ code: "custom", message: `${m.listen} is already http.listen or admin.listen: leave listen unset to serve under ${m.path} on the partner listener`, path: ["markets", i, "listen"] });
      }
    });
  });

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
