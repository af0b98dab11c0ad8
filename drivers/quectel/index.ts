/**
 * Quectel: M35/M26 (2G UART, in pools behind a USB-UART bridge) and UC20/EC2x/EG25 (USB,
 * `option` driver, VID 2c7c or Qualcomm's 05c6). Only the differences from generic (docs/hardware.md#vendor-notes).
 */
import { vendorDriver, vendorIccid } from "../generic/index.js";
import type { DriverDescriptor } from "../types.js";
import { parseQnwinfoNetwork, qsimstatMeaning, qusimMeaning } from "./parsers.js";

export * from "./parsers.js";

/** if00 QCDM, if01 NMEA, if02 AT primary, if03 AT secondary (MM 77-mm-quectel-port-types.rules). */
const QUECTEL_USB_LAYOUT = { "00": "diag", "01": "gps", "02": "at", "03": "at-secondary" } as const;

export const quectelDriver: DriverDescriptor = vendorDriver({
  name: "quectel",
  family: "Quectel M35/M26/UC20/EC2x/EG25",
  match: {
    // "Quectel" (EC25, forum log), "Quectel_Ltd" on older UART firmware.
    manufacturer: /quectel/i,
    model: /^(?:Quectel[_\s]?)?(?:M35|M26|M66|M95|UC15|UC20|EC2\d|EG2\d|EG9\d|EG06|EP06|BG9\d)(?:[-_\s]|[A-Z]{1,3}\b|$)/i,
    usb: [
      { vendorId: "2c7c" },
      { vendorId: "2c7c", productId: "0125", models: "EC25/EG25", interfaces: QUECTEL_USB_LAYOUT },
      { vendorId: "2c7c", productId: "0191", models: "EG91", interfaces: QUECTEL_USB_LAYOUT },
      { vendorId: "2c7c", productId: "0195", models: "EG95", interfaces: QUECTEL_USB_LAYOUT },
      { vendorId: "2c7c", productId: "0296", models: "BG96", interfaces: QUECTEL_USB_LAYOUT },
      { vendorId: "2c7c", productId: "0306", models: "EG06/EP06", interfaces: QUECTEL_USB_LAYOUT },
      { vendorId: "2c7c", productId: "0121", models: "EC21" },
      // UC20 and UC15 enumerate under Qualcomm's VID (kernel option.c QUECTEL_PRODUCT_UC20 0x9003 / UC15 0x9090).
      // UC20: dd-wrt lib3g.c uses tty 2 for control and 3 for data, the same DM/NMEA/AT/modem order.
      { vendorId: "05c6", productId: "9003", models: "UC20", interfaces: { "00": "diag", "01": "gps", "02": "at", "03": "modem" } },
      { vendorId: "05c6", productId: "9090", models: "UC15" },
    ],
  },
  // Hot-swap URC +QSIMSTAT: 1,<inserted>. M35 manual rev 1.1 deleted QSIMSTAT: tolerated (docs/protocols/at-commands.md#sim-hot-swap-and-readiness).
  // AT+QSIMDET is not sent: its level depends on the carrier board's SIM socket.
  initExtra: ["AT+QSIMSTAT=1"],
  // +QCCID works where CRSM fails (M35 dropped CRSM; EG916Q answers CME 3) — forums.quectel.com/t/34559, docs/protocols/at-commands.md#sim-iccid-and-imsi.
  iccidVendor: [vendorIccid("AT+QCCID")],
  simUrcsExtra: [
    { name: "quectel-qusim", pattern: /^\+QUSIM:\s*\d+/i, meaning: qusimMeaning },
    { name: "quectel-qsimstat", pattern: /^\+QSIMSTAT:\s*\d+\s*,\s*\d+/i, meaning: qsimstatMeaning },
  ],
  // MM's Quectel plugin power-cycles with CFUN=1,1; USB models re-enumerate, UART ones keep the bridge tty.
  softReset: "AT+CFUN=1,1",
  resetReenumerates: "usb-native",
  // +QNWINFO names the access technology and the serving network (LTE models EC2x/EG/BG9x/EP06; the M35/M26
  // manuals have no such command). On an LTE attach without the circuit-switched domain, +CREG
  // says "not registered" while +QNWINFO and +CEREG say registered (Quectel EP06,
  // koshev-msk/luci-app-modeminfo #14).
  networkInfo: { text: "AT+QNWINFO", timeoutMs: 5_000, parse: parseQnwinfoNetwork, models: /EC2\d|EG\d\d|BG9\d|EP06/i },
  quirks: {},
});
