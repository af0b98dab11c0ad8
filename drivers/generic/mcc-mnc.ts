/**
 * MCC → E.164 country calling code and MNC length.
 *
 * The MNC is 2 or 3 digits depending on the country (ITU-T E.212). An IMSI alone does
 * not say which, so the 3-digit countries are listed here; where the modem reports the
 * registered network numerically (`AT+COPS=3,2`) and the IMSI starts with it, that
 * length wins. India (405) mixes both lengths: 405 8xx/9xx blocks (Aircel, Jio, …)
 * are 3 digits, the rest 2.
 */

const THREE_DIGIT_MNC_MCC = new Set([
  "302", "310", "311", "312", "313", "314", "315", "316", "334", "338", "342", "344", "346", "348",
  "352", "354", "356", "358", "360", "365", "376", "708", "722", "732", "750",
]);

export function mncLength(imsi: string, registeredNumeric?: string): 2 | 3 {
  if (registeredNumeric && /^\d{5,6}$/.test(registeredNumeric) && imsi.startsWith(registeredNumeric)) {
    return registeredNumeric.length === 6 ? 3 : 2;
  }
  const mcc = imsi.slice(0, 3);
  if (THREE_DIGIT_MNC_MCC.has(mcc)) return 3;
  if (mcc === "405" && /^[89]/.test(imsi.slice(3, 4))) return 3;
  return 2;
}

export function splitImsi(imsi: string, registeredNumeric?: string): { mcc: string; mnc: string } {
  const len = mncLength(imsi, registeredNumeric);
  return { mcc: imsi.slice(0, 3), mnc: imsi.slice(3, 3 + len) };
}

/** E.164 country calling code by MCC (ITU-T E.212 Annex; the common ones for pools). */
const CALLING_CODE: Record<string, string> = {
  "202": "30", "204": "31", "206": "32", "208": "33", "214": "34", "216": "36", "222": "39", "226": "40",
  "228": "41", "230": "420", "231": "421", "232": "43", "234": "44", "235": "44", "238": "45", "240": "46",
  "242": "47", "244": "358", "246": "370", "247": "371", "248": "372", "250": "7", "255": "380", "257": "375",
  "259": "373", "260": "48", "262": "49", "266": "350", "268": "351", "270": "352", "272": "353", "274": "354",
  "276": "355", "278": "356", "280": "357", "282": "995", "283": "374", "284": "359", "286": "90", "293": "386",
  "294": "389", "297": "382", "302": "1", "310": "1", "311": "1", "312": "1", "313": "1", "314": "1",
  "315": "1", "316": "1", "334": "52", "400": "994", "401": "7", "404": "91", "405": "91", "410": "92",
  "413": "94", "414": "95", "415": "961", "416": "962", "418": "964", "419": "965", "420": "966",
  "424": "971", "425": "972", "428": "976", "432": "98", "434": "998", "436": "992", "437": "996",
  "438": "993", "452": "84", "454": "852", "460": "86", "466": "886", "470": "880", "502": "60",
  "505": "61", "510": "62", "515": "63", "520": "66", "525": "65", "602": "20", "603": "213", "604": "212",
  "605": "216", "621": "234", "639": "254", "655": "27", "722": "54", "724": "55", "730": "56", "732": "57",
  "734": "58", "716": "51",
};

export function callingCodeForMcc(mcc: string): string | undefined {
  return CALLING_CODE[mcc];
}

/**
 * Normalise a phone number to E.164 with `+`. `+…` and `00…` are international already;
 * otherwise the SIM's country (from its MCC) decides: a national number with a trunk
 * prefix (`8…` in Russia/Kazakhstan, `0…` elsewhere) loses it and gains the country code.
 * Returns null when the result is not a plausible E.164 number.
 */
export function toE164(raw: string, mcc?: string): string | null {
  const trimmed = raw.replace(/[\s\-()]/g, "");
  let digits: string;
  if (trimmed.startsWith("+")) digits = trimmed.slice(1);
  else if (trimmed.startsWith("00")) digits = trimmed.slice(2);
  else {
    const cc = mcc ? callingCodeForMcc(mcc) : undefined;
    if (!cc) digits = trimmed;
    else if (trimmed.startsWith(cc) && trimmed.length >= cc.length + 8) digits = trimmed;
    else if (cc === "7" && trimmed.startsWith("8") && trimmed.length === 11) digits = cc + trimmed.slice(1);
    else if (trimmed.startsWith("0")) digits = cc + trimmed.slice(1);
    else digits = cc + trimmed;
  }
  if (!/^[1-9]\d{6,14}$/.test(digits)) return null;
  return `+${digits}`;
}
