// SQL of the roll: who a centre holds at an instant, where they sleep, and who is out —
// computed from the dated records alone (facility stays, placements, absences, transfers), so
// the roll of any past instant is reproduced exactly, whenever its records were entered.
//
// One query per centre. Its plan (EXPLAIN ANALYZE on PostgreSQL 15: the largest centre,
// PA-NLJ, 5,544 people held, with ten years of closed history generated behind it — 267,000
// episodes, 510,000 placements, 535,000 absences):
//   - the people at the centre: facility_stays_facility_idx (facility_code, from_at, to_at) and
//     facility_stays_open_idx, each half-open period read as two ranges ("still open" and
//     "closed after the instant") so that every condition is an index condition and no closed
//     history row is fetched from the heap;
//   - absences (court, hospital, leave, escape) at the instant: absences_open_idx and
//     absences_period_idx, split the same way, hash-joined by episode;
//   - placements: the open ones from placements_facility_open_idx (migration 008), hash-joined;
//     only people whose placement at the instant has since been closed (a past roll, a move
//     since, a transfer since) probe the placements exclusion constraint's GiST index on
//     (episode_id, tstzrange(valid_from, valid_to)); for the current roll there are none;
//   - people in transit from the centre: transfers, filtered by from_facility_code;
//   - names: persons, one primary-key probe per person (never a hash of the whole table).
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, LegalStatus, Sex } from '../../platform/db/schema.ts';

type Db = Kysely<Database>;

export type OutKind = 'court' | 'hospital' | 'leave' | 'transit';

export interface HeldRow {
  person_id: string;
  episode_id: string;
  prisoner_number: string;
  given_names: string;
  first_surname: string;
  second_surname: string | null;
  /** The placement at the instant (for an escaped person: the one they escaped from), or null. */
  unit_id: string | null;
  cell_id: string | null;
  placed_since: Date | null;
  /** The absence at the instant, if any (escape included). */
  absence_kind: 'court' | 'hospital' | 'leave' | 'escape' | null;
  absence_since: Date | null;
  /** Departed on a transfer from this centre and not yet arrived at the instant. */
  transit_since: Date | null;
  transit_to: string | null;
}

export interface HeldDetailRow extends HeldRow {
  sex: Sex;
  date_of_birth: string | null;
  gender_identity: string | null;
  legal_status: LegalStatus | null;
  override_rule: string | null;
}

const ts = (at: Date) => sql`${at.toISOString()}::timestamptz`;

/**
 * The people the centre is responsible for at `at` (an open stay there: from_at ≤ at < to_at),
 * plus those who escaped from it and are still away at `at` (escaped people are not held, but
 * the roll shows them). Each half-open period is read as two index ranges — still open, and
 * closed after the instant — so that every condition is an index condition.
 */
function heldQuery(facilityCode: string, at: Date, opts: { unitId?: string | undefined; columns: 'bare' | 'names' | 'details' }): RawBuilder<HeldRow> {
  const t = ts(at);
  const names = opts.columns === 'bare'
    ? sql`null::text as prisoner_number, null::text as given_names, null::text as first_surname, null::text as second_surname`
    : sql`p.prisoner_number, p.given_names, p.first_surname, p.second_surname`;
  const details = opts.columns === 'details'
    ? sql`, p.sex, p.date_of_birth, p.gender_identity, ls.status as legal_status, coalesce(plo.override_rule, plc.override_rule) as override_rule`
    : sql``;
  // One primary-key probe per person held. As a plain join the planner (random_page_cost 4)
  // prefers hashing all of persons, every person ever held (152,000 at scale 1): 3x slower. The
  // OFFSET 0 keeps the subquery from being flattened back into that join.
  const personJoin =
    opts.columns === 'bare'
      ? sql``
      : sql`join lateral (select p.prisoner_number, p.given_names, p.first_surname, p.second_surname${opts.columns === 'details' ? sql`, p.sex, p.date_of_birth, p.gender_identity` : sql``}
                            from persons p where p.id = b.person_id offset 0) p on true`;
  const statusJoin = opts.columns === 'details'
    ? sql`left join lateral (
        select l.status from legal_status_periods l
         where l.episode_id = b.episode_id and l.valid_from <= ${t} and (l.valid_to is null or l.valid_to > ${t})
         order by l.valid_from desc limit 1) ls on true`
    : sql``;
  // Open placements come from placements_facility_open_idx (the centre's; a placement's centre
  // is its unit's, by foreign key) or placements_unit_idx (the one unit asked for); only people
  // whose placement at the instant has since been closed (a past roll, a transfer since, an
  // escape) need a probe of the GiST index.
  const openUnits = opts.unitId ? sql`pl.unit_id = ${opts.unitId}` : sql`pl.facility_code = ${facilityCode}`;
  const unitFilter = opts.unitId ? sql`and coalesce(plo.unit_id, plc.unit_id) = ${opts.unitId}` : sql``;
  return sql<HeldRow>`
    with ab as (
      select distinct on (x.episode_id) x.episode_id, x.person_id, x.kind, x.out_at from (
        select a.episode_id, a.person_id, a.kind, a.out_at from absences a
         where a.facility_code = ${facilityCode} and a.out_at <= ${t} and a.back_at is null
        union all
        select a.episode_id, a.person_id, a.kind, a.out_at from absences a
         where a.facility_code = ${facilityCode} and a.out_at <= ${t} and a.back_at > ${t}) x
       order by x.episode_id, x.out_at desc),
    b as (
      select s.episode_id, s.person_id from facility_stays s
       where s.facility_code = ${facilityCode} and s.from_at <= ${t} and s.to_at is null
      union all
      select s.episode_id, s.person_id from facility_stays s
       where s.facility_code = ${facilityCode} and s.from_at <= ${t} and s.to_at > ${t}
      union
      select ab.episode_id, ab.person_id from ab where ab.kind = 'escape'),
    plo as (
      select pl.episode_id, pl.unit_id, pl.cell_id, pl.valid_from, pl.override_rule from placements pl
       where ${openUnits} and pl.valid_to is null and pl.valid_from <= ${t}),
    tr as (
      select distinct on (t.episode_id) t.episode_id, t.departed_at, t.to_facility_code from transfers t
       where t.from_facility_code = ${facilityCode} and t.status in ('in_transit', 'arrived')
         and t.departed_at <= ${t} and (t.arrived_at is null or t.arrived_at > ${t})
       order by t.episode_id, t.departed_at desc)
    select b.person_id, b.episode_id, ${names},
           coalesce(plo.unit_id, plc.unit_id) as unit_id, coalesce(plo.cell_id, plc.cell_id) as cell_id,
           coalesce(plo.valid_from, plc.valid_from) as placed_since,
           ab.kind as absence_kind, ab.out_at as absence_since,
           tr.departed_at as transit_since, tr.to_facility_code as transit_to ${details}
      from b
      ${personJoin}
      left join ab on ab.episode_id = b.episode_id
      left join plo on plo.episode_id = b.episode_id
      left join lateral (
        select pl.unit_id, pl.cell_id, pl.valid_from, pl.override_rule from placements pl
         where plo.episode_id is null and pl.episode_id = b.episode_id and pl.facility_code = ${facilityCode}
           and (tstzrange(pl.valid_from, pl.valid_to) @> ${t}
                or (ab.kind = 'escape' and pl.valid_from <= ab.out_at))
         order by pl.valid_from desc limit 1) plc on true
      left join tr on tr.episode_id = b.episode_id
      ${statusJoin}
     where true ${unitFilter}`;
}

