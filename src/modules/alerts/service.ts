// Alerts, one mechanism for every kind: a module raises an alert of a configurable type (in
// its own transaction), addressed to a role at a centre with a severity and a due time; the
// recipient acknowledges it with a note; unacknowledged alerts escalate one level when due
// (0: the recipient role at the centre → 1: the centre director → 2: headquarters, the
// national-scope directors). Every change is audited in its transaction, and the
// audit entries are the alert's trail. Scope is applied in SQL.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Actor } from '../../platform/access/actor.ts';
import { requireAccess } from '../../platform/access/require-access.ts';
import { apiOnlyRoles, isRole } from '../../platform/access/roles.ts';
import { recordAudit, systemActor, type AuditActor } from '../../platform/audit/audit.ts';
import type { AlertTypesTable, Database, Severity } from '../../platform/db/schema.ts';
import { AppError, conflict, notFound, unprocessable, fieldRule, type FieldError } from '../../platform/http/errors.ts';
import { versionConflict } from '../../platform/http/idempotency.ts';
import type { AppState } from '../../platform/http/context.ts';
import * as repo from './repository.ts';
import { maxHours, severities, statuses } from './schemas.ts';

export interface Deps {
  /** May be a transaction (Idempotency-Key runs a create inside its own). */
  db: Kysely<Database>;
}

export interface Caller {
  actor: Actor;
  audit: AuditActor;
}

export type AlertStatus = (typeof statuses)[number];

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const typeCodeRegex = /^[a-z][a-z0-9_]{2,40}$/;
export const summaryMaxLength = 500;
export const noteMinLength = 3;
export const noteMaxLength = 1000;

function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

const isSeverity = (s: unknown): s is Severity => typeof s === 'string' && (severities as readonly string[]).includes(s);
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

// ---- views ----

export interface AlertView {
  id: string;
  typeCode: string;
  typeName: { es: string; en: string };
  personId: string | null;
  person: { prisonerNumber: string; name: string } | null;
  facilityCode: string | null;
  recipientRole: string;
  severity: Severity;
  summary: string;
  details: unknown;
  status: AlertStatus;
  raisedAt: string;
  raisedBy: { id: string; name: string } | null;
  dueAt: string;
  overdue: boolean;
  escalationLevel: number;
  escalatedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: { id: string; name: string } | null;
  acknowledgementNote: string | null;
  closedAt: string | null;
  actionable: boolean;
  version: number;
}

export interface TrailEntry {
  action: 'raised' | 'escalated' | 'acknowledged' | 'closed';
  at: string;
  actor: string;
  escalationLevel: number | null;
  note: string | null;
}

export type AlertDetail = AlertView & { trail: TrailEntry[] };

function statusOf(r: { acknowledged_at: Date | null; closed_at: Date | null }): AlertStatus {
  return r.closed_at ? 'closed' : r.acknowledged_at ? 'acknowledged' : 'open';
}

function toView(r: repo.AlertRow, actor: Actor | null, now: Date): AlertView {
  const status = statusOf(r);
  const name = [r.given_names, r.first_surname, r.second_surname].filter(Boolean).join(' ');
  return {
    id: r.id,
    typeCode: r.type_code,
    typeName: { es: r.name_es, en: r.name_en },
    personId: r.person_id,
    person: r.prisoner_number ? { prisonerNumber: r.prisoner_number, name } : null,
    facilityCode: r.facility_code,
    recipientRole: r.recipient_role,
    severity: r.severity,
    summary: r.summary,
    details: r.details ?? null,
    status,
    raisedAt: r.raised_at.toISOString(),
    raisedBy: r.raised_by ? { id: r.raised_by, name: r.raised_by_name ?? '' } : null,
    dueAt: r.due_at.toISOString(),
    overdue: status === 'open' && r.due_at <= now,
    escalationLevel: r.escalation_level,
    escalatedAt: iso(r.escalated_at),
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by ? { id: r.acknowledged_by, name: r.acknowledged_by_name ?? '' } : null,
    acknowledgementNote: r.acknowledgement_note,
    closedAt: iso(r.closed_at),
    actionable: actor !== null && status !== 'closed' && actor.permissions.has('alert.acknowledge') && repo.isAddressedTo(actor, r),
    version: r.version,
  };
}

