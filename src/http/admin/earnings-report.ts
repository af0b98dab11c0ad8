/**
 * Earnings grouped the way an operator asks for them (`simgate earnings --by`,
 * GET /api/earnings, the status page, /metrics), from the ledger's lines per SIM × service ×
 * marketplace × currency (src/sales/ledger.ts `earnings`). The currency is always part of a
 * group's key: amounts in different currencies are never added together (Onlinesim pays
 * RUB, the SMSHUB family RUB or USD).
 */

/** What a group can be keyed by besides its currency; `sim` is the number with its ICCID. */
export type Dimension = "market" | "service" | "sim";
export const DIMENSIONS: readonly Dimension[] = ["market", "service", "sim"];

/** Sales per service × marketplace × currency; the sales ledger's `EarningsTotal` fits it. */
export interface SaleTotal {
  market: string;
  service: string;
  currency: string;
  /** Sold reservations counted. */
  sold: number;
  amount: number;
}

/** The same per SIM too; the sales ledger's `EarningsRow` fits it. Grouping by `sim` needs these. */
export interface SaleLine extends SaleTotal {
  number: string;
  iccid: string;
}

/** Any of the ledger's views: per service (SaleTotal), per SIM, or per SIM × service (SaleLine); grouping needs the fields it names. */
export type TallyInput = Omit<SaleTotal, "service"> & Partial<Pick<SaleLine, "service" | "number" | "iccid">>;

/** A group's keys: the dimensions asked for, and always the currency. */
export interface GroupKey {
  market?: string;
  service?: string;
  number?: string;
  iccid?: string;
  currency: string;
}

export interface Sold {
  sold: number;
  amount: number;
}

/**
 * Amounts are added in ten-thousandths of a unit (the SMSHUB family's sums have up to four
 * decimals), so a total is exact instead of 0.30000000000000004.
 */
const UNITS_PER_AMOUNT = 10_000;
const toUnits = (amount: number): number => Math.round(amount * UNITS_PER_AMOUNT);
const fromUnits = (units: number): number => units / UNITS_PER_AMOUNT;

/** The sum of amounts of one currency, exact to 1/10,000. */
export function addAmounts(amounts: Iterable<number>): number {
  let units = 0;
  for (const a of amounts) units += toUnits(a);
  return fromUnits(units);
}

/** `by` as written (`market`, `service,market`): the dimensions in a fixed order, or the reason it is not one. */
export function parseDimensions(text: string): Dimension[] | { problem: string } {
  const words = text.split(",").map((w) => w.trim().toLowerCase());
  const bad = words.find((w) => !(DIMENSIONS as readonly string[]).includes(w));
  if (bad !== undefined) return { problem: `expected ${DIMENSIONS.join(", ")} or a comma-separated list of them, got '${bad}'` };
  return DIMENSIONS.filter((d) => words.includes(d));
}

function keyOf(line: TallyInput, by: readonly Dimension[]): GroupKey {
  const key: GroupKey = { currency: line.currency };
  for (const d of by) {
    if (d === "sim") {
      key.number = line.number;
      key.iccid = line.iccid;
    } else key[d] = line[d];
  }
  return key;
}

const KEY_FIELDS = ["market", "service", "number", "iccid", "currency"] as const;
const keyText = (k: GroupKey): string => KEY_FIELDS.map((f) => k[f] ?? "").join("\u0000");

/** Sales added up per group; amounts exact to 1/10,000. */
export class EarningsTally {
  readonly #groups = new Map<string, { key: GroupKey; sold: number; units: number }>();

  constructor(readonly by: readonly Dimension[]) {}

  add(line: TallyInput): void {
    const key = keyOf(line, this.by);
    const text = keyText(key);
    const g = this.#groups.get(text);
    if (g) {
      g.sold += line.sold;
      g.units += toUnits(line.amount);
      // A refund took out the group's last sale (a negative line, earnings-book.ts): nothing left to show.
      if (g.sold === 0 && g.units === 0) this.#groups.delete(text);
    } else this.#groups.set(text, { key, sold: line.sold, units: toUnits(line.amount) });
  }

