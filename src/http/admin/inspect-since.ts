/**
 * `--since` / `?since=` as people write it: an age (`90s`, `15m`, `2h`, `3d`), `today`,
 * a local clock time today (`08:30`), a date or date-time (`2026-11-22`,
 * `2026-11-22 08:30`, ISO 8601 with a zone), or epoch milliseconds. The CLI resolves it
 * on the operator's clock and sends milliseconds, so the daemon's time zone never matters.
 */

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Epoch ms, or null when `text` is none of the accepted forms. */
export function parseSince(text: string, now: number = Date.now()): number | null {
  const t = text.trim();
  const age = /^(\d+)\s*([smhd])$/i.exec(t);
  if (age) return now - Number(age[1]) * (UNIT_MS[(age[2] as string).toLowerCase()] as number);
  if (/^\d{1,16}$/.test(t)) return Number(t);
  if (t.toLowerCase() === "today") return new Date(now).setHours(0, 0, 0, 0);
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(t);
  if (clock) {
    const [h, m, s] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
    return h < 24 && m < 60 && s < 60 ? new Date(now).setHours(h, m, s, 0) : null;
  }
  // "2026-11-22 08:30" is not ISO (space); Date.parse reads "2026-11-22T08:30" as local time.
  const date = /^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00` : t.replace(/^(\d{4}-\d{2}-\d{2}) /, "$1T");
  if (!/^\d{4}-\d{2}-\d{2}T/.test(date)) return null;
  const ms = Date.parse(date);
  return Number.isNaN(ms) ? null : ms;
}

export const SINCE_FORMS = "an age (90s, 15m, 2h, 3d), 'today', a time today (08:30), a date or date-time (2026-11-22, 2026-11-22 08:30) or epoch milliseconds";