// ---- raising (used by every module, in its own transaction) ----

export interface RaiseAlertInput {
  typeCode: string;
  personId?: string | null | undefined;
  /** Defaults to the person's centre when a person is given. */
  facilityCode?: string | null | undefined;
  summary: string;
  /** Structured details (stored as JSON). */
  details?: Record<string, unknown> | null | undefined;
  /** The user raising it, or null for the system. */
  raisedBy: string | null;
  /** Defaults from the alert type. */
  recipientRole?: string | undefined;
  severity?: Severity | undefined;
  /** Defaults to now + the type's acknowledge_within_hours. */
  dueAt?: Date | undefined;
}

/**
 * Raises an alert inside the caller's transaction and audits it (`alert.raised`); returns its
 * id. The type must exist and be active. No permission check: the raising use case has made
 * its own. Broken rules answer 422 naming the input field.
 */
export async function raiseAlert(db: Kysely<Database>, input: RaiseAlertInput, auditActor: AuditActor): Promise<string> {
  const type = typeCodeRegex.test(input.typeCode)
    ? await db.selectFrom('alert_types').selectAll().where('code', '=', input.typeCode).executeTakeFirst()
    : undefined;
  if (!type) throw fieldRule('typeCode', 'alerts.errors.typeUnknown', { code: input.typeCode });
  if (!type.active) throw fieldRule('typeCode', 'alerts.errors.typeInactive', { code: input.typeCode });
  const fields: FieldError[] = [];
  const summary = input.summary.trim();
  if (!summary) fields.push({ path: 'summary', key: 'alerts.errors.summaryRequired' });
  else if (summary.length > summaryMaxLength) fields.push({ path: 'summary', key: 'alerts.errors.summaryTooLong', params: { max: summaryMaxLength } });
  let facilityCode = input.facilityCode ?? null;
  const personId = input.personId ?? null;
  if (personId !== null) {
    const person = uuidPattern.test(personId) ? await db.selectFrom('persons').select(['id', 'location_facility_code']).where('id', '=', personId).executeTakeFirst() : undefined;
    if (!person) fields.push({ path: 'personId', key: 'alerts.errors.personNotFound' });
    else if (input.facilityCode === undefined || input.facilityCode === null) facilityCode = person.location_facility_code;
  }
  if (facilityCode !== null && !(await db.selectFrom('facilities').select('code').where('code', '=', facilityCode).executeTakeFirst())) {
    fields.push({ path: 'facilityCode', key: 'alerts.errors.facilityUnknown', params: { code: facilityCode } });
  }
  const recipientRole = input.recipientRole ?? type.recipient_role;
  if (!isRole(recipientRole) || apiOnlyRoles.includes(recipientRole)) fields.push({ path: 'recipientRole', key: 'alerts.errors.recipientRole' });
  const severity = input.severity ?? type.default_severity;
  if (!isSeverity(severity)) fields.push({ path: 'severity', key: 'alerts.errors.severity' });
  const raisedAt = new Date();
  const dueAt = input.dueAt ?? new Date(raisedAt.getTime() + type.acknowledge_within_hours * 3_600_000);
  if (!(dueAt instanceof Date) || Number.isNaN(dueAt.getTime())) fields.push({ path: 'dueAt', key: 'alerts.errors.dueAt' });
  if (fields.length) throw unprocessable('errors.validation', fields);
  const row = await db
    .insertInto('alerts')
    .values({
      type_code: type.code,
      person_id: personId,
      facility_code: facilityCode,
      recipient_role: recipientRole,
      severity,
      summary,
      details: input.details === undefined || input.details === null ? null : JSON.stringify(input.details),
      raised_at: raisedAt,
      raised_by: input.raisedBy,
      due_at: dueAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(db, auditActor, {
    action: 'alert.raised',
    targetType: 'alert',
    targetId: row.id,
    facilityCode,
    personId,
    after: { typeCode: type.code, facilityCode, personId, recipientRole, severity, summary, dueAt: dueAt.toISOString(), escalationLevel: 0 },
  });
  return row.id;
}

/** The alert as the caller sees it; 404 when unknown or outside the caller's scope. */
async function findAlert(db: Kysely<Database>, actor: Actor, id: string, now: Date, opts: { lock?: boolean } = {}): Promise<{ row: repo.AlertRow; view: AlertView }> {
  if (!uuidPattern.test(id)) throw notFound();
  if (opts.lock) await db.selectFrom('alerts').select('id').where('id', '=', id).forUpdate().execute();
  const row = await repo.alertsQuery(db).where('a.id', '=', id).where(repo.inScope(actor)).executeTakeFirst();
  if (!row) throw notFound();
  return { row, view: toView(row, actor, now) };
}

/**
 * Persons the actor reaches (the persons module's scope rule: held in, in transit to or from,
 * or last released from one of the actor's centres), for choosing whom a hand-raised alert is about.
 */
function personsInScope(db: Kysely<Database>, actor: Actor) {
  const q = db.selectFrom('persons as p').select('p.id').where('p.merged_into', 'is', null);
  const scope = actor.facilities;
  if (scope === null) return q;
  if (!scope.length) return q.where((eb) => eb.val(false));
  return q.where((eb) => eb.or([eb('p.location_facility_code', 'in', scope), eb('p.transit_facility_code', 'in', scope)]));
}

/** The id of a person in scope with this prisoner number (for the page form), or null. */
export async function personIdByPrisonerNumber(deps: Deps, actor: Actor, prisonerNumber: string): Promise<string | null> {
  requireAccess(actor, 'person.read');
  const row = await personsInScope(deps.db, actor).where('p.prisoner_number', '=', prisonerNumber.trim().toUpperCase()).executeTakeFirst();
  return row?.id ?? null;
}

/** Raising by hand (API and page): a user who acknowledges alerts raises one at a centre in scope. */
export async function createAlert(
  deps: Deps,
  caller: Caller,
  input: { typeCode: string; personId?: string | undefined; facilityCode: string; summary: string; details?: string | undefined; severity?: Severity | undefined },
): Promise<AlertView> {
  requireAccess(caller.actor, 'alert.acknowledge');
  const scope = caller.actor.facilities;
  if (scope !== null && !scope.includes(input.facilityCode)) throw fieldRule('facilityCode', 'alerts.errors.facilityOutsideScope', { code: input.facilityCode });
  return inTransaction(deps.db, async (trx) => {
    if (input.personId !== undefined) {
      const found = uuidPattern.test(input.personId) && (await personsInScope(trx, caller.actor).where('p.id', '=', input.personId).executeTakeFirst());
      if (!found) throw fieldRule('personId', 'alerts.errors.personNotFound');
    }
    const details = input.details?.trim() ? { text: input.details.trim() } : null;
    const id = await raiseAlert(
      trx,
      { typeCode: input.typeCode, personId: input.personId, facilityCode: input.facilityCode, summary: input.summary, details, raisedBy: caller.actor.userId, severity: input.severity },
      caller.audit,
    );
    return (await findAlert(trx, caller.actor, id, new Date())).view;
  });
}

// ---- reading ----

export interface AlertFilter {
  mine?: boolean | undefined;
  facility?: string | undefined;
  status?: AlertStatus | undefined;
  personId?: string | undefined;
  type?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/** Alerts in the caller's scope, filtered; most urgent first. One audit entry for the query. */
export async function listAlerts(deps: Deps, caller: Caller, filter: AlertFilter): Promise<{ items: AlertView[]; total: number }> {
  requireAccess(caller.actor, 'person.read');
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  const offset = Math.max(filter.offset ?? 0, 0);
  const now = new Date();
  return inTransaction(deps.db, async (trx) => {
    let q = repo.alertsQuery(trx).where(repo.inScope(caller.actor));
    if (filter.mine) q = q.where(repo.addressedTo(caller.actor));
    if (filter.facility) q = q.where('a.facility_code', '=', filter.facility);
    if (filter.personId) q = uuidPattern.test(filter.personId) ? q.where('a.person_id', '=', filter.personId) : q.where((eb) => eb.val(false));
    if (filter.type) q = q.where('a.type_code', '=', filter.type);
    if (filter.status === 'open') q = q.where('a.acknowledged_at', 'is', null).where('a.closed_at', 'is', null);
    if (filter.status === 'acknowledged') q = q.where('a.acknowledged_at', 'is not', null).where('a.closed_at', 'is', null);
    if (filter.status === 'closed') q = q.where('a.closed_at', 'is not', null);
    const rows = await q.orderBy(repo.severityRank).orderBy('a.due_at').orderBy('a.id').limit(limit).offset(offset).execute();
    const counted = await q.clearSelect().select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const total = Number(counted.n);
    await recordAudit(trx, caller.audit, {
      action: 'alert.list',
      targetType: 'alert',
      details: { mine: filter.mine ?? false, facility: filter.facility ?? null, status: filter.status ?? null, personId: filter.personId ?? null, type: filter.type ?? null, limit, offset, total },
    });
    return { items: rows.map((r) => toView(r, caller.actor, now)), total };
  });
}

/** One alert with its trail (raised, escalated, acknowledged, closed); the read is audited. */
export async function getAlert(deps: Deps, caller: Caller, id: string): Promise<AlertDetail> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    const { view } = await findAlert(trx, caller.actor, id, new Date());
    const trail = (await repo.trailRows(trx, id)).map((l): TrailEntry => {
      const after = (l.after_value ?? {}) as { escalationLevel?: number; note?: string };
      return {
        action: l.action.slice('alert.'.length) as TrailEntry['action'],
        at: l.occurred_at.toISOString(),
        actor: l.display_name ?? l.actor_name,
        escalationLevel: typeof after.escalationLevel === 'number' ? after.escalationLevel : null,
        note: typeof after.note === 'string' ? after.note : null,
      };
    });
    await recordAudit(trx, caller.audit, { action: 'alert.read', targetType: 'alert', targetId: id, facilityCode: view.facilityCode, personId: view.personId });
    return { ...view, trail };
  });
}

