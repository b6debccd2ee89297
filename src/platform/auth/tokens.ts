// API tokens for partner systems and scripts. Shown once at creation; stored as SHA-256
// (they are long random values, so a fast hash is enough and keeps every API call cheap).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { randomToken, sha256 } from './sessions.ts';
import { actorColumns, actorFromRow, type Actor } from '../access/actor.ts';

export const tokenPrefix = 'cst_';

export async function createApiToken(
  db: Kysely<Database>,
  input: { userId: string; label: string; createdBy: string | null },
): Promise<{ id: string; token: string }> {
  const token = tokenPrefix + randomToken(32);
  const row = await db
    .insertInto('api_tokens')
    .values({ user_id: input.userId, label: input.label, token_hash: sha256(token), token_prefix: token.slice(0, 10), created_by: input.createdBy })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

/** The user behind a live token, or null (unknown, revoked, or user disabled). */
export async function findTokenUser(db: Kysely<Database>, token: string): Promise<{ tokenId: string; userId: string } | null> {
  const found = await findTokenActor(db, token);
  return found ? { tokenId: found.tokenId, userId: found.actor.userId } : null;
}

/** The token's actor in one query (every API call with a token makes it). */
export async function findTokenActor(db: Kysely<Database>, token: string): Promise<{ tokenId: string; actor: Actor } | null> {
  if (!token.startsWith(tokenPrefix) || token.length > 100) return null;
  const row = await db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select([...actorColumns(), 't.id as token_id', 't.last_used_at'])
    .where('t.token_hash', '=', sha256(token))
    .where('t.revoked_at', 'is', null)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  // Noted at most once a minute: reads stay reads.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', row.token_id).execute();
  }
  return { tokenId: row.token_id, actor: actorFromRow(row, 'token') };
}
