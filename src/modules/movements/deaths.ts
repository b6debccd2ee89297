// Death in custody (Mandela Rules 69–72). Recording a death ends the custody episode (release
// reason 'death') and opens a checklist — notify the next of kin, notify the independent
// authority (Ministerio Público and Defensoría del Pueblo), preserve evidence, the medical report
// and cause of death, return of the remains — each item with an owner role, a deadline and,
// once done, the evidence of completion. Each item is raised through the alert mechanism
// (a death_in_custody alert to its owner role, due at the item's deadline); the case stays
// open until every item is completed, and its alerts close with their items.
import { sql, type Kysely } from 'kysely';
import { facilityScope, inScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { Database, DeathChecklistItem } from '../../platform/db/schema.ts';
import { AppError, fieldRule, notFound } from '../../platform/http/errors.ts';
import { versionConflict } from '../../platform/http/idempotency.ts';
import { translator } from '../../platform/i18n/i18n.ts';
import { closeAlertsOf, raiseAlert } from '../alerts/service.ts';
import {
  checkTimeline,
  clean,
  endCustody,
  inTransaction,
  instantOf,
  iso,
  lockCustody,
  personRef,
  requiredText,
  timelineBounds,
  userRef,
  uuidPattern,
  type Caller,
  type Deps,
  type PersonRef,
  type UserRef,
} from './common.ts';
import * as repo from './repository.ts';
import { deathChecklist, isChecklistItem, limits } from './rules.ts';
import { cancelActiveTransfer } from './transfers.ts';
import { cancelPendingRelease } from './releases.ts';

const systemT = translator('es');
const auditTarget = 'death_case';
export const causeCategories = ['homicide', 'suicide', 'natural', 'accident', 'other', 'undetermined'] as const;
export type CauseCategory = (typeof causeCategories)[number];

export interface ChecklistItemView {
  item: DeathChecklistItem;
  ownerRole: string;
  dueAt: string;
  overdue: boolean;
  completedAt: string | null;
  completedBy: UserRef | null;
  evidence: string | null;
  version: number;
}

export interface DeathCaseView {
  id: string;
  personId: string;
  person: PersonRef;
  episodeId: string;
  facilityCode: string;
  facilityName: string;
  diedAt: string;
  place: string;
  circumstances: string;
  causeCategory: CauseCategory | null;
  recordedBy: UserRef;
  recordedAt: string;
  open: boolean;
  closedAt: string | null;
  items: ChecklistItemView[];
  version: number;
}

const order = new Map(deathChecklist.map((c, i) => [c.item, i]));

function itemView(r: repo.ChecklistRow, now: Date): ChecklistItemView {
  return {
    item: r.item,
    ownerRole: r.owner_role,
    dueAt: r.due_at.toISOString(),
    overdue: r.completed_at === null && r.due_at < now,
    completedAt: iso(r.completed_at),
    completedBy: userRef(r.completed_by, r.completed_by_username, r.completed_by_name),
    evidence: r.evidence,
    version: r.version,
  };
}

function toView(r: repo.DeathCaseRow, items: repo.ChecklistRow[], now: Date): DeathCaseView {
  return {
    id: r.id,
    personId: r.person_id,
    person: personRef(r),
    episodeId: r.episode_id,
    facilityCode: r.facility_code,
    facilityName: r.facility_name,
    diedAt: r.died_at.toISOString(),
    place: r.place,
    circumstances: r.circumstances,
    causeCategory: r.cause_category,
    recordedBy: userRef(r.recorded_by, r.recorded_by_username, r.recorded_by_name)!,
    recordedAt: r.recorded_at.toISOString(),
    open: r.closed_at === null,
    closedAt: iso(r.closed_at),
    items: items
      .filter((i) => i.case_id === r.id)
      .sort((a, b) => (order.get(a.item) ?? 9) - (order.get(b.item) ?? 9))
      .map((i) => itemView(i, now)),
    version: r.version,
  };
}

async function loadCase(db: Kysely<Database>, scope: string[] | null, id: string, opts: { lock?: boolean } = {}): Promise<DeathCaseView> {
  if (!uuidPattern.test(id)) throw notFound();
  if (opts.lock) await db.selectFrom('death_cases').select('id').where('id', '=', id).forUpdate().execute();
  const row = await repo.deathCasesQuery(db, scope).where('d.id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  const items = await repo.checklistQuery(db).where('i.case_id', '=', id).execute();
  return toView(row, items, new Date());
}

// ---- reading ----

/** Death cases at the caller's centres (open ones first when asked), newest first; one audit entry. */
export async function listDeathCases(deps: Deps, caller: Caller, filter: { open?: boolean | undefined; facility?: string | undefined; limit?: number | undefined }): Promise<{ items: DeathCaseView[] }> {
  requireAccess(caller.actor, 'person.read');
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 500);
  const facility = filter.facility || undefined;
  return inTransaction(deps.db, async (trx) => {
    const rows = await repo
      .deathCasesQuery(trx, facilityScope(caller.actor))
      .$if(filter.open === true, (qb) => qb.where('d.closed_at', 'is', null))
      .$if(filter.open === false, (qb) => qb.where('d.closed_at', 'is not', null))
      .$if(facility !== undefined, (qb) => qb.where('d.facility_code', '=', facility!))
      .orderBy('d.died_at', 'desc')
      .orderBy('d.id')
      .limit(limit)
      .execute();
    const items = rows.length ? await repo.checklistQuery(trx).where('i.case_id', 'in', rows.map((r) => r.id)).execute() : [];
    await recordAudit(trx, caller.audit, { action: 'death_case.list', targetType: auditTarget, facilityCode: facility ?? null, details: { open: filter.open ?? null, facility: facility ?? null, limit, returned: rows.length } });
    const now = new Date();
    return { items: rows.map((r) => toView(r, items, now)) };
  });
}

export async function getDeathCase(deps: Deps, caller: Caller, id: string): Promise<DeathCaseView> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    const c = await loadCase(trx, facilityScope(caller.actor), id);
    await recordAudit(trx, caller.audit, { action: 'death_case.read', targetType: auditTarget, targetId: id, facilityCode: c.facilityCode, personId: c.personId });
    return c;
  });
}

