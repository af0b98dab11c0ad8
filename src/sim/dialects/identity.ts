/**
 * Identity strings per dialect (what +CGMI/+CGMM/+CGMR print) and the model's fixed
 * facts. Kept apart from the command tables so profile generation stays data-only.
 * Strings follow docs/protocols/at-commands.md#identity captures; TACs are plausible, not registered ones.
 */
import type { SimDialect } from "../profile.js";

export interface DialectIdentity {
  manufacturer: string;
  model: string;
  revision: string;
  /** First 8 IMEI digits (type allocation code). */
  tac: string;
  meSmsCapacity: number;
  /** 2G-only modules report 16-bit cell ids. */
  shortCellId: boolean;
}

export const DIALECT_IDENTITY: Record<SimDialect, DialectIdentity> = {
  // Qualcomm-based generic module: `QUALCOMM INCORPORATED` is a real +CGMI capture (docs/protocols/at-commands.md#identity).
  generic: {
    manufacturer: "QUALCOMM INCORPORATED", model: "SIMGATE-GENERIC-3GPP", revision: "M9615A-CEFWMAZM-2.0.1701",
    tac: "35123406", meSmsCapacity: 100, shortCellId: false,
  },
  // SIM800L: +CGMI `SIMCOM_Ltd` (docs/protocols/at-commands.md#identity), GSM-only.
  simcom: {
    manufacturer: "SIMCOM_Ltd", model: "SIMCOM_SIM800L", revision: "1418B05SIM800L24",
    tac: "86767803", meSmsCapacity: 50, shortCellId: true,
  },
  // EC25: +CGMI `Quectel` (docs/protocols/at-commands.md#identity, Quectel forum log).
  quectel: {
    manufacturer: "Quectel", model: "EC25", revision: "EC25EFAR06A06M4G",
    tac: "86169803", meSmsCapacity: 255, shortCellId: false,
  },
  // E173 stick: +CGMI `huawei`, revision shape as the fakemodems capture `11.126.13.00.00`.
  huawei: {
    manufacturer: "huawei", model: "E173", revision: "11.126.16.04.00",
    tac: "35283704", meSmsCapacity: 255, shortCellId: false,
  },
  // Wavecom MULTIBAND 900E 1800: the padded +CGMI/+CGMM of the python-gsmmodem capture
  // (test/corpus/devices/wavecom-multiband-900e-1800.json). +CGMR answers ERROR, so the revision is never shown.
  wavecom: {
    manufacturer: " WAVECOM MODEM", model: " MULTIBAND  900E  1800", revision: "658_09gg.Q2406B",
    tac: "35133700", meSmsCapacity: 50, shortCellId: true,
  },
};
