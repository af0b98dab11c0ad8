/** How long a switch may take at each step, with the defaults the hardware needs (docs/sim-banks.md#timing). */
export interface SwitchTiming {
  /** The board's relay needs about 10 s before the new SIM is in front of the module. */
  applyMs: number;
  /** How long the board may take to answer AT+SWIT; some boards never answer (then only the read-back tells). */
  boardAnswerMs: number;
  /** Real boards corrupt a command sent right behind another; 1 s between AT+SWIT commands. */
  gapBetweenSwitchesMs: number;
  /** After AT+CFUN=1,1, the module must answer AT again within this. */
  resetTimeoutMs: number;
  /** SIM READY and registration within this after the module answers. */
  registerTimeoutMs: number;
  /** Pause between polls while waiting. */
  pollMs: number;
  /** One module command (AT+CRSM, AT+CPIN?…). */
  commandTimeoutMs: number;
}

export const DEFAULT_SWITCH_TIMING: SwitchTiming = {
  applyMs: 10_000,
  boardAnswerMs: 2_000,
  gapBetweenSwitchesMs: 1_000,
  resetTimeoutMs: 30_000,
  registerTimeoutMs: 60_000,
  pollMs: 1_000,
  commandTimeoutMs: 3_000,
};
