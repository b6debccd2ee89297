// Server-side sessions. The cookie holds a random id; the database holds only its SHA-256,
// so a leaked table cannot be replayed. A new id is issued at every sign-in (and when the
// second factor completes), and sessions expire after idle and absolute limits.
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { actorColumns, actorFromRow, type Actor } from '../access/actor.ts';

export const sessionCookie = 'custodia_sid';

export const sha256 = (v: string): string => crypto.createHash('sha256').update(v).digest('hex');
export const randomToken = (bytes = 32): string => crypto.randomBytes(bytes).toString('base64url');

export interface SessionLimits {
  idleMinutes: number;
  absoluteHours: number;
}

export interface ActiveSession {
  /** The session's user, read in the same query (one lookup per request). */
  actor: Actor;
  idHash: string;
  userId: string;
  csrfToken: string;
  stage: 'active' | 'mfa_pending';
  failedBefore: number;
  createdAt: Date;
}

export async function createSession(
  db: Kysely<Database>,
  input: { userId: string; ip: string | null; userAgent: string | null; stage: 'active' | 'mfa_pending'; failedBefore?: number },
): Promise<{ token: string; csrfToken: string; idHash: string }> {
  const token = randomToken();
  const csrfToken = randomToken();
  const idHash = sha256(token);
  const now = new Date();
  await db
    .insertInto('sessions')
    .values({
      id_hash: idHash,
      user_id: input.userId,
      csrf_token: csrfToken,
      stage: input.stage,
      failed_before: input.failedBefore ?? 0,
      created_at: now,
      last_seen_at: now,
      ip: input.ip,
      user_agent: input.userAgent?.slice(0, 300) ?? null,
    })
    .execute();
  return { token, csrfToken, idHash };
}

/** Finds a live session and notes the activity; ends it if a limit has passed. */
export async function loadSession(db: Kysely<Database>, token: string, limits: SessionLimits, now = new Date()): Promise<ActiveSession | null> {
  const idHash = sha256(token);
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id_hash', 's.user_id', 's.csrf_token', 's.stage', 's.failed_before', 's.created_at', 's.last_seen_at', ...actorColumns()])
    .where('s.id_hash', '=', idHash)
    .where('s.ended_at', 'is', null)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  const idleLimit = row.last_seen_at.getTime() + limits.idleMinutes * 60_000;
  const absoluteLimit = row.created_at.getTime() + limits.absoluteHours * 3_600_000;
  if (now.getTime() > idleLimit || now.getTime() > absoluteLimit) {
    await endSession(db, idHash, now.getTime() > absoluteLimit ? 'absolute_timeout' : 'idle_timeout');
    return null;
  }
  // Touch at most once a minute: reads stay reads.
  if (now.getTime() - row.last_seen_at.getTime() > 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }
  return { actor: actorFromRow(row, 'session'), idHash, userId: row.user_id, csrfToken: row.csrf_token, stage: row.stage, failedBefore: row.failed_before, createdAt: row.created_at };
}

export async function endSession(db: Kysely<Database>, idHash: string, reason: string): Promise<void> {
  await db.updateTable('sessions').set({ ended_at: new Date(), end_reason: reason }).where('id_hash', '=', idHash).where('ended_at', 'is', null).execute();
}

export async function endUserSessions(db: Kysely<Database>, userId: string, reason: string, exceptIdHash?: string): Promise<number> {
  let q = db.updateTable('sessions').set({ ended_at: new Date(), end_reason: reason }).where('user_id', '=', userId).where('ended_at', 'is', null);
  if (exceptIdHash) q = q.where('id_hash', '!=', exceptIdHash);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}
