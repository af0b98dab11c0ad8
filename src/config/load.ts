/**
 * Load the config once: file (YAML or JSON) → env overrides → CLI overrides → one
 * ConfigSchema parse → deep freeze. The only place that reads process.env for config.
 *
 * Environment variables (win over the file, lose to CLI flags):
 *   SIMGATE_ONLINESIM_KEY  onlinesim.key (keep the secret out of files and argv)
 *   SIMGATE_STATE_DIR      stateDir
 *   SIMGATE_LOG_LEVEL      logLevel
 *   SIMGATE_MARKET_<ID>_KEY  the key of the `markets:` entry with that id (upper case,
 *                            dashes as underscores: SIMGATE_MARKET_SMSBOWER_KEY)
 */
import { readFileSync } from "node:fs";
import { parse, YAMLParseError } from "yaml";
import type { z } from "zod";
import { ErrorCode, SimgateError } from "../errors.js";
import { engineConfigSchema } from "./engine-schema.js";
import { marketKeyEnvName } from "./markets-schema.js";
import { ConfigSchema, type Config } from "./schema.js";

export interface ConfigOverrides {
  stateDir?: string;
  listen?: string;
  logLevel?: string;
}

export interface LoadConfigOptions {
  file?: string;
  env?: Record<string, string | undefined>;
  overrides?: ConfigOverrides;
}

export interface LoadedConfig {
  config: Readonly<Config>;
  warnings: string[];
}

export const ENV_VARS = { SIMGATE_ONLINESIM_KEY: "onlinesim.key", SIMGATE_STATE_DIR: "stateDir", SIMGATE_LOG_LEVEL: "logLevel" } as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Read and parse a YAML/JSON file (JSON is YAML, so one parser; .json files use JSON.parse for exact errors). */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new SimgateError(`${file}: cannot read config: ${why}`, ErrorCode.ConfigUnreadable, { file });
  }
  try {
    const data: unknown = file.endsWith(".json") ? JSON.parse(text) : parse(text);
    if (data === null || data === undefined) return {};
    if (!isObj(data)) throw new SimgateError(`${file}: config must be a mapping of keys`, ErrorCode.ConfigSyntax, { file });
    return data;
  } catch (err) {
    if (err instanceof SimgateError) throw err;
    if (err instanceof YAMLParseError) {
      const line = err.linePos?.[0].line ?? 0;
      throw new SimgateError(`${file}:${line}: YAML syntax error: ${err.message.split("\n")[0]}`, ErrorCode.ConfigSyntax, { file, line });
    }
    throw new SimgateError(`${file}: JSON syntax error: ${(err as Error).message}`, ErrorCode.ConfigSyntax, { file });
  }
}

function setPath(root: Obj, path: string, value: unknown): void {
  const keys = path.split(".");
  let o = root;
  for (const k of keys.slice(0, -1)) {
    const next = o[k];
    if (!isObj(next)) o[k] = {};
    o = o[k] as Obj;
  }
  o[keys[keys.length - 1] as string] = value;
}

/**
 * Where a value came from when it was not the config file: the name the user knows it by
 * (`SIMGATE_ONLINESIM_KEY`), used instead of its key path in problems about it.
 */
export type ValueOrigins = Readonly<Record<string, string>>;

/** Every zod issue as `path.to.key: message`; unknown keys one line each. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], origins: ValueOrigins = {}): string[] {
  const lines: string[] = [];
  for (const i of issues) {
    const base = i.path.map(String).join(".");
    if (i.code === "unrecognized_keys") {
      for (const k of i.keys) lines.push(`${base ? `${base}.` : ""}${k}: unknown key`);
    } else {
      // "Too small: expected string to have >=8 characters" says nothing about which setting a user mistyped.
      const message = i.code === "too_small" && i.origin === "string" ? `too short (at least ${String(i.minimum)} characters)` : i.message;
      lines.push(`${origins[base] ?? (base || "(root)")}: ${message}`);
    }
  }
  return lines;
}

export function deepFreeze<T>(v: T): Readonly<T> {
  if (typeof v === "object" && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Validate raw input (already merged); throws ConfigInvalid listing every problem. */
