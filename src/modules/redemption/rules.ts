// The pure rules of the redemption ledger (Código Penal arts. 57–58): no database, no clock.
// What a record must be for the sentence engine to accept it (../shared/spec/sentence-
// computation.md, "activities") — days never more than the period's length (teaching: hours
// never more than 24 a day), no day after today, every day inside custody, no overlap with
// another record of the person — and how the ledger adds records up. The service checks the
// same rules before it stores anything, so that a record the engine would refuse never exists.
import type { CustodyPeriod } from '../sentence/types.ts';
import { daysInMonth, parseIsoDate, toIsoDate } from '../sentence/dates.ts';
import type { FieldError } from '../../platform/http/errors.ts';

export const activityKinds = ['work', 'study', 'teaching'] as const;
export type ActivityKind = (typeof activityKinds)[number];
export const isActivityKind = (s: unknown): s is ActivityKind => (activityKinds as readonly unknown[]).includes(s);

export const statuses = ['certified', 'evaluated', 'approved', 'refused'] as const;
export type RedemptionStatus = (typeof statuses)[number];

export const evaluations = ['favourable', 'unfavourable'] as const;
export type Evaluation = (typeof evaluations)[number];

export const decisions = ['approved', 'refused'] as const;
export type Decision = (typeof decisions)[number];

/** Teaching: 8 hours count as one day (CP art. 58; the engine's teachingHoursPerDay). */
export const teachingHoursPerDay = 8;
/** Two days of work, study or teaching redeem one day of prison (CP art. 57). */
export const activityDaysPerCredit = 2;

/** A record certifies at most a year (the database's limits on days and hours follow from it). */
export const maxPeriodDays = 366;

/** Dates before this are typing mistakes, not records (the ledger is of people held today). */
export const earliestDate = '1970-01-01';

/** Lengths of the free-text fields (the API schemas and the service check the same limits). */
export const limits = { programme: 200, note: 2000, reference: 200, bulkRows: 2000, pageSize: 2000 } as const;

/** Panama's programmes, offered as suggestions on the forms (the programmes module will own them later). */
export const programmeSuggestions: Readonly<Record<ActivityKind, readonly string[]>> = {
  work: ['Taller de carpintería', 'Panadería', 'Agricultura y huertos', 'Limpieza y mantenimiento', 'Cocina del centro', 'Taller de costura', 'Artesanías', 'Lavandería'],
  study: ['Educación básica general (MEDUCA)', 'Bachillerato (MEDUCA)', 'Alfabetización', 'Cursos técnicos INADEH', 'Universidad de Panamá – extensión'],
  teaching: ['Alfabetización (monitor)', 'Tutoría de educación básica', 'Instructor de taller INADEH'],
};

/** Days of an inclusive period (both ends count). */
export const lengthOf = (from: number, to: number): number => to - from + 1;

/** Activity days of a record: days, or whole teaching days (⌊hours ÷ 8⌋). */
export function activityDaysOf(r: { kind: ActivityKind; days: number | null; hours: number | null }): number {
  return r.kind === 'teaching' ? Math.floor((r.hours ?? 0) / teachingHoursPerDay) : (r.days ?? 0);
}

/** The first and last day of a month written YYYY-MM, or null when it is not a month. */
export function monthBounds(month: string): { from: string; to: string } | null {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return null;
  const year = Number(m[1]);
  const mon = Number(m[2]);
  if (mon < 1 || mon > 12 || year < 1970 || year > 2200) return null;
  const mm = String(mon).padStart(2, '0');
  return { from: `${m[1]}-${mm}-01`, to: `${m[1]}-${mm}-${String(daysInMonth(year, mon)).padStart(2, '0')}` };
}

export interface PeriodInput {
  kind: unknown;
  from: unknown;
  to: unknown;
  days?: unknown;
  hours?: unknown;
}

export interface CheckedPeriod {
  kind: ActivityKind;
  from: string;
  to: string;
  fromDay: number;
  toDay: number;
  days: number | null;
  hours: number | null;
}

const dateOf = (v: unknown): number | null => (typeof v === 'string' ? parseIsoDate(v) : null);
const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/**
 * The checks that need nothing but the record and today: the kind, real dates in range, the
 * period in order and over by today, and the amount — days for work and study (1 to the
 * period's length), hours for teaching (1 to 24 × its length). Each problem names its field
 * (`prefix` + field, e.g. `rows[3].days`); an empty list means the record is well formed.
 */
