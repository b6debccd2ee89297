// Releases (excarcelación). Forged release orders freed people in 2016 ("Operación
// Reclusión"), so a release rests on a verified release order (boleta de libertad) addressed
// to the person's centre, is recorded by one officer and confirmed by a *different* one
// before the person leaves (the CHECK on releases backs it). Until the confirmation the person
// is still in custody. The confirmation returns the property (signed off by the confirming
// officer) and ends custody in one transaction.
//
// Legal control (release-control/gate.ts), checked when the release is recorded and again when
// it is confirmed: no criminal case may still hold the person (each open case of the episode is
// the release order's — closed by the release — or fully served; otherwise 422 naming the
// case), and a release for sentence served rests on the current computation, ending on or
// before the release date and confirmed by a second legal user, plus — where the control rule
// set says so (default yes) — a verified release order.
import { sql, type Kysely } from 'kysely';
import { facilityScope, inScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { Database, ReleaseReason } from '../../platform/db/schema.ts';
import { AppError, fieldRule, notFound } from '../../platform/http/errors.ts';
import { versionConflict } from '../../platform/http/idempotency.ts';
import { translator } from '../../platform/i18n/i18n.ts';
import { dateIn } from '../../platform/time.ts';
import { closeAlertsOf } from '../alerts/service.ts';
import { requireVerifiedOrder, type OrderRecord } from '../orders/service.ts';
import { checkRelease, closeReleasedCases, releaseOrderRequired, type GateOrder } from '../release-control/gate.ts';
import { releaseCheckIn, type ReleaseCheck } from '../release-control/service.ts';
import {
  checkTimeline,
  clean,
  endCustody,
  inTransaction,
  instantOf,
  iso,
  lockCustody,
  optionalText,
  personRef,
  requireHeld,
  timelineBounds,
  userRef,
  uuidPattern,
  type Caller,
  type Deps,
  type PersonRef,
  type UserRef,
} from './common.ts';
import * as repo from './repository.ts';
import { limits } from './rules.ts';
import { activeTransferStatuses } from './transfers.ts';

const systemT = translator('es');
const auditTarget = 'release';
export const releaseReasons: readonly ReleaseReason[] = ['court_order', 'sentence_served', 'conditional_release', 'bail', 'transfer_abroad', 'other'];

export interface ReleaseView {
  id: string;
  personId: string;
  person: PersonRef;
  episodeId: string;
  facilityCode: string;
  facilityName: string;
  orderId: string | null;
  order: { caseNumber: string; issuingAuthority: string; orderDate: string } | null;
  reason: ReleaseReason;
  status: 'recorded' | 'confirmed' | 'cancelled';
  plannedAt: string;
  recordedBy: UserRef;
  recordedAt: string;
  confirmedBy: UserRef | null;
  confirmedAt: string | null;
  propertyReturned: boolean;
  notes: string | null;
  version: number;
}

function toView(r: repo.ReleaseRow): ReleaseView {
  return {
    id: r.id,
    personId: r.person_id,
    person: personRef(r),
    episodeId: r.episode_id,
    facilityCode: r.facility_code,
    facilityName: r.facility_name,
    orderId: r.order_id,
    order: r.order_id && r.order_case_number ? { caseNumber: r.order_case_number, issuingAuthority: r.order_issuing_authority ?? '', orderDate: r.order_date ?? '' } : null,
    reason: r.reason,
    status: r.status,
    plannedAt: r.planned_at.toISOString(),
    recordedBy: userRef(r.recorded_by, r.recorded_by_username, r.recorded_by_name)!,
    recordedAt: r.recorded_at.toISOString(),
    confirmedBy: userRef(r.confirmed_by, r.confirmed_by_username, r.confirmed_by_name),
    confirmedAt: iso(r.confirmed_at),
    propertyReturned: r.property_returned,
    notes: r.notes,
    version: r.version,
  };
}

const auditView = (r: ReleaseView) => ({ personId: r.personId, facilityCode: r.facilityCode, orderId: r.orderId, reason: r.reason, status: r.status, plannedAt: r.plannedAt, notes: r.notes, version: r.version });

async function loadRelease(db: Kysely<Database>, scope: string[] | null, id: string, opts: { lock?: boolean } = {}): Promise<ReleaseView> {
  if (!uuidPattern.test(id)) throw notFound();
  if (opts.lock) await db.selectFrom('releases').select('id').where('id', '=', id).forUpdate().execute();
  const row = await repo.releasesQuery(db, scope).where('r.id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  return toView(row);
}

// ---- reading ----

export interface ReleaseFilter {
  facility?: string | undefined;
  status?: string | undefined;
  personId?: string | undefined;
  limit?: number | undefined;
}

/** Releases at the caller's centres, newest first; one audit entry for the query. */
export async function listReleases(deps: Deps, caller: Caller, filter: ReleaseFilter): Promise<{ items: ReleaseView[] }> {
  requireAccess(caller.actor, 'person.read');
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 500);
  const facility = filter.facility || undefined;
  const status = filter.status && ['recorded', 'confirmed', 'cancelled'].includes(filter.status) ? (filter.status as 'recorded') : undefined;
  const personId = filter.personId && uuidPattern.test(filter.personId) ? filter.personId : undefined;
  return inTransaction(deps.db, async (trx) => {
    const rows = await repo
      .releasesQuery(trx, facilityScope(caller.actor))
      .$if(facility !== undefined, (qb) => qb.where('r.facility_code', '=', facility!))
      .$if(status !== undefined, (qb) => qb.where('r.status', '=', status!))
      .$if(personId !== undefined, (qb) => qb.where('r.person_id', '=', personId!))
      .orderBy('r.recorded_at', 'desc')
      .orderBy('r.id')
      .limit(limit)
      .execute();
    await recordAudit(trx, caller.audit, {
      action: 'release.list',
      targetType: auditTarget,
      facilityCode: facility ?? null,
      personId: personId ?? null,
      details: { facility: facility ?? null, status: status ?? null, personId: personId ?? null, limit, returned: rows.length },
    });
    return { items: rows.map(toView) };
  });
}

export async function getRelease(deps: Deps, caller: Caller, id: string): Promise<ReleaseView> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    const r = await loadRelease(trx, facilityScope(caller.actor), id);
    await recordAudit(trx, caller.audit, { action: 'release.read', targetType: auditTarget, targetId: id, facilityCode: r.facilityCode, personId: r.personId });
    return r;
  });
}

