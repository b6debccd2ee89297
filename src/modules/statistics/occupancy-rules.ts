// The counting rules of occupancy, in one place and with no I/O: what "held on a date" means,
// who counts where, and how the rates and totals are formed. The SQL in repository.ts applies
// the per-person rules (it cannot call these functions row by row); its comments point here.
// Definitions follow ../shared/domain/statistics.md (persons held, unsentenced, official
// capacity, occupancy rate) and the custody model of migration 003.
import { endOfDay } from '../../platform/time.ts';

/**
 * A date means the END of that day in the configured time zone. The figure for D is the state
 * just before `asOfInstant(D, tz)` (the first instant of the next day): every entry whose
 * occurrence is before that instant counts, whenever it was recorded (a late entry corrects the
 * past figure); nothing that happens at or after it does.
 */
export function asOfInstant(date: string, timeZone: string): Date {
  return endOfDay(date, timeZone);
}

/**
 * A period [from, to) — a facility stay, a legal-status period, an escape — is in force at
 * the end of the day when it began before the instant and had not ended before it.
 * (SQL: `from < $T AND (to IS NULL OR to >= $T)`.)
 */
export function inForceAt(from: Date, to: Date | null, instant: Date): boolean {
  return from.getTime() < instant.getTime() && (to === null || to.getTime() >= instant.getTime());
}

/**
 * Who is held, and where (the facility_stays model):
 * - held = an open facility stay at the instant; the stay's centre is where the person counts;
 * - people temporarily out (court, hospital, leave: absences of those kinds) are still held and
 *   count at their centre — those absences are ignored;
 * - people in transit count at the centre they left until the arrival is recorded (a transfer's
 *   arrival is what closes the origin stay and opens the destination's);
 * - escaped people are not held from the escape until the recapture (an absence of kind
 *   'escape' in force at the instant removes the person).
 */
export const notHeldAbsenceKinds = ['escape'] as const;
export const stillHeldAbsenceKinds = ['court', 'hospital', 'leave'] as const;

/** A person held at an instant, as the counting rules see them. */
export interface HeldPerson {
  facilityCode: string;
  legalStatus: 'pretrial' | 'sentenced' | 'other' | null;
  sex: 'male' | 'female' | 'intersex';
  nationality: string;
  dateOfBirth: string | null;
}

/** Unsentenced = held without a first-instance sentence: legal status 'pretrial' (UN-CTS; SDG 16.3.2). */
export const isUnsentenced = (p: Pick<HeldPerson, 'legalStatus'>): boolean => p.legalStatus === 'pretrial';
/** Legal status 'other' counts as held and is shown apart (neither unsentenced nor sentenced). */
export const isOtherStatus = (p: Pick<HeldPerson, 'legalStatus'>): boolean => p.legalStatus === 'other';
/** Women = recorded sex female. */
export const isWoman = (p: Pick<HeldPerson, 'sex'>): boolean => p.sex === 'female';
/** The nationality that is not foreign. */
export const nationalCountry = 'PA';
/** Foreign national = nationality other than Panamanian. */
export const isForeign = (p: Pick<HeldPerson, 'nationality'>): boolean => p.nationality !== nationalCountry;

/** The statistics.md age group "18–20" (young adults), by age on the date. */
export const youngAdultAges = { from: 18, to: 20 } as const;