export function checkPeriod(input: PeriodInput, today: string, prefix = ''): { value: CheckedPeriod | null; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const at = (f: string) => `${prefix}${f}`;
  const kind = input.kind;
  if (!isActivityKind(kind)) errors.push({ path: at('kind'), key: 'redemption.errors.kind' });
  const earliest = parseIsoDate(earliestDate)!;
  const todayDay = parseIsoDate(today)!;
  const dates: Record<'from' | 'to', number | null> = { from: null, to: null };
  for (const f of ['from', 'to'] as const) {
    const v = input[f];
    if (!present(v)) {
      errors.push({ path: at(f), key: 'redemption.errors.required' });
      continue;
    }
    const d = dateOf(v);
    if (d === null) errors.push({ path: at(f), key: 'redemption.errors.date' });
    else if (d < earliest) errors.push({ path: at(f), key: 'redemption.errors.dateOutOfRange', params: { earliest: earliestDate } });
    else dates[f] = d;
  }
  const { from, to } = dates;
  if (from !== null && to !== null && to < from) errors.push({ path: at('to'), key: 'redemption.errors.toBeforeFrom' });
  else if (from !== null && to !== null && lengthOf(from, to) > maxPeriodDays) errors.push({ path: at('to'), key: 'redemption.errors.periodTooLong', params: { max: maxPeriodDays } });
  else if (to !== null && to > todayDay) errors.push({ path: at('to'), key: 'redemption.errors.afterToday', params: { today } });
  else if (from !== null && from > todayDay) errors.push({ path: at('from'), key: 'redemption.errors.afterToday', params: { today } });

  const length = from !== null && to !== null && to >= from && lengthOf(from, to) <= maxPeriodDays ? lengthOf(from, to) : null;
  let days: number | null = null;
  let hours: number | null = null;
  if (isActivityKind(kind)) {
    const amountField = kind === 'teaching' ? 'hours' : 'days';
    const otherField = kind === 'teaching' ? 'days' : 'hours';
    if (present(input[otherField])) errors.push({ path: at(otherField), key: kind === 'teaching' ? 'redemption.errors.daysNotForTeaching' : 'redemption.errors.hoursOnlyForTeaching' });
    const raw = input[amountField];
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d{1,7}\s*$/.test(raw) ? Number(raw) : Number.NaN;
    if (!present(raw)) errors.push({ path: at(amountField), key: 'redemption.errors.required' });
    else if (!Number.isInteger(n) || n < 1) errors.push({ path: at(amountField), key: 'redemption.errors.amount' });
    else if (length !== null && kind !== 'teaching' && n > length) errors.push({ path: at('days'), key: 'redemption.errors.daysExceedPeriod', params: { days: n, length } });
    else if (length !== null && kind === 'teaching' && n > 24 * length) errors.push({ path: at('hours'), key: 'redemption.errors.hoursExceedPeriod', params: { hours: n, max: 24 * length, length } });
    else if (kind === 'teaching') hours = n;
    else days = n;
  }
  if (errors.length || from === null || to === null || !isActivityKind(kind)) return { value: null, errors };
  return { value: { kind, from: toIsoDate(from), to: toIsoDate(to), fromDay: from, toDay: to, days, hours }, errors };
}

/** Days of [from, to] that fall outside the custody periods (an open period runs on for ever). */
export function daysOutsideCustody(periods: readonly CustodyPeriod[], from: number, to: number): number {
  let inside = 0;
  for (const p of periods) {
    const a = Math.max(parseIsoDate(p.from)!, from);
    const b = Math.min(p.to === null ? Number.POSITIVE_INFINITY : parseIsoDate(p.to)!, to);
    if (b >= a) inside += b - a + 1;
  }
  return lengthOf(from, to) - Math.min(inside, lengthOf(from, to));
}

/** Two inclusive periods share at least one day. */
export const overlaps = (a: { from: string; to: string }, b: { from: string; to: string }): boolean => a.from <= b.to && b.from <= a.to;

export interface LedgerLine {
  kind: ActivityKind;
  days: number | null;
  hours: number | null;
  status: RedemptionStatus;
}

export interface LedgerTotals {
  /** Approved by the Juez de Cumplimiento: these count. */
  approved: { records: number; activityDays: number; creditDays: number };
  /** Certified or evaluated, not yet decided: shown as projected. */
  projected: { records: number; activityDays: number; creditDays: number };
  refused: { records: number };
}

/**
 * The ledger's totals: activity days of approved and of pending (projected) records, and the
 * days they would redeem at two for one, floored once on the total as the engine does. The
 * engine may count fewer for a long sentence (only activity after the one-third date counts);
 * the stored computation shows the exact figure.
 */
export function ledgerTotals(lines: readonly LedgerLine[]): LedgerTotals {
  const approved = { records: 0, activityDays: 0, creditDays: 0 };
  const projected = { records: 0, activityDays: 0, creditDays: 0 };
  let refused = 0;
  for (const l of lines) {
    if (l.status === 'refused') refused++;
    else {
      const bucket = l.status === 'approved' ? approved : projected;
      bucket.records++;
      bucket.activityDays += activityDaysOf(l);
    }
  }
  approved.creditDays = Math.floor(approved.activityDays / activityDaysPerCredit);
  projected.creditDays = Math.floor(projected.activityDays / activityDaysPerCredit);
  return { approved, projected, refused: { records: refused } };
}