/** Everyone the centre holds (or lost by escape) at `at`, with their unit and whether they are out. */
export async function heldAt(db: Db, facilityCode: string, at: Date, opts: { unitId?: string | undefined } = {}): Promise<HeldRow[]> {
  return (await heldQuery(facilityCode, at, { ...opts, columns: 'names' }).execute(db)).rows;
}

/** The same without names (counting: who is where, who is out), which spares the persons join. */
export async function placedAt(db: Db, facilityCode: string, at: Date, opts: { unitId?: string | undefined } = {}): Promise<Omit<HeldRow, 'prisoner_number' | 'given_names' | 'first_surname' | 'second_surname'>[]> {
  return (await heldQuery(facilityCode, at, { ...opts, columns: 'bare' }).execute(db)).rows;
}

/** The same with sex, date of birth, gender identity, legal status and override (housing). */
export async function heldWithDetailsAt(db: Db, facilityCode: string, at: Date, opts: { unitId?: string | undefined } = {}): Promise<HeldDetailRow[]> {
  return (await (heldQuery(facilityCode, at, { ...opts, columns: 'details' }) as RawBuilder<HeldDetailRow>).execute(db)).rows;
}

/** The SQL text and parameters of the roll query (for EXPLAIN in the benchmarks and tests). */
export function rollQuerySql(db: Db, facilityCode: string, at: Date): { sql: string; parameters: readonly unknown[] } {
  return heldQuery(facilityCode, at, { columns: 'names' }).compile(db);
}

/** Units of a centre, in code order. */
export async function unitsOf(db: Db, facilityCode: string) {
  return db.selectFrom('units').select(['id', 'code', 'name', 'kind']).where('facility_code', '=', facilityCode).orderBy('code').execute();
}

export interface CountRow {
  id: string;
  unit_id: string;
  counted_at: Date;
  expected_present: number;
  counted: number;
  notes: string | null;
  recorded_at: Date;
  recorded_by: string;
  recorded_by_name: string;
}

/** The latest count of each unit of the centre at or before `at` (roll_counts_unit_idx per unit). */
export async function lastCounts(db: Db, facilityCode: string, at: Date): Promise<CountRow[]> {
  const t = ts(at);
  const { rows } = await sql<CountRow>`
    select c.id, u.id as unit_id, c.counted_at, c.expected_present, c.counted, c.notes, c.recorded_at, c.recorded_by, us.display_name as recorded_by_name
      from units u
      join lateral (
        select rc.* from roll_counts rc where rc.unit_id = u.id and rc.counted_at <= ${t}
         order by rc.counted_at desc, rc.recorded_at desc limit 1) c on true
      join users us on us.id = c.recorded_by
     where u.facility_code = ${facilityCode}`.execute(db);
  return rows;
}

export async function insertCount(
  db: Db,
  row: { facilityCode: string; unitId: string; countedAt: Date; expectedPresent: number; counted: number; notes: string | null; recordedBy: string },
): Promise<{ id: string; recorded_at: Date }> {
  return db
    .insertInto('roll_counts')
    .values({
      facility_code: row.facilityCode,
      unit_id: row.unitId,
      counted_at: row.countedAt,
      expected_present: row.expectedPresent,
      counted: row.counted,
      notes: row.notes,
      recorded_by: row.recordedBy,
    })
    .returning(['id', 'recorded_at'])
    .executeTakeFirstOrThrow();
}
