/**
 * Entering a SIM PIN from config, safely: one attempt per SIM. A wrong PIN is never
 * retried automatically, because three wrong attempts turn a PIN lock into a PUK lock
 * that only the SIM's owner can clear (27.007 §8.3). The guard is shared by every port,
 * so a rejected SIM moved to another port is not tried again there either.
 */
import { SimgateError } from "../errors.js";
import type { CommandRunner } from "./steps.js";

/** ICCIDs whose configured PIN was rejected (until the process restarts or the config changes). */
export class PinGuard {
  readonly #rejected = new Set<string>();

  isRejected(key: string): boolean {
    return this.#rejected.has(key);
  }

  reject(key: string): void {
    this.#rejected.add(key);
  }
}

export type UnlockOutcome = "unlocked" | "no-pin" | "rejected-before" | "rejected";

/** `pins` maps ICCID → PIN; the key `"*"` is the PIN for SIMs not listed (or whose ICCID is unreadable before the PIN). */
export async function unlockSim(
  runner: CommandRunner,
  iccid: string | null,
  pins: Readonly<Record<string, string>>,
  guard: PinGuard,
): Promise<UnlockOutcome> {
  const pin = (iccid ? pins[iccid] : undefined) ?? pins["*"];
  if (pin === undefined) return "no-pin";
  const key = `${iccid ?? "unknown-iccid"}:${pin}`;
  if (guard.isRejected(key)) return "rejected-before";
  try {
    await runner.run({ text: `AT+CPIN="${pin}"`, timeoutMs: 10_000 });
    return "unlocked";
  } catch (err) {
    // 16 = incorrect password; 12 = SIM PUK required (the PIN counter already ran out).
    const cme = err instanceof SimgateError ? err.context["cme"] : undefined;
    if (cme === 16 || cme === 12) {
      guard.reject(key);
      return "rejected";
    }
    throw err;
  }
}
