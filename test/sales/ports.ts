/** Ports as the port map reports them, for tests that feed the sales core (its `PortInput`, src/sales/inventory.ts). */
import type { PortInput } from "../../src/sales/inventory.js";

/** A ready port with a SIM of the given network (MCC+MNC, default 25001 russia/mts); the number is derived from `n` unless given. */
export function port(n: number, opts: Partial<PortInput> & { net?: string } = {}): PortInput {
  const net = opts.net ?? "25001";
  const mcc = net.slice(0, 3);
  const mnc = net.slice(3);
  const cc = mcc === "250" ? "7" : mcc === "262" ? "49" : mcc === "310" ? "1" : "44";
  return {
    id: opts.id ?? `port-${n}`,
    state: opts.state ?? "ready",
    present: opts.present ?? true,
    iccid: opts.iccid === undefined ? `8970101${String(n).padStart(12, "0")}` : opts.iccid,
    number: opts.number === undefined ? `+${cc}9${String(n).padStart(9, "0")}` : opts.number,
    mcc: opts.mcc === undefined ? mcc : opts.mcc,
    mnc: opts.mnc === undefined ? mnc : opts.mnc,
  };
}
