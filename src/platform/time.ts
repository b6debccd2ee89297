// "Today" and "the end of a day" in the configured time zone (America/Panama by default),
// never the server's UTC date.

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function dateIn(timeZone: string, at: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export const todayIn = (timeZone: string): string => dateIn(timeZone);

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
