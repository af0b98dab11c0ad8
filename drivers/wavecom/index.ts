/**
 * Wavecom / Sierra Q2303, Q2403, Q24 (UART modules, often clones — "Q2303A" is no genuine
 * Wavecom part per the Sierra forum). Only the differences from generic (docs/hardware.md#vendor-notes).
 */
import { vendorDriver, vendorIccid } from "../generic/index.js";
import type { DriverDescriptor } from "../types.js";
import { windMeaning } from "./parsers.js";

export * from "./parsers.js";

export const wavecomDriver: DriverDescriptor = vendorDriver({
  name: "wavecom",
  family: "Wavecom/Sierra Q2303/Q24",
  match: {
    // " WAVECOM MODEM" with a leading space (python-gsmmodem fakemodems; docs/protocols/at-commands.md#identity); Sierra-branded firmware.
    manufacturer: /wavecom|sierra/i,
    // " MULTIBAND  900E  1800" (spaces kept by the module, collapsed by us), Q2303A/Q2403 clones.
    model: /MULTIBAND|^Q2[34]\d\d|^WISMO|^FASTRACK/i,
  },
  // +WIND bit 0 = SIM insert/remove (+WIND: 0/1), bit 2 = ready (+WIND: 3/4) — Multi-Tech manual bit table
  // (docs/protocols/at-commands.md#init-sequence, docs/protocols/at-commands.md#sim-hot-swap-and-readiness); not verified on clones, hence tolerated.
  initExtra: ["AT+WIND=5"],
  // +CCID on Wavecom (docs/protocols/at-commands.md#sim-iccid-and-imsi "SIMCom SIM800/SIM900, Wavecom, u-blox" row).
  iccidVendor: [vendorIccid("AT+CCID")],
  // CPMS offers only SM/BM/SR (python-gsmmodem fakemodems WavecomMultiband900E1800; docs/hardware.md#vendor-notes).
  storage: { preferred: ["SM"] },
  simUrcsExtra: [{ name: "wavecom-wind", pattern: /^\+WIND:\s*\d+/i, meaning: windMeaning }],
  // On Wavecom firmware AT+CFUN=1 itself restarts the module and +CME ERROR: 515 follows for
  // a while (python-gsmmodem fakemodems; docs/hardware.md#wavecom-q2303-and-q24; unverified on clones). The steps
  // wait out 515 for every module (steps.ts runPatiently), so no quirk is needed for it.
  softReset: "AT+CFUN=1",
  // UART modules behind a USB-UART bridge: the tty stays.
  resetReenumerates: "never",
  // Default 9600 8N1 with RTS/CTS (Wavecom G900 manual; docs/hardware.md#pool-hardware).
  serial: { baudRate: 9600, rtscts: true },
  quirks: {
    // AT+CPIN? answers without a final OK (gammu F_CPIN_NO_OK; Wavecom G900 manual p.11;
    // docs/hardware.md#wavecom-q2303-and-q24; the python-gsmmodem capture test/corpus/devices/wavecom-*.json).
    cpinWithoutOk: true,
  },
});
