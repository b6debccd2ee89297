// SQL for occupancy on a date. One statement counts every centre in scope at once (no query
// per centre); the counting rules it applies are documented in occupancy-rules.ts:
//   held at T      = a facility stay in force at T (from_at < T ≤ coalesce(to_at, ∞)): people
//                    out at court, hospital or on leave keep their stay (they count), people in
//                    transit keep the origin's stay until the arrival is recorded;
//   minus escaped  = an absence of kind 'escape' in force at T (out_at < T ≤ coalesce(back_at, ∞));
//   legal status   = the legal_status_periods row in force at T (the exclusion constraint leaves
//                    at most one per episode);
//   capacity       = the facility-level capacity_history entry (official or synthetic) with the
//                    latest effective_from on or before the date, ties by the latest recorded.
// T is the end of the day (occupancy-rules.ts asOfInstant). Scope is a WHERE clause, never a
// filter in memory.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { capacitySources, nationalCountry, youngAdultAges, type CapacitySource } from './occupancy-rules.ts';

type Db = Kysely<Database>;
/** null = national scope; otherwise the facility codes the caller reaches (empty: none). */
export type Scope = string[] | null;

export interface OccupancyRow {
  code: string;
  name: string;
  province: string;
  capacity: number | null;
  capacity_source: CapacitySource | null;
  population: number;
  unsentenced: number;
  other: number;
  women: number;
  foreign: number;
  young_adults: number;
}

function scopeCondition(column: RawBuilder<unknown>, scope: Scope): RawBuilder<boolean> {
  if (scope === null) return sql<boolean>`true`;
  if (scope.length === 0) return sql<boolean>`false`;
  return sql<boolean>`${column} in (${sql.join(scope)})`;
}

/** Birth dates of people aged 18–20 on the date: born after D − 21 years, on or before D − 18 years. */
function youngAdultBirths(date: string): { after: RawBuilder<string>; until: RawBuilder<string> } {
  return {
    after: sql<string>`(${date}::date - ${`${youngAdultAges.to + 1} years`}::interval)::date`,
    until: sql<string>`(${date}::date - ${`${youngAdultAges.from} years`}::interval)::date`,
  };
}

/**
 * The statement behind GET /api/v1/statistics/occupancy (the benchmark times it bare too).
 * `at` is the end of `date` in the configured time zone.
 */
export function occupancyQuery(scope: Scope, date: string, at: Date): RawBuilder<OccupancyRow> {
  const young = youngAdultBirths(date);
  return sql<OccupancyRow>`
    select f.code, f.name, f.province, cap.capacity, cap.source as capacity_source,
      coalesce(c.population, 0)::int as population,
      coalesce(c.unsentenced, 0)::int as unsentenced,
      coalesce(c.other, 0)::int as other,
      coalesce(c.women, 0)::int as women,
      coalesce(c.foreign, 0)::int as foreign,
      coalesce(c.young_adults, 0)::int as young_adults
    from facilities f
    left join (
      select s.facility_code,
        count(*) as population,
        count(*) filter (where l.status = 'pretrial') as unsentenced,
        count(*) filter (where l.status = 'other') as other,
        count(*) filter (where p.sex = 'female') as women,
        count(*) filter (where p.nationality <> ${nationalCountry}) as foreign,
        count(*) filter (where p.date_of_birth > ${young.after} and p.date_of_birth <= ${young.until}) as young_adults
      from facility_stays s
      join persons p on p.id = s.person_id
      left join legal_status_periods l on l.episode_id = s.episode_id and l.valid_from < ${at} and (l.valid_to is null or l.valid_to >= ${at})
      where s.from_at < ${at} and (s.to_at is null or s.to_at >= ${at})
        and ${scopeCondition(sql`s.facility_code`, scope)}
        and not exists (
          select 1 from absences a
          where a.episode_id = s.episode_id and a.kind = 'escape' and a.out_at < ${at} and (a.back_at is null or a.back_at >= ${at}))
      group by s.facility_code
    ) c on c.facility_code = f.code
    left join lateral (
      select h.capacity, h.source
      from capacity_history h
      where h.facility_code = f.code and h.unit_id is null and h.cell_id is null
        and h.effective_from <= ${date}::date and h.source in (${sql.join([...capacitySources])})
      order by h.effective_from desc, h.recorded_at desc, h.id desc
      limit 1
    ) cap on true
    where ${scopeCondition(sql`f.code`, scope)}
    order by f.code`;
}

