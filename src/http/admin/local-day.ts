/** Local midnight of the daemon's host before `now`: where "today" starts for the status page, /metrics and the earnings book. */
export function localMidnight(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
