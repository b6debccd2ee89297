// SQL for browsing the audit trail. Each filter maps onto an index of audit_log: actor →
// (actor_id, occurred_at), target → (target_type, target_id), person → (person_id), dates →
// (occurred_at); pages are keyset on the primary key (id < before), newest first, so a deep
// page costs the same as the first.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';

export interface AuditSearch {
  actorId?: string | undefined;
  /** For entries without a user account behind them ('system', 'anonymous'). */
  actorName?: string | undefined;
  action?: string | undefined;
  actionPrefix?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  personId?: string | undefined;
  /** Calendar days in `timeZone`, both inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  timeZone: string;
  before?: number | undefined;
  limit: number;
  /** null = national scope; otherwise only entries about these centres. */
  scope: string[] | null;
}

const likePrefix = (s: string) => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function searchAudit(db: Kysely<Database>, q: AuditSearch) {
  return db
    .selectFrom('audit_log as a')
    .leftJoin('audit_chain as c', 'c.entry_id', 'a.id')
    .selectAll('a')
    .select(sql<boolean>`c.seq IS NOT NULL`.as('sealed'))
    .$if(q.actorId !== undefined, (qb) => qb.where('a.actor_id', '=', q.actorId!))
    .$if(q.actorName !== undefined, (qb) => qb.where('a.actor_name', '=', q.actorName!))
    .$if(q.action !== undefined, (qb) => qb.where('a.action', '=', q.action!))
    .$if(q.actionPrefix !== undefined, (qb) => qb.where('a.action', 'like', likePrefix(q.actionPrefix!)))
    .$if(q.targetType !== undefined, (qb) => qb.where('a.target_type', '=', q.targetType!))
    .$if(q.targetId !== undefined, (qb) => qb.where('a.target_id', '=', q.targetId!))
    .$if(q.personId !== undefined, (qb) => qb.where('a.person_id', '=', q.personId!))
    // Midnight where the centres are, as an instant: the day boundaries people mean.
    .$if(q.from !== undefined, (qb) => qb.where('a.occurred_at', '>=', sql<Date>`(${q.from}::date)::timestamp AT TIME ZONE ${q.timeZone}::text`))
    .$if(q.to !== undefined, (qb) => qb.where('a.occurred_at', '<', sql<Date>`(${q.to}::date + 1)::timestamp AT TIME ZONE ${q.timeZone}::text`))
    .$if(q.before !== undefined, (qb) => qb.where('a.id', '<', q.before!))
    .$if(q.scope !== null, (qb) => qb.where((eb) => (q.scope!.length ? eb('a.facility_code', 'in', q.scope!) : eb.val(false))))
    .orderBy('a.id', 'desc')
    .limit(q.limit)
    .execute();
}

/** The id of a user by username, to search by actor through the (actor_id, occurred_at) index. */
export async function userIdByUsername(db: Kysely<Database>, username: string): Promise<string | undefined> {
  return (await db.selectFrom('users').select('id').where('username', '=', username.toLowerCase()).executeTakeFirst())?.id;
}
