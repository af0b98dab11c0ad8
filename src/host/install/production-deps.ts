/**
 * Which installed packages simgate needs at run time, found the way Node finds them: from
 * the `dependencies` (and present `optionalDependencies` and peers) of simgate's
 * package.json, each looked up in the nearest node_modules upwards, then their own, and
 * so on. Read from the package.json files on disk, so it works the same in a checkout
 * (after npm install), in a package installed with `npm install -g` (which has no
 * package-lock.json) and in /opt/simgate itself; devDependencies are never reached.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

interface Manifest {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function manifest(file: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Manifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

/** The node_modules directories Node searches for a package required from `rel` (relative to the root), nearest first. */
function lookupDirs(rel: string): string[] {
  const dirs: string[] = [];
  for (let p = rel; ; ) {
    dirs.push(p === "" ? "node_modules" : `${p}/node_modules`);
    if (p === "") return dirs;
    const i = p.lastIndexOf("/node_modules/");
    p = i < 0 ? "" : p.slice(0, i);
  }
}

/**
 * The production packages under `root`, as paths relative to it (`node_modules/fastify`,
 * `node_modules/a/node_modules/b`), in a stable order. Throws naming the package when a
 * required one is not installed.
 */
export function productionPackages(root: string): string[] {
  const top = manifest(join(root, "package.json"));
  if (top === undefined) throw new Error(`${join(root, "package.json")} is missing`);
  const found = new Set<string>();
  const queue: Array<{ rel: string; m: Manifest }> = [{ rel: "", m: top }];
  while (queue.length > 0) {
    const { rel, m } = queue.shift()!;
    const optional = new Set([...Object.keys(m.optionalDependencies ?? {}), ...Object.keys(m.peerDependencies ?? {})]);
    const wanted = new Set([...Object.keys(m.dependencies ?? {}), ...optional]);
    for (const name of wanted) {
      let hit: { rel: string; m: Manifest } | undefined;
      for (const dir of lookupDirs(rel)) {
        const candidate = `${dir}/${name}`;
        const cm = manifest(join(root, candidate, "package.json"));
        if (cm !== undefined) {
          hit = { rel: candidate, m: cm };
          break;
        }
      }
      if (hit === undefined) {
        // Another platform's binary, an optional peer nobody installed: not needed here.
        if (optional.has(name) && !m.dependencies?.[name]) continue;
        const by = rel === "" ? "simgate" : (m.name ?? rel);
        throw new Error(`${name} (needed by ${by}) is not installed under ${join(root, "node_modules")}: run 'npm install --omit=dev' (or 'npm ci') in ${root} first`);
      }
      if (found.has(hit.rel)) continue;
      found.add(hit.rel);
      queue.push(hit);
    }
  }
  return [...found].sort();
}