/** The verified, unused release orders a release of this person could rest on (for the page's choice). */
export async function releaseOrderChoices(deps: Deps, caller: Caller, personId: string) {
  requireAccess(caller.actor, 'custody.release');
  const state = await personLocation(deps.db, caller, personId);
  if (!state.location) return [];
  return repo.releaseOrdersFor(deps.db, state.location, personId);
}

async function personLocation(db: Kysely<Database>, caller: Caller, personId: string) {
  const row = uuidPattern.test(personId)
    ? await db
        .selectFrom('persons as p')
        .select(['p.location_facility_code'])
        .where('p.id', '=', personId)
        .$if(caller.actor.facilities !== null, (qb) => qb.where('p.location_facility_code', 'in', caller.actor.facilities!.length ? caller.actor.facilities! : ['']))
        .executeTakeFirst()
    : undefined;
  if (!row) throw notFound();
  return { location: row.location_facility_code };
}

// ---- recording ----

export interface NewRelease {
  personId: string;
  orderId: string;
  reason: string;
  plannedAt?: string | null | undefined;
  notes?: string | null | undefined;
}

/**
 * Records a release on a verified release order addressed to the person's centre (422 orderId
 * otherwise). The person stays in custody until a different officer confirms it. One pending
 * release per episode (409).
 */
