/**
 * The CLI side of the admin API (`simgate status|sms|at|activations`): where the daemon
 * listens, which token to send, one JSON request with a deadline, and every failure as
 * one line that says what to do.
 *
 * Address: `--admin HOST:PORT`, else `admin.listen` of the config file, else 127.0.0.1:8081.
 * Token: SIMGATE_ADMIN_TOKEN, else `admin.token` of the config file, else the token the
 * daemon generated in its state directory (`<stateDir>/admin-token`, mode 0600; stateDir
 * from SIMGATE_STATE_DIR, else the config file, else /var/lib/simgate). The config file is
 * `--config FILE`, else the service's /etc/simgate/simgate.yaml when this user can read
 * it — so on the modem host `sudo simgate status` just works, and an unprivileged user
 * exports the token instead of getting a copy of the whole config.
 */
import { accessSync, constants } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { loadConfig } from "../config/load.js";
import { EXIT_FAILURE, EXIT_USAGE, type CliCommand, type CliIo } from "./io.js";
import { oneLineError } from "./format.js";
import { HOST_PORT } from "../config/host-port.js";
import { DEFAULT_STATE_DIR } from "../store/index.js";
import { adminTokenPath, readTokenFile } from "../http/admin/admin-token.js";

export const DEFAULT_CONFIG_FILE = "/etc/simgate/simgate.yaml";
export const DEFAULT_ADMIN = "127.0.0.1:8081";

export interface AdminTarget {
  /** http://HOST:PORT */
  base: string;
  token: string | undefined;
  /** Where the token came from (or was looked for last), for the 401 message. */
  tokenFrom: string | undefined;
  /** Why no token was found in the daemon's token file (unreadable, malformed), for the 401 message. */
  tokenProblem?: string | undefined;
  /** The config file read, if any. */
  configFile: string | undefined;
}

export interface TargetOptions {
  admin?: string | undefined;
  config?: string | undefined;
  env: Record<string, string | undefined>;
  /** An explicit `--state-dir`: where the daemon's generated token is looked for first. */
  stateDir?: string | undefined;
  /** The service's config, read when --config is not given (tests point it elsewhere). */
  defaultConfigFile?: string;
}

/** Throws the config loader's SimgateError for a bad `--config` file (a missing default one is fine). */
export function adminTarget(o: TargetOptions): AdminTarget {
  const fallback = o.defaultConfigFile ?? DEFAULT_CONFIG_FILE;
  const file = o.config ?? (readable(fallback) ? fallback : undefined);
  let config: { admin: { listen: string; token?: string | undefined }; stateDir: string } | undefined;
  try {
    // env {} on purpose: the CLI wants the file's admin section, not the daemon's secrets.
    config = file !== undefined ? loadConfig({ file, env: {} }).config : undefined;
  } catch (err) {
    if (o.config !== undefined) throw err;
  }
  const listen = o.admin ?? config?.admin.listen ?? DEFAULT_ADMIN;
  const where = { base: `http://${connectHost(listen)}`, configFile: file };
  const envToken = o.env.SIMGATE_ADMIN_TOKEN || undefined;
  if (envToken) return { ...where, token: envToken, tokenFrom: "SIMGATE_ADMIN_TOKEN" };
  if (config?.admin.token) return { ...where, token: config.admin.token, tokenFrom: `${file} (admin.token)` };
  // The daemon's own token, generated at its first start when the config sets none.
  const tokenFile = adminTokenPath(o.stateDir || o.env.SIMGATE_STATE_DIR || config?.stateDir || DEFAULT_STATE_DIR);
  const read = readTokenFile(tokenFile);
  if (read.kind === "token") return { ...where, token: read.token, tokenFrom: tokenFile };
  return { ...where, token: undefined, tokenFrom: tokenFile, tokenProblem: read.kind === "missing" ? `${tokenFile} does not exist` : read.problem };
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** A daemon bound to the wildcard address is reached over loopback. */
function connectHost(listen: string): string {
  return listen.replace(/^0\.0\.0\.0:/, "127.0.0.1:").replace(/^\[::\]:/, "[::1]:");
}

/** A failed admin request, already phrased for the operator. */
export class AdminClientError extends Error {
  override readonly name = "AdminClientError";
  constructor(
    message: string,
    readonly status: number | null,
    readonly body: unknown = undefined,
  ) {
    super(message);
  }
}

export class AdminClient {
  constructor(
    readonly target: AdminTarget,
    private readonly timeoutMs = 10_000,
  ) {}

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const qs = new URLSearchParams(Object.entries(query).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]]))).toString();
    return this.#request<T>("GET", qs ? `${path}?${qs}` : path, undefined, this.timeoutMs);
  }

  post<T>(path: string, body: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    return this.#request<T>("POST", path, body, timeoutMs);
  }

  async #request<T>(method: string, path: string, body: unknown, timeoutMs: number): Promise<T> {
    const where = this.target.base.replace(/^http:\/\//, "");
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.target.token !== undefined) headers.authorization = `Bearer ${this.target.token}`;
    let res: Response;
    try {
      res = await fetch(this.target.base + path, { method, headers, signal: AbortSignal.timeout(timeoutMs), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      throw new AdminClientError(unreachable(err, where, timeoutMs), null);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      throw new AdminClientError(`${where} answered ${method} ${path} with HTTP ${res.status} and no JSON: is that a simgate admin listener?`, res.status);
    }
    if (res.ok) return json as T;
    throw new AdminClientError(this.#httpProblem(res.status, method, path, json, where), res.status, json);
  }

  #httpProblem(status: number, method: string, path: string, json: unknown, where: string): string {
    const detail = errorDetail(json);
    if (status === 401) {
      if (this.target.token !== undefined) return `admin API refused the token from ${this.target.tokenFrom ?? "the config"}: it does not match the daemon's admin token`;
      const sudo = this.target.tokenProblem?.includes("not readable") ? " — sudo?" : "";
      return `admin API needs a token and ${this.target.tokenProblem ?? "none was found"}${sudo}: set SIMGATE_ADMIN_TOKEN, or pass --config FILE of the daemon (its admin.token or stateDir)`;
    }
    if (status === 421) return `the daemon at ${where} does not answer to that host name: use --admin with its address (127.0.0.1:PORT), or add the name to admin.hosts`;
    // Fastify's own 404 (no such route) has no `status` field: an older daemon.
    if (status === 404 && (json as { status?: unknown } | undefined)?.status !== "ERROR") return `the daemon at ${where} does not know ${method} ${path.split("?")[0]}: is it an older simgate? (restart it after upgrading)`;
    return detail ?? `${method} ${path} failed with HTTP ${status}`;
  }
}

