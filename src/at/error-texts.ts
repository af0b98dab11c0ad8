/**
 * Readable texts for `+CME ERROR` (3GPP TS 27.007 §9.2) and `+CMS ERROR` (27.005 §3.2.5)
 * numbers, and the reverse lookup for modems set to `AT+CMEE=2` (verbose text). The
 * texts are the spec's wording; vendor spellings that differ go in the alias tables.
 * Written from the spec, in the spirit of ModemManager's mm-error-helpers.c tables.
 */

/** 27.007 §9.2.1 (general), §9.2.2 (GPRS) and one vendor code seen in pools. */
const CME_TEXTS: ReadonlyMap<number, string> = new Map([
  [0, "phone failure"],
  [1, "no connection to phone"],
  [2, "phone-adaptor link reserved"],
  [3, "operation not allowed"],
  [4, "operation not supported"],
  [5, "PH-SIM PIN required"],
  [6, "PH-FSIM PIN required"],
  [7, "PH-FSIM PUK required"],
  [10, "SIM not inserted"],
  [11, "SIM PIN required"],
  [12, "SIM PUK required"],
  [13, "SIM failure"],
  [14, "SIM busy"],
  [15, "SIM wrong"],
  [16, "incorrect password"],
  [17, "SIM PIN2 required"],
  [18, "SIM PUK2 required"],
  [20, "memory full"],
  [21, "invalid index"],
  [22, "not found"],
  [23, "memory failure"],
  [24, "text string too long"],
  [25, "invalid characters in text string"],
  [26, "dial string too long"],
  [27, "invalid characters in dial string"],
  [30, "no network service"],
  [31, "network timeout"],
  [32, "network not allowed - emergency calls only"],
  [40, "network personalization PIN required"],
  [41, "network personalization PUK required"],
  [42, "network subset personalization PIN required"],
  [43, "network subset personalization PUK required"],
  [44, "service provider personalization PIN required"],
  [45, "service provider personalization PUK required"],
  [46, "corporate personalization PIN required"],
  [47, "corporate personalization PUK required"],
  [50, "incorrect parameters"],
  [100, "unknown"],
  [103, "illegal MS"],
  [106, "illegal ME"],
  [107, "GPRS services not allowed"],
  [111, "PLMN not allowed"],
  [112, "location area not allowed"],
  [113, "roaming not allowed in this location area"],
  [132, "service option not supported"],
  [133, "requested service option not subscribed"],
  [134, "service option temporarily out of order"],
  [148, "unspecified GPRS error"],
  [149, "PDP authentication failure"],
  [150, "invalid mobile class"],
  // Vendor, not 27.007: Wavecom answers 515 for a while after AT+CFUN=1 (python-gsmmodem
  // fakemodems; docs/protocols/at-commands.md#line-protocol). isTransient() treats it like 14.
  [515, "device busy or still initialising (vendor)"],
]);

/** 27.005 §3.2.5 (ME/TA side) and the most common 24.011 §8.2.5.4 network causes (0…127). */
const CMS_TEXTS: ReadonlyMap<number, string> = new Map([
  [1, "unassigned (unallocated) number"],
  [8, "operator determined barring"],
  [10, "call barred"],
  [21, "short message transfer rejected"],
  [27, "destination out of service"],
  [28, "unidentified subscriber"],
  [29, "facility rejected"],
  [30, "unknown subscriber"],
  [38, "network out of order"],
  [41, "temporary failure"],
  [42, "congestion"],
  [47, "resources unavailable, unspecified"],
  [50, "requested facility not subscribed"],
  [69, "requested facility not implemented"],
  [95, "invalid message, unspecified"],
  [96, "invalid mandatory information"],
  [111, "protocol error, unspecified"],
  [127, "interworking, unspecified"],
  [300, "ME failure"],
  [301, "SMS service of ME reserved"],
  [302, "operation not allowed"],
  [303, "operation not supported"],
  [304, "invalid PDU mode parameter"],
  [305, "invalid text mode parameter"],
  [310, "SIM not inserted"],
  [311, "SIM PIN required"],
  [312, "PH-SIM PIN required"],
  [313, "SIM failure"],
  [314, "SIM busy"],
  [315, "SIM wrong"],
  [316, "SIM PUK required"],
  [317, "SIM PIN2 required"],
  [318, "SIM PUK2 required"],
  [320, "memory failure"],
  [321, "invalid memory index"],
  [322, "memory full"],
  [330, "SMSC address unknown"],
  [331, "no network service"],
  [332, "network timeout"],
  [340, "no +CNMA acknowledgement expected"],
  [500, "unknown error"],
]);

/** Vendor wordings of `AT+CMEE=2` texts that differ from the spec's. */
const CME_ALIASES: ReadonlyMap<string, number> = new Map([
  ["sim not present", 10],
  ["no sim", 10],
  ["sim pin necessary", 11],
  ["sim puk necessary", 12],
  ["sim is busy", 14],
  ["wrong password", 16],
  ["invalid index", 21],
  ["unknown error", 100],
]);

const CMS_ALIASES: ReadonlyMap<string, number> = new Map([
  ["usim not inserted", 310],
  ["usim pin required", 311],
  ["usim failure", 313],
  ["usim busy", 314],
  ["invalid memory index", 321],
]);

/** Lowercase, drop quotes/punctuation, collapse spaces: "SIM PIN required." ≈ "sim pin required". */
function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9+ ]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function reverse(table: ReadonlyMap<number, string>, aliases: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [code, text] of table) if (!out.has(normalise(text))) out.set(normalise(text), code);
  for (const [text, code] of aliases) out.set(normalise(text), code);
  return out;
}

const CME_BY_TEXT = reverse(CME_TEXTS, CME_ALIASES);
const CMS_BY_TEXT = reverse(CMS_TEXTS, CMS_ALIASES);

export function cmeText(code: number): string | undefined {
  return CME_TEXTS.get(code);
}

export function cmsText(code: number): string | undefined {
  return CMS_TEXTS.get(code);
}

export function cmeCodeForText(text: string): number | undefined {
  return CME_BY_TEXT.get(normalise(text));
}

export function cmsCodeForText(text: string): number | undefined {
  return CMS_BY_TEXT.get(normalise(text));
}
