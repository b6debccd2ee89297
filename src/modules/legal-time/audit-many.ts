// Many audit entries in one statement, for the run that recomputes everyone (a rule change can
// move thousands of dates at once). Each entry is exactly what recordAudit would write — same
// columns, same JSON text — in the caller's transaction; the sealer chains them after commit.
import { sql, type Kysely } from 'kysely';
import { auditWritten, recordAudit, type AuditActor, type AuditEvent } from '../../platform/audit/audit.ts';
import type { Database } from '../../platform/db/schema.ts';

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

export async function recordAuditMany(db: Kysely<Database>, actor: AuditActor, events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (events.length === 1) return recordAudit(db, actor, events[0]!);
  const now = new Date();
  for (let i = 0; i < events.length; i += 5000) {
    const rows = events.slice(i, i + 5000).map((e) => [e.action, e.targetType, e.targetId ?? null, e.facilityCode ?? null, e.personId ?? null, json(e.before), json(e.after), json(e.details)]);
    await sql`insert into audit_log (occurred_at, actor_id, actor_name, action, target_type, target_id, facility_code, person_id, before_value, after_value, details, request_id, source_ip)
      select ${now}, ${actor.actorId}::uuid, ${actor.actorName}, r->>0, r->>1, r->>2, r->>3, (r->>4)::uuid, (r->>5)::jsonb, (r->>6)::jsonb, (r->>7)::jsonb, ${actor.requestId ?? null}, ${actor.sourceIp ?? null}
      from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) r`.execute(db);
  }
  auditWritten.emit('written');
}
