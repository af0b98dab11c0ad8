/** Verbose forms of +CME / +CMS errors (AT+CMEE=2), from 3GPP TS 27.007 §9.2 and TS 27.005 §3.2.5. */
export const CME_TEXT: Record<number, string> = {
  3: "operation not allowed",
  4: "operation not supported",
  10: "SIM not inserted",
  11: "SIM PIN required",
  12: "SIM PUK required",
  13: "SIM failure",
  14: "SIM busy",
  16: "incorrect password",
  20: "memory full",
  21: "invalid index",
  22: "not found",
  24: "text string too long",
  25: "invalid characters in text string",
  30: "no network service",
  100: "unknown",
};

export const CMS_TEXT: Record<number, string> = {
  302: "operation not allowed",
  303: "operation not supported",
  304: "invalid PDU mode parameter",
  305: "invalid text mode parameter",
  310: "SIM not inserted",
  311: "SIM PIN required",
  316: "SIM PUK required",
  321: "invalid memory index",
  322: "memory full",
  331: "no network service",
  500: "unknown error",
};
