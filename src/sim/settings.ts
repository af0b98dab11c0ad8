/**
 * The volatile settings of a module: what `ATZ` and a power cycle reset. Per modem,
 * a plain object (small: a 256-modem pool holds 256 of these).
 */
export type Charset = "GSM" | "IRA" | "UCS2" | "HEX" | "8859-1" | "PCCP437";

export interface ModemSettings {
  echo: boolean;
  /** ATV1: verbose result codes; ATV0: numeric. */
  verbose: boolean;
  /** ATQ1: no result codes at all. */
  quiet: boolean;
  cmee: 0 | 1 | 2;
  cscs: Charset;
  /** 0 = PDU mode, 1 = text mode. */
  cmgf: 0 | 1;
  /** <mode>,<mt>,<bm>,<ds>,<bfr>. */
  cnmi: [number, number, number, number, number];
  /** Read/delete memory, write/send memory, receive memory. */
  cpms: [string, string, string];
  creg: 0 | 1 | 2;
  cgreg: 0 | 1 | 2;
  cereg: 0 | 1 | 2;
  /** +COPS <format>: 0 long alphanumeric, 1 short, 2 numeric. */
  copsFormat: 0 | 1 | 2;
  /** +CFUN: 1 full, 0 minimum, 4 radio off. */
  cfun: number;
  /** +CUSD <n>: result code presentation. */
  cusd: number;
  /** Huawei ^CURC: 1 = periodic ^RSSI/^MODE chatter on. */
  curc: number;
  /** Huawei ^USSDMODE: 0 = text USSD, 1 = encoded (packed 7-bit) USSD. */
  ussdMode: number;
  /** SIMCom +CSMINS / Quectel +QSIMSTAT: SIM insert/remove URCs. */
  simDetectUrc: boolean;
  /** Wavecom +WIND: which indications are on (bit 0 SIM inserted/removed, bit 2 ready). */
  windMask: number;
  /** Every command answers +CME ERROR: 515 until this time (ms since the epoch): a restarting Wavecom. */
  busyUntil: number;
  /** +CPBS phonebook memory. */
  cpbs: string;
  sRegisters: Record<number, number>;
}

export interface SettingsDefaults {
  cnmi: [number, number, number, number, number];
  cscs: Charset;
  curc: number;
  ussdMode: number;
}

export function defaultSettings(d: SettingsDefaults): ModemSettings {
  return {
    echo: true, // V.250 factory default: E1. Hosts send ATE0 (MM primary_init_sequence).
    verbose: true,
    quiet: false,
    cmee: 0,
    cscs: d.cscs,
    cmgf: 0,
    cnmi: [...d.cnmi],
    cpms: ["SM", "SM", "SM"],
    creg: 0,
    cgreg: 0,
    cereg: 0,
    copsFormat: 0,
    cfun: 1,
    cusd: 0,
    curc: d.curc,
    ussdMode: d.ussdMode,
    simDetectUrc: false,
    windMask: 0,
    busyUntil: 0,
    cpbs: "SM",
    // S3 = CR, S4 = LF, S5 = BS (V.250 defaults).
    sRegisters: { 0: 0, 3: 13, 4: 10, 5: 8, 7: 60 },
  };
}
