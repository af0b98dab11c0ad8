/** Switching SIMs in front of modules, verified by reading the ICCID back (docs/sim-banks.md). */
export type { FailureReason, ParkOutcome, SeatedSim, SlotAddress, SlotDirectory, SlotSwitch, SwitchOutcome, UnverifiedReason } from "./slot-switch.js";
export { BoardSlotSwitch, type BoardSlotSwitchOptions } from "./board-switch.js";
export { MultiSlotSwitch, type MultiSlotModule, type MultiSlotSwitchOptions } from "./multi-slot-switch.js";
export { DEFAULT_SWITCH_TIMING, type SwitchTiming } from "./switch-timing.js";
export { judgeSwitch } from "./verdict.js";
export type { ModuleLine } from "./module-reader.js";
