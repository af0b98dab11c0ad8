/** What install and uninstall share around a plan: the context, the header, the injections. */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { parse } from "yaml";
import { hostExec, type Exec } from "./exec.js";
import { realHost, type HostProbe } from "./host.js";
import { TARGET, under } from "./paths.js";
import type { StepContext } from "./steps.js";

/** Injected by tests; the CLI uses the real host. */
export interface InstallDeps {
  host?: HostProbe;
  exec?: Exec;
  /** The app source (default: the checkout or /opt/simgate this code runs from). */
  source?: string;
  /**
   * Tests only: a scratch directory standing in for "/" WITHOUT --prefix semantics (host
   * commands go to `exec`, owners are set), to exercise the real-install path safely.
   */
  fsRoot?: string;
}

export interface SessionOptions {
  dryRun: boolean;
  prefix: string | undefined;
}

export function makeContext(o: SessionOptions, deps: InstallDeps): StepContext | string {
  const host = deps.host ?? realHost;
  const exec = deps.exec ?? hostExec;
  if (deps.fsRoot !== undefined) return { root: deps.fsRoot, prefix: false, dryRun: o.dryRun, exec, host, changed: new Set() };
  const root = o.prefix === undefined ? "/" : resolve(o.prefix);
  if (root !== "/" && existsSync(root) && !statSync(root).isDirectory()) return `--prefix ${o.prefix}: not a directory`;
  return { root, prefix: root !== "/", dryRun: o.dryRun, exec, host, changed: new Set() };
}

export function header(command: string, ctx: StepContext): string {
  const where = ctx.prefix ? ` ${command === "uninstall" ? "from" : "into"} ${ctx.root} (--prefix: a fake root; host commands are skipped, owners left alone)` : "";
  return `simgate ${command}${where}${ctx.dryRun ? ": dry run, nothing is changed" : ""}\n`;
}

/** How the user invoked us, for messages: `simgate install` or `node bin/simgate.js install`. */
export function invocation(command: string, argv1: string | undefined = process.argv[1]): string {
  if (argv1 === undefined || argv1.startsWith(`${TARGET.app}/`) || basename(argv1) === "simgate") return `simgate ${command}`;
  const rel = relative(process.cwd(), argv1);
  return `node ${rel.startsWith("..") ? argv1 : rel} ${command}`;
}

/** The key is set in the env file, or a drop-in loads it as a credential. */
export function keyConfigured(root: string): boolean {
  const read = (path: string): string => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return "";
    }
  };
  if (/^[ \t]*SIMGATE_ONLINESIM_KEY[ \t]*=[ \t]*[^\s#]/m.test(read(under(root, TARGET.env)))) return true;
  const dir = under(root, TARGET.dropinDir);
  let dropins: string[] = [];
  try {
    dropins = readdirSync(dir).filter((f) => f.endsWith(".conf"));
  } catch {
    // no drop-ins
  }
  return dropins.some((f) => /^[ \t]*LoadCredential(Encrypted)?=onlinesim-key:/m.test(read(join(dir, f))));
}

/** The status page's URL from the installed config's admin.listen. */
export function statusPageUrl(root: string): string {
  let listen = "127.0.0.1:8081";
  try {
    const doc = parse(readFileSync(under(root, TARGET.config), "utf8")) as { admin?: { listen?: unknown } } | null;
    if (typeof doc?.admin?.listen === "string") listen = doc.admin.listen;
  } catch {
    // default
  }
  const m = /^(.*):(\d+)$/.exec(listen);
  const host = m?.[1] === "0.0.0.0" || m?.[1] === "[::]" ? "127.0.0.1" : (m?.[1] ?? "127.0.0.1");
  return `http://${host}:${m?.[2] ?? "8081"}/`;
}
