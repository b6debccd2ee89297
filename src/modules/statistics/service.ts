// Statistics use cases: occupancy on a date for every centre in the caller's scope, the
// provinces and the nation, and the late entries that changed a past figure. Aggregates only:
// no person is read or shown, so these reads are not audited one by one (issue 2: audit is for
// reads of a person's file or an account). Scope is applied in the SQL.
import type { Kysely } from 'kysely';
import type { Settings } from '../../config.ts';
import type { Actor } from '../../platform/access/actor.ts';
import { facilityScope, requireAccess } from '../../platform/access/require-access.ts';
import type { Database } from '../../platform/db/schema.ts';
import { badRequest, fieldRule } from '../../platform/http/errors.ts';
import { dateIn, isCalendarDate, todayIn } from '../../platform/time.ts';
import * as repo from './repository.ts';
import { asOfInstant, nationalOf, occupancyRate, provincesOf, type FacilityFigures, type TotalFigures } from './occupancy-rules.ts';

export interface Deps {
  db: Kysely<Database>;
  settings: Settings;
}

export interface OccupancyReport {
  date: string;
  national: TotalFigures;
  facilities: FacilityFigures[];
}

export interface FacilityCorrections {
  code: string;
  lateEntries: number;
  movements: number;
  legalStatus: number;
  capacity: number;
  lastRecordedOn: string | null;
}

export interface CorrectionsReport {
  date: string;
  national: { lateEntries: number };
  facilities: FacilityCorrections[];
}

/**
 * The date asked about: the one given, or today in the configured time zone. A date after
 * today has no figures yet (422 naming `date`); a malformed one is refused (the API's schema
 * answers 400 first; pages and the CSV reach this check).
 */
export function occupancyDate(settings: Settings, date: string | undefined, path = 'date'): string {
  const today = todayIn(settings.timeZone);
  if (date === undefined || date === '') return today;
  if (!isCalendarDate(date)) throw badRequest('errors.validation', [{ path, key: 'statistics.errors.date' }]);
  if (date > today) throw fieldRule(path, 'statistics.errors.future', { today });
  return date;
}

/**
 * Identical occupancy requests arriving together share one computation. A computation starts on
 * the next turn of the event loop, so requests arriving meanwhile join it; once its statement
 * has started, later requests never join it (it might not see what they committed just before)
 * but wait for the next one. So each answer includes everything committed before its request,
 * while twenty dashboards asking for the same day cost one statement at a time, not twenty —
 * also on the embedded database, whose statements hold the event loop while they run.
 */
interface Flight<T> {
  /** Scheduled, statement not started: joinable. */
  pending: Promise<T> | null;
  /** Statement running: not joinable. */
  running: Promise<T> | null;
}
const flights = new WeakMap<object, Map<string, Flight<unknown>>>();
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function coalesced<T>(db: object, key: string, run: () => Promise<T>): Promise<T> {
  let perDb = flights.get(db);
  if (!perDb) flights.set(db, (perDb = new Map()));
  const table = perDb;
  let f = table.get(key) as Flight<T> | undefined;
  if (!f) table.set(key, (f = { pending: null, running: null }) as Flight<unknown>);
  const flight = f;
  if (flight.pending) return flight.pending;
  const before = flight.running;
  const pending: Promise<T> = (before ? before.then(() => undefined, () => undefined) : Promise.resolve())
    .then(nextTurn)
    .then(() => {
      flight.pending = null;
      const running = run();
      flight.running = running;
      const done = () => {
        if (flight.running === running) flight.running = null;
        if (!flight.running && !flight.pending) table.delete(key);
      };
      running.then(done, done);
      return running;
    });
  flight.pending = pending;
  return pending;
}

export async function occupancy(deps: Deps, actor: Actor, date?: string): Promise<OccupancyReport> {
  requireAccess(actor, 'statistics.read');
  const day = occupancyDate(deps.settings, date);
  const scope = facilityScope(actor);
  const key = `${day}|${scope === null ? '*' : [...scope].sort().join(',')}`;
  const rows = await coalesced(deps.db, key, () => repo.occupancyOn(deps.db, scope, day, asOfInstant(day, deps.settings.timeZone)));
  const facilities: FacilityFigures[] = rows.map((r) => ({
    code: r.code,
    name: r.name,
    province: r.province,
    capacity: r.capacity,
    capacitySource: r.capacity === null ? null : r.capacity_source,
    population: r.population,
    occupancyRate: occupancyRate(r.population, r.capacity),
    unsentenced: r.unsentenced,
    women: r.women,
    foreign: r.foreign,
    other: r.other,
    youngAdults: r.young_adults,
  }));
  return { date: day, national: nationalOf(facilities), facilities };
}

/** Occupancy with the province totals (the dashboard and the CSV). */
export async function occupancyWithProvinces(deps: Deps, actor: Actor, date?: string) {
  const report = await occupancy(deps, actor, date);
  return { ...report, provinces: provincesOf(report.facilities) };
}

export async function corrections(deps: Deps, actor: Actor, date?: string): Promise<CorrectionsReport> {
  requireAccess(actor, 'statistics.read');
  const day = occupancyDate(deps.settings, date);
  const scope = facilityScope(actor);
  const [facilities, late] = await Promise.all([
    repo.facilitiesInScope(deps.db, scope),
    repo.lateEntriesOn(deps.db, scope, day, asOfInstant(day, deps.settings.timeZone)),
  ]);
  const byCode = new Map(late.map((l) => [l.code, l]));
  const items = facilities.map((f): FacilityCorrections => {
    const l = byCode.get(f.code);
    const movements = l?.movements ?? 0;
    const legalStatus = l?.legal_status ?? 0;
    const capacity = l?.capacity ?? 0;
    return {
      code: f.code,
      lateEntries: movements + legalStatus + capacity,
      movements,
      legalStatus,
      capacity,
      lastRecordedOn: l?.last_recorded_at ? dateIn(deps.settings.timeZone, new Date(l.last_recorded_at)) : null,
    };
  });
  return { date: day, national: { lateEntries: items.reduce((s, f) => s + f.lateEntries, 0) }, facilities: items };
}
