// The SQL of release control. Every list starts from the CURRENT stored computation
// (superseded_at IS NULL) with the literal conditions of the partial indexes of migration 004
// (status 'sentenced' on expiry_date / two_thirds_date, status 'pretrial' on
// pretrial_alert_date), joined with the open custody episode and the person holding the scope
// column (persons.location_facility_code). Nothing is recomputed here: the dates are the
// engine's, as legal-time stored them.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

/** Centres to filter on: null = every centre (national scope). */
export type Scope = string[] | null;

const personColumns = ['p.id as person_id', 'p.prisoner_number', 'p.given_names', 'p.first_surname', 'p.second_surname', 'p.location_facility_code'] as const;

/**
 * Days in provisional detention on `today`: the stored result's pretrialDays (custody days up
 * to the computation date) plus the days since, while the custody period is still open (the
 * engine's convention: an open period continues).
 */
export function pretrialDaysSql(today: string) {
  return sql<number>`(coalesce((c.result->>'pretrialDays')::int, (${today}::date - c.start_date) + 1)
    + case when coalesce((c.result->>'inCustody')::boolean, true) then greatest(0, ${today}::date - c.as_of) else 0 end)`;
}

// ---- pretrial ----

function pretrialBase(db: Kysely<Database>) {
  return db
    .selectFrom('sentence_computations as c')
    .innerJoin('custody_episodes as e', 'e.id', 'c.episode_id')
    .innerJoin('persons as p', 'p.id', 'c.person_id')
    .where('c.superseded_at', 'is', null)
    .where('c.status', '=', 'pretrial')
    .where('e.released_at', 'is', null);
}

/**
 * The custody episodes held at one centre now (their open stay: facility_stays_open_idx),
 * materialized, so that a centre's wide lists probe each person's current computation (the
 * unique partial index on person_id) instead of scanning every centre's computations. The
 * person's name is joined after the page is cut.
 */
function heldAt(db: Kysely<Database>, facilityCode: string) {
  return db.with(
    (cte) => cte('held').materialized(),
    (qb) =>
      qb
        .selectFrom('facility_stays as s')
        .innerJoin('custody_episodes as e', 'e.id', 's.episode_id')
        .select(['e.id as episode_id', 'e.person_id'])
        .where('s.facility_code', '=', facilityCode)
        .where('s.to_at', 'is', null)
        .where('e.released_at', 'is', null),
  );
}

export async function pretrialPage(db: Kysely<Database>, facilityCode: string, today: string, limit: number, offset: number) {
  const days = pretrialDaysSql(today);
  const base = heldAt(db, facilityCode)
    .selectFrom('held as h')
    .innerJoin('sentence_computations as c', (j) => j.onRef('c.person_id', '=', 'h.person_id').onRef('c.episode_id', '=', 'h.episode_id'))
    .where('c.superseded_at', 'is', null)
    .where('c.status', '=', 'pretrial');
  const page = await base
    .select(['c.id as computation_id', 'c.person_id', 'c.episode_id', 'c.start_date', 'c.as_of', 'c.pretrial_alert_date', 'c.rule_set_id', days.as('days')])
    .orderBy(days, 'desc')
    .orderBy('c.person_id')
    .limit(limit)
    .offset(offset)
    .execute();
  const names = page.length
    ? await db.selectFrom('persons as p').select(personColumns).where('p.id', 'in', page.map((r) => r.person_id)).execute()
    : [];
  const rows = page.map((r) => ({ ...names.find((n) => n.person_id === r.person_id)!, ...r }));
  const total = await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

/** People held at the centre whose open episode has no stored computation at all (nothing to list them by). */
export async function heldWithoutComputation(db: Kysely<Database>, facilityCode: string): Promise<number> {
  const r = await heldAt(db, facilityCode)
    .selectFrom('held as h')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('sentence_computations as c').select(sql`1`.as('x')).whereRef('c.person_id', '=', 'h.person_id').whereRef('c.episode_id', '=', 'h.episode_id').where('c.superseded_at', 'is', null))),
    )
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Every current pretrial computation of an open episode whose alert date has come (the daily control). */
export function pretrialReached(db: Kysely<Database>, today: string) {
  return pretrialBase(db)
    .select([
      'c.id as computation_id',
      'c.person_id',
      'c.episode_id',
      'c.pretrial_alert_date',
      'c.rule_set_id',
      'p.location_facility_code',
      'p.prisoner_number',
      pretrialDaysSql(today).as('days'),
      sql<string[]>`array(select n.key from release_control_notices n where n.episode_id = c.episode_id and n.kind = 'pretrial_limit')`.as('notified'),
    ])
    .where('c.pretrial_alert_date', '<=', today)
    .execute();
}

