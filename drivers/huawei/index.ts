/**
 * Huawei USB sticks in serial ("stick") mode: E173, E1550, E1750, E3372 with 21.x firmware.
 * Only the differences from the generic driver (docs/hardware.md#vendor-notes, gammu F_HUAWEI_INIT set).
 */
import { vendorDriver, vendorIccid } from "../generic/index.js";
import type { DriverDescriptor } from "../types.js";
import { parseSysinfoNetwork, simstMeaning } from "./parsers.js";

export * from "./parsers.js";

/** Huawei tags its interfaces by bInterfaceProtocol: 01 modem (PPP), 02 PCUI (AT + URCs), 03 diag (docs/hardware.md#vendor-notes, MM huawei rules). */
const PROTOCOLS = { "01": "modem", "02": "at", "03": "diag" } as const;

export const huaweiDriver: DriverDescriptor = vendorDriver({
  name: "huawei",
  family: "Huawei E173/E1550/E3372 (stick mode)",
  match: {
    manufacturer: /huawei/i,
    // E173, E1550, E3372h-153, K3715, K3765 — but K3565-Z / K3805-z are ZTE-made Vodafone sticks.
    model: /^(?:E\d{3,4}[a-z]{0,2}|K\d{4}(?!-?z))(?:[-\s]|$)/i,
    usb: [
      { vendorId: "12d1", protocols: PROTOCOLS },
      { vendorId: "12d1", productId: "1001", models: "E169/E1550 (modem mode)", protocols: PROTOCOLS },
      { vendorId: "12d1", productId: "1436", models: "E1800/E173 variants", protocols: PROTOCOLS },
      { vendorId: "12d1", productId: "14a5", models: "E173", protocols: PROTOCOLS },
      { vendorId: "12d1", productId: "14a8", models: "E173", protocols: PROTOCOLS },
      { vendorId: "12d1", productId: "1506", models: "E3372 21.x stick firmware", protocols: PROTOCOLS },
      // 22.x HiLink firmware is a network card with a web UI, no AT port (docs/hardware.md#vendor-notes).
      { vendorId: "12d1", productId: "14dc", models: "E3372 HiLink", noAt: "HiLink firmware has no AT port; flash 21.x stick firmware" },
      // Mass-storage (CD-ROM) composition before usb_modeswitch (dd-wrt lib3g.c lists 1446 with a modeswitch handler).
      { vendorId: "12d1", productId: "1446", models: "E1552/E1800 CD-ROM mode", noAt: "CD-ROM mode: usb_modeswitch has not run" },
    ],
  },
  initExtra: [
    // Stop ^RSSI/^MODE/^BOOT chatter that floods the port and stalls readers (gammu F_HUAWEI_INIT, gammu #146; gateway-soft).
    "AT^CURC=0",
    // Send URCs to the PCUI port we talk on (gammu F_HUAWEI_INIT sends ^PORTSEL=1); older firmware says COMMAND NOT SUPPORT.
    "AT^PORTSEL=1",
  ],
  // ^ICCID? works before the PIN; Qualcomm-based models swap nibbles, HiSilicon ones do not:
  // parseVendorIccid detects the swap by the 98/89 prefix (MM mm-sim-huawei.c; modemmanager-devel 2013-09/000350-352).
  iccidVendor: [vendorIccid("AT^ICCID?")],
  // E3531 accepted only 2,0,0,2,1 (gammu #486): no +CMTI then, polling only (quirk reassertCnmi).
  cnmiChain: ["AT+CNMI=2,1,0,0,0", "AT+CNMI=2,1,0,2,0", "AT+CNMI=2,0,0,2,1"],
  simUrcsExtra: [{ name: "huawei-simst", pattern: /^\^SIMST:\s*\d+/i, meaning: simstMeaning }],
  // Sticks are USB devices: CFUN=1,1 drops them off the bus (gammu #687).
  resetReenumerates: "always",
  // Huawei wants the request as packed GSM 7-bit hex (gammu F_ENCODED_USSD; obsy/sms_tool #4; gateway-soft; docs/protocols/at-commands.md#ussd).
  ussd: { request: "gsm7-packed-hex", dcs: 15 },
  // ^SYSINFO says whether the stick has service and in which domain (CS, PS or both), and
  // whether it roams, where +CREG (CS only) says "not registered" on a packet-only attach.
  networkInfo: { text: "AT^SYSINFO", timeoutMs: 5_000, parse: parseSysinfoNetwork },
  quirks: {},
});
