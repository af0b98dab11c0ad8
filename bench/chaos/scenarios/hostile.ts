/**
 * Hostile HTTP input and slowloris against the partner endpoint and the admin listener of
 * a running daemon.
 *  - Every case of hostile-cases.ts, one connection each: the answer must be a clean JSON
 *    error (never a 5xx, never a dropped connection, never HTML or an empty 400).
 *  - Slowloris: `connections` sockets per listener and kind that trickle a request (headers
 *    one byte a second; a body, within the size limit, one byte a second) or say
 *    nothing at all; each must be cut by the server, bounded by `slowlorisMaxMs`. Meanwhile
 *    a buyer keeps asking GET_SERVICES and a monitor /readyz: both must keep being served.
 *  - Afterwards the process is alive and answers.
 */
import { connect, type Socket } from "node:net";
import { check, GetServicesResponse } from "../../../src/onlinesim/schemas.js";
import { hostileCases, type HostileCase } from "../hostile-cases.js";
import { rawExchange, type RawAnswer } from "../raw-http.js";
import { timing, type CaseResult } from "../result.js";
import { CHAOS_ADMIN_TOKEN, CHAOS_KEY, Rig, sleep, until } from "../rig.js";

export interface HostileOptions {
  dir: string;
  modems: number;
  seed: string;
  connections: number;
  slowlorisMaxMs: number;
  log: (line: string) => void;
}

export const HOSTILE_DEFAULTS: Omit<HostileOptions, "dir" | "log"> = {
  modems: 4,
  seed: "chaos",
  connections: 30,
  slowlorisMaxMs: 30_000,
};

type Verdict = "clean" | "not JSON" | "5xx" | "no answer" | "accepted";

function judgeAnswer(c: HostileCase, a: RawAnswer): Verdict {
  if (a.noAnswer) return "no answer";
  if (a.status >= 500) return "5xx";
  let body: unknown;
  try {
    body = JSON.parse(a.body);
  } catch {
    return "not JSON";
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) return "not JSON";
  if (c.expect === "tolerate" || a.status >= 400) return "clean";
  // The v1 protocol answers some refusals with HTTP 200 and {"status":"ERROR"}.
  return (body as { status?: unknown }).status === "ERROR" ? "clean" : "accepted";
}

export async function runHostile(o: HostileOptions): Promise<CaseResult[]> {
  const rig = await Rig.start({ dir: o.dir, modems: o.modems, seed: o.seed, services: 20 });
  try {
    const daemon = await rig.startDaemon();
    await until("a number for sale", async () => (await rig.offered()) > 0, 90_000, 500);
    const hostile = await hostileInput(rig, o);
    const slow = await slowloris(rig, o);
    const alive = !daemon.child.hasExited() && (await rig.offered().then((n) => n > 0).catch(() => false));
    for (const c of [hostile, ...slow]) c.checks.push({ what: "the daemon stays up and keeps serving", ok: alive });
    await rig.stopDaemon();
    return [hostile, ...slow];
  } finally {
    await rig.close();
  }
}

async function hostileInput(rig: Rig, o: HostileOptions): Promise<CaseResult> {
  const cases = hostileCases(CHAOS_KEY, CHAOS_ADMIN_TOKEN);
  const outcomes: Array<{ target: string; name: string; verdict: Verdict; status: number; body: string; ms: number }> = [];
  for (const c of cases) {
    const port = c.target === "partner" ? rig.ports.partner : rig.ports.admin;
    const a = await rawExchange(port, c.bytes(port), 15_000, c.from);
    outcomes.push({ target: c.target, name: c.name, verdict: judgeAnswer(c, a), status: a.status, body: a.body.slice(0, 160), ms: a.ms });
  }
  const bad = outcomes.filter((x) => x.verdict !== "clean");
  o.log(`hostile: ${outcomes.length - bad.length}/${outcomes.length} clean JSON errors`);
  const per = (t: string): string => {
    const mine = outcomes.filter((x) => x.target === t);
    return `${mine.filter((x) => x.verdict === "clean").length}/${mine.length} ${t}`;
  };
  return {
    scenario: "hostile",
    case: `${outcomes.length} hostile requests`,
    sms: null,
    lost: null,
    duplicated: null,
    doubleAssigned: null,
    corrupted: null,
    detection: null,
    recovery: null,
    checks: [{ what: "every hostile request gets a clean JSON error", ok: bad.length === 0 }],
    notes: [`clean JSON answers: ${per("partner")}, ${per("admin")}`, ...bad.map((b) => `${b.target} «${b.name}»: ${b.verdict}${b.status ? ` (HTTP ${b.status}${b.body ? ` ${JSON.stringify(b.body.slice(0, 60))}` : ""})` : ""}`)],
    details: { outcomes },
  };
}

