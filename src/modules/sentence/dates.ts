// Pure calendar-date arithmetic for the sentence engine.
//
// Dates are civil dates (Panama has no daylight saving, but the engine never needs a time
// of day at all): an ISO `YYYY-MM-DD` string outside, an integer "day number" (days since
// 1970-01-01 in the proleptic Gregorian calendar) inside. The conversions are plain integer
// arithmetic (H. Hinnant's days_from_civil / civil_from_days), so nothing here reads the
// clock, the machine's time zone or even the Date object: the same input gives the same day
// on every server.

/** Days since 1970-01-01 (day 0). Integer. */
export type DayNumber = number;

/** A length expressed the way a court writes it. */
export interface Term {
  readonly years: number;
  readonly months: number;
  readonly days: number;
}

export interface CivilDate {
  readonly year: number;
  readonly month: number; // 1–12
  readonly day: number; // 1–31
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return MONTH_DAYS[month - 1] ?? 0;
}

/** Day number of a civil date (the date must be valid; no clamping here). */
export function daysFromCivil(year: number, month: number, day: number): DayNumber {
  // Shift the year to start in March so the leap day is the last day of the "year".
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400; // [0, 399]
  const mp = month > 2 ? month - 3 : month + 9; // March = 0
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1; // [0, 365]
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy; // [0, 146096]
  return era * 146097 + doe - 719468;
}

/** Civil date of a day number. */
export function civilFromDays(n: DayNumber): CivilDate {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/**
 * Parses a strict `YYYY-MM-DD` string into its parts, or null when the text is not of that
 * form or names a day the calendar does not have (2023-02-29, 2024-04-31).
 * Hand-rolled rather than a regex or Date.parse: Date.parse accepts 2023-02-30 and rolls
 * it over, and the engine parses dates in a hot loop.
 */
export function parseCivil(s: string): CivilDate | null {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return null;
  const y0 = digit(s, 0), y1 = digit(s, 1), y2 = digit(s, 2), y3 = digit(s, 3);
  const m0 = digit(s, 5), m1 = digit(s, 6), d0 = digit(s, 8), d1 = digit(s, 9);
  if ((y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1) < 0) return null;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

/** ISO date → day number, or null when the text is not a real `YYYY-MM-DD` date. */
export function parseIsoDate(s: string): DayNumber | null {
  // Same checks as parseCivil without the intermediate object: validation parses every
  // date of every input.
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return null;
  const y0 = digit(s, 0), y1 = digit(s, 1), y2 = digit(s, 2), y3 = digit(s, 3);
  const m0 = digit(s, 5), m1 = digit(s, 6), d0 = digit(s, 8), d1 = digit(s, 9);
  if ((y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1) < 0) return null;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return daysFromCivil(year, month, day);
}

/** ISO date → day number; throws on a malformed date (for trusted, already-validated text). */
export function dayNumber(s: string): DayNumber {
  const n = parseIsoDate(s);
  if (n === null) throw new RangeError(`not a calendar date: ${JSON.stringify(s)}`);
  return n;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : '' + n;
}

function pad4(n: number): string {
  if (n >= 1000) return '' + n;
  if (n >= 100) return '0' + n;
  if (n >= 10) return '00' + n;
  return '000' + n;
}

/** Day number → `YYYY-MM-DD` (years 0–9999). */
export function toIsoDate(n: DayNumber): string {
  const c = civilFromDays(n);
  return pad4(c.year) + '-' + pad2(c.month) + '-' + pad2(c.day);
}

/**
 * Adds a term step by step (spec convention 2): first the years, then the months, then the
 * days; after each of the first two steps a day the month does not have becomes the month's
 * last day. Adding 13 months at once, or days first, gives different answers — by design
 * this function never does.
 */
export function addTerm(start: DayNumber, term: Term): DayNumber {
  const c = civilFromDays(start);
  // Step 1: years, clamped (29 Feb + 1 year = 28 Feb).
  let year = c.year + term.years;
  let day = Math.min(c.day, daysInMonth(year, c.month));
  // Step 2: months, from the already-clamped day, clamped again (31 Aug + 6 months = 28 Feb).
  const monthIndex = c.month - 1 + term.months;
  year += Math.floor(monthIndex / 12);
  const month = monthIndex - Math.floor(monthIndex / 12) * 12 + 1;
  day = Math.min(day, daysInMonth(year, month));
  // Step 3: days, as plain day arithmetic.
  return daysFromCivil(year, month, day) + term.days;
}

/** Last day of a term that starts on `start`: add(start, term) − 1 day (ranges include both ends). */
export function termEnd(start: DayNumber, term: Term): DayNumber {
  return addTerm(start, term) - 1;
}

/** Number of days in the inclusive range [from, to]: to − from + 1. */
export function inclusiveDays(from: DayNumber, to: DayNumber): number {
  return to - from + 1;
}

/** ISO convenience wrappers (used by tests and callers that never see day numbers). */
export function addTermIso(start: string, term: Term): string {
  return toIsoDate(addTerm(dayNumber(start), term));
}

export function termEndIso(start: string, term: Term): string {
  return toIsoDate(termEnd(dayNumber(start), term));
}

export function addDaysIso(date: string, days: number): string {
  return toIsoDate(dayNumber(date) + days);
}