/**
 * Open alerts addressed to the actor (by role and escalation level, within scope), most
 * urgent first. The home page's list: what the user has to act on, not a query of the files,
 * so it is not audited.
 */
export async function alertsForActor(db: Kysely<Database>, actor: Actor, opts: { limit?: number } = {}): Promise<AlertView[]> {
  requireAccess(actor, 'alert.acknowledge');
  const limit = Math.min(Math.max(opts.limit ?? 20, 1), 200);
  const rows = await repo
    .alertsQuery(db)
    .where('a.acknowledged_at', 'is', null)
    .where('a.closed_at', 'is', null)
    .where(repo.inScope(actor))
    .where(repo.addressedTo(actor))
    .orderBy(repo.severityRank)
    .orderBy('a.due_at')
    .orderBy('a.id')
    .limit(limit)
    .execute();
  const now = new Date();
  return rows.map((r) => toView(r, actor, now));
}

/** For the home page (partial alerts/views/_home-alerts.njk, variable `homeAlerts`): the
 * actor's open alerts, or none for users who do not act on alerts. */
export async function homeAlertsFor(db: Kysely<Database>, actor: Actor): Promise<AlertView[]> {
  if (!actor.permissions.has('alert.acknowledge')) return [];
  return alertsForActor(db, actor, { limit: 10 });
}

