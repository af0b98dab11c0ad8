/**
 * Hand-derived PDU vectors (3GPP TS 23.040 / 23.038). Each is assembled field by field in a
 * comment so a reader can check it against the spec without running our encoder.
 */

/** SCTS 2024-03-15 10:20:30 in swapped BCD; the last octet is the zone (23.040 §9.2.3.11). */
export const SCTS = {
  plus3: "42305101020321", // +12 quarters → "12" → swapped 0x21
  minus5: "4230510102030A", // −20 quarters → tens 2 | sign 8 = A, units 0
  plus545: "42305101020332", // +23 quarters (Nepal) → tens 2, units 3
  minus330: "42305101020349", // −14 quarters (Newfoundland) → tens 1|8 = 9, units 4
};

/** +79161234567 as TP-OA: 11 digits, TOA 0x91, swapped BCD with F filler. */
export const OA_INTL = "0B919761214365F7";
/** SMSC +79168999100: 7 octets (TOA + 6), TOA 0x91. */
export const SMSC_FIELD = "07919761989901F0";

export const V = {
  /** The textbook SMS-DELIVER "How are you?" (SMSC +31624000000, sender +31641600986). */
  howAreYou: "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07",
  /** 8-bit concat IE 00 03 2A 02 01 = 6 octets (48 bits) → 1 fill bit, then "Hi": 0x48<<1 = 90, 69. UDL 7+2. */
  concat8: "00" + "44" + OA_INTL + "00" + "00" + SCTS.plus3 + "09" + "0500032A0201" + "9069",
  /** 16-bit concat IE 08 04 1234 03 02 = 7 octets (56 bits) → no fill; "Hi" = C8 34. UDL 8+2. */
  concat16: "00" + "44" + OA_INTL + "00" + "00" + SCTS.minus5 + "0A" + "06080412340302" + "C834",
  /** Alphanumeric "Telegram": 8 septets packed = D432BB7C9687DB, 14 semi-octets, TOA D0; text "hellohello". */
  telegram: SMSC_FIELD + "04" + "0ED0D432BB7C9687DB" + "00" + "00" + SCTS.plus545 + "0A" + "E8329BFD4697D9EC37",
  /** National TON (A1) 8916123456, UCS2 "Привет 😀" (surrogate pair D83D DE00), zone −03:30. */
  ucs2Emoji: "00" + "04" + "0AA19861214365" + "00" + "08" + SCTS.minus330 + "12" + "041F044004380432043504420020D83DDE00",
  /** Unknown TON (81) short code 900; text "hellohello". */
  shortCode: "00" + "04" + "038109F0" + "00" + "00" + SCTS.plus3 + "0A" + "E8329BFD4697D9EC37",
  /** 8-bit data with a 16-bit port IE 05 04 0B84 23F0 (WAP push 2948 ← 9200); payload C0FFEE. */
  port8bit: "00" + "44" + OA_INTL + "00" + "04" + SCTS.plus3 + "0A" + "0605040B8423F0" + "C0FFEE",
  /** Class 0 (flash): DCS 0x10. */
  flash: "00" + "04" + OA_INTL + "00" + "10" + SCTS.plus3 + "0A" + "E8329BFD4697D9EC37",
  /** Message waiting, discard group, voicemail active: DCS 0xC8. */
  mwiDiscard: "00" + "04" + OA_INTL + "00" + "C8" + SCTS.plus3 + "0A" + "E8329BFD4697D9EC37",
  /** Message waiting, store, UCS2, voicemail inactive: DCS 0xE0; text "Hi" in UCS2. */
  mwiStoreUcs2: "00" + "04" + OA_INTL + "00" + "E0" + SCTS.plus3 + "04" + "00480069",
  /** Extension table "€[]" = 1B65 1B3C 1B3E packed: 9B F2 86 B7 F1 01. */
  extension: "00" + "04" + OA_INTL + "00" + "00" + SCTS.plus3 + "06" + "9BF286B7F101",
  /** Turkish locking shift IE 25 01 01 (UDHL 3, 4 octets → 3 fill bits); septet 1D ('ş' in Turkish, 'æ' in default) = E8 00. */
  turkishLocking: "00" + "44" + OA_INTL + "00" + "00" + SCTS.plus3 + "06" + "03250101" + "E800",
  /** Unknown IEI 0x70 (len 2, AABB): 5 header octets → 2 fill bits; "A" → 04 01. */
  unknownIei: "00" + "44" + OA_INTL + "00" + "00" + SCTS.plus3 + "07" + "047002AABB" + "0401",
  /** SMS-SUBMIT (textbook): MR 00, DA +46708251358, VP AA (4 days), "hellohello". */
  submit: "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
  /**
   * SMS-STATUS-REPORT: FO 06, MR D6, RA +31628870634, SCTS 2011-01-11 17:59:15 +01:00,
   * DT 17:59:17 +01:00, ST 00 (delivered).
   */
  statusReport: "00" + "06D6" + "0B911326880736F4" + "11101171955140" + "11101171957140" + "00",
  /** Same, ST 0x46 (validity period expired), with TP-PI 00 at the end. */
  statusExpired: "00" + "06D7" + "0B911326880736F4" + "11101171955140" + "11101171957140" + "46" + "00",
  /** Compressed GSM text (DCS 0x20): flagged, not decompressed. */
  compressed: "00" + "04" + OA_INTL + "00" + "20" + SCTS.plus3 + "03" + "112233",
};
