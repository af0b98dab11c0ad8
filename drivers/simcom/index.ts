/**
 * SIMCom: SIM800/SIM900 (2G UART, behind a USB-UART bridge in pools), SIM5320 and
 * SIM7600/A7600 (USB, `option` driver). Only the differences from generic (docs/hardware.md#vendor-notes).
 */
import { vendorDriver, vendorIccid } from "../generic/index.js";
import type { DriverDescriptor } from "../types.js";
import { csminsMeaning, parseCpsiNetwork, smsReadyMeaning } from "./parsers.js";

export * from "./parsers.js";

export const simcomDriver: DriverDescriptor = vendorDriver({
  name: "simcom",
  family: "SIMCom SIM800/SIM900/SIM5320/SIM7600",
  match: {
    // "SIMCOM_Ltd" (SIM800, docs/protocols/at-commands.md#identity), "SIMCOM INCORPORATED" (SIM5320/SIM7600 firmware).
    manufacturer: /sim\s*com|simtech/i,
    // SIMCOM_SIM800L, SIM900, SIMCOM_SIM5320E, SIMCOM_SIM7600E-H, A7600E-H.
    model: /^(?:SIMCOM[_\s])?(?:SIM\d{3,4}[A-Z]{0,2}|A76\d\d[A-Z]{0,2})(?:[-_\s]|$)/i,
    usb: [
      { vendorId: "1e0e" },
      // if00 QCDM, if01 NMEA, if02 AT primary, if03 AT secondary, if04 audio (MM 77-mm-simtech-port-types.rules).
      {
        vendorId: "1e0e",
        productId: "9001",
        models: "SIM7100/SIM7600",
        interfaces: { "00": "diag", "01": "gps", "02": "at", "03": "at-secondary", "04": "audio" },
      },
      // A7600: AT on if04, PPP on if05 (MM simtech rules as read for docs/hardware.md#vendor-notes).
      { vendorId: "1e0e", productId: "9011", models: "A7600", interfaces: { "04": "at", "05": "modem" } },
      // SIM5218/SIM5320 enumerate under Qualcomm's VID (kernel option.c "SIMCom SIM5218"); port layout not verified.
      { vendorId: "05c6", productId: "9000", models: "SIM5218/SIM5320" },
    ],
  },
  // Hot-swap URC +CSMINS: 1,<inserted> (SIM800 manual; docs/protocols/at-commands.md#sim-hot-swap-and-readiness). SIM7600 may not know it: tolerated.
  initExtra: ["AT+CSMINS=1"],
  // SIM800/900 `AT+CCID` (bare digits), SIM7500/7600/A7600 `AT+CICCID` (`+ICCID:`), docs/protocols/at-commands.md#sim-iccid-and-imsi.
  iccidVendor: [vendorIccid("AT+CCID"), vendorIccid("AT+CICCID")],
  cnmiChain: [
    "AT+CNMI=2,1,0,0,0",
    // SIM800 needed the 4-parameter form 2,1,0,1 in python-gsmmodem (faucamp PR #61; docs/peer-software.md#python-gsmmodem).
    "AT+CNMI=2,1,0,1",
    "AT+CNMI=1,1,0,0,0",
  ],
  simUrcsExtra: [
    { name: "simcom-csmins", pattern: /^\+CSMINS:\s*\d\s*,\s*\d/i, meaning: csminsMeaning },
    { name: "simcom-sms-ready", pattern: /^SMS Ready$/i, meaning: smsReadyMeaning },
  ],
  // UART modules behind a bridge keep the tty on CFUN=1,1; SIM7600 on USB re-enumerates (docs/protocols/at-commands.md#resetting-a-hung-module, docs/hardware.md#pool-hardware).
  resetReenumerates: "usb-native",
  // +CPSI? (SIM5320, SIM7x00, A76xx; the 2G SIM800/SIM900 have none) names the system and the
  // serving network where +CREG (circuit-switched only) says "not registered" on an LTE attach.
  networkInfo: { text: "AT+CPSI?", timeoutMs: 5_000, parse: parseCpsiNetwork, models: /SIM5\d{3}|SIM7\d{3}|A76\d\d/i },
  quirks: {},
});
