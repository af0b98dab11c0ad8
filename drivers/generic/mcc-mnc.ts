/**
 * What the MCC of an IMSI says: the MNC length, and the country (with its calling code)
 * whose numbering plan the SIM's own number follows.
 *
 * The MNC is 2 or 3 digits depending on the country (ITU-T E.212). An IMSI alone does
 * not say which, so the 3-digit countries are listed here; where the modem reports the
 * registered network numerically (`AT+COPS=3,2`) and the IMSI starts with it, that
 * length wins. India (405) mixes both lengths: 405 8xx/9xx blocks (Aircel, Jio, …)
 * are 3 digits, the rest 2.
 */
import { getCountryCallingCode, isSupportedCountry, type CountryCode } from "libphonenumber-js/max";
import { MCC_MNC_REGION, MCC_REGIONS } from "./mcc-regions.js";

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

/**
 * The regions whose SIMs carry this MCC, the E.212 assignee first (mcc-regions.ts); only
 * the network's own region where the MNC names it. Empty when the MCC is unknown.
 */
export function regionsForMcc(mcc: string, mnc?: string | null): readonly CountryCode[] {
  const own = mnc ? MCC_MNC_REGION[`${mcc}${mnc}`] : undefined;
  return (own ? [own] : (MCC_REGIONS[mcc] ?? [])).filter((r): r is CountryCode => isSupportedCountry(r));
}

/**
 * The E.164 calling code of the MCC's own country (the first region), e.g. "7" for 250 and
 * 401, "1" for 310 and 302. A hint only (v2 country_id falls back to it): a number's
 * calling code is read from the number itself.
 */
export function callingCodeForMcc(mcc: string): string | undefined {
  const region = regionsForMcc(mcc)[0];
  return region === undefined ? undefined : getCountryCallingCode(region);
}
