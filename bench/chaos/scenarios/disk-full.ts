/**
 * A full disk: the state directory on a small tmpfs (mounted here; needs root), the buyer
 * ordering and services texting, then a filler file takes every free byte for `fullMs`
 * and is removed. What must hold: the daemon keeps running (or refuses with one line),
 * /readyz says 503 while writes fail and 200 once they work again, nothing it acknowledged
 * is lost (every SMS pushed after the space came back, every activation it answered
 * SUCCESS for is in its store), and nothing is assigned twice.
 * Then the same disk full at start: the daemon refuses with one line, or starts and says
 * 503 — never a start that pretends.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { accountAssignments, accountSms, corruptedNote, deliveryNote, doubleAssigned } from "../ledger.js";
import { timing, type CaseResult } from "../result.js";
import { DaemonExited, Rig, sleep, until } from "../rig.js";
import { auditStore } from "../store-audit.js";

export interface DiskFullOptions {
  dir: string;
  modems: number;
  seed: string;
  tmpfsSize: string;
  fullMs: number;
  drainTimeoutMs: number;
  log: (line: string) => void;
}

export const DISK_FULL_DEFAULTS: Omit<DiskFullOptions, "dir" | "log"> = {
  modems: 8,
  seed: "chaos",
  tmpfsSize: "4m",
  fullMs: 20_000,
  drainTimeoutMs: 150_000,
};

/** Write until ENOSPC, then smaller pieces into what is left; returns the filler's path. */
function fillDisk(dir: string): string {
  const file = join(dir, "filler");
  const fd = openSync(file, "w");
  try {
    for (const size of [64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size);
      for (let i = 0; i < 1_000_000; i++) {
        try {
          writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

async function readyz(rig: Rig): Promise<{ status: number; why?: string }> {
  const res = await fetch(`${rig.adminUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { why?: string };
  return { status: res.status, ...(body.why ? { why: body.why } : {}) };
}

export async function runDiskFull(o: DiskFullOptions): Promise<CaseResult[]> {
  const mountPoint = join(o.dir, "disk");
  mkdirSync(mountPoint, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${o.tmpfsSize},mode=0700`, "tmpfs", mountPoint], { stdio: "pipe" });
  } catch (err) {
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim() || String(err);
    return [skipped(`cannot mount a tmpfs (needs root): ${why}`)];
  }
  try {
    return await withDisk(o, mountPoint);
  } finally {
    try {
      execFileSync("umount", ["-l", mountPoint], { stdio: "pipe" });
    } catch {
      // already unmounted
    }
  }
}

function skipped(why: string): CaseResult {
  return { scenario: "disk full", case: "not run", sms: null, lost: null, duplicated: null, doubleAssigned: null, corrupted: null, detection: null, recovery: null, checks: [{ what: "ran", ok: false }], notes: [why] };
}

async function withDisk(o: DiskFullOptions, mountPoint: string): Promise<CaseResult[]> {
  const rig = await Rig.start({
    dir: o.dir,
    modems: o.modems,
    seed: o.seed,
    services: 100,
    stateDir: join(mountPoint, "state"),
    // SMS come 2–12 s after the order, so many arrive while the disk is full.
    market: { orderEveryMs: 200, latencyMs: 20, smsDelayMs: { min: 2_000, max: 12_000 } },
    config: { store: { lowSpaceWarnBytes: 1024 * 1024 } },
  });
  try {
    const running = await runningDaemonCase(rig, o, mountPoint);
    const atStart = await startOnFullDisk(rig, o, mountPoint);
    return [running, atStart];
  } finally {
    await rig.close();
  }
}

async function runningDaemonCase(rig: Rig, o: DiskFullOptions, mountPoint: string): Promise<CaseResult> {
  let daemon = await rig.startDaemon();
  await until("the first SMS delivered", async () => (await rig.ledger()).ledger.pushes.some((p) => p.answer === "SUCCESS"), 90_000, 500);
  await sleep(5_000);
  const t0 = Date.now();
  const filler = fillDisk(mountPoint);
  const tFill = Date.now();
  o.log(`disk full: filled in ${tFill - t0} ms; ${o.fullMs / 1000} s of traffic on a full disk`);
  let notReadyAt: number | null = null;
  let why: string | undefined;
  let exited: string | null = null;
  while (Date.now() - tFill < o.fullMs) {
    if (daemon.child.hasExited()) {
      exited = daemon.child.stderr().trim().split("\n").at(-1) ?? "";
      break;
    }
    const r = await readyz(rig).catch(() => undefined);
    if (r && r.status !== 200 && notReadyAt === null) {
      notReadyAt = Date.now();
      why = r.why;
    }
    await sleep(200);
  }
  const stillNotReady = exited === null ? (await readyz(rig).catch(() => undefined))?.status !== 200 : true;
  unlinkSync(filler);
  const tFree = Date.now();
  let readyAgainAt: number | null = null;
  if (exited === null) {
    readyAgainAt = await until("/readyz 200 after the space came back", async () => ((await readyz(rig)).status === 200 ? Date.now() : undefined), 60_000, 200).catch(() => null);
  } else {
    // It stopped on the full disk: it must come back on its own state once there is room.
    daemon = await rig.startDaemon();
    readyAgainAt = daemon.readyAt;
  }
  const drain = await rig.drain(o.drainTimeoutMs);
  o.log(`disk full: /readyz 503 ${notReadyAt ? `after ${notReadyAt - tFill} ms` : "never"}; 200 again ${readyAgainAt ? `after ${readyAgainAt - tFree} ms` : "never"}; backlog ${drain.drained ? `drained in ${drain.ms} ms` : "NOT drained"}`);
  const { ledger } = await rig.ledger();
  await rig.stopDaemon();
  const store = auditStore(rig.stateDir, ledger.orders);
  const sms = accountSms(ledger);
  const assign = accountAssignments(ledger);
  const fullOrders = ledger.orders.filter((x) => x.requestedAt >= tFill && x.requestedAt < tFree);
  const firstFailure = fullOrders.find((x) => x.outcome === "error" || x.outcome === "failed");
  const double = doubleAssigned(assign) + store.overlaps.length;
  return {
    scenario: "disk full",
    case: `state on a ${o.tmpfsSize} tmpfs, full for ${o.fullMs / 1000} s`,
    sms: sms.sent,
    lost: sms.lost.length,
    duplicated: sms.duplicated.length,
    doubleAssigned: double,
    corrupted: sms.corrupted.length,
    detection: notReadyAt ? timing([notReadyAt - tFill]) : null,
    recovery: readyAgainAt ? timing([readyAgainAt - tFree]) : null,
    checks: [
      { what: "0 lost", ok: sms.lost.length === 0 },
      { what: "0 double-assigned", ok: double === 0 },
      { what: "0 corrupted", ok: sms.corrupted.length === 0 },
      { what: "nothing acknowledged lost: every SUCCESS order in the store", ok: store.missing.length === 0 },
      { what: "keeps running, or stops with one line", ok: exited === null || !exited.includes("\n") },
      { what: "/readyz 503 while the disk is full", ok: exited !== null || (notReadyAt !== null && stillNotReady) },
      { what: "/readyz 200 again once space is freed", ok: readyAgainAt !== null },
      { what: "the backlog drained", ok: drain.drained },
    ],
    notes: [
      exited === null ? `kept running; /readyz said: ${why ?? "(never 503)"}` : `exited on the full disk: ${exited}`,
      `${ledger.texts.filter((t) => t.ok && t.sentAt >= tFill && t.sentAt < tFree).length} SMS arrived while the disk was full; ${fullOrders.length} orders while full: ${fullOrders.filter((x) => x.outcome === "issued").length} issued, first failure ${firstFailure ? `after ${firstFailure.requestedAt - tFill} ms (${(firstFailure.detail ?? "").slice(0, 80)})` : "none"}`,
      `detection = disk full → /readyz 503; recovery = space freed → /readyz 200; backlog drained ${drain.ms} ms after; ${deliveryNote(ledger)}`,
      ...(sms.corrupted.length ? [corruptedNote(sms)] : []),
    ],
    details: { why, exited, lost: sms.lost.slice(0, 30), store, fullOrders: fullOrders.slice(0, 50) },
  };
}

async function startOnFullDisk(rig: Rig, o: DiskFullOptions, mountPoint: string): Promise<CaseResult> {
  const filler = fillDisk(mountPoint);
  const t0 = Date.now();
  let outcome: string;
  let ok: boolean;
  let detectionMs: number | null = null;
  try {
    await rig.startDaemon(60_000);
    const r = await readyz(rig);
    detectionMs = Date.now() - t0;
    // Ready on a full disk is the truth only if it can work: try an order (a write), then ask again.
    await sleep(3_000);
    const order = await tryOrder(rig);
    const after = await readyz(rig);
    outcome = `started; /readyz ${r.status}${r.why ? ` (${r.why})` : ""}; an order ${order}; then /readyz ${after.status}`;
    ok = order === "was issued" || after.status !== 200;
    await rig.stopDaemon();
  } catch (err) {
    detectionMs = Date.now() - t0;
    const stderr = err instanceof DaemonExited ? err.stderr.trim() : String(err);
    const lines = stderr.split("\n").filter((l) => l.trim() !== "");
    outcome = `refused: ${(lines.at(-1) ?? "(nothing on stderr)").replaceAll(rig.stateDir, "<state dir>")}`;
    ok = err instanceof DaemonExited && lines.length === 1;
  } finally {
    unlinkSync(filler);
  }
  // And it starts again on the same state once there is room.
  const back = await rig.startDaemon().then(
    (d) => d.readyAt - d.spawnedAt,
    () => null,
  );
  await rig.stopDaemon();
  o.log(`disk full at start: ${outcome}; after freeing: ${back === null ? "did NOT start" : `ready in ${back} ms`}`);
  return {
    scenario: "disk full",
    case: "start on a full disk",
    sms: null,
    lost: null,
    duplicated: null,
    doubleAssigned: null,
    corrupted: null,
    detection: detectionMs === null ? null : timing([detectionMs]),
    recovery: back === null ? null : timing([back]),
    checks: [
      { what: "refuses with one line, or starts and says not ready", ok },
      { what: "starts on the same state once there is room", ok: back !== null },
    ],
    notes: [outcome, "detection = start → refusal or first /readyz answer; recovery = start after freeing → ready"],
  };
}

/** GET_SERVICES, then GET_NUMBER for an offered country (and FINISH 5 to give it back). */
async function tryOrder(rig: Rig): Promise<string> {
  const services = await rig.partner({ action: "GET_SERVICES" }).catch(() => undefined);
  const list = (services?.json.countryList ?? []) as Array<{ country: string; operatorMap: Record<string, Record<string, number>> }>;
  const country = list.find((c) => (c.operatorMap["any"]?.["svc000"] ?? 0) > 0)?.country;
  if (!country) return "found nothing offered";
  const r = await rig.partner({ action: "GET_NUMBER", country, operator: "any", service: "svc000", sum: 1 }).catch((err: unknown) => ({ status: 0, json: { error: String(err) } }));
  if (r.json.status !== "SUCCESS") return `failed (HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 80)})`;
  await rig.partner({ action: "FINISH_ACTIVATION", activationId: r.json.activationId, status: 5 }).catch(() => undefined);
  return "was issued";
}