// ---- cases ----

export interface CaseRow {
  id: string;
  episode_id: string;
  case_number: string;
  authority_kind: 'court' | 'prosecutor';
  authority_name: string;
  stage: string;
  /** The case has a verified sentence order. */
  sentenced: boolean;
}

/** The open criminal cases of these episodes (closed_on IS NULL: criminal_cases_open_idx), oldest first. */
export async function openCasesOfEpisodes(db: Kysely<Database>, episodeIds: string[]): Promise<CaseRow[]> {
  if (!episodeIds.length) return [];
  return db
    .selectFrom('criminal_cases as k')
    .select([
      'k.id',
      'k.episode_id',
      'k.case_number',
      'k.authority_kind',
      'k.authority_name',
      'k.stage',
      sql<boolean>`exists (select 1 from sentence_orders s join judicial_orders j on j.id = s.order_id where s.case_id = k.id and j.status = 'verified')`.as('sentenced'),
    ])
    .where('k.episode_id', 'in', episodeIds)
    .where('k.closed_on', 'is', null)
    .orderBy('k.opened_at')
    .orderBy('k.id')
    .execute();
}

// ---- sentenced: due, soon, overdue, two thirds ----

const sentencedColumns = [
  ...personColumns,
  'c.id as computation_id',
  'c.episode_id',
  'c.as_of',
  'c.start_date',
  'c.one_third_date',
  'c.two_thirds_date',
  'c.expiry_date',
  'c.rule_set_id',
  'c.computed_at',
  'c.confirmed_by',
  'cu.display_name as confirmed_by_name',
  'c.confirmed_at',
  'r.id as pending_release_id',
] as const;

/** Narrow date ranges (overdue, due, soon) start from the partial index on expiry_date. */
function sentencedBase(db: Kysely<Database>, scope: Scope) {
  return db
    .selectFrom('sentence_computations as c')
    .innerJoin('custody_episodes as e', 'e.id', 'c.episode_id')
    .innerJoin('persons as p', 'p.id', 'c.person_id')
    .leftJoin('users as cu', 'cu.id', 'c.confirmed_by')
    .leftJoin('releases as r', (j) => j.onRef('r.episode_id', '=', 'e.id').on('r.status', '=', 'recorded'))
    .select(sentencedColumns)
    .where('c.superseded_at', 'is', null)
    .where('c.status', '=', 'sentenced')
    .where('e.released_at', 'is', null)
    .$if(scope !== null, (qb) => qb.where('p.location_facility_code', 'in', scope!.length ? scope! : ['']));
}

export type SentencedRow = Awaited<ReturnType<ReturnType<typeof sentencedBase>['execute']>>[number];

/** Held past the end date (the red list): expiry_date < today, episode open. */
export function overdueRows(db: Kysely<Database>, scope: Scope, today: string) {
  return sentencedBase(db, scope).where('c.expiry_date', '<', today).orderBy('c.expiry_date').orderBy('p.prisoner_number').execute();
}

/** End date between `from` and `to` (both included). */
export function expiringRows(db: Kysely<Database>, scope: Scope, from: string, to: string) {
  return sentencedBase(db, scope).where('c.expiry_date', '>=', from).where('c.expiry_date', '<=', to).orderBy('c.expiry_date').orderBy('p.prisoner_number').execute();
}

