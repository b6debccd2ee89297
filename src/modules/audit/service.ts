// Audit use cases: browse and filter the trail, and verify its hash chain. Browsing is itself
// audited: one entry per query (not per row), written in the transaction that reads.
import type { Kysely } from 'kysely';
import type { Settings } from '../../config.ts';
import type { Actor } from '../../platform/access/actor.ts';
import { facilityScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit, type AuditActor } from '../../platform/audit/audit.ts';
import { verifyChain, type VerifyReport } from '../../platform/audit/chain.ts';
import type { Keys } from '../../platform/audit/keys.ts';
import type { Database } from '../../platform/db/schema.ts';
import { fieldRule } from '../../platform/http/errors.ts';
import type { AuditFilters } from './filters.ts';
import * as repo from './repository.ts';

export interface Deps {
  db: Kysely<Database>;
  settings: Settings;
  keys: Keys;
}

export interface Caller {
  actor: Actor;
  audit: AuditActor;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Row = Awaited<ReturnType<typeof repo.searchAudit>>[number];

function entryBody(r: Row) {
  return {
    id: r.id,
    occurredAt: r.occurred_at.toISOString(),
    actorId: r.actor_id,
    actorName: r.actor_name,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    facilityCode: r.facility_code,
    personId: r.person_id,
    before: r.before_value ?? null,
    after: r.after_value ?? null,
    details: r.details ?? null,
    requestId: r.request_id,
    sourceIp: r.source_ip,
    sealed: r.sealed,
  };
}

export type AuditEntryBody = ReturnType<typeof entryBody>;

/** A page of entries matching the filters, newest first, and where the next page starts. */
export async function searchAudit(deps: Deps, caller: Caller, filters: AuditFilters): Promise<{ items: AuditEntryBody[]; nextBefore: number | null }> {
  requireAccess(caller.actor, 'audit.read');
  if (filters.from && filters.to && filters.from > filters.to) throw fieldRule('to', 'audit.errors.toBeforeFrom');
  return deps.db.transaction().execute(async (trx) => {
    // A user's entries are found through the actor index; 'system' and 'anonymous' by name.
    let actorId: string | undefined;
    let actorName: string | undefined;
    if (filters.actor !== undefined) {
      actorId = uuid.test(filters.actor) ? filters.actor.toLowerCase() : await repo.userIdByUsername(trx, filters.actor);
      if (actorId === undefined) actorName = filters.actor;
    }
    const prefix = filters.action?.endsWith('*') ? filters.action.slice(0, -1) : undefined;
    // One row more than asked tells whether there is a next page.
    const rows = await repo.searchAudit(trx, {
      actorId,
      actorName,
      action: prefix === undefined ? filters.action : undefined,
      actionPrefix: prefix,
      targetType: filters.targetType,
      targetId: filters.targetId,
      personId: filters.personId,
      from: filters.from,
      to: filters.to,
      timeZone: deps.settings.timeZone,
      before: filters.before,
      limit: filters.limit + 1,
      scope: facilityScope(caller.actor),
    });
    const page = rows.slice(0, filters.limit);
    const shown = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
    await recordAudit(trx, caller.audit, { action: 'audit.search', targetType: 'audit_log', details: { filters: shown, returned: page.length } });
    return { items: page.map(entryBody), nextBefore: rows.length > filters.limit ? page[page.length - 1]!.id : null };
  });
}

export interface VerificationBody {
  ok: boolean;
  sealed: number;
  unsealed: number;
  checkpoint: VerifyReport['checkpoint'];
  problem: string | null;
  checkedAt: string;
}

/** Recomputes every seal of the chain (the same check as `custodia audit verify`). */
export async function verifyAudit(deps: Deps, actor: Actor): Promise<VerificationBody> {
  requireAccess(actor, 'audit.read');
  const r = await verifyChain(deps.db, { key: deps.keys.audit, checkpointFile: deps.settings.auditCheckpointFile });
  return { ok: r.ok, sealed: r.sealed, unsealed: r.unsealed, checkpoint: r.checkpoint, problem: r.problem ?? null, checkedAt: new Date().toISOString() };
}

// The page shows the chain's status on every visit; walking a long chain each time would make
// the page slow, so a result stays shown for a minute (with the time it was checked).
const pageCacheMs = 60_000;
const recent = new WeakMap<object, { at: number; result: Promise<VerificationBody> }>();

export async function recentVerification(deps: Deps, actor: Actor): Promise<VerificationBody> {
  requireAccess(actor, 'audit.read');
  const hit = recent.get(deps.db);
  if (hit && Date.now() - hit.at < pageCacheMs) return hit.result;
  const result = verifyAudit(deps, actor);
  recent.set(deps.db, { at: Date.now(), result });
  result.catch(() => recent.delete(deps.db));
  return result;
}
