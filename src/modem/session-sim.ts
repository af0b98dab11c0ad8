/**
 * The SIM half of a port session: state, PIN, ICCID, IMSI, network and own number,
 * written into the port map. Run at bring-up, on every health poll and whenever a SIM
 * URC says the card changed. Cheap when nothing changed: the IMSI and the number are
 * only asked for a SIM we have not identified yet.
 */
import { splitImsi, type DriverDescriptor, type SimState } from "../../drivers/generic/index.js";
import type { Logger } from "../log/logger.js";
import type { PortMap } from "./port-map.js";
import type { AtChannel } from "../at/index.js";
import { discoverOwnNumber, type NumberCache } from "./own-number.js";
import type { NumberUssdRule } from "./number-rules.js";
import { unlockSim, type PinGuard } from "./sim-unlock.js";
import { readIccid, readImsi, readNetwork, readSimState, StepLog, type ModuleDriver } from "./steps.js";

export interface SimContext {
  channel: AtChannel;
  driver: DriverDescriptor;
  manufacturer: string | null;
  map: PortMap;
  id: string;
  pins: Readonly<Record<string, string>>;
  pinGuard: PinGuard;
  numbers: { rules: readonly NumberUssdRule[]; manual: Readonly<Record<string, string>>; cache: NumberCache };
  /** ICCID → when its number was last looked for (so the operator's USSD is not asked every poll). */
  numberAttempts: Map<string, number>;
  /** Ask again for a number that could not be learned after this long. */
  numberRetryMs: number;
  /** The vendor's network information may count a SIM registered that +CREG does not (readNetwork). */
  trustVendorRegistration: boolean;
  logger: Logger;
  /** The next SMS text on this port (operators that answer "my number" by SMS); absent until the receiver runs. */
  nextSmsText?: (timeoutMs: number) => Promise<string | null>;
  now?: () => number;
}

/** The driver and the module's model as the bring-up identified it (model-scoped quirks and commands). */
function moduleOf(ctx: SimContext): ModuleDriver {
  return { driver: ctx.driver, model: ctx.map.get(ctx.id)?.model ?? null };
}

/** After `AT+CPIN=` the SIM needs a moment before it reports READY (27.007 allows it to be "NOT READY" meanwhile). */
async function waitForSimReady(ctx: SimContext, log: StepLog, attempts = 20): Promise<SimState> {
  let state = await readSimState(ctx.channel, log, moduleOf(ctx));
  for (let i = 0; i < attempts && state !== "ready" && state !== "absent"; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    state = await readSimState(ctx.channel, log, moduleOf(ctx));
  }
  return state;
}

/** What a SIM refresh did besides writing the port map. */
export interface SimRefresh {
  /**
   * The configured PIN was just accepted and the SIM is ready, and nothing else was read
   * yet: the module may have refused everything before the PIN (identity, init, +CNMI),
   * so the caller sets it up again and then refreshes the SIM once more.
   */
  unlocked: boolean;
}

/** Refresh the SIM facts; with `learn`, also look for the own number of a SIM that has none yet. */
export async function bringUpSim(ctx: SimContext, learn = true): Promise<SimRefresh> {
  const { channel, map, id } = ctx;
  const log = new StepLog();
  const before = map.get(id);
  const sim: SimState = await readSimState(channel, log, moduleOf(ctx));

  if (sim === "pin") {
    // Huawei's ^ICCID? works before the PIN (mm-sim-huawei.c), so the per-ICCID PIN can be found.
    const lockedIccid = await readIccid(channel, ctx.driver, ctx.manufacturer, log);
    const outcome = await unlockSim(channel, lockedIccid, ctx.pins, ctx.pinGuard);
    if (outcome === "rejected") ctx.logger.error({ iccid: lockedIccid }, "configured SIM PIN was rejected; not retrying (a PUK lock is one mistake away)");
    const now = outcome === "unlocked" ? await waitForSimReady(ctx, log) : sim;
    if (outcome === "unlocked") ctx.logger.info({ iccid: lockedIccid, sim: now }, "SIM PIN accepted");
    if (now === "ready") return { unlocked: true };
    map.update(id, { probed: true, sim: now, iccid: lockedIccid });
    return { unlocked: false };
  }
  if (sim !== "ready") {
    map.update(id, { probed: true, sim });
    return { unlocked: false };
  }

  // A read that fails once must not make a known SIM look unknown; a different ICCID is a new SIM.
  const iccid = (await readIccid(channel, ctx.driver, ctx.manufacturer, log)) ?? before?.iccid ?? null;
  const known = before?.sim === "ready" && before.iccid === iccid && before.imsi !== null;
  const imsi = known ? before.imsi : await readImsi(channel, log);
  // The numeric operator format only needs setting once per SIM (the module keeps it).
  const network = await readNetwork(channel, log, { setOperatorFormat: !known, module: moduleOf(ctx), imsi, trustVendorRegistration: ctx.trustVendorRegistration });
  const home = imsi ? splitImsi(imsi, network.networkOperator ?? undefined) : null;
  map.update(id, {
    probed: true,
    sim: "ready",
    iccid,
    imsi,
    mcc: home?.mcc ?? null,
    mnc: home?.mnc ?? null,
    networkOperator: network.networkOperator,
    registration: network.registration,
    signal: network.signal,
  });
  // The number's country is the SIM's home (IMSI); while the IMSI is unreadable, the network it is registered on at home says the same.
  const numbering = home ?? (network.registration === "home" && network.networkOperator ? splitImsi(network.networkOperator, network.networkOperator) : null);
  if (learn && iccid && map.get(id)?.number === null) await learnNumber(ctx, iccid, numbering?.mcc ?? null, numbering?.mnc ?? null);
  if (log.warnings.length > 0) ctx.logger.debug({ warnings: log.warnings }, "SIM refresh warnings");
  return { unlocked: false };
}

/** Look for the own number of a SIM that has none (manual map, cache, then the modem and the network, rate-limited). */
export async function learnNumber(ctx: SimContext, iccid: string, mcc: string | null, mnc: string | null): Promise<void> {
  const now = (ctx.now ?? Date.now)();
  const last = ctx.numberAttempts.get(iccid);
  // The manual map and the cache are always consulted; the modem and the operator's USSD
  // only once per numberRetryMs for a SIM that could not tell us.
  const offline = last !== undefined && now - last < ctx.numberRetryMs;
  if (!offline) ctx.numberAttempts.set(iccid, now);
  const result = await discoverOwnNumber(
    { iccid, mcc, mnc },
    {
      channel: ctx.channel,
      ussdForm: ctx.driver.ussd?.request ?? "text",
      ...ctx.numbers,
      offline,
      ...(ctx.nextSmsText ? { nextSmsText: ctx.nextSmsText } : {}),
    },
  );
  if (offline && result.number === null) return;
  if (result.number !== null) {
    // The port map's number-learned event makes the info line (daemon/event-log.ts); this says how.
    ctx.logger.debug({ iccid, number: result.number, source: result.source }, `own number read (${result.source})`);
    ctx.map.update(ctx.id, { number: result.number, numberProblem: null });
  } else if (result.refused) {
    // Never sold: the port shows number-invalid with the reason until the operator sets the number.
    ctx.logger.warn({ iccid, refused: result.refused, tried: result.tried }, "own number refused (not valid for its country); set it with 'simgate number set' or config modem.numbers");
    ctx.map.update(ctx.id, { numberProblem: result.refused });
  } else {
    ctx.logger.warn({ iccid, tried: result.tried }, "own number unknown; the SIM cannot be sold until it is set in config");
  }
}
