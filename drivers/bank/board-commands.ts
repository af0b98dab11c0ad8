/**
 * A SIM-bank board's control port (docs/sim-banks.md#sim-bank-boards): one command per
 * logical module port, `AT+SWIT<port, 2 digits>-<slot, 4 digits>`.
 */

/** The largest slot number the 4-digit field can carry. */
export const BOARD_MAX_SLOT = 9999;
/** The largest logical port the 2-digit field can carry. */
export const BOARD_MAX_PORT = 99;

/** `AT+SWIT01-0003`: seat slot 3 in front of logical port 1. Throws RangeError outside 1..99 / 1..9999. */
export function boardSwitchCommand(port: number, slot: number): string {
  if (!Number.isInteger(port) || port < 1 || port > BOARD_MAX_PORT) throw new RangeError(`board port must be an integer 1..${BOARD_MAX_PORT}, got ${port}`);
  if (!Number.isInteger(slot) || slot < 1 || slot > BOARD_MAX_SLOT) throw new RangeError(`board slot must be an integer 1..${BOARD_MAX_SLOT}, got ${slot}`);
  return `AT+SWIT${String(port).padStart(2, "0")}-${String(slot).padStart(4, "0")}`;
}

/** How the board answered a switch command; boards in the field may not answer at all. */
export type BoardAnswer = "accepted" | "refused" | "silent";

/**
 * A final `OK` is "accepted", `ERROR` (any form) "refused"; no answer within the wait is
 * "silent", which the driver treats as "maybe": only the ICCID read back tells
 * (docs/sim-banks.md#what-goes-wrong).
 */
export function classifyBoardAnswer(final: string | null): BoardAnswer {
  if (final === null) return "silent";
  return /^OK$/i.test(final.trim()) ? "accepted" : "refused";
}
