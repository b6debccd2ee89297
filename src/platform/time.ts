// "Today" and "the end of a day" in the configured time zone (America/Panama by default),
// never the server's UTC date.

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
// One formatter per zone: building one costs far more than using it (lists call this per row).
const dayFormats = new Map<string, Intl.DateTimeFormat>();

export function dateIn(timeZone: string, at: Date = new Date()): string {
  let f = dayFormats.get(timeZone);
  if (!f) dayFormats.set(timeZone, (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  const parts = f.formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Today's date in `timeZone`, e.g. todayIn('America/Panama') → '2026-11-29'. */
export const todayIn = (timeZone: string, now: Date = new Date()): string => dateIn(timeZone, now);

/** True for a real calendar date written YYYY-MM-DD (rejects 2025-02-30). */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** The same day `years` later; 29 February becomes 28 February in a common year. */
export function addYears(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y + years, m - 1, 1));
  const lastDay = new Date(Date.UTC(y + years, m, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return target.toISOString().slice(0, 10);
}

/** The time zone's offset from UTC at an instant, in minutes (Panama: −300). */
function offsetMinutes(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(at);
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** The first instant of the day after `date` in the time zone: "end of that day" for as-of queries. */
export function endOfDay(date: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  const nextMidnightUtc = Date.UTC(y!, m! - 1, d! + 1);
  const guess = new Date(nextMidnightUtc - offsetMinutes(timeZone, new Date(nextMidnightUtc)) * 60_000);
  return new Date(nextMidnightUtc - offsetMinutes(timeZone, guess) * 60_000);
}
