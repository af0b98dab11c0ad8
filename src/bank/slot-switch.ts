/**
 * One way to put a given SIM in front of a given module, whatever the hardware
 * (docs/sim-banks.md#one-interface-for-every-switch). Every answer says what was read back
 * from the module afterwards, so a caller never has to trust that a switch happened.
 *
 * Implementations: `BoardSlotSwitch` (a SIM-bank board with a control serial port) and
 * `MultiSlotSwitch` (a module with 2 slots switched by AT). IP-controlled banks (an HTTP
 * `switch` on an Ejoin/SkyLine-style box, then its pushed port status) and osmo-remsim
 * (a slot map POSTed to its REST API, then the client's modem sees a SIM change) fit the
 * same three methods: only the "send the switch" step differs, the read-back and the
 * verdict are the same (docs/sim-banks.md#where-ip-banks-and-remsim-plug-in).
 */

/** Modules and slots are numbered from 1, as the boards print them. */
export interface SlotAddress {
  module: number;
  slot: number;
}

/** What one module holds right now, as read from the module itself. */
export interface SeatedSim {
  module: number;
  /** The slot simgate last asked for (null: never switched, or parked). */
  requestedSlot: number | null;
  /** Read back with AT+CRSM (EF_ICCID); null when no SIM answers. */
  iccid: string | null;
  imsi: string | null;
  /** The SIM's own number (AT+CNUM); null when the SIM does not know it. */
  number: string | null;
  /** Registered on a network (home or roaming). */
  registered: boolean;
  /** Other ICCIDs this switch has seen with the same number: a re-issued or cloned SIM (docs/sim-banks.md#what-goes-wrong). */
  sharedNumberWith: string[];
}

/** Why a switch is not verified or failed. */
export type UnverifiedReason =
  /** The ICCID read back is the one seated before: the switch silently did not happen. */
  | "not-switched"
  /** The right SIM is seated but the module did not register within the wait. */
  | "not-registered"
  /** Nobody told the switch which ICCID lives in that slot, so it cannot compare. */
  | "nothing-to-compare";

export type FailureReason =
  /** No SIM answers after the switch: a dead or empty slot. */
  | "no-sim"
  /** The switch hardware answered ERROR. */
  | "refused"
  /** The switch hardware's own line is gone (the bank's control port vanished); nothing was switched. */
  | "switch-gone"
  /** The module did not come back after its reset. */
  | "module-silent"
  /** The module or slot is outside the layout. */
  | "bad-address";

export type SwitchOutcome =
  | { status: "verified"; address: SlotAddress; seated: SeatedSim; durationMs: number }
  | { status: "unverified"; reason: UnverifiedReason; address: SlotAddress; seated: SeatedSim; durationMs: number }
  /** A SIM is seated but not the expected one. `seatedSlot` names the slot it belongs to, when known. */
  | { status: "mismatch"; address: SlotAddress; expectedIccid: string; seated: SeatedSim; seatedSlot: SlotAddress | null; durationMs: number }
  | { status: "failed"; reason: FailureReason; address: SlotAddress; detail: string; seated: SeatedSim | null; durationMs: number };

export interface ParkOutcome {
  module: number;
  /** The module's radio is off: whatever SIM sits there is not live and must not be offered. */
  radioOff: boolean;
  detail: string;
}

export interface SlotSwitch {
  /** Seat `slot` in front of `module`, reset and wait as the hardware needs, then read back and judge. */
  select(module: number, slot: number): Promise<SwitchOutcome>;
  /** Read what the module holds now, without switching. */
  seated(module: number): Promise<SeatedSim>;
  /** Take the module out of service (radio off) until the next select. */
  park(module: number): Promise<ParkOutcome>;
}

/** Which ICCID lives in which slot, as far as the caller knows (an inventory, later slices). */
export interface SlotDirectory {
  expectedIccid(address: SlotAddress): string | undefined;
  /** The slot an ICCID belongs to, to name a wrong SIM. */
  slotOf(iccid: string): SlotAddress | undefined;
}
