/**
 * Public API of the SMS and USSD codecs: pure functions, no I/O. Decoders never throw on
 * bad input (they return typed errors or best-effort results with warnings); encoders throw
 * SimgateError(CodecMalformed) for options that cannot be encoded.
 */
export { decodePdu, type DecodeOptions } from "./pdu-decode.js";
export {
  encodeDeliver,
  encodeSubmit,
  splitUserData,
  relativeValidity,
  type DeliverOptions,
  type SubmitOptions,
  type EncodedPdu,
  type EncodingChoice,
  type NationalLanguageChoice,
  type TextOptions,
} from "./pdu-encode.js";
export type { DecodeOutcome, DecodedSms, DeliverSms, SubmitSms, StatusReportSms, SmsType, ValidityPeriod } from "./types.js";
export type { Address, AddressType } from "./address.js";
export { decodeSmsDcs, decodeCbsDcs, type Alphabet, type DcsInfo, type CbsDcsInfo, type MessageWaiting } from "./dcs.js";
export type { ConcatInfo, UdhElement } from "./udh.js";
export type { TpStatus, StatusCategory } from "./status.js";
export type { DecodeError } from "./hex-reader.js";
export { LANGUAGE_IDS, type NationalLanguage } from "./national.js";
export { isGsm7, septetLength } from "./gsm7.js";
export {
  parseCusd,
  decodeUssd,
  encodeUssdRequest,
  encodeUssdResponse,
  USSD_STATUS_TEXT,
  type CusdParse,
  type UssdDecoded,
  type UssdDecodedAs,
  type UssdRequestForm,
  type UssdResponseForm,
} from "./ussd.js";
export {
  Reassembler,
  type AddResult,
  type AssembledMessage,
  type PartInput,
  type PendingGroup,
  type ReassemblerOptions,
  type ReassemblyState,
  type StoredPart,
} from "./reassembly.js";
