// Pure rules of the legal orders: date ranges (both ends included, `to: null` = still running)
// and the checks of each kind's own fields that need no database.
import type { FieldError } from '../../platform/http/errors.ts';
import { isCalendarDate } from '../../platform/time.ts';
import { legalLimits } from './legal-schemas.ts';

/** The oldest date accepted on an order: anything earlier is a typing mistake. */
export const earliestLegalDate = '1950-01-01';

export interface DateRange {
  from: string;
  /** null = open (still running). */
  to: string | null;
}

/** Whether two inclusive ranges share a day (ISO dates compare as strings). */
export function rangesOverlap(a: DateRange, b: DateRange): boolean {
  return (a.to === null || b.from <= a.to) && (b.to === null || a.from <= b.to);
}

/** The first range of `others` sharing a day with `range`, if any. */
export function firstOverlap<T extends DateRange>(range: DateRange, others: readonly T[]): T | undefined {
  return others.find((o) => rangesOverlap(range, o));
}

/** A required date: present, real, not before 1950, not after today. */
export function dateProblem(path: string, value: string | null | undefined, today: string): FieldError | null {
  if (!value) return { path, key: 'orders.errors.required' };
  if (!isCalendarDate(value)) return { path, key: 'orders.errors.dateFormat' };
  if (value > today) return { path, key: 'orders.errors.dateInFuture' };
  if (value < earliestLegalDate) return { path, key: 'orders.errors.dateBefore', params: { year: earliestLegalDate.slice(0, 4) } };
  return null;
}

/** A range: both dates valid and `to` not before `from`. */
export function rangeProblems(range: { from?: string | null | undefined; to?: string | null | undefined }, today: string, paths = { from: 'from', to: 'to' }): FieldError[] {
  const out: FieldError[] = [];
  const f = dateProblem(paths.from, range.from, today);
  const t = dateProblem(paths.to, range.to, today);
  if (f) out.push(f);
  if (t) out.push(t);
  if (!f && !t && range.to! < range.from!) out.push({ path: paths.to, key: 'orders.errors.toBeforeFrom' });
  return out;
}

/** An integer in [min, max]; `value` may come from a form as text. */
export function integerProblem(path: string, value: unknown, min: number, max: number): FieldError | null {
  if (value === undefined || value === null || value === '') return { path, key: 'orders.errors.required' };
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(n)) return { path, key: 'orders.errors.integer' };
  if (n < min || n > max) return { path, key: 'orders.errors.between', params: { min, max } };
  return null;
}

export const toInteger = (value: unknown): number => (typeof value === 'number' ? value : Number(String(value ?? '').trim()));

/** The length of a sentence: each part in range, and not all zero (a sentence of zero length). */
export function sentenceLengthProblems(s: { years: unknown; months: unknown; days: unknown }): FieldError[] {
  const out: FieldError[] = [];
  for (const [path, max] of [
    ['years', legalLimits.years],
    ['months', legalLimits.months],
    ['days', legalLimits.days],
  ] as const) {
    const p = integerProblem(path, s[path] === '' || s[path] === undefined || s[path] === null ? 0 : s[path], 0, max);
    if (p) out.push(p);
  }
  if (out.length === 0 && toInteger(s.years || 0) + toInteger(s.months || 0) + toInteger(s.days || 0) === 0) {
    out.push({ path: 'years', key: 'orders.errors.sentenceZero' });
  }
  return out;
}