// ---- recording a death ----

export interface NewDeath {
  diedAt: string;
  place: string;
  circumstances: string;
  causeCategory?: string | null | undefined;
}

/**
 * Records a death in custody of a person whose episode is open (held, out, escaped or in
 * transit): the episode ends at the time of death (release reason 'death'), with its stay,
 * placement, legal-status period and any absence; an active transfer or pending release is
 * cancelled; the death movement is written; the person is released from custody; the case
 * and its five checklist items are created, each raised as an alert to its owner.
 */
export async function recordDeath(deps: Deps, caller: Caller, personId: string, input: NewDeath): Promise<DeathCaseView> {
  requireAccess(caller.actor, 'custody.death');
  const now = new Date();
  if (!clean(input.diedAt)) throw fieldRule('diedAt', 'movements.errors.required');
  const diedAt = instantOf(input.diedAt, 'diedAt', now);
  const place = requiredText(input.place, 'place', limits.place);
  const circumstances = requiredText(input.circumstances, 'circumstances', limits.circumstances);
  const cause = clean(input.causeCategory) || null;
  if (cause && !(causeCategories as readonly string[]).includes(cause)) throw fieldRule('causeCategory', 'movements.errors.causeCategory');
  return inTransaction(deps.db, async (trx) => {
    const state = await lockCustody(trx, caller.actor, personId);
    const episode = state.episode;
    const location = state.person.location_facility_code;
    if (!episode || !location || (state.person.custody_status !== 'in_custody' && state.person.custody_status !== 'in_transit')) throw fieldRule('personId', 'movements.errors.notInCustody');
    // Recorded by the centre responsible for the person (in transit: the one they left).
    if (!inScope(caller.actor, location)) throw new AppError(403, 'forbidden', 'movements.errors.notAtOrigin');
    if (diedAt < episode.admitted_at) throw fieldRule('diedAt', 'movements.errors.deathBeforeAdmission');
    checkTimeline(diedAt, now, await timelineBounds(trx, episode.id), 'diedAt');
    if (state.absence && diedAt < state.absence.out_at) throw fieldRule('diedAt', 'movements.errors.beforeLastMovement');

    const note = systemT('movements.alerts.closedByDeath');
    const transferCancelled = await cancelActiveTransfer(trx, caller, episode.id, note);
    const releaseCancelled = await cancelPendingRelease(trx, caller, episode.id, note);
    await trx.insertInto('movements').values({ episode_id: episode.id, person_id: personId, kind: 'death', occurred_at: diedAt, from_facility_code: location, reason: place, recorded_by: caller.actor.userId }).execute();
    const ended = await endCustody(trx, caller, state, { at: diedAt, reason: 'death', releaseOrderId: null, alertNote: note });

    const row = await trx
      .insertInto('death_cases')
      .values({ person_id: personId, episode_id: episode.id, facility_code: location, died_at: diedAt, place, circumstances, cause_category: cause as CauseCategory | null, recorded_by: caller.actor.userId })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('death_checklist_items')
      .values(deathChecklist.map((c) => ({ case_id: row.id, item: c.item, owner_role: c.ownerRole, due_at: new Date(diedAt.getTime() + c.dueHours * 3_600_000) })))
      .execute();
    const facility = await trx.selectFrom('facilities').select('name').where('code', '=', location).executeTakeFirstOrThrow();
    const alertIds: string[] = [];
    for (const c of deathChecklist) {
      alertIds.push(
        await raiseAlert(
          trx,
          {
            typeCode: 'death_in_custody',
            personId,
            facilityCode: location,
            summary: systemT('movements.alerts.deathItem', { number: state.person.prisoner_number, facility: facility.name, item: systemT(`movements.checklist.${c.item}.title`) }),
            details: { deathCaseId: row.id, item: c.item },
            raisedBy: caller.actor.userId,
            recipientRole: c.ownerRole,
            dueAt: new Date(diedAt.getTime() + c.dueHours * 3_600_000),
          },
          caller.audit,
        ),
      );
    }
    const view = await loadCase(trx, null, row.id);
    await recordAudit(trx, caller.audit, {
      action: 'death_case.recorded',
      targetType: auditTarget,
      targetId: view.id,
      facilityCode: location,
      personId,
      after: {
        diedAt: view.diedAt,
        place,
        circumstances,
        causeCategory: cause,
        episodeId: episode.id,
        items: view.items.map((i) => ({ item: i.item, ownerRole: i.ownerRole, dueAt: i.dueAt })),
        transferCancelled,
        releaseCancelled,
        absenceEnded: ended.absenceClosed,
        alertsClosed: ended.alertsClosed,
        alertIds,
      },
    });
    return view;
  });
}

