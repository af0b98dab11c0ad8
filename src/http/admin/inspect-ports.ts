/**
 * Which port an operator means. Port ids are long: a by-path name on hardware
 * (`pci-0000:00:14.0-usb-0:1.2:1.0`), a full path for simulated modems
 * (`/var/lib/simgate/simulated-ports/modem3`). People type the end of it, so the full
 * id, its basename or any suffix that fits exactly one port is accepted.
 */
import { basename } from "node:path";

export type PortMatch = { kind: "found"; id: string } | { kind: "none" } | { kind: "ambiguous"; candidates: string[] };

export function matchPort(ids: Iterable<string>, wanted: string): PortMatch {
  const all = [...new Set(ids)];
  if (all.includes(wanted)) return { kind: "found", id: wanted };
  const byBase = all.filter((id) => basename(id) === wanted);
  if (byBase.length === 1) return { kind: "found", id: byBase[0] as string };
  const bySuffix = byBase.length > 1 ? byBase : all.filter((id) => id.endsWith(wanted));
  if (bySuffix.length === 1) return { kind: "found", id: bySuffix[0] as string };
  return bySuffix.length === 0 ? { kind: "none" } : { kind: "ambiguous", candidates: bySuffix.sort() };
}

/** The answer body for a port that matched nothing or too much (shared by the SMS and AT routes). */
export function portProblem(wanted: string, m: Exclude<PortMatch, { kind: "found" }>, known: readonly string[]): { code: number; body: object } {
  if (m.kind === "ambiguous") {
    return { code: 400, body: { status: "ERROR", error: "AMBIGUOUS_PORT", detail: `'${wanted}' fits ${m.candidates.length} ports: ${m.candidates.join(", ")}`, candidates: m.candidates } };
  }
  const names = known.map((id) => basename(id)).sort();
  const shown = names.length > 20 ? [...names.slice(0, 20), `… (${names.length} in all)`] : names;
  const list = names.length > 0 ? `; known ports: ${shown.join(", ")}` : "; the daemon has no ports";
  return { code: 404, body: { status: "ERROR", error: "NO_SUCH_PORT", detail: `no port '${wanted}'${list}` } };
}
