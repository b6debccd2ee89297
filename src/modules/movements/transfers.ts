// Transfers between centres. Sold transfers have happened in Panama (2016, 2025), so a transfer
// is requested by one officer and authorized by a *different* one (the CHECK on transfers backs
// it), then the departure and the arrival are recorded. In between the person is in transit:
// never in two centres or in none — the origin's facility stay stays open until the arrival is
// recorded, so the person counts where they left. Each step is audited in its transaction.
import { sql, type Kysely } from 'kysely';
import { facilityScope, inScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { Database, TransferStatus } from '../../platform/db/schema.ts';
import { AppError, fieldRule, notFound } from '../../platform/http/errors.ts';
import { versionConflict } from '../../platform/http/idempotency.ts';
import { translator } from '../../platform/i18n/i18n.ts';
import { raiseAlert } from '../alerts/service.ts';
import {
  checkTimeline,
  clean,
  iso,
  inTransaction,
  instantOf,
  lockCustody,
  personRef,
  requiredText,
  requirePresent,
  timelineBounds,
  userRef,
  uuidPattern,
  type Caller,
  type Deps,
  type PersonRef,
  type UserRef,
} from './common.ts';
import * as repo from './repository.ts';
import { limits, sexSeparationConflict, type PopulationGroup } from './rules.ts';

/** Alert summaries are written in the system's default language. */
const systemT = translator('es');
const auditTarget = 'transfer';
export const activeTransferStatuses: readonly TransferStatus[] = ['requested', 'authorized', 'in_transit'];

export interface TransferView {
  id: string;
  personId: string;
  person: PersonRef;
  episodeId: string;
  fromFacilityCode: string;
  fromFacilityName: string;
  toFacilityCode: string;
  toFacilityName: string;
  reason: string;
  orderId: string | null;
  status: TransferStatus;
  requestedBy: UserRef;
  requestedAt: string;
  authorizedBy: UserRef | null;
  authorizedAt: string | null;
  refusedBy: UserRef | null;
  refusedAt: string | null;
  decisionNote: string | null;
  departedAt: string | null;
  arrivedAt: string | null;
  separationOverrideReason: string | null;
  version: number;
}

function toView(r: repo.TransferRow): TransferView {
  const decider = userRef(r.authorized_by, r.authorized_by_username, r.authorized_by_name);
  const refused = r.status === 'refused';
  return {
    id: r.id,
    personId: r.person_id,
    person: personRef(r),
    episodeId: r.episode_id,
    fromFacilityCode: r.from_facility_code,
    fromFacilityName: r.from_facility_name,
    toFacilityCode: r.to_facility_code,
    toFacilityName: r.to_facility_name,
    reason: r.reason,
    orderId: r.order_id,
    status: r.status,
    requestedBy: userRef(r.requested_by, r.requested_by_username, r.requested_by_name)!,
    requestedAt: r.requested_at.toISOString(),
    authorizedBy: refused ? null : decider,
    authorizedAt: refused ? null : iso(r.authorized_at),
    refusedBy: refused ? decider : null,
    refusedAt: refused ? iso(r.authorized_at) : null,
    decisionNote: r.decision_note,
    departedAt: iso(r.departed_at),
    arrivedAt: iso(r.arrived_at),
    separationOverrideReason: r.separation_override_reason,
    version: r.version,
  };
}

const auditView = (t: TransferView) => ({
  personId: t.personId,
  from: t.fromFacilityCode,
  to: t.toFacilityCode,
  reason: t.reason,
  orderId: t.orderId,
  status: t.status,
  separationOverrideReason: t.separationOverrideReason,
  version: t.version,
});

/** A transfer the caller reaches (origin or destination in scope), or 404. */
async function loadTransfer(db: Kysely<Database>, scope: string[] | null, id: string, opts: { lock?: boolean } = {}): Promise<TransferView> {
  if (!uuidPattern.test(id)) throw notFound();
  if (opts.lock) await db.selectFrom('transfers').select('id').where('id', '=', id).forUpdate().execute();
  const row = await repo.transfersQuery(db, scope).where('t.id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  return toView(row);
}

// ---- reading ----

export interface TransferFilter {
  facility?: string | undefined;
  status?: string | undefined;
  personId?: string | undefined;
  limit?: number | undefined;
}

const statuses: readonly TransferStatus[] = ['requested', 'authorized', 'refused', 'cancelled', 'in_transit', 'arrived'];

/** Transfers from or to the caller's centres, newest first; one audit entry for the query. */
export async function listTransfers(deps: Deps, caller: Caller, filter: TransferFilter): Promise<{ items: TransferView[] }> {
  requireAccess(caller.actor, 'person.read');
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 500);
  const status = filter.status && (statuses as readonly string[]).includes(filter.status) ? (filter.status as TransferStatus) : undefined;
  const facility = filter.facility || undefined;
  const personId = filter.personId && uuidPattern.test(filter.personId) ? filter.personId : undefined;
  return inTransaction(deps.db, async (trx) => {
    const rows = await repo
      .transfersQuery(trx, facilityScope(caller.actor))
      .$if(facility !== undefined, (qb) => qb.where((eb) => eb.or([eb('t.from_facility_code', '=', facility!), eb('t.to_facility_code', '=', facility!)])))
      .$if(status !== undefined, (qb) => qb.where('t.status', '=', status!))
      .$if(personId !== undefined, (qb) => qb.where('t.person_id', '=', personId!))
      .orderBy('t.requested_at', 'desc')
      .orderBy('t.id')
      .limit(limit)
      .execute();
    await recordAudit(trx, caller.audit, {
      action: 'transfer.list',
      targetType: auditTarget,
      facilityCode: facility ?? null,
      personId: personId ?? null,
      details: { facility: facility ?? null, status: status ?? null, personId: personId ?? null, limit, returned: rows.length },
    });
    return { items: rows.map(toView) };
  });
}

export interface TrailEntry {
  action: string;
  at: string;
  actor: string;
  note: string | null;
}

/** One transfer with its trail (the audit entries of each step); the read is audited. */
export async function getTransfer(deps: Deps, caller: Caller, id: string): Promise<TransferView & { trail: TrailEntry[] }> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    const t = await loadTransfer(trx, facilityScope(caller.actor), id);
    const trail = await trx
      .selectFrom('audit_log as l')
      .leftJoin('users as u', 'u.id', 'l.actor_id')
      .select(['l.action', 'l.occurred_at', 'l.actor_name', 'u.display_name', 'l.after_value'])
      .where('l.target_type', '=', auditTarget)
      .where('l.target_id', '=', id)
      .where('l.action', 'not in', ['transfer.read', 'transfer.list'])
      .orderBy('l.id')
      .execute();
    await recordAudit(trx, caller.audit, { action: 'transfer.read', targetType: auditTarget, targetId: id, facilityCode: t.fromFacilityCode, personId: t.personId });
    return {
      ...t,
      trail: trail.map((l) => {
        const after = (l.after_value ?? {}) as { note?: unknown };
        return { action: l.action.replace(/^transfer\./, ''), at: l.occurred_at.toISOString(), actor: l.display_name ?? l.actor_name, note: typeof after.note === 'string' ? after.note : null };
      }),
    };
  });
}