/** Whole years between a birth date and a date (both YYYY-MM-DD). */
export function ageOn(dateOfBirth: string, date: string): number {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

export function isYoungAdult(p: Pick<HeldPerson, 'dateOfBirth'>, date: string): boolean {
  if (!p.dateOfBirth) return false;
  const age = ageOn(p.dateOfBirth, date);
  return age >= youngAdultAges.from && age <= youngAdultAges.to;
}

/** The counts of one centre (or of a total). */
export interface Counts {
  population: number;
  unsentenced: number;
  other: number;
  women: number;
  foreign: number;
  youngAdults: number;
}

export const countFields = ['population', 'unsentenced', 'other', 'women', 'foreign', 'youngAdults'] as const satisfies readonly (keyof Counts)[];

export const zeroCounts = (): Counts => ({ population: 0, unsentenced: 0, other: 0, women: 0, foreign: 0, youngAdults: 0 });

/** Counts people held (the reference implementation the SQL must agree with; used by tests). */
export function countHeld(people: readonly HeldPerson[], date: string): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const p of people) {
    const c = out.get(p.facilityCode) ?? zeroCounts();
    c.population += 1;
    if (isUnsentenced(p)) c.unsentenced += 1;
    if (isOtherStatus(p)) c.other += 1;
    if (isWoman(p)) c.women += 1;
    if (isForeign(p)) c.foreign += 1;
    if (isYoungAdult(p, date)) c.youngAdults += 1;
    out.set(p.facilityCode, c);
  }
  return out;
}

/**
 * occupancyRate = population ÷ capacity × 100, rounded to one decimal (half away from zero);
 * null when the capacity is unknown (or zero: no places, no rate).
 */
export function occupancyRate(population: number, capacity: number | null): number | null {
  if (capacity === null || capacity <= 0) return null;
  return roundOneDecimal((population / capacity) * 100);
}

/** Rounds to one decimal, half away from zero, without binary artefacts (123.45 → 123.5). */
export function roundOneDecimal(x: number): number {
  const r = Math.round(Math.abs(x) * 10 + 1e-9) / 10;
  return x < 0 ? -r : r;
}

/** A share in percent with one decimal (unsentenced ÷ population, …); null when nobody is held. */
export function sharePercent(part: number, whole: number): number | null {
  return whole > 0 ? roundOneDecimal((part / whole) * 100) : null;
}

/**
 * Capacity is the official capacity in force on the date: the facility-level capacity_history
 * entry (no unit, no cell) with the latest effective_from on or before the date, ties broken by
 * the latest recorded. Only official figures (and, in a demo, the synthetic stand-ins, tagged)
 * are capacity in the statistical sense; 'operational' working figures are not.
 */
export const capacitySources = ['official', 'synthetic'] as const;
export type CapacitySource = (typeof capacitySources)[number];

export interface FacilityFigures extends Counts {
  code: string;
  name: string;
  province: string;
  capacity: number | null;
  capacitySource: CapacitySource | null;
  occupancyRate: number | null;
}

export interface TotalFigures extends Counts {
  capacity: number | null;
  occupancyRate: number | null;
  /** Centres in the total holding people whose capacity is unknown on the date. */
  centresWithoutCapacity: number;
}

/**
 * A total (province, nation) is the sum of its centres — so the facilities always add up to
 * the total. Its capacity is the sum of the centres' capacities when every centre holding
 * people has one; if any such centre's capacity is unknown, the total capacity is unknown too
 * (a partial sum would pass off part of the system as the whole and overstate occupancy), and
 * so is its rate. A centre without capacity that holds nobody on the date (one not yet opened,
 * say) adds nothing and leaves the total known.
 */
export function totalOf(facilities: readonly (Counts & { capacity: number | null })[]): TotalFigures {
  const t = zeroCounts();
  let capacity = 0;
  let unknown = 0;
  for (const f of facilities) {
    for (const k of countFields) t[k] += f[k];
    if (f.capacity !== null) capacity += f.capacity;
    else if (f.population > 0) unknown += 1;
  }
  const cap = unknown > 0 ? null : capacity;
  return { ...t, capacity: cap, occupancyRate: occupancyRate(t.population, cap), centresWithoutCapacity: unknown };
}

/** "National" = everything in the caller's scope: the total of the centres the caller reaches. */
export const nationalOf = totalOf;

/** Province totals, computed from the facilities (ordered by province name). */
export function provincesOf(facilities: readonly FacilityFigures[]): (TotalFigures & { province: string; codes: string[] })[] {
  const by = new Map<string, FacilityFigures[]>();
  for (const f of facilities) by.set(f.province, [...(by.get(f.province) ?? []), f]);
  return [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'es'))
    .map(([province, fs]) => ({ province, codes: fs.map((f) => f.code), ...totalOf(fs) }));
}
