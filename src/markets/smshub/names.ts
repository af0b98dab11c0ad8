/**
 * Our ids ↔ the SMSHUB family's names: services (two-letter codes), countries and
 * operators. The defaults are below with their sources
 * (docs/protocols/smshub.md#names-and-codes); every entry can be replaced or removed in
 * the market's config (config.ts `names`), so a correction from the marketplace's support
 * needs no release.
 *
 * What is not named is not offered: a SIM whose country has no name, or a service without
 * a code, is left out of GET_SERVICES and an order naming something unknown gets
 * NO_NUMBERS. A wrong name sells nothing; a guessed one could sell the wrong thing.
 *
 * Operators: SMSHUB wants a country reported either per operator or as `any`, never both,
 * and switching needs its support. Per operator needs exact operator names, which the
 * public pages do not list, so every country is reported as `any` unless the config names
 * it in `operatorSplit`; then its SIMs are reported under their operators' names (a SIM
 * whose network has no name is then left out).
 */
import { ErrorCode, SimgateError } from "../../errors.js";
import type { CountryCode, NetworkCode, ServiceId } from "../market-port.js";
import type { SmshubDialect } from "./dialects.js";

/**
 * Our service id → family code. [C] SMSHUB's examples: vk, ok, wa. [R] the codes the
 * family shares with sms-activate (Grizzly says its API is sms-activate compatible) and
 * the SMSHUB service list published with a public agent project: tg, ig, go, fb, vi, tw,
 * wb, av, ub, ya, ma, mm, mb, oi, ds, am, lf, dr, nf, ts, wx, mt, fu, sn, ot.
 */
export const FAMILY_SERVICE_CODES: Readonly<Record<ServiceId, string>> = {
  vk: "vk",
  odnoklassniki: "ok",
  whatsapp: "wa",
  telegram: "tg",
  google: "go",
  facebook: "fb",
  instagram: "ig",
  viber: "vi",
  twitter: "tw",
  wechat: "wb",
  avito: "av",
  uber: "ub",
  yandex: "ya",
  mailru: "ma",
  microsoft: "mm",
  yahoo: "mb",
  tinder: "oi",
  discord: "ds",
  amazon: "am",
  tiktok: "lf",
  openai: "dr",
  netflix: "nf",
  paypal: "ts",
  apple: "wx",
  steam: "mt",
  snapchat: "fu",
  olx: "sn",
  other: "ot",
};

/**
 * ISO 3166-1 alpha-2 → country name. [C] SMSHUB's examples: russia, ukraine. [I] the rest
 * in the same lower-case one-word style (the spellings the sms-activate family uses:
 * england, usa); check them against smshub.org/countries before going live.
 */
export const FAMILY_COUNTRY_NAMES: Readonly<Record<CountryCode, string>> = {
  RU: "russia", UA: "ukraine", KZ: "kazakhstan", BY: "belarus", MD: "moldova", GE: "georgia",
  AM: "armenia", AZ: "azerbaijan", UZ: "uzbekistan", KG: "kyrgyzstan", TJ: "tajikistan",
  EE: "estonia", LV: "latvia", LT: "lithuania", FI: "finland", SE: "sweden", PL: "poland",
  DE: "germany", NL: "netherlands", FR: "france", ES: "spain", IT: "italy", PT: "portugal",
  GB: "england", IE: "ireland", AT: "austria", CZ: "czech", RO: "romania", BG: "bulgaria",
  GR: "greece", TR: "turkey", IL: "israel", US: "usa", CA: "canada", MX: "mexico",
  BR: "brazil", AR: "argentina", CO: "colombia", IN: "india", ID: "indonesia",
  PH: "philippines", VN: "vietnam", TH: "thailand", MY: "malaysia", CN: "china",
  HK: "hongkong", EG: "egypt", NG: "nigeria", KE: "kenya", ZA: "southafrica",
};

/**
 * MCC+MNC → operator name, used only for countries in `operatorSplit`. [C] SMSHUB's
 * examples: beeline, megafon, mts (Russia), life (Ukraine). [I] the other networks of the
 * same countries, spelled as their brands.
 */
