// SQL for housing: a person's custody as a move needs it (open episode, the centre's open stay,
// the open placement, an open absence, a transfer under way), the cells of a centre with their
// capacity on a date, and writing a move (close the open placement, open the new one).
// Who occupies what is the roll's query (../roll/repository.ts): one definition of "held".
import { sql, type Kysely } from 'kysely';
import type { CapacitySource, Database, LegalStatus, Sex, UnitKind } from '../../platform/db/schema.ts';

type Db = Kysely<Database>;

export interface CustodyRow {
  id: string;
  prisoner_number: string;
  given_names: string;
  first_surname: string;
  second_surname: string | null;
  sex: Sex;
  date_of_birth: string | null;
  gender_identity: string | null;
  custody_status: string;
  episode_id: string | null;
  admitted_at: Date | null;
  stay_facility_code: string | null;
  stay_from: Date | null;
  population_group: 'men' | 'women' | 'mixed' | null;
  facility_name: string | null;
  placement_id: string | null;
  unit_id: string | null;
  unit_code: string | null;
  unit_name: string | null;
  unit_kind: UnitKind | null;
  cell_id: string | null;
  cell_code: string | null;
  placed_since: Date | null;
  override_rule: string | null;
  override_reason: string | null;
  absence_kind: 'court' | 'hospital' | 'leave' | 'escape' | null;
  absence_since: Date | null;
  transfer_in_transit: boolean;
}

/** The person with their open episode, the centre holding them and where they sleep now. */
export async function custodyOf(db: Db, personId: string, now: Date): Promise<CustodyRow | undefined> {
  const t = sql`${now.toISOString()}::timestamptz`;
  const { rows } = await sql<CustodyRow>`
    select p.id, p.prisoner_number, p.given_names, p.first_surname, p.second_surname, p.sex, p.date_of_birth, p.gender_identity, p.custody_status,
           e.id as episode_id, e.admitted_at,
           s.facility_code as stay_facility_code, s.from_at as stay_from, f.population_group, f.name as facility_name,
           pl.id as placement_id, pl.unit_id, u.code as unit_code, u.name as unit_name, u.kind as unit_kind,
           pl.cell_id, c.code as cell_code, pl.valid_from as placed_since, pl.override_rule, pl.override_reason,
           ab.kind as absence_kind, ab.out_at as absence_since,
           exists (select 1 from transfers tr where tr.episode_id = e.id and tr.status = 'in_transit') as transfer_in_transit
      from persons p
      left join custody_episodes e on e.person_id = p.id and e.released_at is null
      left join facility_stays s on s.episode_id = e.id and s.to_at is null
      left join facilities f on f.code = s.facility_code
      left join placements pl on pl.episode_id = e.id and pl.valid_to is null
      left join units u on u.id = pl.unit_id
      left join cells c on c.id = pl.cell_id
      left join lateral (
        select a.kind, a.out_at from absences a
         where a.episode_id = e.id and a.out_at <= ${t} and a.back_at is null
         order by a.out_at desc limit 1) ab on true
     where p.id = ${personId}`.execute(db);
  return rows[0];
}

/** The legal status in force in an episode at an instant (the exclusion constraint leaves at most one). */
export async function legalStatusAt(db: Db, episodeId: string, at: Date): Promise<LegalStatus | null> {
  const row = await db
    .selectFrom('legal_status_periods')
    .select('status')
    .where('episode_id', '=', episodeId)
    .where('valid_from', '<=', at)
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', at)]))
    .orderBy('valid_from', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.status ?? null;
}

export async function findUnit(db: Db, unitId: string) {
  return db
    .selectFrom('units as u')
    .innerJoin('facilities as f', 'f.code', 'u.facility_code')
    .select(['u.id', 'u.code', 'u.name', 'u.kind', 'u.facility_code', 'f.name as facility_name', 'f.population_group'])
    .where('u.id', '=', unitId)
    .executeTakeFirst();
}

export async function findCell(db: Db, cellId: string) {
  return db.selectFrom('cells').select(['id', 'code', 'unit_id']).where('id', '=', cellId).executeTakeFirst();
}

export async function findCellByCode(db: Db, unitId: string, code: string) {
  return db.selectFrom('cells').select(['id', 'code', 'unit_id']).where('unit_id', '=', unitId).where('code', '=', code).executeTakeFirst();
}

export interface CellRow {
  id: string;
  unit_id: string;
  code: string;
  capacity: number | null;
  capacity_source: CapacitySource | null;
}

/**
 * Every cell of a centre (or of one unit) with the capacity in force on `date`: the entry with
 * the latest effective_from on or before it (ties: the latest recorded), as in facilities.
 */
export async function cellsWithCapacity(db: Db, facilityCode: string, date: string, unitId?: string): Promise<CellRow[]> {
  return db
    .selectFrom('cells as ce')
    .innerJoin('units as u', 'u.id', 'ce.unit_id')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('capacity_history as c')
          .select(['c.capacity', 'c.source as capacity_source'])
          .where('c.facility_code', '=', facilityCode)
          .whereRef('c.unit_id', '=', 'ce.unit_id')
          .whereRef('c.cell_id', '=', 'ce.id')
          .where('c.effective_from', '<=', date)
          .orderBy('c.effective_from', 'desc')
          .orderBy('c.recorded_at', 'desc')
          .orderBy('c.id', 'desc')
          .limit(1)
          .as('cap'),
      (join) => join.onTrue(),
    )
    .select(['ce.id', 'ce.unit_id', 'ce.code', 'cap.capacity', 'cap.capacity_source'])
    .where('u.facility_code', '=', facilityCode)
    .$if(unitId !== undefined, (qb) => qb.where('ce.unit_id', '=', unitId!))
    .orderBy('ce.code')
    .execute();
}

/** Closes the open placement at `at` and opens the new one from `at` (the caller's transaction). */
export async function movePlacement(
  db: Db,
  move: {
    episodeId: string;
    currentPlacementId: string | null;
    facilityCode: string;
    unitId: string;
    cellId: string | null;
    at: Date;
    reason: string;
    recordedBy: string;
    override: { rule: string; reason: string; by: string } | null;
  },
): Promise<{ id: string; recorded_at: Date }> {
  if (move.currentPlacementId) {
    await db.updateTable('placements').set({ valid_to: move.at }).where('id', '=', move.currentPlacementId).where('valid_to', 'is', null).execute();
  }
  return db
    .insertInto('placements')
    .values({
      episode_id: move.episodeId,
      facility_code: move.facilityCode,
      unit_id: move.unitId,
      cell_id: move.cellId,
      valid_from: move.at,
      reason: move.reason,
      recorded_by: move.recordedBy,
      override_rule: move.override?.rule ?? null,
      override_reason: move.override?.reason ?? null,
      override_by: move.override?.by ?? null,
    })
    .returning(['id', 'recorded_at'])
    .executeTakeFirstOrThrow();
}