export async function occupancyOn(db: Db, scope: Scope, date: string, at: Date): Promise<OccupancyRow[]> {
  return (await occupancyQuery(scope, date, at).execute(db)).rows;
}

export interface LateEntryRow {
  code: string;
  movements: number;
  legal_status: number;
  capacity: number;
  last_recorded_at: Date | null;
}

/**
 * Entries recorded at or after T that change the figure as of T (each counted at the centre
 * whose figure it changes):
 * - arrivals: a facility stay in force at T recorded after T (a late admission or transfer arrival);
 * - departures: a release, death or transfer arrival (for the centre left) that occurred before T,
 *   recorded after T — without it the person would still be counted there;
 * - escapes in force at T recorded after T, and recaptures before T recorded after T;
 * - legal status: a change of status (not the admission's first period) in force at T,
 *   recorded after T, at the centre holding the person at T;
 * - capacity: the entry in force on the date was recorded after T by a person (reference
 *   figures the system loaded when the database was set up are not corrections).
 */
export function lateEntriesQuery(scope: Scope, date: string, at: Date): RawBuilder<LateEntryRow> {
  return sql<LateEntryRow>`
    select f.code,
      count(*) filter (where x.kind = 'movement')::int as movements,
      count(*) filter (where x.kind = 'legal_status')::int as legal_status,
      count(*) filter (where x.kind = 'capacity')::int as capacity,
      max(x.recorded_at) as last_recorded_at
    from facilities f
    join (
      select s.facility_code as code, 'movement' as kind, s.recorded_at
      from facility_stays s
      where s.recorded_at >= ${at} and s.from_at < ${at} and (s.to_at is null or s.to_at >= ${at})
      union all
      select case when m.kind = 'transfer_in' then m.from_facility_code else coalesce(m.from_facility_code, m.to_facility_code) end, 'movement', m.recorded_at
      from movements m
      where m.recorded_at >= ${at} and m.occurred_at < ${at} and m.kind in ('release', 'death', 'transfer_in', 'recapture')
      union all
      select a.facility_code, 'movement', a.recorded_at
      from absences a
      where a.kind = 'escape' and a.recorded_at >= ${at} and a.out_at < ${at} and (a.back_at is null or a.back_at >= ${at})
      union all
      select s.facility_code, 'legal_status', l.recorded_at
      from legal_status_periods l
      join custody_episodes e on e.id = l.episode_id
      join facility_stays s on s.episode_id = l.episode_id and s.from_at < ${at} and (s.to_at is null or s.to_at >= ${at})
      where l.recorded_at >= ${at} and l.valid_from < ${at} and (l.valid_to is null or l.valid_to >= ${at}) and l.valid_from > e.admitted_at
      union all
      select h.facility_code, 'capacity', h.recorded_at
      from facilities f2
      cross join lateral (
        select c.facility_code, c.recorded_at, c.recorded_by
        from capacity_history c
        where c.facility_code = f2.code and c.unit_id is null and c.cell_id is null
          and c.effective_from <= ${date}::date and c.source in (${sql.join([...capacitySources])})
        order by c.effective_from desc, c.recorded_at desc, c.id desc
        limit 1
      ) h
      where h.recorded_at >= ${at} and h.recorded_by is not null
    ) x on x.code = f.code
    where ${scopeCondition(sql`f.code`, scope)}
    group by f.code
    order by f.code`;
}

export async function lateEntriesOn(db: Db, scope: Scope, date: string, at: Date): Promise<LateEntryRow[]> {
  return (await lateEntriesQuery(scope, date, at).execute(db)).rows;
}

/** The centres in scope (code, name, province), for the corrections list and the page's filter. */
export async function facilitiesInScope(db: Db, scope: Scope) {
  return db
    .selectFrom('facilities as f')
    .select(['f.code', 'f.name', 'f.province'])
    .where((eb) => (scope === null ? eb.val(true) : scope.length === 0 ? eb.val(false) : eb('f.code', 'in', scope)))
    .orderBy('f.code')
    .execute();
}