function errorDetail(json: unknown): string | undefined {
  const j = json as { detail?: unknown; error?: unknown; message?: unknown } | undefined;
  const d = j?.detail ?? j?.message ?? j?.error;
  return typeof d === "string" ? d : undefined;
}

function unreachable(err: unknown, where: string, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") return `the simgate daemon at ${where} did not answer within ${Math.round(timeoutMs / 1000)} s (busy or hung? journalctl -u simgate)`;
  const code = e.cause?.code;
  if (code === "ECONNREFUSED" || code === "ECONNRESET") return `no simgate daemon answers at ${where} — is it running? (systemctl status simgate)`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `cannot resolve the admin host of ${where} (check --admin HOST:PORT)`;
  return `cannot reach the simgate daemon at ${where}: ${code ?? e.cause?.message ?? oneLineError(err)}`;
}

/** Options every admin command takes. */
const COMMON = {
  admin: { type: "string" },
  config: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies ParseArgsConfig["options"];

export const COMMON_HELP = `  --admin HOST:PORT  the daemon's admin API (default: admin.listen of the config, else ${DEFAULT_ADMIN})
  --config FILE      read admin.listen and admin.token from FILE (default ${DEFAULT_CONFIG_FILE} if readable)
  --json             print the API's JSON instead of a table

The admin token comes from SIMGATE_ADMIN_TOKEN, else admin.token of the config file, else
the token the daemon generated in <stateDir>/admin-token (readable by root and the service
user: sudo).
`;

type Options = NonNullable<ParseArgsConfig["options"]>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: typeof COMMON & O; allowPositionals: true }>>;

/**
 * The shell every admin command shares: parse (usage errors exit 2), --help, resolve the
 * target, run, and turn an AdminClientError into one stderr line and exit 1.
 */
export function adminCommand<O extends Options>(
  name: string,
  help: string,
  options: O,
  run: (args: Parsed<O>, client: AdminClient, io: CliIo) => Promise<number>,
): CliCommand {
  return async (argv, io) => {
    let args: Parsed<O>;
    try {
      args = parseArgs({ args: argv, allowPositionals: true, options: { ...COMMON, ...options } }) as Parsed<O>;
    } catch (err) {
      io.stderr.write(`simgate ${name}: ${oneLineError(err)}\n${help}`);
      return EXIT_USAGE;
    }
    const v = args.values as { admin?: string; config?: string; help?: boolean };
    if (v.help) {
      io.stdout.write(help);
      return 0;
    }
    if (v.admin !== undefined && !HOST_PORT.test(v.admin)) {
      io.stderr.write(`simgate ${name}: --admin must be HOST:PORT, got '${v.admin}'\n`);
      return EXIT_USAGE;
    }
    let target: AdminTarget;
    try {
      target = adminTarget({ admin: v.admin, config: v.config, env: process.env });
    } catch (err) {
      io.stderr.write(`simgate ${name}: ${oneLineError(err)}\n`);
      return EXIT_FAILURE;
    }
    try {
      return await run(args, new AdminClient(target), io);
    } catch (err) {
      if (!(err instanceof AdminClientError)) throw err;
      io.stderr.write(`simgate ${name}: ${err.message}\n`);
      return EXIT_FAILURE;
    }
  };
}

// Display helpers shared by the admin commands' tables.

/** Short names for port ids: the basename where it is unique (simulated paths), else the id. */
export function portNames(ids: Iterable<string>): (id: string) => string {
  const base = (id: string) => id.slice(id.lastIndexOf("/") + 1) || id;
  const counts = new Map<string, number>();
  for (const id of new Set(ids)) counts.set(base(id), (counts.get(base(id)) ?? 0) + 1);
  return (id) => (counts.get(base(id)) === 1 ? base(id) : id);
}

/** Local wall-clock time, as journalctl prints it: `2026-11-22 08:00:03`. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A duration the way people say it: 45s, 12m, 3h, 2d. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s}s`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** An SMS text on one table line: line breaks shown as ⏎, cut at `max` characters when given. */
export function oneLine(text: string, max?: number): string {
  const flat = text.replace(/\r\n|\r|\n/g, " ⏎ ");
  const chars = [...flat];
  return max !== undefined && chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : flat;
}
