/**
 * ZTE USB sticks (MF100/MF110/MF112/MF190/MF626/MF636, K3565-Z), `option` driver, VID 19d2.
 * Only the differences from generic (gammu F_ZTE_INIT set; docs/hardware.md#zte). No reply
 * parsers of its own: `AT+ZPAS?` is not sent (see drivers/README.md#vendor-parsers).
 */
import { vendorDriver, vendorIccid } from "../generic/index.js";
import type { DriverDescriptor } from "../types.js";

export const zteDriver: DriverDescriptor = vendorDriver({
  name: "zte",
  family: "ZTE MF/K-series sticks",
  match: {
    // "ZTE INCORPORATED" (python-gsmmodem fakemodems; docs/protocols/at-commands.md#identity), "ZTE CORPORATION" on newer firmware.
    manufacturer: /\bZTE\b/i,
    model: /^(?:MF\d{2,4}[A-Z]{0,2}|K\d{4}-Z|MG\d{4})(?:[-_\s]|$)/i,
    usb: [
      { vendorId: "19d2" },
      // MM 77-mm-zte-port-types.rules: AUX (if01) is a free AT port, MODEM carries PPP; we never dial, so AUX is ours.
      { vendorId: "19d2", productId: "0031", models: "MF110/MF112/MF626", interfaces: { "01": "at", "03": "modem" } },
      { vendorId: "19d2", productId: "0033", models: "MF636", interfaces: { "01": "at", "04": "modem" } },
      { vendorId: "19d2", productId: "0039", models: "MF100", interfaces: { "01": "at", "03": "modem" } },
      { vendorId: "19d2", productId: "0042", models: "MF190", interfaces: { "01": "at", "03": "modem" } },
      { vendorId: "19d2", productId: "0063", models: "(K3565-Z and others)", interfaces: { "01": "at", "03": "modem" } },
      { vendorId: "19d2", productId: "0117", models: "(MF190 variants)", interfaces: { "01": "at", "02": "modem" } },
    ],
  },
  initExtra: [
    // Stop the CD-ROM composition from coming back (gammu F_ZTE_INIT).
    "AT+ZCDRUN=8",
    // Stay online instead of dropping to offline mode (gammu F_ZTE_INIT).
    "AT+ZOPRT=5",
  ],
  // +ZGETICCID: public embedded code, unverified (docs/protocols/at-commands.md#sim-iccid-and-imsi).
  iccidVendor: [vendorIccid("AT+ZGETICCID")],
  // Sticks are USB devices: CFUN=1,1 drops them off the bus.
  resetReenumerates: "always",
  quirks: {},
});