// ---- requesting ----

export interface NewTransfer {
  personId: string;
  toFacilityCode: string;
  reason: string;
  orderId?: string | null | undefined;
  separationOverride?: { reason: string } | null | undefined;
}

/**
 * Requests a transfer of a person held (present: not in transit, not out, not escaped) in a
 * centre of the caller's scope to a different centre. A destination for the other sex is
 * refused (422 toFacilityCode) unless a user holding housing.override records the override
 * with its reason. One active transfer per custody episode (unique index → 409).
 */
export async function requestTransfer(deps: Deps, caller: Caller, input: NewTransfer): Promise<TransferView> {
  requireAccess(caller.actor, 'custody.move');
  const reason = requiredText(input.reason, 'reason', limits.reason);
  const toCode = clean(input.toFacilityCode);
  const overrideReason = input.separationOverride ? requiredText(input.separationOverride.reason, 'separationOverride.reason', limits.reason) : null;
  if (overrideReason && !caller.actor.permissions.has('housing.override')) {
    throw new AppError(403, 'forbidden', 'movements.errors.overrideNotAllowed', {}, [{ path: 'separationOverride', key: 'movements.errors.overrideNotAllowed' }]);
  }
  return inTransaction(deps.db, async (trx) => {
    const state = await lockCustody(trx, caller.actor, input.personId, { bodyPath: 'personId' });
    const held = requirePresent(state, 'personId');
    if (!inScope(caller.actor, held.location)) throw fieldRule('personId', 'movements.errors.personNotFound');

    const destination = toCode ? await trx.selectFrom('facilities').select(['code', 'name', 'population_group']).where('code', '=', toCode).executeTakeFirst() : undefined;
    if (!destination) throw fieldRule('toFacilityCode', 'movements.errors.unknownFacility');
    if (destination.code === held.location) throw fieldRule('toFacilityCode', 'movements.errors.sameFacility');
    const conflict = sexSeparationConflict(state.person.sex, destination.population_group as PopulationGroup);
    if (conflict && !overrideReason) throw fieldRule('toFacilityCode', `movements.errors.separation.${destination.population_group}`);

    const orderId = clean(input.orderId) || null;
    if (orderId) await requireOrderBehind(trx, orderId, state.person.id, 'orderId');

    const active = await trx.selectFrom('transfers').select('id').where('episode_id', '=', held.id).where('status', 'in', activeTransferStatuses).executeTakeFirst();
    if (active) throw activeTransfer();
    // A release waiting for its confirmation is settled (confirmed or cancelled) first.
    const release = await trx.selectFrom('releases').select('id').where('episode_id', '=', held.id).where('status', '=', 'recorded').executeTakeFirst();
    if (release) throw fieldRule('personId', 'movements.errors.releasePendingNoTransfer');
    const row = await trx
      .insertInto('transfers')
      .values({
        person_id: state.person.id,
        episode_id: held.id,
        from_facility_code: held.location,
        to_facility_code: destination.code,
        reason,
        order_id: orderId,
        requested_by: caller.actor.userId,
        separation_override_reason: conflict ? overrideReason : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
      .catch((e: unknown) => {
        if ((e as { code?: string }).code === '23505') throw activeTransfer();
        throw e;
      });
    const view = await loadTransfer(trx, null, row.id);
    await recordAudit(trx, caller.audit, {
      action: 'transfer.requested',
      targetType: auditTarget,
      targetId: view.id,
      facilityCode: view.fromFacilityCode,
      personId: view.personId,
      after: { ...auditView(view), note: reason },
    });
    // An override of the separation of men and women is reported to the destination's director.
    if (conflict && overrideReason) {
      await raiseAlert(
        trx,
        {
          typeCode: 'separation_override',
          personId: view.personId,
          facilityCode: destination.code,
          summary: systemT('movements.alerts.transferOverride', { number: view.person.prisonerNumber, from: view.fromFacilityName, to: view.toFacilityName }),
          details: { transferId: view.id, rule: 'sex', reason: overrideReason, by: caller.actor.username },
          raisedBy: caller.actor.userId,
        },
        caller.audit,
      );
    }
    return view;
  });
}

function activeTransfer(): AppError {
  return new AppError(409, 'transfer_active', 'movements.errors.transferActive', {}, [{ path: 'personId', key: 'movements.errors.transferActive' }]);
}

/** The order or decision behind a movement: it must exist, not be rejected, and concern this person (or name nobody yet). */
export async function requireOrderBehind(db: Kysely<Database>, orderId: string, personId: string, path: string): Promise<void> {
  const order = uuidPattern.test(orderId) ? await db.selectFrom('judicial_orders').select(['id', 'status', 'person_id']).where('id', '=', orderId).executeTakeFirst() : undefined;
  if (!order) throw fieldRule(path, 'movements.errors.orderNotFound');
  if (order.status !== 'verified') throw fieldRule(path, 'movements.errors.orderNotVerified');
  if (order.person_id && order.person_id !== personId) throw fieldRule(path, 'movements.errors.orderOtherPerson');
}

// ---- deciding: authorize, refuse, cancel ----

async function decide(deps: Deps, caller: Caller, id: string, input: { note: string; version: number }, outcome: 'authorized' | 'refused'): Promise<TransferView> {
  requireAccess(caller.actor, 'transfer.authorize');
  const note = requiredText(input.note, 'note', limits.note);
  return inTransaction(deps.db, async (trx) => {
    const before = await loadTransfer(trx, facilityScope(caller.actor), id, { lock: true });
    // The sending centre's authority (or headquarters) decides.
    if (!inScope(caller.actor, before.fromFacilityCode)) throw new AppError(403, 'forbidden', 'movements.errors.notAtOrigin');
    // Four eyes: never the officer who asked for it.
    if (before.requestedBy.id === caller.actor.userId) throw fieldRule('authorizedBy', 'movements.errors.sameOfficerTransfer');
    if (before.status !== 'requested') throw new AppError(409, 'transfer_state', 'movements.errors.transferState', { status: before.status });
    if (before.version !== input.version) throw versionConflict();
    const r = await trx
      .updateTable('transfers')
      .set({ status: outcome, authorized_by: caller.actor.userId, authorized_at: new Date(), decision_note: note, version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', input.version)
      .where('status', '=', 'requested')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw versionConflict();
    const after = await loadTransfer(trx, null, id);
    await recordAudit(trx, caller.audit, {
      action: `transfer.${outcome}`,
      targetType: auditTarget,
      targetId: id,
      facilityCode: after.fromFacilityCode,
      personId: after.personId,
      before: { status: before.status, version: before.version },
      after: { status: after.status, decidedBy: caller.actor.userId, note, version: after.version },
    });
    return after;
  });
}

/** Authorizes a requested transfer: a user holding transfer.authorize other than the requester (422 authorizedBy). */
export const authorizeTransfer = (deps: Deps, caller: Caller, id: string, input: { note: string; version: number }) => decide(deps, caller, id, input, 'authorized');

/** Refuses a requested transfer, with the reason; like authorization, a second officer's decision. */
export const refuseTransfer = (deps: Deps, caller: Caller, id: string, input: { note: string; version: number }) => decide(deps, caller, id, input, 'refused');

/** Cancels a transfer that has not left yet (requested or authorized), with the reason. */
export async function cancelTransfer(deps: Deps, caller: Caller, id: string, input: { reason: string; version?: number | undefined }): Promise<TransferView> {
  requireAccess(caller.actor, 'custody.move');
  const reason = requiredText(input.reason, 'reason', limits.reason);
  return inTransaction(deps.db, async (trx) => {
    const before = await loadTransfer(trx, facilityScope(caller.actor), id, { lock: true });
    if (!inScope(caller.actor, before.fromFacilityCode)) throw new AppError(403, 'forbidden', 'movements.errors.notAtOrigin');
    if (before.status !== 'requested' && before.status !== 'authorized') throw new AppError(409, 'transfer_state', 'movements.errors.transferState', { status: before.status });
    if (input.version !== undefined && before.version !== input.version) throw versionConflict();
    await trx.updateTable('transfers').set({ status: 'cancelled', version: sql`version + 1` }).where('id', '=', id).execute();
    const after = await loadTransfer(trx, null, id);
    await recordAudit(trx, caller.audit, {
      action: 'transfer.cancelled',
      targetType: auditTarget,
      targetId: id,
      facilityCode: after.fromFacilityCode,
      personId: after.personId,
      before: { status: before.status, version: before.version },
      after: { status: 'cancelled', note: reason, version: after.version },
    });
    return after;
  });
}

// ---- departure and arrival ----

/**
 * The person leaves the origin: the transfer is in transit, the person's status too (with the
 * destination as transit centre, so both centres reach the file), the placement closes and
 * the transfer_out movement is written. The origin's facility stay stays open until arrival.
 */
export async function departTransfer(deps: Deps, caller: Caller, id: string, input: { at?: string | undefined; version?: number | undefined }): Promise<TransferView> {
  requireAccess(caller.actor, 'custody.move');
  const now = new Date();
  const at = instantOf(input.at, 'at', now);
  return inTransaction(deps.db, async (trx) => {
    const peek = await loadTransfer(trx, facilityScope(caller.actor), id);
    if (!inScope(caller.actor, peek.fromFacilityCode)) throw new AppError(403, 'forbidden', 'movements.errors.notAtOrigin');
    const state = await lockCustody(trx, caller.actor, peek.personId);
    const before = await loadTransfer(trx, null, id, { lock: true });
    if (before.status === 'requested') throw fieldRule('status', 'movements.errors.notAuthorized');
    if (before.status !== 'authorized') throw new AppError(409, 'transfer_state', 'movements.errors.transferState', { status: before.status });
    if (input.version !== undefined && before.version !== input.version) throw versionConflict();
    const held = requirePresent(state, 'personId');
    if (held.id !== before.episodeId || held.location !== before.fromFacilityCode) throw new AppError(409, 'transfer_state', 'movements.errors.transferStale');
    checkTimeline(at, now, await timelineBounds(trx, held.id), 'at');

    await trx.updateTable('transfers').set({ status: 'in_transit', departed_at: at, version: sql`version + 1` }).where('id', '=', id).execute();
    await trx.updateTable('placements').set({ valid_to: at }).where('episode_id', '=', held.id).where('valid_to', 'is', null).execute();
    await trx
      .insertInto('movements')
      .values({ episode_id: held.id, person_id: before.personId, kind: 'transfer_out', occurred_at: at, from_facility_code: before.fromFacilityCode, to_facility_code: before.toFacilityCode, order_id: before.orderId, reason: before.reason, recorded_by: caller.actor.userId })
      .execute();
    await trx
      .updateTable('persons')
      .set({ custody_status: 'in_transit', transit_facility_code: before.toFacilityCode, updated_at: now, version: sql`version + 1` })
      .where('id', '=', before.personId)
      .execute();
    const after = await loadTransfer(trx, null, id);
    await recordAudit(trx, caller.audit, {
      action: 'transfer.departed',
      targetType: auditTarget,
      targetId: id,
      facilityCode: after.fromFacilityCode,
      personId: after.personId,
      before: { status: before.status, version: before.version },
      after: { status: after.status, departedAt: at.toISOString(), version: after.version },
    });
    return after;
  });
}

/**
 * The person arrives: recorded by a user of the destination. At the arrival time the origin's
 * facility stay closes and the destination's opens, a placement opens in the destination's
 * reception unit (or the unit named), the transfer_in movement is written, and the person and
 * the episode are at the destination.
 */
export async function arriveTransfer(deps: Deps, caller: Caller, id: string, input: { at?: string | undefined; unitId?: string | undefined; version?: number | undefined }): Promise<TransferView> {
  requireAccess(caller.actor, 'custody.move');
  const now = new Date();
  const at = instantOf(input.at, 'at', now);
  return inTransaction(deps.db, async (trx) => {
    const peek = await loadTransfer(trx, facilityScope(caller.actor), id);
    if (!inScope(caller.actor, peek.toFacilityCode)) throw new AppError(403, 'forbidden', 'movements.errors.notAtDestination');
    if (peek.status !== 'in_transit') throw new AppError(409, 'transfer_state', 'movements.errors.transferState', { status: peek.status });
    const state = await lockCustody(trx, caller.actor, peek.personId);
    const before = await loadTransfer(trx, null, id, { lock: true });
    if (before.status !== 'in_transit') throw new AppError(409, 'transfer_state', 'movements.errors.transferState', { status: before.status });
    if (input.version !== undefined && before.version !== input.version) throw versionConflict();
    const episode = state.episode;
    if (!episode || episode.id !== before.episodeId || state.person.custody_status !== 'in_transit') throw new AppError(409, 'transfer_state', 'movements.errors.transferStale');
    checkTimeline(at, now, await timelineBounds(trx, episode.id), 'at');
    const unitId = clean(input.unitId) || undefined;
    const unit = unitId === undefined || uuidPattern.test(unitId) ? await repo.findUnit(trx, before.toFacilityCode, unitId) : undefined;
    if (!unit) throw fieldRule('unitId', unitId ? 'movements.errors.unitUnknown' : 'movements.errors.noReceptionUnit');

    await trx.updateTable('transfers').set({ status: 'arrived', arrived_at: at, version: sql`version + 1` }).where('id', '=', id).execute();
    await trx.updateTable('facility_stays').set({ to_at: at }).where('episode_id', '=', episode.id).where('to_at', 'is', null).execute();
    await trx.insertInto('facility_stays').values({ episode_id: episode.id, person_id: before.personId, facility_code: before.toFacilityCode, from_at: at, recorded_by: caller.actor.userId }).execute();
    // A placement that overrides the separation of men and women carries the authorized override.
    const override = before.separationOverrideReason ? { override_rule: 'sex', override_reason: before.separationOverrideReason, override_by: before.requestedBy.id } : {};
    await trx
      .insertInto('placements')
      .values({ episode_id: episode.id, facility_code: before.toFacilityCode, unit_id: unit.id, valid_from: at, reason: 'transfer', recorded_by: caller.actor.userId, ...override })
      .execute();
    await trx
      .insertInto('movements')
      .values({ episode_id: episode.id, person_id: before.personId, kind: 'transfer_in', occurred_at: at, from_facility_code: before.fromFacilityCode, to_facility_code: before.toFacilityCode, order_id: before.orderId, reason: before.reason, recorded_by: caller.actor.userId })
      .execute();
    await trx.updateTable('custody_episodes').set({ facility_code: before.toFacilityCode, version: sql`version + 1` }).where('id', '=', episode.id).execute();
    await trx
      .updateTable('persons')
      .set({ custody_status: 'in_custody', location_facility_code: before.toFacilityCode, transit_facility_code: null, updated_at: now, version: sql`version + 1` })
      .where('id', '=', before.personId)
      .execute();
    const after = await loadTransfer(trx, null, id);
    await recordAudit(trx, caller.audit, {
      action: 'transfer.arrived',
      targetType: auditTarget,
      targetId: id,
      facilityCode: after.toFacilityCode,
      personId: after.personId,
      before: { status: before.status, version: before.version },
      after: { status: after.status, arrivedAt: at.toISOString(), unitId: unit.id, version: after.version },
    });
    return after;
  });
}

/** The active transfer of a person (requested, authorized or in transit), if the caller reaches it. */
export async function activeTransferOf(db: Kysely<Database>, caller: Caller, personId: string): Promise<TransferView | null> {
  const row = await repo.transfersQuery(db, facilityScope(caller.actor)).where('t.person_id', '=', personId).where('t.status', 'in', activeTransferStatuses).executeTakeFirst();
  return row ? toView(row) : null;
}

/** Cancels a person's active transfer inside the caller's transaction (a death ends it), audited. */
export async function cancelActiveTransfer(db: Kysely<Database>, caller: Caller, episodeId: string, note: string): Promise<string | null> {
  const row = await db.selectFrom('transfers').select(['id', 'status', 'version', 'from_facility_code', 'person_id']).where('episode_id', '=', episodeId).where('status', 'in', activeTransferStatuses).forUpdate().executeTakeFirst();
  if (!row) return null;
  await db.updateTable('transfers').set({ status: 'cancelled', version: sql`version + 1` }).where('id', '=', row.id).execute();
  await recordAudit(db, caller.audit, {
    action: 'transfer.cancelled',
    targetType: auditTarget,
    targetId: row.id,
    facilityCode: row.from_facility_code,
    personId: row.person_id,
    before: { status: row.status, version: row.version },
    after: { status: 'cancelled', note, version: row.version + 1 },
  });
  return row.id;
}