/** Reached (or about to reach, up to `until`) two thirds and still serving, at one centre: the Junta Técnica's agenda. */
export async function twoThirdsPage(db: Kysely<Database>, facilityCode: string, today: string, until: string, limit: number, offset: number) {
  const base = heldAt(db, facilityCode)
    .selectFrom('held as h')
    .innerJoin('sentence_computations as c', (j) => j.onRef('c.person_id', '=', 'h.person_id').onRef('c.episode_id', '=', 'h.episode_id'))
    .where('c.superseded_at', 'is', null)
    .where('c.status', '=', 'sentenced')
    .where('c.two_thirds_date', '<=', until)
    .where('c.expiry_date', '>=', today);
  const page = await base.select(['c.id', 'c.two_thirds_date']).orderBy('c.two_thirds_date').orderBy('c.id').limit(limit).offset(offset).execute();
  const details = page.length ? await sentencedBase(db, null).where('c.id', 'in', page.map((r) => r.id)).execute() : [];
  const rows = page.map((r) => details.find((d) => d.computation_id === r.id)!).filter(Boolean);
  const total = await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

/** The latest explanation of each computation. */
export async function explanationsOf(db: Kysely<Database>, computationIds: string[]) {
  if (!computationIds.length) return [];
  return db
    .selectFrom('overdue_explanations as x')
    .innerJoin('users as u', 'u.id', 'x.explained_by')
    .select(['x.id', 'x.computation_id', 'x.explanation', 'x.explained_by', 'u.display_name as explained_by_name', 'x.explained_at'])
    .where('x.computation_id', 'in', computationIds)
    .orderBy('x.explained_at', 'desc')
    .execute();
}

/** Open (not closed) alerts of a type about these persons. */
export async function openAlertsOf(db: Kysely<Database>, typeCode: string, personIds: string[]) {
  if (!personIds.length) return [];
  return db
    .selectFrom('alerts')
    .select(['id', 'person_id', 'acknowledged_at'])
    .where('person_id', 'in', personIds)
    .where('closed_at', 'is', null)
    .where('type_code', '=', typeCode)
    .execute();
}

/** Every open alert of the control's own types (the daily sweep closes those whose cause is gone). */
export function openControlAlerts(db: Kysely<Database>) {
  return db
    .selectFrom('alerts as a')
    .leftJoin('custody_episodes as e', (j) => j.onRef('e.person_id', '=', 'a.person_id').on('e.released_at', 'is', null))
    .select(['a.id', 'a.type_code', 'a.person_id', 'e.id as open_episode_id'])
    .where('a.closed_at', 'is', null)
    .where('a.type_code', 'in', ['release_overdue', 'release_due', 'pretrial_limit'])
    .execute();
}

// ---- one person ----

/** The person's current computation (whatever its status), or undefined. */
export function currentComputation(db: Kysely<Database>, personId: string, opts: { lock?: boolean } = {}) {
  let q = db
    .selectFrom('sentence_computations as c')
    .leftJoin('users as cu', 'cu.id', 'c.confirmed_by')
    .select([
      'c.id',
      'c.person_id',
      'c.episode_id',
      'c.status',
      'c.as_of',
      'c.rule_set_id',
      'c.start_date',
      'c.one_third_date',
      'c.two_thirds_date',
      'c.expiry_date',
      'c.pretrial_alert_date',
      'c.cause',
      'c.computed_at',
      'c.computed_by',
      'c.confirmed_by',
      'cu.display_name as confirmed_by_name',
      'c.confirmed_at',
      sql<number | null>`(c.result->>'pretrialDays')::int`.as('pretrial_days'),
      sql<boolean | null>`(c.result->>'inCustody')::boolean`.as('in_custody'),
    ])
    .where('c.person_id', '=', personId)
    .where('c.superseded_at', 'is', null);
  if (opts.lock) q = q.forUpdate('c');
  return q.executeTakeFirst();
}

export type ComputationRow = NonNullable<Awaited<ReturnType<typeof currentComputation>>>;

/**
 * The users who registered or verified a sentence order of the person (in this episode's
 * cases, or addressed to the person): none of them may confirm the computation that rests on it.
 */
export async function sentenceOrderSignatories(db: Kysely<Database>, personId: string, episodeId: string): Promise<Set<string>> {
  // Two indexed branches (the person's orders; the orders of the episode's cases) rather than
  // one OR across a join, which no index serves: that read every sentence order in the country.
  const rows = await db
    .selectFrom('judicial_orders as j')
    .select(['j.registered_by', 'j.verified_by'])
    .where('j.person_id', '=', personId)
    .where('j.kind', '=', 'sentence')
    .where('j.status', '<>', 'rejected')
    .unionAll(
      db
        .selectFrom('criminal_cases as k')
        .innerJoin('sentence_orders as s', 's.case_id', 'k.id')
        .innerJoin('judicial_orders as j', 'j.id', 's.order_id')
        .select(['j.registered_by', 'j.verified_by'])
        .where('k.person_id', '=', personId)
        .where('k.episode_id', '=', episodeId)
        .where('j.status', '<>', 'rejected'),
    )
    .execute();
  const out = new Set<string>();
  for (const r of rows) {
    out.add(r.registered_by);
    if (r.verified_by) out.add(r.verified_by);
  }
  return out;
}

export function openEpisodeOf(db: Kysely<Database>, personId: string) {
  return db.selectFrom('custody_episodes').select(['id', 'facility_code', 'arrested_at', 'admitted_at']).where('person_id', '=', personId).where('released_at', 'is', null).executeTakeFirst();
}

export function facility(db: Kysely<Database>, code: string) {
  return db.selectFrom('facilities').select(['code', 'name']).where('code', '=', code).executeTakeFirst();
}

export function facilities(db: Kysely<Database>, scope: Scope) {
  return db
    .selectFrom('facilities')
    .select(['code', 'name'])
    .$if(scope !== null, (qb) => qb.where('code', 'in', scope!.length ? scope! : ['']))
    .orderBy('code')
    .execute();
}
