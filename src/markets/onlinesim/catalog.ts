/**
 * Country and operator names as Onlinesim expects them, from the SIM's home MCC and
 * MCC+MNC.
 *
 * Onlinesim's name lists are not public (Q4 [U]). What we know: names are
 * lowercase English words (`germany`, `any`, docs/protocols/onlinesim-v1.md#get_number [C]). This table is ours [I]: country
 * names in the short lowercase form buyers and SMSHUB-style lists use (`russia`, `usa`,
 * `england`), operator names lowercase as buyers know them (`mts`, `megafon`, `tele2`).
 * Config overrides (`names.countries` / `names.operators`) win, so a correction from
 * partner support needs no release. A SIM whose country or operator has no name is not
 * offered at all (Q4: "omit anything unmapped") and the engine logs it once.
 *
 * Why not an npm MCC/MNC package: those carry network names as registered with the ITU
 * ("PJSC MegaFon", "Telekom Deutschland GmbH"), not the short buyer-facing spellings, so
 * we would need this override table anyway; a few hundred lines of data is cheaper to
 * review than a dependency that changes names under us.
 */

/** MCC → country. Covers every MCC of drivers/generic/mcc-mnc.ts's calling-code table. */
const COUNTRIES: Readonly<Record<string, string>> = {
  "202": "greece", "204": "netherlands", "206": "belgium", "208": "france", "214": "spain", "216": "hungary",
  "222": "italy", "226": "romania", "228": "switzerland", "230": "czech", "231": "slovakia", "232": "austria",
  "234": "england", "235": "england", "238": "denmark", "240": "sweden", "242": "norway", "244": "finland",
  "246": "lithuania", "247": "latvia", "248": "estonia", "250": "russia", "255": "ukraine", "257": "belarus",
  "259": "moldova", "260": "poland", "262": "germany", "266": "gibraltar", "268": "portugal", "270": "luxembourg",
  "272": "ireland", "274": "iceland", "276": "albania", "278": "malta", "280": "cyprus", "282": "georgia",
  "283": "armenia", "284": "bulgaria", "286": "turkey", "293": "slovenia", "294": "macedonia", "297": "montenegro",
  "302": "canada", "310": "usa", "311": "usa", "312": "usa", "313": "usa", "314": "usa", "315": "usa", "316": "usa",
  "334": "mexico", "400": "azerbaijan", "401": "kazakhstan", "404": "india", "405": "india", "410": "pakistan",
  "413": "srilanka", "414": "myanmar", "415": "lebanon", "416": "jordan", "418": "iraq", "419": "kuwait",
  "420": "saudiarabia", "424": "uae", "425": "israel", "428": "mongolia", "432": "iran", "434": "uzbekistan",
  "436": "tajikistan", "437": "kyrgyzstan", "438": "turkmenistan", "452": "vietnam", "454": "hongkong",
  "460": "china", "466": "taiwan", "470": "bangladesh", "502": "malaysia", "505": "australia", "510": "indonesia",
  "515": "philippines", "520": "thailand", "525": "singapore", "602": "egypt", "603": "algeria", "604": "morocco",
  "605": "tunisia", "621": "nigeria", "639": "kenya", "655": "southafrica", "716": "peru", "722": "argentina",
  "724": "brazil", "730": "chile", "732": "colombia", "734": "venezuela",
};

/**
 * MCC+MNC (MNC as the SIM reports it, 2 or 3 digits) → operator. The simulator's
 * operators (src/sim/operators.ts) first, then the common pool countries. Brands that
 * renamed keep the name buyers search for (velcom → a1, life:) → life).
 */
