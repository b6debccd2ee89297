// SQL of the cases module: the offence catalogue, criminal cases with their charges, and court
// hearings. Scope is always a WHERE clause on the person (persons/scope.ts), never a filter in
// memory.
import { sql, type Kysely } from 'kysely';
import type { Actor } from '../../platform/access/actor.ts';
import type { Database } from '../../platform/db/schema.ts';
import { personScopeCondition } from '../persons/scope.ts';

// ---- offences ----

export function offencesQuery(db: Kysely<Database>) {
  return db.selectFrom('offences as o').select(['o.code', 'o.article', 'o.name_es', 'o.name_en', 'o.category', 'o.active', 'o.updated_at', 'o.version']);
}

export type OffenceRow = Awaited<ReturnType<ReturnType<typeof offencesQuery>['executeTakeFirstOrThrow']>>;

// ---- cases ----

/** Cases with their person and who opened them; `actor` limits them to the people the actor reaches (null: no limit). */
export function casesQuery(db: Kysely<Database>, actor: Pick<Actor, 'facilities'> | null) {
  return db
    .selectFrom('criminal_cases as k')
    .innerJoin('persons as p', 'p.id', 'k.person_id')
    .innerJoin('custody_episodes as e', 'e.id', 'k.episode_id')
    .leftJoin('users as ou', 'ou.id', 'k.opened_by')
    .$if(actor !== null, (qb) => qb.where(personScopeCondition(actor!)))
    .select([
      'k.id',
      'k.person_id',
      'k.episode_id',
      'k.authority_kind',
      'k.authority_name',
      'k.case_number',
      'k.judge_name',
      'k.defence_kind',
      'k.defence_name',
      'k.stage',
      'k.closed_on',
      'k.closure_reason',
      'k.closure_order_id',
      'k.opened_at',
      'k.opened_by',
      'k.version',
      'p.prisoner_number',
      'p.given_names',
      'p.first_surname',
      'p.second_surname',
      'p.location_facility_code',
      'e.released_at as episode_released_at',
      'e.admitted_at as episode_admitted_at',
      'ou.username as opened_by_username',
      'ou.display_name as opened_by_name',
    ]);
}

export type CaseRow = Awaited<ReturnType<ReturnType<typeof casesQuery>['executeTakeFirstOrThrow']>>;

export function chargesOf(db: Kysely<Database>, caseIds: string[]) {
  return db
    .selectFrom('case_charges as c')
    .innerJoin('offences as o', 'o.code', 'c.offence_code')
    .leftJoin('users as au', 'au.id', 'c.added_by')
    .leftJoin('users as wu', 'wu.id', 'c.withdrawn_by')
    .select([
      'c.id',
      'c.case_id',
      'c.offence_code',
      'c.counts',
      'c.attempted',
      'c.notes',
      'c.added_at',
      'c.added_by',
      'c.withdrawn_at',
      'c.withdrawn_by',
      'o.article',
      'o.name_es',
      'o.name_en',
      'o.category',
      'au.username as added_by_username',
      'au.display_name as added_by_name',
      'wu.username as withdrawn_by_username',
      'wu.display_name as withdrawn_by_name',
    ])
    .where('c.case_id', 'in', caseIds.length ? caseIds : ['00000000-0000-0000-0000-000000000000'])
    .orderBy('c.added_at')
    .orderBy('c.id')
    .execute();
}

export type ChargeRow = Awaited<ReturnType<typeof chargesOf>>[number];

// ---- hearings ----

/**
 * The person is held today: custody open (in custody or in transit), the case's episode is the
 * open one, and not escaped. Hearings of anyone else leave the lists.
 */
export const heldSql = sql<boolean>`(p.custody_status in ('in_custody', 'in_transit') and e.released_at is null
  and not exists (select 1 from absences x where x.episode_id = e.id and x.kind = 'escape' and x.back_at is null))`;

export function hearingsQuery(db: Kysely<Database>, actor: Pick<Actor, 'facilities'> | null) {
  return db
    .selectFrom('court_hearings as h')
    .innerJoin('criminal_cases as k', 'k.id', 'h.case_id')
    .innerJoin('persons as p', 'p.id', 'h.person_id')
    .innerJoin('custody_episodes as e', 'e.id', 'k.episode_id')
    .leftJoin('absences as a', 'a.id', 'h.absence_id')
    .leftJoin('users as cu', 'cu.id', 'h.created_by')
    .$if(actor !== null, (qb) => qb.where(personScopeCondition(actor!)))
    .select([
      'h.id',
      'h.case_id',
      'h.person_id',
      'h.scheduled_at',
      'h.court',
      'h.purpose',
      'h.status',
      'h.absence_id',
      'h.outcome',
      'h.created_at',
      'h.created_by',
      'h.version',
      'k.case_number',
      'k.episode_id',
      'k.closed_on',
      'p.prisoner_number',
      'p.given_names',
      'p.first_surname',
      'p.second_surname',
      'p.location_facility_code',
      'a.out_at',
      'a.back_at',
      'cu.username as created_by_username',
      'cu.display_name as created_by_name',
      heldSql.as('held'),
    ]);
}

export type HearingRow = Awaited<ReturnType<ReturnType<typeof hearingsQuery>['executeTakeFirstOrThrow']>>;

/** Every table a case or hearing use case writes (tests compare their row counts). */
export const caseTables = ['offences', 'criminal_cases', 'case_charges', 'court_hearings', 'absences', 'movements', 'audit_log'] as const;
