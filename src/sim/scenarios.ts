/**
 * Named pools with deliberate variety, for the demo and for anyone who wants to see how
 * simgate copes with a real rack: empty slots, a PIN-locked SIM, a roaming SIM, SIMs that
 * only know their number through USSD. Built on generatePool, so the same seed gives the
 * same SIMs, and applied by index so the scenario reads like a rack diagram.
 *
 * Faults that happen over time (a module that hangs, one that is unplugged) are not part
 * of the profile: the demo drives them through the admin API, like a person at the rack.
 */
import { generatePool, type SimModemProfile } from "./profile.js";

export const SCENARIOS = ["demo"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export function isScenario(value: string): value is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(value);
}

/** The roles of the demo rack's slots (0-based), for the demo's narration and tests. */
export const DEMO_SLOTS = {
  pinLocked: 2,
  roaming: 5,
  numberByUssd: [3, 7],
  noSim: [14, 15],
  hangs: 9,
  unplugged: 11,
} as const;

/** The demo needs at least this many modems for every role to exist. */
export const DEMO_MIN_MODEMS = 16;

export function scenarioPool(name: ScenarioName, count: number, seed: string): SimModemProfile[] {
  // Everyone knows their number unless the scenario says otherwise: variety on purpose, not by dice.
  const profiles = generatePool({ count, dialect: "mixed", seed, noNumberRatio: 0, roamingRatio: 0, pinLockedRatio: 0 });
  switch (name) {
    case "demo":
      return demoRack(profiles, seed);
  }
}

function demoRack(profiles: SimModemProfile[], seed: string): SimModemProfile[] {
  const at = (i: number): SimModemProfile | undefined => profiles[i];
  const locked = at(DEMO_SLOTS.pinLocked);
  if (locked) locked.sim.state = "pin";
  const roaming = at(DEMO_SLOTS.roaming);
  if (roaming) {
    // Registered on another country's network: not sold unless modem.allowRoaming.
    const foreign = generatePool({ count: 1, dialect: roaming.dialect, seed: `${seed}-roaming`, noNumberRatio: 0 })[0]!;
    const other = foreign.sim.mcc === roaming.sim.mcc ? generatePool({ count: 2, dialect: roaming.dialect, seed: `${seed}-roaming`, noNumberRatio: 0 })[1]! : foreign;
    roaming.network = { ...other.network, registration: 5 };
  }
  for (const i of DEMO_SLOTS.numberByUssd) {
    const p = at(i);
    if (p) p.sim.msisdn = null;
  }
  for (const i of DEMO_SLOTS.noSim) {
    const p = at(i);
    if (p) p.sim.state = "absent";
  }
  return profiles;
}
