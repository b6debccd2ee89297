// SQL of the movements module: one query shape per record (joined with the person, the
// centres and the users involved), and the caller's scope as a WHERE on the record's centre(s)
// — never a filter in memory.
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

type Scope = string[] | null;

/** `column IN scope` (national: true; no centres: false). */
function scopeOn<DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, columns: string[], scope: Scope): Expression<SqlBool> {
  if (scope === null) return sql<SqlBool>`true`;
  if (!scope.length) return sql<SqlBool>`false`;
  return sql<SqlBool>`(${sql.join(columns.map((c) => sql`${sql.ref(c)} in (${sql.join(scope)})`), sql` or `)})`;
}

// ---- transfers ----

export function transfersQuery(db: Kysely<Database>, scope: Scope) {
  return db
    .selectFrom('transfers as t')
    .innerJoin('persons as p', 'p.id', 't.person_id')
    .innerJoin('facilities as ff', 'ff.code', 't.from_facility_code')
    .innerJoin('facilities as tf', 'tf.code', 't.to_facility_code')
    .innerJoin('users as ru', 'ru.id', 't.requested_by')
    .leftJoin('users as au', 'au.id', 't.authorized_by')
    .select([
      't.id',
      't.person_id',
      'p.prisoner_number',
      'p.given_names',
      'p.first_surname',
      'p.second_surname',
      'p.sex',
      't.episode_id',
      't.from_facility_code',
      'ff.name as from_facility_name',
      't.to_facility_code',
      'tf.name as to_facility_name',
      'tf.population_group as to_population_group',
      't.reason',
      't.order_id',
      't.status',
      't.requested_by',
      'ru.username as requested_by_username',
      'ru.display_name as requested_by_name',
      't.requested_at',
      't.authorized_by',
      'au.username as authorized_by_username',
      'au.display_name as authorized_by_name',
      't.authorized_at',
      't.decision_note',
      't.departed_at',
      't.arrived_at',
      't.separation_override_reason',
      't.version',
    ])
    .where((eb) => scopeOn(eb, ['t.from_facility_code', 't.to_facility_code'], scope));
}

export type TransferRow = Awaited<ReturnType<ReturnType<typeof transfersQuery>['executeTakeFirstOrThrow']>>;

// ---- absences ----

export function absencesQuery(db: Kysely<Database>, scope: Scope) {
  return db
    .selectFrom('absences as a')
    .innerJoin('persons as p', 'p.id', 'a.person_id')
    .innerJoin('facilities as f', 'f.code', 'a.facility_code')
    .leftJoin('users as ru', 'ru.id', 'a.recorded_by')
    .leftJoin('users as bu', 'bu.id', 'a.back_recorded_by')
    .select([
      'a.id',
      'a.person_id',
      'p.prisoner_number',
      'p.given_names',
      'p.first_surname',
      'p.second_surname',
      'a.episode_id',
      'a.facility_code',
      'f.name as facility_name',
      'a.kind',
      'a.destination',
      'a.reason',
      'a.order_id',
      'a.out_at',
      'a.expected_back_at',
      'a.back_at',
      'a.recorded_at',
      'a.recorded_by',
      'ru.username as recorded_by_username',
      'ru.display_name as recorded_by_name',
      'a.back_recorded_by',
      'bu.username as back_recorded_by_username',
      'bu.display_name as back_recorded_by_name',
      'a.version',
    ])
    .where((eb) => scopeOn(eb, ['a.facility_code'], scope));
}

export type AbsenceRow = Awaited<ReturnType<ReturnType<typeof absencesQuery>['executeTakeFirstOrThrow']>>;

// ---- releases ----

export function releasesQuery(db: Kysely<Database>, scope: Scope) {
  return db
    .selectFrom('releases as r')
    .innerJoin('persons as p', 'p.id', 'r.person_id')
    .innerJoin('facilities as f', 'f.code', 'r.facility_code')
    .innerJoin('users as ru', 'ru.id', 'r.recorded_by')
    .leftJoin('users as cu', 'cu.id', 'r.confirmed_by')
    .leftJoin('judicial_orders as o', 'o.id', 'r.order_id')
    .select([
      'r.id',
      'r.person_id',
      'p.prisoner_number',
      'p.given_names',
      'p.first_surname',
      'p.second_surname',
      'r.episode_id',
      'r.facility_code',
      'f.name as facility_name',
      'r.order_id',
      'o.case_number as order_case_number',
      'o.issuing_authority as order_issuing_authority',
      'o.order_date as order_date',
      'r.reason',
      'r.status',
      'r.planned_at',
      'r.recorded_by',
      'ru.username as recorded_by_username',
      'ru.display_name as recorded_by_name',
      'r.recorded_at',
      'r.confirmed_by',
      'cu.username as confirmed_by_username',
      'cu.display_name as confirmed_by_name',
      'r.confirmed_at',
      'r.property_returned',
      'r.notes',
      'r.version',
    ])
    .where((eb) => scopeOn(eb, ['r.facility_code'], scope));
}

export type ReleaseRow = Awaited<ReturnType<ReturnType<typeof releasesQuery>['executeTakeFirstOrThrow']>>;

/** Verified release orders addressed to a centre, not yet used, for this person or naming nobody yet. */
export async function releaseOrdersFor(db: Kysely<Database>, facilityCode: string, personId: string) {
  return db
    .selectFrom('judicial_orders as o')
    .select(['o.id', 'o.case_number', 'o.issuing_authority', 'o.order_date', 'o.subject_name', 'o.person_id', 'o.verified_at'])
    .where('o.facility_code', '=', facilityCode)
    .where('o.kind', '=', 'release')
    .where('o.status', '=', 'verified')
    .where((eb) => eb.or([eb('o.person_id', '=', personId), eb('o.person_id', 'is', null)]))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('custody_episodes as e').select(sql`1`.as('x')).whereRef('e.release_order_id', '=', 'o.id'))))
    .orderBy('o.verified_at', 'desc')
    .limit(100)
    .execute();
}

