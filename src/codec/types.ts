/** Result shapes of the PDU decoder. Everything here is plain JSON-serialisable data. */
import type { Address } from "./address.js";
import type { Alphabet, DcsInfo } from "./dcs.js";
import type { DecodeError } from "./hex-reader.js";
import type { NationalLanguage } from "./national.js";
import type { TpStatus } from "./status.js";
import type { ConcatInfo, UdhElement } from "./udh.js";

export type SmsType = "deliver" | "submit" | "status-report";

export interface SmsCommon {
  type: SmsType;
  /** SMSC address ("+7916…"), null when the SMSC field is absent or empty. */
  smsc: string | null;
  firstOctet: number;
  /** TP-PID; null when a status report carries none. */
  pid: number | null;
  /** TP-DCS details; null when a status report carries none. */
  dcs: DcsInfo | null;
  encoding: Alphabet;
  text: string;
  /** The user data after the header, hex (useful for 8-bit data and compressed text). */
  userDataHex: string;
  udh: UdhElement[];
  concat: ConcatInfo | null;
  port: { destination: number; source: number; width: 8 | 16 } | null;
  /** National language shift tables in use (23.040 §9.2.3.24.15/16), by name or raw id. */
  language: { locking: NationalLanguage | number | null; single: NationalLanguage | number | null };
  /** TP-SCTS as ISO 8601 with offset; null for SUBMIT or when unreadable. */
  timestamp: string | null;
}

export interface DeliverSms extends SmsCommon {
  type: "deliver";
  sender: string;
  senderAddress: Address;
  /** TP-MMS inverted to read naturally: true = the SC has more messages waiting. */
  moreMessagesToSend: boolean;
  replyPath: boolean;
  statusReportIndication: boolean;
}

export type ValidityPeriod =
  | { format: "none" }
  | { format: "relative"; raw: number; minutes: number }
  | { format: "absolute"; iso: string | null }
  | { format: "enhanced"; hex: string };

export interface SubmitSms extends SmsCommon {
  type: "submit";
  recipient: string;
  recipientAddress: Address;
  messageRef: number;
  validityPeriod: ValidityPeriod;
  rejectDuplicates: boolean;
  statusReportRequest: boolean;
}

export interface StatusReportSms extends SmsCommon {
  type: "status-report";
  messageRef: number;
  /** TP-RA: the recipient of the message this report is about. */
  recipient: string;
  recipientAddress: Address;
  /** TP-DT: when the SC delivered (or gave up), ISO 8601. */
  dischargeTime: string | null;
  status: TpStatus;
  /** TP-SRQ: true if this reports on an SMS-COMMAND rather than an SMS-SUBMIT. */
  aboutCommand: boolean;
}

export type DecodedSms = DeliverSms | SubmitSms | StatusReportSms;

export type DecodeOutcome = { ok: true; message: DecodedSms; warnings: string[] } | { ok: false; error: DecodeError };
