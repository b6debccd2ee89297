// "Today" for the calculator page's default `asOf`: the civil date in the configured time
// zone (America/Panama by default), never the server's UTC date — at 20:00 in Panama it is
// already tomorrow in UTC. The engine itself never reads a clock; only the page does.

/** Today's date in `timeZone` as YYYY-MM-DD, e.g. todayIn('America/Panama') → '2026-11-29'. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const get = (type: Intl.DateTimeFormatPartTypes): string => {
    const part = parts.find((p) => p.type === type);
    if (part === undefined) throw new Error(`no ${type} in the formatted date`);
    return part.value;
  };
  return `${get('year')}-${get('month')}-${get('day')}`;
}
