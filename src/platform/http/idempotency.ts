// Idempotency-Key: a create request repeated with the same key returns the first response
// and creates nothing new. The key row is inserted in the same transaction as the record, so
// a crash leaves either both or neither; a concurrent duplicate waits on the key's unique
// index and then replays the stored response.
import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { canonicalJson } from '../audit/chain.ts';
import { AppError, badRequest } from './errors.ts';

const keyPattern = /^[\x21-\x7e]{1,200}$/;

export async function idempotent<T>(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  run: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  const db: Kysely<Database> = req.server.state.db;
  const header = req.headers['idempotency-key'];
  reply.code(status);
  if (header === undefined || !req.actor) return db.transaction().execute(run);
  if (typeof header !== 'string' || !keyPattern.test(header)) throw badRequest('errors.idempotencyKey', [{ path: 'Idempotency-Key', key: 'errors.idempotencyKey' }]);
  const actorId = req.actor.userId;
  const route = req.routeOptions.url ?? req.url;
  const requestHash = crypto.createHash('sha256').update(`${req.method} ${req.url}\n${canonicalJson(req.body ?? null)}`).digest('hex');
  const outcome = await db.transaction().execute(async (trx) => {
    const claimed = await trx
      .insertInto('idempotency_keys')
      .values({ actor_id: actorId, key: header, method: req.method, route, request_hash: requestHash, status_code: status, response_body: null })
      .onConflict((oc) => oc.doNothing())
      .returning('key')
      .executeTakeFirst();
    if (!claimed) return { replay: true as const };
    const result = await run(trx);
    await trx
      .updateTable('idempotency_keys')
      .set({ response_body: JSON.stringify(result ?? null) })
      .where('actor_id', '=', actorId)
      .where('key', '=', header)
      .execute();
    return { replay: false as const, result };
  });
  if (!outcome.replay) return outcome.result;
  const first = await db.selectFrom('idempotency_keys').selectAll().where('actor_id', '=', actorId).where('key', '=', header).executeTakeFirstOrThrow();
  if (first.request_hash !== requestHash) throw new AppError(422, 'idempotency_key_reused', 'errors.idempotencyReused');
  reply.code(first.status_code).header('idempotent-replayed', 'true');
  return first.response_body as T;
}

/** Updates that must not overwrite a newer version: 0 rows updated means someone else saved first. */
export function versionConflict(): AppError {
  return new AppError(409, 'version_conflict', 'errors.versionConflict');
}

export { sql };