export async function recordRelease(deps: Deps, caller: Caller, input: NewRelease): Promise<ReleaseView> {
  requireAccess(caller.actor, 'custody.release');
  const now = new Date();
  if (!(releaseReasons as readonly string[]).includes(input.reason)) throw fieldRule('reason', 'movements.errors.releaseReason');
  const plannedAt = instantOf(input.plannedAt, 'plannedAt', now);
  const notes = optionalText(input.notes, 'notes', limits.notes);
  return inTransaction(deps.db, async (trx) => {
    const state = await lockCustody(trx, caller.actor, input.personId, { bodyPath: 'personId' });
    const held = requireHeld(state, 'personId');
    if (!inScope(caller.actor, held.location)) throw fieldRule('personId', 'movements.errors.personNotFound');
    if (plannedAt < held.admitted_at) throw fieldRule('plannedAt', 'movements.errors.releaseBeforeAdmission');
    const releaseDate = dateIn(deps.settings.timeZone, plannedAt);
    const orderId = clean(input.orderId);
    // Every release rests on a verified release order, except one for sentence served where the control rule set says the computation suffices.
    if (!orderId && releaseOrderRequired(input.reason, releaseDate)) throw fieldRule('orderId', input.reason === 'sentence_served' ? 'releaseControl.gate.orderRequired' : 'orders.check.notFound');
    const order = orderId ? await requireVerifiedOrder(trx, orderId, { kind: 'release', facilityCode: held.location, path: 'orderId' }) : null;
    if (order?.person_id && order.person_id !== state.person.id) throw fieldRule('orderId', 'movements.errors.orderOtherPerson');
    if (order) {
      const inUse = await trx.selectFrom('releases').select('id').where('order_id', '=', order.id).where('status', '=', 'recorded').executeTakeFirst();
      if (inUse) throw fieldRule('orderId', 'movements.errors.orderInUse');
    }
    const transfer = await trx.selectFrom('transfers').select('id').where('episode_id', '=', held.id).where('status', 'in', activeTransferStatuses).executeTakeFirst();
    if (transfer) throw fieldRule('personId', 'movements.errors.transferPending');
    const pending = await trx.selectFrom('releases').select('id').where('episode_id', '=', held.id).where('status', '=', 'recorded').executeTakeFirst();
    if (pending) throw releasePending();
    await checkRelease(trx, { personId: state.person.id, episodeId: held.id, reason: input.reason, releaseDate, order: gateOrder(order), datePath: 'plannedAt' });
    const row = await trx
      .insertInto('releases')
      .values({ episode_id: held.id, person_id: state.person.id, facility_code: held.location, order_id: order?.id ?? null, reason: input.reason as ReleaseReason, planned_at: plannedAt, recorded_by: caller.actor.userId, notes })
      .returning('id')
      .executeTakeFirstOrThrow()
      .catch((e: unknown) => {
        if ((e as { code?: string }).code === '23505') throw releasePending();
        throw e;
      });
    const view = await loadRelease(trx, null, row.id);
    await recordAudit(trx, caller.audit, { action: 'release.recorded', targetType: auditTarget, targetId: view.id, facilityCode: view.facilityCode, personId: view.personId, after: auditView(view) });
    return view;
  });
}

const gateOrder = (o: OrderRecord | null): GateOrder | null => (o ? { id: o.id, case_id: o.case_id, case_number: o.case_number, authority_kind: o.authority_kind } : null);

/** Alerts of legal control that a release resolves. */
const releaseControlAlerts = ['release_overdue', 'release_due', 'pretrial_limit'] as const;

function releasePending(): AppError {
  return new AppError(409, 'release_pending', 'movements.errors.releasePending', {}, [{ path: 'personId', key: 'movements.errors.releasePending' }]);
}

// ---- confirming ----

export interface Confirmation {
  propertyReturned: boolean;
  version: number;
  releasedAt?: string | undefined;
}

/**
 * Confirms a recorded release: a user holding custody.release.confirm other than the one who
 * recorded it (422 confirmedBy), with the property returned (422 propertyReturned otherwise).
 * In one transaction: the release is confirmed; the episode records the release time, reason
 * and order; placement, facility stay and legal-status period close; the property items are
 * returned by the confirming officer; the release movement is written; the person is
 * released (location stays the releasing centre); alerts that end with custody close.
 */
