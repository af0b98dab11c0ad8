/**
 * What a module says on its own while a SIM changes under it
 * (docs/sim-banks.md#after-a-switch): `+CPIN:` goes NOT READY (or NOT INSERTED) and then
 * READY or SIM PIN; Quectel adds `+QUSIM: 1` once the new card is initialised and
 * `+QSIMSTAT: 1,<0|1>` when detection URCs are on; SIMCom SIM800 says `Call Ready` /
 * `SMS Ready` when its stack is up again.
 */
export type SwitchUrc =
  | { kind: "sim-not-ready" }
  | { kind: "sim-absent" }
  | { kind: "sim-ready" }
  | { kind: "sim-locked" }
  | { kind: "sim-initialised" }
  | { kind: "sim-detect"; inserted: boolean }
  | { kind: "stack-ready" };

export function classifySwitchUrc(line: string): SwitchUrc | null {
  const text = line.trim().toUpperCase();
  const cpin = /^\+CPIN:\s*"?([A-Z -]+?)"?$/.exec(text);
  if (cpin) {
    const code = cpin[1] ?? "";
    if (code === "READY") return { kind: "sim-ready" };
    if (code === "NOT READY") return { kind: "sim-not-ready" };
    if (code === "NOT INSERTED" || code === "SIM REMOVED" || code === "NO SIM") return { kind: "sim-absent" };
    if (code.startsWith("SIM PIN") || code.startsWith("SIM PUK")) return { kind: "sim-locked" };
    return null;
  }
  if (/^\+QUSIM:\s*1$/.test(text)) return { kind: "sim-initialised" };
  const det = /^\+QSIMSTAT:\s*\d+\s*,\s*([01])$/.exec(text);
  if (det) return { kind: "sim-detect", inserted: det[1] === "1" };
  if (text === "SMS READY" || text === "CALL READY") return { kind: "stack-ready" };
  return null;
}
