/** TP-Status (23.040 §9.2.3.15) of an SMS-STATUS-REPORT. */

export type StatusCategory = "delivered" | "pending" | "failed-permanent" | "failed-temporary" | "reserved";

export interface TpStatus {
  code: number;
  category: StatusCategory;
  description: string;
}

const DESCRIPTIONS: Record<number, string> = {
  0x00: "received by the recipient",
  0x01: "forwarded to the recipient, delivery not confirmed",
  0x02: "replaced by the service centre",
  0x20: "congestion",
  0x21: "recipient busy",
  0x22: "no response from recipient",
  0x23: "service rejected",
  0x24: "quality of service not available",
  0x25: "error in recipient",
  0x40: "remote procedure error",
  0x41: "incompatible destination",
  0x42: "connection rejected by recipient",
  0x43: "not obtainable",
  0x44: "quality of service not available",
  0x45: "no interworking available",
  0x46: "validity period expired",
  0x47: "deleted by originating SME",
  0x48: "deleted by service centre administration",
  0x49: "message does not exist",
};

export function describeStatus(code: number): TpStatus {
  const c = code & 0xff;
  // 0x00-0x1F done; 0x20-0x3F temporary, SC still trying; 0x40-0x5F permanent; 0x60-0x7F
  // temporary, SC gave up. Values ≥ 0x80 are reserved (23.040 §9.2.3.15).
  let category: StatusCategory;
  if (c <= 0x1f) category = "delivered";
  else if (c <= 0x3f) category = "pending";
  else if (c <= 0x5f) category = "failed-permanent";
  else if (c <= 0x7f) category = "failed-temporary";
  else category = "reserved";
  const base = c >= 0x60 && c <= 0x7f ? DESCRIPTIONS[c - 0x40] : DESCRIPTIONS[c];
  const description = base ?? (category === "reserved" ? "reserved value" : "service-centre specific");
  return { code: c, category, description: c >= 0x60 && c <= 0x7f ? `${description} (service centre stopped trying)` : description };
}
