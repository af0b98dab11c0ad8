/**
 * Where a process's CPU went, from a V8 `.cpuprofile` (node --cpu-prof): self time per
 * function and per area of the code (our layers, each npm package, Node internals, GC),
 * over a window of the run. Used by bench/cost.ts to explain its per-SMS figure.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled busy time in the window (idle excluded), ms. */
  busyMs: number;
  /** Self time by area, ms, largest first. */
  areas: Array<[area: string, ms: number]>;
  /** Self time by function, ms, largest first. */
  functions: Array<[fn: string, ms: number]>;
}

/** `dist/src/at/channel.js` → `src/at`; `node_modules/pino/…` → `pino`; `node:internal/streams/…` → `node:streams`. */
function areaOf(url: string, fn: string): string {
  if (url === "") return fn.startsWith("(") ? fn : "native";
  const ours = /\/dist\/((?:src|drivers)\/[^/]+)\//.exec(url) ?? /\/dist\/(drivers)\//.exec(url);
  if (ours) return ours[1]!;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const internal = /^node:(?:internal\/)?([^/]+)/.exec(url);
  if (internal) return `node:${internal[1]!.replace(/\.js$/, "")}`;
  return url;
}

function label(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url.replace(/^.*\/(dist|node_modules)\//, "$1/");
  return `${functionName || "(anonymous)"} ${where}${where ? `:${lineNumber + 1}` : ""}`;
}

/** Summarise the samples between `fromMs` and `toMs` after the profile started. */
export function summariseProfile(profile: CpuProfile, fromMs: number, toMs: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    const at = t / 1000;
    if (at < fromMs || at > toMs) continue;
    const node = byId.get(profile.samples[i]!);
    if (!node || node.callFrame.functionName === "(idle)") continue;
    busy += dt;
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + dt);
    const fn = label(node);
    functions.set(fn, (functions.get(fn) ?? 0) + dt);
  }
  const ms = (m: Map<string, number>) => [...m].map(([k, us]) => [k, us / 1000] as [string, number]).sort((a, b) => b[1] - a[1]);
  return { busyMs: busy / 1000, areas: ms(areas), functions: ms(functions) };
}

/** The one profile a process wrote into `dir`. */
export function readProfile(dir: string): CpuProfile {
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`bench: no .cpuprofile in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
}