// ---- death cases ----

export function deathCasesQuery(db: Kysely<Database>, scope: Scope) {
  return db
    .selectFrom('death_cases as d')
    .innerJoin('persons as p', 'p.id', 'd.person_id')
    .innerJoin('facilities as f', 'f.code', 'd.facility_code')
    .innerJoin('users as ru', 'ru.id', 'd.recorded_by')
    .select([
      'd.id',
      'd.person_id',
      'p.prisoner_number',
      'p.given_names',
      'p.first_surname',
      'p.second_surname',
      'd.episode_id',
      'd.facility_code',
      'f.name as facility_name',
      'd.died_at',
      'd.place',
      'd.circumstances',
      'd.cause_category',
      'd.recorded_by',
      'ru.username as recorded_by_username',
      'ru.display_name as recorded_by_name',
      'd.recorded_at',
      'd.closed_at',
      'd.version',
    ])
    .where((eb) => scopeOn(eb, ['d.facility_code'], scope));
}

export type DeathCaseRow = Awaited<ReturnType<ReturnType<typeof deathCasesQuery>['executeTakeFirstOrThrow']>>;

export function checklistQuery(db: Kysely<Database>) {
  return db
    .selectFrom('death_checklist_items as i')
    .leftJoin('users as cu', 'cu.id', 'i.completed_by')
    .select(['i.id', 'i.case_id', 'i.item', 'i.owner_role', 'i.due_at', 'i.completed_at', 'i.completed_by', 'cu.username as completed_by_username', 'cu.display_name as completed_by_name', 'i.evidence', 'i.version']);
}

export type ChecklistRow = Awaited<ReturnType<ReturnType<typeof checklistQuery>['executeTakeFirstOrThrow']>>;

// ---- movements (the person's timeline) ----

export function movementsOf(db: Kysely<Database>, personId: string) {
  return db
    .selectFrom('movements as m')
    .leftJoin('facilities as ff', 'ff.code', 'm.from_facility_code')
    .leftJoin('facilities as tf', 'tf.code', 'm.to_facility_code')
    .leftJoin('users as u', 'u.id', 'm.recorded_by')
    .leftJoin('judicial_orders as o', 'o.id', 'm.order_id')
    .select([
      'm.id',
      'm.episode_id',
      'm.kind',
      'm.occurred_at',
      'm.recorded_at',
      'm.from_facility_code',
      'ff.name as from_facility_name',
      'm.to_facility_code',
      'tf.name as to_facility_name',
      'm.order_id',
      'o.case_number as order_case_number',
      'm.reason',
      'u.display_name as recorded_by_name',
    ])
    .where('m.person_id', '=', personId)
    .orderBy('m.occurred_at', 'desc')
    .orderBy('m.recorded_at', 'desc');
}

export type MovementRow = Awaited<ReturnType<ReturnType<typeof movementsOf>['executeTakeFirstOrThrow']>>;

/** The centres in a scope (for filters and the destination list: every centre). */
export async function facilities(db: Kysely<Database>, scope: Scope) {
  return db
    .selectFrom('facilities')
    .select(['code', 'name', 'population_group'])
    .$if(scope !== null, (qb) => qb.where((eb) => (scope!.length ? eb('code', 'in', scope!) : eb.val(false))))
    .orderBy('code')
    .execute();
}

/** The unit an arrival (or recapture) is placed in: the one named, of that centre, or its reception unit. */
export async function findUnit(db: Kysely<Database>, facilityCode: string, unitId: string | undefined) {
  const q = db.selectFrom('units').select(['id', 'code', 'name', 'kind']).where('facility_code', '=', facilityCode);
  if (unitId !== undefined) return q.where('id', '=', unitId).executeTakeFirst();
  return q.where('kind', '=', 'reception').orderBy('code').orderBy('id').limit(1).executeTakeFirst();
}

export async function unitsOf(db: Kysely<Database>, facilityCode: string) {
  return db.selectFrom('units').select(['id', 'code', 'name', 'kind']).where('facility_code', '=', facilityCode).orderBy('code').execute();
}

/** Row counts of every table a movement writes (tests prove that a refused request writes none). */
export const movementTables = [
  'transfers',
  'absences',
  'releases',
  'death_cases',
  'death_checklist_items',
  'movements',
  'placements',
  'facility_stays',
  'alerts',
  'audit_log',
] as const;

/** The verified orders about a person (the order behind a transfer or an absence, to choose from). */
export async function verifiedOrdersOf(db: Kysely<Database>, personId: string) {
  return db
    .selectFrom('judicial_orders')
    .select(['id', 'kind', 'case_number', 'issuing_authority', 'order_date'])
    .where('person_id', '=', personId)
    .where('status', '=', 'verified')
    .orderBy('order_date', 'desc')
    .limit(50)
    .execute();
}

/** The property inventory of an episode (returned on release). */
export async function propertyOf(db: Kysely<Database>, episodeId: string) {
  return db
    .selectFrom('property_items as i')
    .leftJoin('users as ru', 'ru.id', 'i.returned_by')
    .select(['i.id', 'i.description', 'i.quantity', 'i.condition', 'i.storage_location', 'i.signed_off_at', 'i.returned_at', 'ru.display_name as returned_by_name'])
    .where('i.episode_id', '=', episodeId)
    .orderBy('i.recorded_at')
    .orderBy('i.id')
    .execute();
}
