/**
 * TP-SCTS / TP-DT (23.040 §9.2.3.11): seven swapped-BCD octets YY MM DD hh mm ss TZ.
 * TZ is in quarter hours; bit 3 of the octet is the sign (negative = west of UTC).
 */

export interface Scts {
  /** ISO 8601 local time with its offset, e.g. "2024-03-01T12:30:00+05:45". */
  iso: string;
  /** Offset from UTC in quarter hours (+12 = UTC+3, −20 = UTC−5). */
  tzQuarterHours: number;
}

function swapped(b: number): number | null {
  const lo = b & 0x0f;
  const hi = b >> 4;
  if (lo > 9 || hi > 9) return null;
  return lo * 10 + hi;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

export function formatOffset(quarters: number): string {
  const minutes = Math.abs(quarters) * 15;
  return `${quarters < 0 ? "-" : "+"}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** Decode 7 octets; null (plus a warning) when a field is not valid BCD or out of range. */
export function decodeScts(b: ArrayLike<number>, warnings: string[], field = "timestamp"): Scts | null {
  const fields: number[] = [];
  for (let i = 0; i < 6; i++) {
    const v = swapped(b[i] ?? 0xff);
    if (v === null) {
      warnings.push(`${field}: octet ${i} (0x${(b[i] ?? 0).toString(16)}) is not BCD; timestamp dropped`);
      return null;
    }
    fields.push(v);
  }
  const [yy, mo, dd, hh, mi, ss] = fields as [number, number, number, number, number, number];
  const tzRaw = b[6] ?? 0;
  const tzTens = tzRaw & 0x07;
  const tzUnits = tzRaw >> 4;
  let quarters = 0;
  if (tzUnits > 9) warnings.push(`${field}: time zone octet 0x${tzRaw.toString(16)} is not BCD; UTC assumed`);
  else quarters = (tzTens * 10 + tzUnits) * (tzRaw & 0x08 ? -1 : 1);
  if (Math.abs(quarters) > 56) {
    // ±14 h is the widest real offset; beyond that the octet is garbage.
    warnings.push(`${field}: time zone ${quarters} quarter hours is out of range; UTC assumed`);
    quarters = 0;
  }
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 59) {
    warnings.push(`${field}: ${yy}-${mo}-${dd} ${hh}:${mi}:${ss} is not a valid date; timestamp dropped`);
    return null;
  }
  // Two-digit year: SMS predates 2000 only by a decade; 90..99 → 1990s.
  const year = yy >= 90 ? 1900 + yy : 2000 + yy;
  return {
    iso: `${year}-${pad(mo)}-${pad(dd)}T${pad(hh)}:${pad(mi)}:${pad(ss)}${formatOffset(quarters)}`,
    tzQuarterHours: quarters,
  };
}

/** Encode `date` as seen in a zone `tzQuarterHours` east of UTC. */
export function encodeScts(date: Date, tzQuarterHours = 0): number[] {
  if (!Number.isInteger(tzQuarterHours) || Math.abs(tzQuarterHours) > 79) throw new RangeError(`tzQuarterHours ${tzQuarterHours} out of range`);
  const local = new Date(date.getTime() + tzQuarterHours * 15 * 60_000);
  const sw = (n: number) => ((n % 10) << 4) | Math.floor(n / 10) % 10;
  const q = Math.abs(tzQuarterHours);
  const tz = ((q % 10) << 4) | Math.floor(q / 10) | (tzQuarterHours < 0 ? 0x08 : 0);
  return [
    sw(local.getUTCFullYear() % 100),
    sw(local.getUTCMonth() + 1),
    sw(local.getUTCDate()),
    sw(local.getUTCHours()),
    sw(local.getUTCMinutes()),
    sw(local.getUTCSeconds()),
    tz,
  ];
}
