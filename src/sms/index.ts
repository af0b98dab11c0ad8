/**
 * The SMS domain: what a received SMS is to simgate, below both the modem layer (which
 * produces parts) and the store (which keeps them). README.md says what belongs here and
 * what stays in the PDU codec.
 */
export { buildPart, type PartSource, type ReceivedPart } from "./part.js";
export type { CompleteSms } from "./message.js";
export { MessageAssembler } from "./assembler.js";