/** The centres a caller may filter or raise alerts for (reference data, not audited). */
export async function facilityChoices(deps: Deps, actor: Actor): Promise<{ code: string; name: string }[]> {
  let q = deps.db.selectFrom('facilities').select(['code', 'name']).orderBy('code');
  if (actor.facilities !== null) q = q.where('code', 'in', actor.facilities.length ? actor.facilities : ['']);
  return q.execute();
}

// ---- acknowledging and closing ----

function noteProblem(note: string, path: string): FieldError | null {
  if (note.length < noteMinLength || note.length > noteMaxLength) return { path, key: 'alerts.errors.noteLength', params: { min: noteMinLength, max: noteMaxLength } };
  return null;
}

/**
 * Loads an alert for a change: 404 outside scope, 403 when not addressed to the caller,
 * 409 on a stale version, then the note's rule (422).
 */
async function forChange(trx: Kysely<Database>, caller: Caller, id: string, version: number, note: string, notePath: string) {
  requireAccess(caller.actor, 'alert.acknowledge');
  const { row } = await findAlert(trx, caller.actor, id, new Date(), { lock: true });
  if (!repo.isAddressedTo(caller.actor, row)) throw new AppError(403, 'forbidden', 'alerts.errors.notAddressed');
  if (row.version !== version) throw versionConflict();
  const problem = noteProblem(note, notePath);
  if (problem) throw unprocessable('errors.validation', [problem]);
  return row;
}