// ---- completing the checklist ----

/**
 * Completes one checklist item with the evidence of what was done, by a user holding the
 * item's owner role at the case's centre (or nationally). The item's alert closes; when the
 * last item is completed the case closes.
 */
export async function completeChecklistItem(deps: Deps, caller: Caller, caseId: string, item: string, input: { evidence: string; version: number }): Promise<DeathCaseView> {
  requireAccess(caller.actor, 'alert.acknowledge');
  const evidence = requiredText(input.evidence, 'evidence', limits.evidence);
  return inTransaction(deps.db, async (trx) => {
    const before = await loadCase(trx, facilityScope(caller.actor), caseId, { lock: true });
    if (!isChecklistItem(item)) throw notFound();
    const current = before.items.find((i) => i.item === item);
    if (!current) throw notFound();
    if (!(caller.actor.roles as string[]).includes(current.ownerRole) || !inScope(caller.actor, before.facilityCode)) {
      throw new AppError(403, 'forbidden', 'movements.errors.notOwner', { role: current.ownerRole });
    }
    if (current.completedAt) throw new AppError(409, 'item_completed', 'movements.errors.itemCompleted');
    if (current.version !== input.version) throw versionConflict();
    const now = new Date();
    const r = await trx
      .updateTable('death_checklist_items')
      .set({ completed_at: now, completed_by: caller.actor.userId, evidence, version: sql`version + 1` })
      .where('case_id', '=', caseId)
      .where('item', '=', item)
      .where('version', '=', input.version)
      .where('completed_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw versionConflict();
    const itemAlerts = await trx
      .selectFrom('alerts')
      .select('id')
      .where('type_code', '=', 'death_in_custody')
      .where('person_id', '=', before.personId)
      .where('closed_at', 'is', null)
      .where(sql<boolean>`details->>'deathCaseId' = ${caseId} and details->>'item' = ${item}`)
      .execute();
    for (const a of itemAlerts) await closeAlertsOf(trx, { alertId: a.id }, evidence, caller.audit);
    const remaining = before.items.filter((i) => i.item !== item && !i.completedAt).length;
    if (remaining === 0) {
      await trx.updateTable('death_cases').set({ closed_at: now, version: sql`version + 1` }).where('id', '=', caseId).execute();
      // Any alert of the case still open (raised by hand, say) closes with it.
      await closeAlertsOf(trx, { typeCode: 'death_in_custody', personId: before.personId }, systemT('movements.alerts.caseClosed'), caller.audit);
    }
    const after = await loadCase(trx, null, caseId);
    await recordAudit(trx, caller.audit, {
      action: 'death_case.item_completed',
      targetType: auditTarget,
      targetId: caseId,
      facilityCode: after.facilityCode,
      personId: after.personId,
      before: { item, completedAt: null, version: current.version },
      after: { item, completedAt: now.toISOString(), evidence, version: current.version + 1, caseClosed: remaining === 0 },
    });
    if (remaining === 0) {
      await recordAudit(trx, caller.audit, { action: 'death_case.closed', targetType: auditTarget, targetId: caseId, facilityCode: after.facilityCode, personId: after.personId, after: { closedAt: after.closedAt, version: after.version } });
    }
    return after;
  });
}
