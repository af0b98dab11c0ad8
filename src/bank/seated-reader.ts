/** The part every switch shares: read what a module holds, with duplicate numbers flagged. */
import { readSeated, type ModuleLine } from "./module-reader.js";
import type { NumberWitness } from "./number-witness.js";
import type { SeatedSim } from "./slot-switch.js";

export async function readSeatedFlagged(
  line: ModuleLine,
  module: number,
  requestedSlot: number | null,
  commandTimeoutMs: number,
  witness: NumberWitness,
): Promise<SeatedSim> {
  const seated = await readSeated(line, module, requestedSlot, commandTimeoutMs);
  const sharedNumberWith = seated.number !== null && seated.iccid !== null ? witness.see(seated.number, seated.iccid) : [];
  return { ...seated, sharedNumberWith };
}
