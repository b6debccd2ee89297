// The SQL of alerts: one query shape for every list and detail (joined with the type, the
// person and the users involved), the caller's scope and "addressed to the caller" as WHERE
// conditions, and the escalation step as a single UPDATE … RETURNING.
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { Actor } from '../../platform/access/actor.ts';
import type { Database } from '../../platform/db/schema.ts';

type AlertsEb = ExpressionBuilder<Database & { a: Database['alerts'] }, 'a'>;

export function alertsQuery(db: Kysely<Database>) {
  return db
    .selectFrom('alerts as a')
    .innerJoin('alert_types as t', 't.code', 'a.type_code')
    .leftJoin('persons as p', 'p.id', 'a.person_id')
    .leftJoin('users as ru', 'ru.id', 'a.raised_by')
    .leftJoin('users as au', 'au.id', 'a.acknowledged_by')
    .select([
      'a.id',
      'a.type_code',
      't.name_es',
      't.name_en',
      'a.person_id',
      'p.prisoner_number',
      'p.given_names',
      'p.first_surname',
      'p.second_surname',
      'a.facility_code',
      'a.recipient_role',
      'a.severity',
      'a.summary',
      'a.details',
      'a.raised_at',
      'a.raised_by',
      'ru.display_name as raised_by_name',
      'a.due_at',
      'a.escalation_level',
      'a.escalated_at',
      'a.acknowledged_at',
      'a.acknowledged_by',
      'au.display_name as acknowledged_by_name',
      'a.acknowledgement_note',
      'a.closed_at',
      'a.version',
    ]);
}

export type AlertRow = Awaited<ReturnType<ReturnType<typeof alertsQuery>['executeTakeFirstOrThrow']>>;

/** The caller's scope on alerts: the alert's centre is one of theirs (national: all). */
export function inScope(actor: Actor) {
  return (eb: AlertsEb): Expression<SqlBool> => {
    if (actor.facilities === null) return sql<SqlBool>`true`;
    if (actor.facilities.length === 0) return sql<SqlBool>`false`;
    return eb('a.facility_code', 'in', actor.facilities);
  };
}

/** Who an alert is addressed to, by its escalation level. Escalation widens the audience:
 * the recipient role keeps it, the centre's director (a director scoped to centres) joins at
 * level 1, headquarters (national-scope directors) at level 2 — headquarters is not flooded
 * with every centre's first-level alerts. Scope is applied separately (inScope). */
export function addressedTo(actor: Actor) {
  return (eb: AlertsEb): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [];
    if (actor.roles.length) conditions.push(eb('a.recipient_role', 'in', actor.roles));
    if (actor.roles.includes('director')) conditions.push(eb('a.escalation_level', '>=', directorLevel(actor)));
    return conditions.length ? eb.or(conditions) : sql<SqlBool>`false`;
  };
}

/** The same rule in code, for one alert already read. */
export function isAddressedTo(actor: Actor, alert: { recipient_role: string; escalation_level: number; facility_code: string | null }): boolean {
  const inScopeOk = actor.facilities === null || (alert.facility_code !== null && actor.facilities.includes(alert.facility_code));
  if (!inScopeOk) return false;
  if ((actor.roles as string[]).includes(alert.recipient_role)) return true;
  return actor.roles.includes('director') && alert.escalation_level >= directorLevel(actor);
}

/** A centre's director joins at level 1; a national (headquarters) director at level 2. */
function directorLevel(actor: Actor): number {
  return actor.facilities === null ? 2 : 1;
}

/** Most urgent first: severity, then the due time. */
export const severityRank = sql<number>`case a.severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end`;

/**
 * Moves every unacknowledged alert past its due time up one level, with a new due time (the
 * type's hours from now). One statement over the open-alerts index; a row already moved has
 * a due time after `now`, so a second run at the same instant (or a concurrent one, which
 * re-checks the row after the first commits) changes nothing.
 */
export function escalateDue(db: Kysely<Database>, now: Date) {
  return sql<{ id: string; type_code: string; facility_code: string | null; person_id: string | null; escalation_level: number; due_at: Date; version: number }>`
    update alerts as a
       set escalation_level = a.escalation_level + 1,
           escalated_at = ${now}::timestamptz,
           due_at = ${now}::timestamptz + make_interval(hours => t.acknowledge_within_hours),
           version = a.version + 1
      from alert_types as t
     where t.code = a.type_code
       and a.acknowledged_at is null
       and a.closed_at is null
       and a.due_at <= ${now}::timestamptz
       and a.escalation_level < 2
    returning a.id, a.type_code, a.facility_code, a.person_id, a.escalation_level, a.due_at, a.version`.execute(db);
}

const escalationLockKey = '7306711153360384001'; // arbitrary, fixed: "alerts escalation"

/** A transaction-scoped lock that only one escalation run holds at a time (released at commit). */
export async function tryEscalationLock(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${escalationLockKey}::bigint) as locked`.execute(db);
  return rows[0]?.locked === true;
}

/** The trail of an alert, from the audit entries written with each change. */
export function trailRows(db: Kysely<Database>, alertId: string) {
  return db
    .selectFrom('audit_log as l')
    .leftJoin('users as u', 'u.id', 'l.actor_id')
    .select(['l.action', 'l.occurred_at', 'l.actor_name', 'u.display_name', 'l.after_value'])
    .where('l.target_type', '=', 'alert')
    .where('l.target_id', '=', alertId)
    .where('l.action', 'in', ['alert.raised', 'alert.escalated', 'alert.acknowledged', 'alert.closed'])
    .orderBy('l.id')
    .execute();
}