export function validateConfig(raw: unknown, source = "config", origins: ValueOrigins = {}): Readonly<Config> {
  const r = ConfigSchema.safeParse(raw);
  // The engine block's schema is not strict (it strips unknown keys): report them like the strict sections do.
  const engine = isObj(raw) && isObj(raw.engine) ? raw.engine : {};
  const engineKeys = new Set(Object.keys(engineConfigSchema.shape));
  const unknown = Object.keys(engine).filter((k) => !engineKeys.has(k)).map((k) => `engine.${k}: unknown key`);
  if (!r.success || unknown.length > 0) {
    const problems = [...unknown, ...(r.success ? [] : formatIssues(r.error.issues, origins))];
    throw new SimgateError(`${source}: invalid config:\n${problems.join("\n")}`, ErrorCode.ConfigInvalid, { problems });
  }
  return deepFreeze(r.data as Config);
}

/**
 * Each `markets:` entry's key from SIMGATE_MARKET_<ID>_KEY, else the systemd credential
 * market-<id>-key, else the file (with a warning). The id is the one the schema will give
 * the entry: its `id`, else its dialect, else "smshub".
 */
function marketKeysFromEnvironment(raw: Obj, env: Record<string, string | undefined>, origins: Record<string, string>, warnings: string[]): void {
  if (!Array.isArray(raw.markets)) return;
  raw.markets.forEach((entry: unknown, i: number) => {
    if (!isObj(entry)) return;
    const id = typeof entry.id === "string" ? entry.id : typeof entry.dialect === "string" ? entry.dialect : "smshub";
    const name = marketKeyEnvName(id);
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== "") {
      entry.key = fromEnv;
      origins[`markets.${i}.key`] = `${name} (from the environment)`;
      return;
    }
    const credential = readCredential(env, `market-${id}-key`);
    if (credential !== undefined) {
      entry.key = credential;
      origins[`markets.${i}.key`] = `the systemd credential market-${id}-key (${env.CREDENTIALS_DIRECTORY}/market-${id}-key)`;
      return;
    }
    if (typeof entry.key === "string") warnings.push(`markets[${i}] (${id}): the key is in the config file; prefer ${name}`);
  });
}

/**
 * A systemd credential (LoadCredential=onlinesim-key:… in the unit, systemd/README.md):
 * $CREDENTIALS_DIRECTORY/<name>, trailing newline dropped. Used when the environment
 * variable is not set; undefined when there is no such credential.
 */
export function readCredential(env: Record<string, string | undefined>, name: string): string | undefined {
  const dir = env.CREDENTIALS_DIRECTORY;
  if (!dir) return undefined;
  try {
    return readFileSync(`${dir}/${name}`, "utf8").replace(/\r?\n$/, "");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new SimgateError(`credential ${name}: cannot read: ${(err as Error).message}`, ErrorCode.ConfigUnreadable, { name });
  }
}

export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const warnings: string[] = [];
  const raw = (opts.file !== undefined ? readConfigFile(opts.file) : {}) as Obj;
  const origins: Record<string, string> = {};
  for (const [name, path] of Object.entries(ENV_VARS)) {
    const v = env[name];
    if (v !== undefined && v !== "") {
      setPath(raw, path, v);
      origins[path] = `${name} (from the environment)`;
    }
  }
  if (isObj(raw.onlinesim) && typeof raw.onlinesim.key === "string" && env.SIMGATE_ONLINESIM_KEY === undefined) {
    warnings.push("onlinesim.key is in the config file; prefer SIMGATE_ONLINESIM_KEY");
  }
  const credential = readCredential(env, "onlinesim-key");
  if (credential !== undefined && !env.SIMGATE_ONLINESIM_KEY) {
    setPath(raw, "onlinesim.key", credential);
    origins["onlinesim.key"] = `the systemd credential onlinesim-key (${env.CREDENTIALS_DIRECTORY}/onlinesim-key)`;
  }
  marketKeysFromEnvironment(raw, env, origins, warnings);
  const o = opts.overrides ?? {};
  if (o.stateDir !== undefined) setPath(raw, "stateDir", o.stateDir);
  if (o.listen !== undefined) setPath(raw, "http.listen", o.listen);
  if (o.logLevel !== undefined) setPath(raw, "logLevel", o.logLevel);
  // Command-line overrides win over everything, and are named by their flag.
  if (o.stateDir !== undefined) origins["stateDir"] = "--state-dir";
  if (o.listen !== undefined) origins["http.listen"] = "--listen";
  if (o.logLevel !== undefined) origins["logLevel"] = "--log-level";
  const config = validateConfig(raw, opts.file ?? "config", origins);
  if (config.onlinesim.key === undefined) warnings.push("no Onlinesim key (set SIMGATE_ONLINESIM_KEY): the partner endpoint will not serve");
  return { config, warnings };
}