/** Acknowledges an open alert with a note (3–1000 characters); optimistic on `version`. */
export async function acknowledgeAlert(deps: Deps, caller: Caller, id: string, input: { note: string; version: number }): Promise<AlertView> {
  const note = input.note.trim();
  return inTransaction(deps.db, async (trx) => {
    const row = await forChange(trx, caller, id, input.version, note, 'note');
    if (row.closed_at) throw conflict('alerts.errors.alreadyClosed');
    if (row.acknowledged_at) throw conflict('alerts.errors.alreadyAcknowledged');
    const now = new Date();
    const updated = await trx
      .updateTable('alerts')
      .set((eb) => ({ acknowledged_at: now, acknowledged_by: caller.actor.userId, acknowledgement_note: note, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('version', '=', input.version)
      .returning('version')
      .executeTakeFirst();
    if (!updated) throw versionConflict();
    await recordAudit(trx, caller.audit, {
      action: 'alert.acknowledged',
      targetType: 'alert',
      targetId: id,
      facilityCode: row.facility_code,
      personId: row.person_id,
      before: { status: 'open', escalationLevel: row.escalation_level, version: row.version },
      after: { status: 'acknowledged', escalationLevel: row.escalation_level, note, version: updated.version },
    });
    return (await findAlert(trx, caller.actor, id, now)).view;
  });
}

/** Closes one alert: the note is kept in the trail; an open alert closed is acknowledged by the same note. */
async function closeRow(trx: Kysely<Database>, row: repo.AlertRow, note: string, by: string | null, audit: AuditActor): Promise<void> {
  const now = new Date();
  const acknowledging = row.acknowledged_at === null;
  await trx
    .updateTable('alerts')
    .set((eb) => ({
      closed_at: now,
      version: eb('version', '+', 1),
      ...(acknowledging ? { acknowledged_at: now, acknowledged_by: by, acknowledgement_note: note } : {}),
    }))
    .where('id', '=', row.id)
    .execute();
  await recordAudit(trx, audit, {
    action: 'alert.closed',
    targetType: 'alert',
    targetId: row.id,
    facilityCode: row.facility_code,
    personId: row.person_id,
    before: { status: statusOf(row), escalationLevel: row.escalation_level, version: row.version },
    after: { status: 'closed', escalationLevel: row.escalation_level, note, version: row.version + 1 },
  });
}

/** Closes an alert with a note, by a user it is addressed to; optimistic on `version`. */
export async function closeAlert(deps: Deps, caller: Caller, id: string, input: { note: string; version: number }): Promise<AlertView> {
  const note = input.note.trim();
  return inTransaction(deps.db, async (trx) => {
    const row = await forChange(trx, caller, id, input.version, note, 'note');
    if (row.closed_at) throw conflict('alerts.errors.alreadyClosed');
    await closeRow(trx, row, note, caller.actor.userId, caller.audit);
    return (await findAlert(trx, caller.actor, id, new Date())).view;
  });
}

/**
 * Closes the still-open alerts of a type for a person (or one alert by id) when the module
 * that raised them resolves the cause (a release, a completed checklist item). Runs in the
 * caller's transaction, without a permission check (the calling use case made its own);
 * returns the number closed.
 */
export async function closeAlertsOf(
  db: Kysely<Database>,
  target: { alertId: string } | { typeCode: string; personId: string },
  note: string,
  auditActor: AuditActor,
): Promise<number> {
  let q = repo.alertsQuery(db).where('a.closed_at', 'is', null);
  if ('alertId' in target) {
    if (!uuidPattern.test(target.alertId)) return 0;
    q = q.where('a.id', '=', target.alertId);
  } else q = q.where('a.type_code', '=', target.typeCode).where('a.person_id', '=', target.personId);
  const rows = await q.orderBy('a.raised_at').execute();
  for (const row of rows) await closeRow(db, row, note.trim() || 'closed', auditActor.actorId, auditActor);
  return rows.length;
}

// ---- escalation ----

export interface Escalated {
  id: string;
  escalationLevel: number;
  dueAt: Date;
}

/**
 * Escalates every unacknowledged alert past its due time by one level (one UPDATE), each
 * audited as `alert.escalated` by the system. Idempotent for the same `now`.
 */
export async function escalateOverdue(db: Kysely<Database>, now: Date): Promise<Escalated[]> {
  return inTransaction(db, async (trx) => {
    // One escalation run at a time across servers; a run that finds another in progress leaves it the work.
    if (!(await repo.tryEscalationLock(trx))) return [];
    const { rows } = await repo.escalateDue(trx, now);
    for (const r of rows) {
      await recordAudit(trx, systemActor, {
        action: 'alert.escalated',
        targetType: 'alert',
        targetId: r.id,
        facilityCode: r.facility_code,
        personId: r.person_id,
        before: { escalationLevel: r.escalation_level - 1 },
        after: { escalationLevel: r.escalation_level, dueAt: new Date(r.due_at).toISOString(), version: r.version },
      });
    }
    return rows.map((r) => ({ id: r.id, escalationLevel: r.escalation_level, dueAt: new Date(r.due_at) }));
  });
}

/**
 * Runs escalateOverdue every minute in the background (the timer does not keep the process
 * alive; runs never overlap). Returns the function that stops it.
 */
export function startAlertEscalation(state: AppState, log: (m: string) => void): () => void {
  let running = false;
  const run = async (): Promise<void> => {
    if (running || !state.ready) return;
    running = true;
    try {
      const escalated = await escalateOverdue(state.db, new Date());
      if (escalated.length) log(`alerts: ${escalated.length} escalated`);
    } catch (e) {
      log(`alert escalation: ${(e as Error).message}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), 60_000);
  timer.unref();
  return () => clearInterval(timer);
}

// ---- alert types (configuration) ----

export interface AlertTypeView {
  code: string;
  nameEs: string;
  nameEn: string;
  defaultSeverity: Severity;
  recipientRole: string;
  acknowledgeWithinHours: number;
  active: boolean;
}

const typeView = (t: Selectable<AlertTypesTable>): AlertTypeView => ({
  code: t.code,
  nameEs: t.name_es,
  nameEn: t.name_en,
  defaultSeverity: t.default_severity,
  recipientRole: t.recipient_role,
  acknowledgeWithinHours: t.acknowledge_within_hours,
  active: t.active,
});

/** Every alert type (reference data for all staff; not audited). */
export async function listAlertTypes(deps: Deps, actor: Actor, opts: { activeOnly?: boolean } = {}): Promise<AlertTypeView[]> {
  requireAccess(actor, 'facility.read');
  let q = deps.db.selectFrom('alert_types').selectAll().orderBy('code');
  if (opts.activeOnly) q = q.where('active', '=', true);
  return (await q.execute()).map(typeView);
}

export interface AlertTypeFields {
  nameEs: string;
  nameEn: string;
  defaultSeverity: Severity;
  recipientRole: string;
  acknowledgeWithinHours: number;
  active: boolean;
}

function typeProblems(t: AlertTypeFields): FieldError[] {
  const fields: FieldError[] = [];
  for (const k of ['nameEs', 'nameEn'] as const) {
    if (!t[k]) fields.push({ path: k, key: 'alerts.errors.nameRequired' });
    else if (t[k].length > 100) fields.push({ path: k, key: 'alerts.errors.nameTooLong', params: { max: 100 } });
  }
  if (!isSeverity(t.defaultSeverity)) fields.push({ path: 'defaultSeverity', key: 'alerts.errors.severity' });
  if (!isRole(t.recipientRole) || apiOnlyRoles.includes(t.recipientRole)) fields.push({ path: 'recipientRole', key: 'alerts.errors.recipientRole' });
  if (!Number.isInteger(t.acknowledgeWithinHours) || t.acknowledgeWithinHours < 1 || t.acknowledgeWithinHours > maxHours) {
    fields.push({ path: 'acknowledgeWithinHours', key: 'alerts.errors.hours', params: { max: maxHours } });
  }
  return fields;
}

const typeRow = (t: AlertTypeFields) => ({
  name_es: t.nameEs,
  name_en: t.nameEn,
  default_severity: t.defaultSeverity,
  recipient_role: t.recipientRole,
  acknowledge_within_hours: t.acknowledgeWithinHours,
  active: t.active,
});

/** A new alert type (administrators). The code is permanent; 409 when taken. */
export async function createAlertType(deps: Deps, caller: Caller, input: AlertTypeFields & { code: string }): Promise<AlertTypeView> {
  requireAccess(caller.actor, 'role.manage');
  const code = input.code.trim();
  const t: AlertTypeFields = { ...input, nameEs: input.nameEs.trim(), nameEn: input.nameEn.trim() };
  const fields = typeProblems(t);
  if (!typeCodeRegex.test(code)) fields.unshift({ path: 'code', key: 'alerts.errors.codeFormat' });
  if (fields.length) throw unprocessable('errors.validation', fields);
  return inTransaction(deps.db, async (trx) => {
    const inserted = await trx
      .insertInto('alert_types')
      .values({ code, ...typeRow(t) })
      .onConflict((oc) => oc.column('code').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) throw new AppError(409, 'conflict', 'alerts.errors.codeTaken', { code }, [{ path: 'code', key: 'alerts.errors.codeTaken', params: { code } }]);
    const view = typeView(inserted);
    await recordAudit(trx, caller.audit, { action: 'alert_type.created', targetType: 'alert_type', targetId: code, after: view });
    return view;
  });
}

/** Changes an alert type's names, default severity, recipient role, hours or whether it is active. */
export async function updateAlertType(deps: Deps, caller: Caller, code: string, change: Partial<AlertTypeFields>): Promise<AlertTypeView> {
  requireAccess(caller.actor, 'role.manage');
  return inTransaction(deps.db, async (trx) => {
    const current = typeCodeRegex.test(code) ? await trx.selectFrom('alert_types').selectAll().where('code', '=', code).forUpdate().executeTakeFirst() : undefined;
    if (!current) throw notFound();
    const before = typeView(current);
    const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as Partial<AlertTypeFields>;
    const next: AlertTypeFields = { ...before, ...defined };
    next.nameEs = next.nameEs.trim();
    next.nameEn = next.nameEn.trim();
    const fields = typeProblems(next);
    if (fields.length) throw unprocessable('errors.validation', fields);
    const changed = (Object.keys(next) as (keyof AlertTypeFields)[]).filter((k) => next[k] !== before[k]);
    if (!changed.length) return before;
    const updated = await trx.updateTable('alert_types').set(typeRow(next)).where('code', '=', code).returningAll().executeTakeFirstOrThrow();
    const after = typeView(updated);
    await recordAudit(trx, caller.audit, {
      action: 'alert_type.updated',
      targetType: 'alert_type',
      targetId: code,
      before: Object.fromEntries(changed.map((k) => [k, before[k]])),
      after: Object.fromEntries(changed.map((k) => [k, after[k]])),
    });
    return after;
  });
}