const OPERATORS: Readonly<Record<string, string>> = {
  // Russia
  "25001": "mts", "25002": "megafon", "25099": "beeline", "25020": "tele2", "25011": "yota", "25035": "motiv",
  "25028": "beeline", "25062": "tinkoff", "25060": "volna", "25032": "win",
  // Ukraine
  "25501": "vodafone", "25503": "kyivstar", "25506": "lifecell", "25507": "3mob",
  // Kazakhstan
  "40101": "beeline", "40102": "kcell", "40107": "altel", "40177": "tele2",
  // Belarus
  "25701": "a1", "25702": "mts", "25704": "life",
  // Germany
  "26201": "telekom", "26202": "vodafone", "26203": "o2", "26207": "o2", "26208": "o2",
  // United Kingdom
  "23410": "o2", "23415": "vodafone", "23420": "three", "23430": "ee", "23433": "ee", "23458": "manx",
  // USA
  "310260": "tmobile", "310410": "att", "311480": "verizon", "310120": "sprint",
  // India
  "405840": "jio", "405854": "jio", "405857": "jio", "405861": "jio", "405872": "jio", "40410": "airtel",
  "40445": "airtel", "40420": "vodafone", "40411": "vodafone",
  // China
  "46000": "chinamobile", "46002": "chinamobile", "46007": "chinamobile", "46001": "chinaunicom", "46011": "chinatelecom",
  // Poland
  "26001": "plus", "26002": "tmobile", "26003": "orange", "26006": "play",
  // France
  "20801": "orange", "20810": "sfr", "20815": "free", "20820": "bouygues",
  // Spain
  "21401": "vodafone", "21403": "orange", "21404": "yoigo", "21407": "movistar",
  // Italy
  "22201": "tim", "22210": "vodafone", "22288": "windtre", "22250": "iliad",
  // Netherlands
  "20404": "vodafone", "20408": "kpn", "20416": "tmobile",
  // Romania, Czech Republic, Turkey
  "22601": "vodafone", "22603": "telekom", "22610": "orange",
  "23001": "tmobile", "23002": "o2", "23003": "vodafone",
  "28601": "turkcell", "28602": "vodafone", "28603": "turktelekom",
  // Baltics, Moldova, Caucasus, Central Asia
  "24701": "lmt", "24702": "tele2", "24705": "bite", "24601": "telia", "24602": "bite", "24603": "tele2",
  "24801": "telia", "24802": "elisa", "24803": "tele2", "25901": "orange", "25902": "moldcell",
  "28201": "magti", "28202": "geocell", "28204": "beeline", "28301": "beeline", "28305": "vivacell",
  "40001": "azercell", "40002": "bakcell", "43404": "beeline", "43405": "ucell", "43407": "mobiuz",
  "43701": "beeline", "43705": "megacom", "43709": "o", "43601": "tcell", "43604": "babilon",
  // Sweden, Finland
  "24001": "telia", "24002": "tre", "24007": "tele2", "24008": "telenor", "24405": "elisa", "24491": "telia", "24412": "dna",
  // South-East Asia
  "51010": "telkomsel", "51011": "xl", "51001": "indosat", "51502": "globe", "51503": "smart",
  "45201": "mobifone", "45202": "vinaphone", "45204": "viettel", "50212": "maxis", "50213": "celcom",
  "50216": "digi", "50219": "celcom", "52003": "ais", "52004": "truemove", "52005": "dtac",
  // Americas
  "72405": "claro", "72406": "vivo", "72410": "vivo", "72411": "vivo", "72402": "tim", "72403": "tim",
  "72404": "tim", "72431": "oi", "334020": "telcel", "334030": "movistar", "334050": "att",
};

export interface NameOverrides {
  countries: Readonly<Record<string, string>>;
  operators: Readonly<Record<string, string>>;
}

export interface SimNames {
  country: string;
  operator: string;
}

/** Resolves names; overrides win over the built-in table. Results are cached per MCC+MNC. */
export class Catalog {
  readonly #cache = new Map<string, SimNames | null>();

  constructor(private readonly overrides: NameOverrides = { countries: {}, operators: {} }) {}

  country(mcc: string): string | undefined {
    return this.overrides.countries[mcc] ?? COUNTRIES[mcc];
  }

  operator(mcc: string, mnc: string): string | undefined {
    return this.overrides.operators[mcc + mnc] ?? OPERATORS[mcc + mnc];
  }

  /** Both names, or null when either is unknown (such a SIM is not offered, Q4). */
  resolve(mcc: string, mnc: string): SimNames | null {
    const key = `${mcc}/${mnc}`;
    let hit = this.#cache.get(key);
    if (hit === undefined) {
      const country = this.country(mcc);
      const operator = this.operator(mcc, mnc);
      hit = country && operator ? { country, operator } : null;
      this.#cache.set(key, hit);
    }
    return hit;
  }
}
