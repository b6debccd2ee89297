// SQL of the redemption ledger: one query shape for a record (joined with the person, the
// centre and the users who certified, evaluated and decided it), the caller's scope as a WHERE
// on the person (as for every person's file) — never a filter in memory.
import type { Kysely } from 'kysely';
import type { Actor } from '../../platform/access/actor.ts';
import type { Database } from '../../platform/db/schema.ts';
import { personScopeCondition } from '../persons/scope.ts';

/** Every table a redemption write touches (tests count them to prove "nothing stored"). */
export const redemptionTables = ['redemption_records', 'audit_log'] as const;

export function recordsQuery(db: Kysely<Database>, actor: Pick<Actor, 'facilities'> | null) {
  return db
    .selectFrom('redemption_records as r')
    .innerJoin('persons as p', 'p.id', 'r.person_id')
    .innerJoin('facilities as f', 'f.code', 'r.facility_code')
    .innerJoin('users as cu', 'cu.id', 'r.certified_by')
    .leftJoin('users as eu', 'eu.id', 'r.evaluated_by')
    .leftJoin('users as du', 'du.id', 'r.decided_by')
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
      'r.activity_kind',
      'r.programme',
      'r.period_from',
      'r.period_to',
      'r.days',
      'r.hours',
      'r.status',
      'r.certified_by',
      'cu.username as certified_by_username',
      'cu.display_name as certified_by_name',
      'r.certified_at',
      'r.evaluated_by',
      'eu.username as evaluated_by_username',
      'eu.display_name as evaluated_by_name',
      'r.evaluated_at',
      'r.evaluation',
      'r.evaluation_note',
      'r.decided_by',
      'du.username as decided_by_username',
      'du.display_name as decided_by_name',
      'r.decided_at',
      'r.decision_reference',
      'r.decision_date',
      'r.decision_note',
      'r.version',
    ])
    .$if(actor !== null, (qb) => qb.where(personScopeCondition(actor!)));
}

export type RecordRow = Awaited<ReturnType<ReturnType<typeof recordsQuery>['executeTakeFirstOrThrow']>>;

/** Non-refused records of these people that share a day with [from, to] (the engine refuses overlaps). */
export async function overlapping(db: Kysely<Database>, personIds: readonly string[], from: string, to: string) {
  if (!personIds.length) return [];
  return db
    .selectFrom('redemption_records')
    .select(['id', 'person_id', 'period_from', 'period_to', 'programme'])
    .where('person_id', 'in', [...personIds])
    .where('status', '<>', 'refused')
    .where('period_from', '<=', to)
    .where('period_to', '>=', from)
    .orderBy('period_from')
    .execute();
}

/** The person's current computation (legal-time module), if any: what redemption counts in it. */
export async function currentComputation(db: Kysely<Database>, personId: string) {
  return db
    .selectFrom('sentence_computations')
    .select(['id', 'status', 'as_of', 'result', 'expiry_date', 'computed_at'])
    .where('person_id', '=', personId)
    .where('superseded_at', 'is', null)
    .executeTakeFirst();
}
