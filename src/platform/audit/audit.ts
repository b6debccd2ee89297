// Writing audit entries. Every write and every read of a person's file or a user account
// calls recordAudit inside the transaction of the thing it records, so an entry exists
// exactly when the change does.
import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export interface AuditActor {
  actorId: string | null;
  actorName: string;
  requestId?: string | undefined;
  sourceIp?: string | undefined;
}

export interface AuditEvent {
  action: string;
  targetType: string;
  targetId?: string | null | undefined;
  facilityCode?: string | null | undefined;
  personId?: string | null | undefined;
  before?: unknown;
  after?: unknown;
  details?: unknown;
}

/** Raised after each audit write so that the sealer runs soon after the commit. */
export const auditWritten = new EventEmitter();

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

export async function recordAudit(db: Kysely<Database>, actor: AuditActor, event: AuditEvent): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      occurred_at: new Date(),
      actor_id: actor.actorId,
      actor_name: actor.actorName,
      action: event.action,
      target_type: event.targetType,
      target_id: event.targetId ?? null,
      facility_code: event.facilityCode ?? null,
      person_id: event.personId ?? null,
      before_value: json(event.before),
      after_value: json(event.after),
      details: json(event.details),
      request_id: actor.requestId ?? null,
      source_ip: actor.sourceIp ?? null,
    })
    .execute();
  auditWritten.emit('written');
}

/** The actor for work the system does by itself (migrations, seeding, the sealer). */
export const systemActor: AuditActor = { actorId: null, actorName: 'system' };