export const FAMILY_OPERATOR_NAMES: Readonly<Record<NetworkCode, string>> = {
  "25001": "mts", "25002": "megafon", "25099": "beeline", "25028": "beeline", "25020": "tele2",
  "25011": "yota",
  "25501": "vodafone", "25503": "kyivstar", "25506": "life",
  "40101": "beeline", "40102": "kcell", "40177": "tele2",
};

/** Config overrides: a name replaces the default, `null` removes it. */
export interface NameOverrides {
  services?: Readonly<Record<ServiceId, string | null>>;
  countries?: Readonly<Record<CountryCode, string | null>>;
  operators?: Readonly<Record<NetworkCode, string | null>>;
  /** Countries reported per operator instead of `any`. */
  operatorSplit?: readonly CountryCode[];
}

/** `any` is the protocol's "whatever operator", never a real operator's name. */
export const ANY_OPERATOR = "any";

function merged(defaults: Readonly<Record<string, string>>, ...layers: Array<Readonly<Record<string, string | null>> | undefined>): Map<string, string> {
  const out = new Map(Object.entries(defaults));
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer ?? {})) {
      if (v === null) out.delete(k);
      else out.set(k, v);
    }
  }
  return out;
}

/** The inverse of a one-to-one table; two keys with the same name are a config error. */
function inverse(table: Map<string, string>, what: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, name] of table) {
    const other = out.get(name);
    if (other !== undefined) {
      throw new SimgateError(`${what}: '${other}' and '${k}' both map to '${name}'; each name must stand for one of ours`, ErrorCode.ConfigInvalid, { name });
    }
    out.set(name, k);
  }
  return out;
}

export class NameBook {
  readonly #codeOf: Map<ServiceId, string>;
  readonly #serviceOf: Map<string, ServiceId>;
  readonly #countryName: Map<CountryCode, string>;
  readonly #countryOf: Map<string, CountryCode>;
  readonly #operatorName: Map<NetworkCode, string>;
  readonly #split: ReadonlySet<CountryCode>;

  constructor(dialect: Pick<SmshubDialect, "serviceCodes">, overrides: NameOverrides = {}) {
    this.#codeOf = merged(FAMILY_SERVICE_CODES, dialect.serviceCodes, overrides.services);
    this.#serviceOf = inverse(this.#codeOf, "service codes");
    this.#countryName = merged(FAMILY_COUNTRY_NAMES, overrides.countries);
    this.#countryOf = inverse(this.#countryName, "country names");
    this.#operatorName = merged(FAMILY_OPERATOR_NAMES, overrides.operators);
    for (const name of this.#operatorName.values()) {
      if (name === ANY_OPERATOR) throw new SimgateError(`operator names: '${ANY_OPERATOR}' is the protocol's word for every operator, not a name`, ErrorCode.ConfigInvalid);
    }
    this.#split = new Set(overrides.operatorSplit ?? []);
  }

  /** Every service of ours that has a code here, in table order. */
  services(): ServiceId[] {
    return [...this.#codeOf.keys()];
  }

  serviceCode(service: ServiceId): string | undefined {
    return this.#codeOf.get(service);
  }

  serviceId(code: string): ServiceId | undefined {
    return this.#serviceOf.get(code);
  }

  countryName(country: CountryCode): string | undefined {
    return this.#countryName.get(country);
  }

  countryCode(name: string): CountryCode | undefined {
    return this.#countryOf.get(name);
  }

  /** Whether this country is reported per operator (else as `any`). */
  isSplit(country: CountryCode): boolean {
    return this.#split.has(country);
  }

  operatorName(network: NetworkCode): string | undefined {
    return this.#operatorName.get(network);
  }

  /** Every network carrying this name (a brand may hold several MNCs, in several countries). */
  networksNamed(name: string): NetworkCode[] {
    const out: NetworkCode[] = [];
    for (const [network, n] of this.#operatorName) if (n === name) out.push(network);
    return out;
  }
}