type LorisKind = "headers" | "body" | "idle";

/** One slow connection: resolves with ms until the server cut it, or null if it held out to `maxMs`. */
function lorisConnection(port: number, kind: LorisKind, maxMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket: Socket = connect({ host: "127.0.0.1", port });
    let ticker: NodeJS.Timeout | undefined;
    let settled = false;
    const done = (v: number | null): void => {
      if (settled) return;
      settled = true;
      clearInterval(ticker);
      clearTimeout(limit);
      socket.destroy();
      resolve(v);
    };
    const limit = setTimeout(() => done(null), maxMs);
    socket.on("connect", () => {
      if (kind === "headers") socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `);
      if (kind === "body") socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n{"a":"`);
      if (kind !== "idle") ticker = setInterval(() => !socket.destroyed && socket.write("a"), 1_000);
    });
    socket.resume();
    socket.on("end", () => done(Date.now() - t0));
    socket.on("close", () => done(Date.now() - t0));
    socket.on("error", () => done(Date.now() - t0));
  });
}

async function slowloris(rig: Rig, o: HostileOptions): Promise<CaseResult[]> {
  const kinds: LorisKind[] = ["headers", "body", "idle"];
  const attack = (port: number) => Promise.all(kinds.flatMap((k) => Array.from({ length: o.connections }, () => lorisConnection(port, k, o.slowlorisMaxMs).then((ms) => ({ kind: k, ms })))));
  // The legitimate traffic while the attack runs: a buyer polling and a monitor probing.
  let attacking = true;
  const served = { ok: 0, failed: 0, latencies: [] as number[] };
  const probes = (async () => {
    while (attacking) {
      const t0 = performance.now();
      const ok = await Promise.all([
        rig.partner({ action: "GET_SERVICES" }, 10_000).then((r) => r.status === 200 && check(GetServicesResponse, r.json).ok),
        fetch(`${rig.adminUrl}/readyz`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.ok),
      ]).then(
        (r) => r.every(Boolean),
        () => false,
      );
      served.latencies.push(performance.now() - t0);
      if (ok) served.ok++;
      else served.failed++;
      await sleep(500);
    }
  })();
  const [partner, admin] = await Promise.all([attack(rig.ports.partner), attack(rig.ports.admin)]);
  attacking = false;
  await probes;
  o.log(`slowloris: partner ${partner.filter((x) => x.ms !== null).length}/${partner.length} cut, admin ${admin.filter((x) => x.ms !== null).length}/${admin.length} cut`);
  const servedNote = `meanwhile ${served.ok} GET_SERVICES + /readyz probes answered, ${served.failed} failed (latency p50 ${Math.round(timing(served.latencies)?.p50 ?? 0)} ms, max ${Math.round(timing(served.latencies)?.max ?? 0)} ms)`;
  return [
    ["partner endpoint", partner],
    ["admin listener", admin],
  ].map(([where, results]) => {
    const rs = results as Array<{ kind: LorisKind; ms: number | null }>;
    const held = rs.filter((r) => r.ms === null);
    const perKind = kinds.map((k) => {
      const t = timing(rs.filter((r) => r.kind === k && r.ms !== null).map((r) => r.ms!));
      const left = rs.filter((r) => r.kind === k && r.ms === null).length;
      return `${k}: ${t ? `cut p50 ${(t.p50 / 1000).toFixed(1)} s, max ${(t.max / 1000).toFixed(1)} s` : "none cut"}${left ? `, ${left} still open at ${o.slowlorisMaxMs / 1000} s` : ""}`;
    });
    return {
      scenario: "slowloris",
      case: `${where}, ${rs.length} slow connections`,
      sms: null,
      lost: null,
      duplicated: null,
      doubleAssigned: null,
      corrupted: null,
      detection: timing(rs.filter((r) => r.ms !== null).map((r) => r.ms!)),
      recovery: null,
      checks: [
        { what: `every slow connection cut within ${o.slowlorisMaxMs / 1000} s`, ok: held.length === 0 },
        { what: "legitimate requests served during the attack", ok: served.failed === 0 && served.ok > 0 },
      ],
      notes: [`detection = connect → the server cut it; ${perKind.join("; ")}`, servedNote],
      details: { results: rs, served },
    } satisfies CaseResult;
  });
}
