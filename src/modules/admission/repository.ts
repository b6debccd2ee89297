// SQL of the admission module: drafts, the centre and its reception unit, and the commitment
// orders a draft can use. Scope is always a WHERE on the facility code.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

export function draftsQuery(db: Kysely<Database>, scope: string[] | null) {
  return db
    .selectFrom('admission_drafts as d')
    .innerJoin('users as u', 'u.id', 'd.created_by')
    .innerJoin('facilities as f', 'f.code', 'd.facility_code')
    .select(['d.id', 'd.facility_code', 'f.name as facility_name', 'd.data', 'd.created_by', 'u.display_name as created_by_name', 'd.created_at', 'd.updated_at', 'd.completed_episode_id', 'd.discarded_at', 'd.version'])
    .$if(scope !== null, (qb) => qb.where((eb) => (scope!.length ? eb('d.facility_code', 'in', scope!) : eb.val(false))));
}

export type DraftRow = Awaited<ReturnType<ReturnType<typeof draftsQuery>['executeTakeFirstOrThrow']>>;

export async function findDraft(db: Kysely<Database>, scope: string[] | null, id: string, opts: { lock?: boolean } = {}): Promise<DraftRow | undefined> {
  const q = draftsQuery(db, scope).where('d.id', '=', id);
  return (opts.lock ? q.forUpdate('d') : q).executeTakeFirst();
}

/** Open drafts (neither completed nor discarded), most recently saved first. */
export async function listOpenDrafts(db: Kysely<Database>, scope: string[] | null, facility: string | undefined, limit = 200): Promise<DraftRow[]> {
  return draftsQuery(db, scope)
    .where('d.completed_episode_id', 'is', null)
    .where('d.discarded_at', 'is', null)
    .$if(facility !== undefined, (qb) => qb.where('d.facility_code', '=', facility!))
    .orderBy('d.updated_at', 'desc')
    .orderBy('d.id')
    .limit(limit)
    .execute();
}

/** A centre the caller reaches (undefined when unknown or outside the scope: both answer 404). */
export async function findFacility(db: Kysely<Database>, scope: string[] | null, code: string) {
  return db
    .selectFrom('facilities')
    .select(['code', 'name', 'population_group'])
    .where('code', '=', code)
    .$if(scope !== null, (qb) => qb.where((eb) => (scope!.length ? eb('code', 'in', scope!) : eb.val(false))))
    .executeTakeFirst();
}

export async function facilitiesInScope(db: Kysely<Database>, scope: string[] | null) {
  return db
    .selectFrom('facilities')
    .select(['code', 'name'])
    .$if(scope !== null, (qb) => qb.where((eb) => (scope!.length ? eb('code', 'in', scope!) : eb.val(false))))
    .orderBy('code')
    .execute();
}

/** The unit a new admission is placed in: the one named (of that centre), or its reception unit. */
export async function findUnit(db: Kysely<Database>, facilityCode: string, unitId: string | undefined) {
  const q = db.selectFrom('units').select(['id', 'code', 'name', 'kind']).where('facility_code', '=', facilityCode);
  if (unitId !== undefined) return q.where('id', '=', unitId).executeTakeFirst();
  return q.where('kind', '=', 'reception').orderBy('code').orderBy('id').limit(1).executeTakeFirst();
}

/**
 * Commitment orders addressed to a centre that an admission could use or is waiting for:
 * verified and not yet used, or registered and awaiting verification. Rejected and used orders
 * are left out. Newest first.
 */
export async function commitmentOrdersFor(db: Kysely<Database>, facilityCode: string, limit = 100) {
  return db
    .selectFrom('judicial_orders as o')
    .innerJoin('users as ru', 'ru.id', 'o.registered_by')
    .select(['o.id', 'o.status', 'o.authority_kind', 'o.issuing_authority', 'o.case_number', 'o.order_date', 'o.subject_name', 'o.legal_status', 'o.registered_at', 'o.registered_by', 'ru.display_name as registered_by_name'])
    .where('o.facility_code', '=', facilityCode)
    .where('o.kind', '=', 'commitment')
    .where('o.status', 'in', ['verified', 'registered'])
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('custody_episodes as e').select(sql`1`.as('x')).whereRef('e.admission_order_id', '=', 'o.id'))))
    .orderBy('o.registered_at', 'desc')
    .orderBy('o.id')
    .limit(limit)
    .execute();
}

export async function findOrderSummary(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('judicial_orders as o')
    .select(['o.id', 'o.kind', 'o.status', 'o.facility_code', 'o.authority_kind', 'o.issuing_authority', 'o.case_number', 'o.order_date', 'o.subject_name', 'o.legal_status', 'o.person_id', 'o.registered_by'])
    .where('o.id', '=', id)
    .executeTakeFirst();
}

/** Row counts of every table an admission writes (tests prove a refused admission writes none). */
export const admissionTables = [
  'persons',
  'person_documents',
  'person_aliases',
  'person_contacts',
  'person_children',
  'health_declarations',
  'custody_episodes',
  'legal_status_periods',
  'placements',
  'movements',
  'facility_stays',
  'property_items',
  'alerts',
  'stored_files',
  'judicial_orders',
  'criminal_cases',
  'sentence_computations',
] as const;
