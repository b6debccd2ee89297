// The one call the movements module makes after an absence changes: hospital stays and escapes
// change the custody periods, so the person's computation is recomputed in the movement's own
// transaction (court appearances and leave do not change custody: nothing to do).
import type { Kysely } from 'kysely';
import type { AuditActor } from '../../platform/audit/audit.ts';
import type { Database } from '../../platform/db/schema.ts';
import { recomputeSentence } from './recompute.ts';

export async function recomputeAfterAbsence(
  db: Kysely<Database>,
  a: { personId: string; kind: string; cause: string; actorId: string | null; audit?: AuditActor | undefined; timeZone?: string | undefined },
): Promise<void> {
  if (a.kind !== 'hospital' && a.kind !== 'escape') return;
  await recomputeSentence(db, { personId: a.personId, cause: a.cause, actorId: a.actorId, audit: a.audit, timeZone: a.timeZone });
}