  addAll(lines: Iterable<TallyInput>): this {
    for (const l of lines) this.add(l);
    return this;
  }

  get size(): number {
    return this.#groups.size;
  }

  entries(): Array<GroupKey & Sold> {
    return [...this.#groups.values()].map((g) => ({ ...g.key, sold: g.sold, amount: fromUnits(g.units) }));
  }

  /** The group with these keys, zero when nothing was sold in it. */
  get(key: GroupKey): Sold {
    const g = this.#groups.get(keyText(key));
    return g ? { sold: g.sold, amount: fromUnits(g.units) } : { sold: 0, amount: 0 };
  }
}

export interface EarningsReportRow extends GroupKey, Sold {
  /** The same group since the start of "today". */
  today: Sold;
}

export interface CurrencyTotal extends Sold {
  currency: string;
  today: Sold;
  /** Groups in this currency, shown or not. */
  groups: number;
  /** Of those, the rows shown (at most the limit). */
  shown: number;
}

export interface EarningsReport {
  by: Dimension[];
  /** Per currency, its best groups first: by amount, then today's amount, then by key. */
  rows: EarningsReportRow[];
  /** One per currency, over every group (not only the rows shown). */
  currencies: CurrencyTotal[];
}

/**
 * Groups of `window` (and of `today`, for the "today" figures beside them), the best
 * `limit` of each currency. Grouping by `sim` needs lines with their SIMs, by `service`
 * lines with their services. A group sold only today still shows when `window` started
 * later than today (the union of both).
 */
export function earningsReport(window: readonly TallyInput[], today: readonly TallyInput[], by: readonly Dimension[], limit: number): EarningsReport {
  // One pass over each side into one map; the key text is made once per line, not per comparison.
  const groups = new Map<string, { key: GroupKey; text: string; sold: number; units: number; todaySold: number; todayUnits: number }>();
  const add = (lines: readonly TallyInput[], isToday: boolean) => {
    for (const l of lines) {
      const key = keyOf(l, by);
      const text = keyText(key);
      let g = groups.get(text);
      if (!g) groups.set(text, (g = { key, text, sold: 0, units: 0, todaySold: 0, todayUnits: 0 }));
      if (isToday) {
        g.todaySold += l.sold;
        g.todayUnits += toUnits(l.amount);
      } else {
        g.sold += l.sold;
        g.units += toUnits(l.amount);
      }
    }
  };
  add(window, false);
  add(today, true);
  const all = [...groups.values()].sort((a, b) => order(a.key.currency, b.key.currency) || b.units - a.units || b.todayUnits - a.todayUnits || order(a.text, b.text));
  const rows: EarningsReportRow[] = [];
  const totals = new Map<string, { currency: string; sold: number; units: number; todaySold: number; todayUnits: number; groups: number; shown: number }>();
  for (const g of all) {
    const currency = g.key.currency;
    let t = totals.get(currency);
    if (!t) totals.set(currency, (t = { currency, sold: 0, units: 0, todaySold: 0, todayUnits: 0, groups: 0, shown: 0 }));
    t.groups++;
    t.sold += g.sold;
    t.units += g.units;
    t.todaySold += g.todaySold;
    t.todayUnits += g.todayUnits;
    if (t.shown < limit) {
      t.shown++;
      rows.push({ ...g.key, sold: g.sold, amount: fromUnits(g.units), today: { sold: g.todaySold, amount: fromUnits(g.todayUnits) } });
    }
  }
  const currencies = [...totals.values()].map((t) => ({
    currency: t.currency,
    sold: t.sold,
    amount: fromUnits(t.units),
    today: { sold: t.todaySold, amount: fromUnits(t.todayUnits) },
    groups: t.groups,
    shown: t.shown,
  }));
  return { by: [...by], rows, currencies };
}

/** Code-unit order: stable whatever the locale, and cheap at 100,000 rows. */
const order = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