export async function confirmRelease(deps: Deps, caller: Caller, id: string, input: Confirmation): Promise<ReleaseView> {
  requireAccess(caller.actor, 'custody.release.confirm');
  const now = new Date();
  const at = instantOf(input.releasedAt, 'releasedAt', now);
  return inTransaction(deps.db, async (trx) => {
    const peek = await loadRelease(trx, facilityScope(caller.actor), id);
    const state = await lockCustody(trx, caller.actor, peek.personId);
    const before = await loadRelease(trx, null, id, { lock: true });
    if (before.recordedBy.id === caller.actor.userId) throw fieldRule('confirmedBy', 'movements.errors.sameOfficerRelease');
    if (before.status !== 'recorded') throw new AppError(409, 'release_state', 'movements.errors.releaseState', { status: before.status });
    if (before.version !== input.version) throw versionConflict();
    if (input.propertyReturned !== true) throw fieldRule('propertyReturned', 'movements.errors.propertyNotReturned');
    const held = requireHeld(state, 'personId');
    if (held.id !== before.episodeId) throw new AppError(409, 'release_state', 'movements.errors.releaseStale');
    if (at < held.admitted_at) throw fieldRule('releasedAt', 'movements.errors.releaseBeforeAdmission');
    checkTimeline(at, now, await timelineBounds(trx, held.id), 'releasedAt');
    // The order is checked again: verified, addressed here, and not used since.
    const releaseDate = dateIn(deps.settings.timeZone, at);
    if (!before.orderId && releaseOrderRequired(before.reason, releaseDate)) throw fieldRule('orderId', 'releaseControl.gate.orderRequired');
    const order = before.orderId ? await requireVerifiedOrder(trx, before.orderId, { kind: 'release', facilityCode: held.location, path: 'orderId' }) : null;
    // …and so is the legal control: the computation, its confirmation, the cases (they may have changed since).
    const gate = await checkRelease(trx, { personId: before.personId, episodeId: held.id, reason: before.reason, releaseDate, order: gateOrder(order), datePath: 'releasedAt' });

    const r = await trx
      .updateTable('releases')
      .set({ status: 'confirmed', confirmed_by: caller.actor.userId, confirmed_at: now, property_returned: true, version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', input.version)
      .where('status', '=', 'recorded')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw versionConflict();
    const property = await trx
      .updateTable('property_items')
      .set({ returned_at: at, returned_by: caller.actor.userId })
      .where('episode_id', '=', held.id)
      .where('returned_at', 'is', null)
      .returning('id')
      .execute();
    await trx
      .insertInto('movements')
      .values({ episode_id: held.id, person_id: before.personId, kind: 'release', occurred_at: at, from_facility_code: held.location, order_id: order?.id ?? null, reason: before.reason, recorded_by: caller.actor.userId })
      .execute();
    const ended = await endCustody(trx, caller, state, { at, reason: before.reason, releaseOrderId: order?.id ?? null, alertNote: systemT('movements.alerts.closedByRelease') });
    if (order && !order.person_id) await trx.updateTable('judicial_orders').set({ person_id: before.personId, version: sql`version + 1` }).where('id', '=', order.id).execute();
    const casesClosed = await closeReleasedCases(trx, caller.audit, { personId: before.personId, facilityCode: held.location, releaseDate, orderId: order?.id ?? null, releaseId: id, cases: gate.casesToClose });
    let controlAlertsClosed = 0;
    for (const typeCode of releaseControlAlerts) controlAlertsClosed += await closeAlertsOf(trx, { typeCode, personId: before.personId }, systemT('movements.alerts.closedByRelease'), caller.audit);
    const after = await loadRelease(trx, null, id);
    await recordAudit(trx, caller.audit, {
      action: 'release.confirmed',
      targetType: auditTarget,
      targetId: id,
      facilityCode: after.facilityCode,
      personId: after.personId,
      before: { status: before.status, version: before.version },
      after: { status: after.status, releasedAt: at.toISOString(), propertyReturned: true, propertyItemsReturned: property.length, absenceEnded: ended.absenceClosed, alertsClosed: ended.alertsClosed + controlAlertsClosed, casesClosed, computationId: gate.computationId, controlRuleSet: gate.ruleSetId, version: after.version },
    });
    return after;
  });
}

/** Cancels a recorded release (not yet confirmed), with the reason. */
export async function cancelRelease(deps: Deps, caller: Caller, id: string, input: { reason: string; version?: number | undefined }): Promise<ReleaseView> {
  requireAccess(caller.actor, 'custody.release');
  const reason = clean(input.reason);
  if (!reason) throw fieldRule('reason', 'movements.errors.required');
  if (reason.length > limits.reason) throw fieldRule('reason', 'movements.errors.tooLong', { max: limits.reason });
  return inTransaction(deps.db, async (trx) => {
    const before = await loadRelease(trx, facilityScope(caller.actor), id, { lock: true });
    if (before.status !== 'recorded') throw new AppError(409, 'release_state', 'movements.errors.releaseState', { status: before.status });
    if (input.version !== undefined && before.version !== input.version) throw versionConflict();
    await trx.updateTable('releases').set({ status: 'cancelled', version: sql`version + 1` }).where('id', '=', id).execute();
    const after = await loadRelease(trx, null, id);
    await recordAudit(trx, caller.audit, {
      action: 'release.cancelled',
      targetType: auditTarget,
      targetId: id,
      facilityCode: after.facilityCode,
      personId: after.personId,
      before: { status: before.status, version: before.version },
      after: { status: 'cancelled', note: reason, version: after.version },
    });
    return after;
  });
}

/** Cancels a person's pending release inside the caller's transaction (a death ends it), audited. */
export async function cancelPendingRelease(db: Kysely<Database>, caller: Caller, episodeId: string, note: string): Promise<string | null> {
  const row = await db.selectFrom('releases').select(['id', 'version', 'facility_code', 'person_id']).where('episode_id', '=', episodeId).where('status', '=', 'recorded').forUpdate().executeTakeFirst();
  if (!row) return null;
  await db.updateTable('releases').set({ status: 'cancelled', version: sql`version + 1` }).where('id', '=', row.id).execute();
  await recordAudit(db, caller.audit, {
    action: 'release.cancelled',
    targetType: auditTarget,
    targetId: row.id,
    facilityCode: row.facility_code,
    personId: row.person_id,
    before: { status: 'recorded', version: row.version },
    after: { status: 'cancelled', note, version: row.version + 1 },
  });
  return row.id;
}

/** The pending (recorded, unconfirmed) release of a person, if the caller reaches it. */
export async function pendingReleaseOf(db: Kysely<Database>, caller: Caller, personId: string): Promise<ReleaseView | null> {
  const row = await repo.releasesQuery(db, facilityScope(caller.actor)).where('r.person_id', '=', personId).where('r.status', '=', 'recorded').executeTakeFirst();
  return row ? toView(row) : null;
}

/**
 * What the release form shows beside the order: the person's current computation (dates, its
 * confirmation), whether a release for sentence served needs an order, the open cases and the
 * overdue state. Null for a person the caller does not reach.
 */
export async function releaseFormCheck(deps: Deps, caller: Caller, personId: string): Promise<ReleaseCheck | null> {
  requireAccess(caller.actor, 'person.read');
  if (!uuidPattern.test(personId)) return null;
  const p = await deps.db
    .selectFrom('persons as p')
    .select(['p.id'])
    .where('p.id', '=', personId)
    .$if(caller.actor.facilities !== null, (qb) => qb.where('p.location_facility_code', 'in', caller.actor.facilities!.length ? caller.actor.facilities! : ['']))
    .executeTakeFirst();
  if (!p) return null;
  return releaseCheckIn(deps.db, caller.actor, personId, dateIn(deps.settings.timeZone));
}
