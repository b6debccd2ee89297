// Judicial orders: commitment orders and release orders (boletas de libertad). Forged release
// orders freed people in 2016 ("Operación Reclusión"), so an order is only registered by one
// officer and takes effect once a *different* officer has verified it with its issuer and
// recorded how. Every use case checks access first, runs in one transaction and writes its
// audit entry in that transaction; opening an order (or its scan) is audited too, a list is
// one entry for the query. requireVerifiedOrder() is the check admission and release call.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Settings } from '../../config.ts';
import type { Actor } from '../../platform/access/actor.ts';
import { facilityScope, inScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit, type AuditActor } from '../../platform/audit/audit.ts';
import type { Database } from '../../platform/db/schema.ts';
import { maxFileBytes, readStoredFile, sniffContentType, storeFile } from '../../platform/files/stored-files.ts';
import { AppError, fieldRule, notFound, unprocessable, type FieldError } from '../../platform/http/errors.ts';
import { versionConflict } from '../../platform/http/idempotency.ts';
import { todayIn } from '../../platform/time.ts';
import * as repo from './repository.ts';
import { allOrderKinds, authorityKinds, limits, orderKinds, orderLegalStatuses, orderStatuses, verificationMethods, type OrderKindName, type OrderStatus } from './schemas.ts';
import { afterLegalVerification, checkLegalVerification, isLegalKind, legalDetailsOf, type LegalDetails } from './legal-orders.ts';

export interface Deps {
  /** May be a transaction (Idempotency-Key runs the create inside its own; admission its own). */
  db: Kysely<Database>;
  settings: Settings;
}

export interface Caller {
  actor: Actor;
  audit: AuditActor;
}

/** The oldest order date accepted: anything earlier is a typing mistake. */
export const earliestOrderDate = '1950-01-01';
const scanTypes = ['application/pdf', 'image/jpeg', 'image/png'] as const;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

/** True for a real calendar date written YYYY-MM-DD (rejects 2025-02-30). */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

// ---- the order as callers see it ----

export interface UserRef {
  id: string;
  username: string;
  displayName: string;
}

export interface OrderView {
  id: string;
  kind: OrderKindName;
  authorityKind: 'court' | 'prosecutor';
  issuingAuthority: string;
  caseNumber: string;
  orderDate: string;
  subjectName: string;
  personId: string | null;
  facilityCode: string;
  facilityName: string;
  legalStatus: string | null;
  notes: string | null;
  scan: { contentType: string; sizeBytes: number; url: string } | null;
  status: OrderStatus;
  /** Only a verified order can admit or release anyone. */
  effective: boolean;
  registeredBy: UserRef;
  registeredAt: string;
  verifiedBy: UserRef | null;
  verifiedAt: string | null;
  verificationMethod: string | null;
  verificationNote: string | null;
  rejectedBy: UserRef | null;
  rejectedAt: string | null;
  rejectionReason: string | null;
  usedByEpisodeId: string | null;
  /** The criminal case of a legal order (sentence, measure…); null for commitment and release orders. */
  caseId: string | null;
  /** A legal order's own fields (years, dates, decree…); null for commitment and release orders. */
  details: LegalDetails | null;
  version: number;
}

function toView(r: repo.OrderRow, extra: { usedByEpisodeId?: string | null; details?: LegalDetails | null } = {}): OrderView {
  return {
    id: r.id,
    kind: r.kind as OrderKindName,
    authorityKind: r.authority_kind,
    issuingAuthority: r.issuing_authority,
    caseNumber: r.case_number,
    orderDate: r.order_date,
    subjectName: r.subject_name,
    personId: r.person_id,
    facilityCode: r.facility_code,
    facilityName: r.facility_name,
    legalStatus: r.legal_status,
    notes: r.notes,
    scan: r.scan_file_id && r.scan_content_type ? { contentType: r.scan_content_type, sizeBytes: r.scan_size_bytes ?? 0, url: `/api/v1/orders/${r.id}/scan` } : null,
    status: r.status,
    effective: r.status === 'verified',
    registeredBy: { id: r.registered_by, username: r.registered_by_username, displayName: r.registered_by_name },
    registeredAt: r.registered_at.toISOString(),
    verifiedBy: r.verified_by ? { id: r.verified_by, username: r.verified_by_username ?? '', displayName: r.verified_by_name ?? '' } : null,
    verifiedAt: r.verified_at ? r.verified_at.toISOString() : null,
    verificationMethod: r.verification_method,
    verificationNote: r.verification_note,
    rejectedBy: r.rejected_by ? { id: r.rejected_by, username: r.rejected_by_username ?? '', displayName: r.rejected_by_name ?? '' } : null,
    rejectedAt: r.rejected_at ? r.rejected_at.toISOString() : null,
    rejectionReason: r.rejection_reason,
    usedByEpisodeId: extra.usedByEpisodeId ?? null,
    caseId: r.case_id,
    details: extra.details ?? null,
    version: r.version,
  };
}

/** What the audit trail keeps of an order (the scan by its stored file id, never its bytes). */
function auditView(o: OrderView) {
  return {
    kind: o.kind,
    authorityKind: o.authorityKind,
    issuingAuthority: o.issuingAuthority,
    caseNumber: o.caseNumber,
    orderDate: o.orderDate,
    subjectName: o.subjectName,
    personId: o.personId,
    facilityCode: o.facilityCode,
    legalStatus: o.legalStatus,
    notes: o.notes,
    scan: o.scan ? { contentType: o.scan.contentType, sizeBytes: o.scan.sizeBytes } : null,
    status: o.status,
    version: o.version,
  };
}

/** An order the caller reaches, with its full trail, or 404 (also outside the caller's scope). */
async function loadOrder(db: Kysely<Database>, scope: string[] | null, id: string): Promise<OrderView> {
  if (!uuidPattern.test(id)) throw notFound();
  const row = await repo.findOrder(db, scope, id);
  if (!row) throw notFound();
  const kind = row.kind as OrderKindName;
  const usedByEpisodeId = row.status === 'verified' && (kind === 'commitment' || kind === 'release') ? await repo.episodeUsing(db, id, kind) : null;
  const details = isLegalKind(kind) ? ((await legalDetailsOf(db, [row])).get(id) ?? null) : null;
  return toView(row, { usedByEpisodeId, details });
}

/** An order as the API returns it, without an audit entry (for the response to a write just audited). */
export function orderView(db: Kysely<Database>, id: string): Promise<OrderView> {
  return loadOrder(db, null, id);
}

// ---- reading ----

export interface OrderFilter {
  facility?: string | undefined;
  status?: string | undefined;
  kind?: string | undefined;
  personId?: string | undefined;
  limit?: number | undefined;
  before?: string | undefined;
}

export async function listOrders(deps: Deps, caller: Caller, filter: OrderFilter): Promise<{ items: OrderView[]; nextBefore: string | null }> {
  requireAccess(caller.actor, 'person.read');
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  const f: repo.OrderFilter = {
    facility: filter.facility || undefined,
    status: filter.status && (orderStatuses as readonly string[]).includes(filter.status) ? filter.status : undefined,
    kind: filter.kind && (allOrderKinds as readonly string[]).includes(filter.kind) ? filter.kind : undefined,
    personId: filter.personId && uuidPattern.test(filter.personId) ? filter.personId : undefined,
    before: filter.before && uuidPattern.test(filter.before) ? filter.before : undefined,
    limit: limit + 1,
  };
  return inTransaction(deps.db, async (trx) => {
    const rows = await repo.listOrders(trx, facilityScope(caller.actor), f);
    const page = rows.slice(0, limit);
    await recordAudit(trx, caller.audit, {
      action: 'order.list',
      targetType: repo.auditTargetType,
      facilityCode: f.facility ?? null,
      personId: f.personId ?? null,
      details: { facility: f.facility ?? null, status: f.status ?? null, kind: f.kind ?? null, personId: f.personId ?? null, before: f.before ?? null, limit, returned: page.length },
    });
    const details = await legalDetailsOf(trx, page);
    return { items: page.map((r) => toView(r, { details: details.get(r.id) ?? null })), nextBefore: rows.length > limit ? page[page.length - 1]!.id : null };
  });
}

export async function getOrder(deps: Deps, caller: Caller, id: string): Promise<OrderView> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    const order = await loadOrder(trx, facilityScope(caller.actor), id);
    await recordAudit(trx, caller.audit, { action: 'order.read', targetType: repo.auditTargetType, targetId: id, facilityCode: order.facilityCode, personId: order.personId });
    return order;
  });
}

/** The scanned copy of an order (scope-checked, the read audited), or 404. */
export async function getOrderScan(deps: Deps, caller: Caller, id: string): Promise<{ contentType: string; data: Buffer; order: OrderView }> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    const order = await loadOrder(trx, facilityScope(caller.actor), id);
    const row = await trx.selectFrom('judicial_orders').select('scan_file_id').where('id', '=', id).executeTakeFirstOrThrow();
    const file = row.scan_file_id ? await readStoredFile(trx, row.scan_file_id) : null;
    if (!file) throw notFound();
    await recordAudit(trx, caller.audit, {
      action: 'order.scan.read',
      targetType: repo.auditTargetType,
      targetId: id,
      facilityCode: order.facilityCode,
      personId: order.personId,
      details: { contentType: file.contentType, sizeBytes: file.data.length },
    });
    return { contentType: file.contentType, data: file.data, order };
  });
}

/**
 * How many orders in the caller's scope wait for a decision the caller may take (registered
 * by someone else), for a verifier's home page. A count without personal data: not audited.
 */
export async function awaitingVerificationCount(deps: Deps, caller: Caller): Promise<number> {
  if (!caller.actor.permissions.has('order.verify')) return 0;
  const scope = facilityScope(caller.actor);
  const row = await deps.db
    .selectFrom('judicial_orders as o')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('o.status', '=', 'registered')
    .where('o.registered_by', '<>', caller.actor.userId)
    .$if(scope !== null, (qb) => qb.where((eb) => (scope!.length ? eb('o.facility_code', 'in', scope!) : eb.val(false))))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The centres whose orders the caller reaches (for filters and the register form). Reference data, not audited. */
export async function facilityChoices(deps: Deps, caller: Caller): Promise<{ code: string; name: string }[]> {
  requireAccess(caller.actor, 'person.read');
  const scope = facilityScope(caller.actor);
  return deps.db
    .selectFrom('facilities')
    .select(['code', 'name'])
    .$if(scope !== null, (qb) => qb.where((eb) => (scope!.length ? eb('code', 'in', scope!) : eb.val(false))))
    .orderBy('code')
    .execute();
}

// ---- registering ----

export interface NewOrder {
  kind: string;
  authorityKind: string;
  issuingAuthority: string;
  caseNumber: string;
  orderDate: string;
  subjectName: string;
  personId?: string | null | undefined;
  facilityCode: string;
  legalStatus?: string | null | undefined;
  notes?: string | null | undefined;
  /** The scanned order's bytes (decoded), if any. */
  scan?: Uint8Array | null | undefined;
}

const oneOf = (values: readonly string[], v: string) => values.includes(v);

/** Every rule a new order breaks, as field errors (all at once, so a form shows them together). */
async function newOrderProblems(db: Kysely<Database>, settings: Settings, caller: Caller, o: NewOrder, scanPath: string): Promise<FieldError[]> {
  const fields: FieldError[] = [];
  const required = (path: string, value: string, max: number) => {
    if (!value) fields.push({ path, key: 'orders.errors.required' });
    else if (value.length > max) fields.push({ path, key: 'orders.errors.tooLong', params: { max } });
  };
  if (!oneOf(orderKinds, o.kind)) fields.push({ path: 'kind', key: 'orders.errors.kind' });
  if (!oneOf(authorityKinds, o.authorityKind)) fields.push({ path: 'authorityKind', key: 'orders.errors.authorityKind' });
  required('issuingAuthority', o.issuingAuthority, limits.issuingAuthority);
  required('caseNumber', o.caseNumber, limits.caseNumber);
  if (!o.orderDate) fields.push({ path: 'orderDate', key: 'orders.errors.required' });
  else if (!isCalendarDate(o.orderDate)) fields.push({ path: 'orderDate', key: 'orders.errors.dateFormat' });
  else if (o.orderDate > todayIn(settings.timeZone)) fields.push({ path: 'orderDate', key: 'orders.errors.dateFuture' });
  else if (o.orderDate < earliestOrderDate) fields.push({ path: 'orderDate', key: 'orders.errors.dateTooEarly', params: { year: earliestOrderDate.slice(0, 4) } });
  required('subjectName', o.subjectName, limits.subjectName);
  if (o.notes && o.notes.length > limits.notes) fields.push({ path: 'notes', key: 'orders.errors.tooLong', params: { max: limits.notes } });

  // The order's centre must be one the caller reaches (unknown and out-of-scope read alike).
  if (!o.facilityCode) fields.push({ path: 'facilityCode', key: 'orders.errors.required' });
  else {
    const known = await db.selectFrom('facilities').select('code').where('code', '=', o.facilityCode).executeTakeFirst();
    if (!known || !inScope(caller.actor, o.facilityCode)) fields.push({ path: 'facilityCode', key: 'orders.errors.facility' });
  }

  // A commitment order states the legal status it gives (the first legal-status period comes from it).
  if (o.kind === 'commitment') {
    if (!o.legalStatus) fields.push({ path: 'legalStatus', key: 'orders.errors.legalStatusRequired' });
    else if (!oneOf(orderLegalStatuses, o.legalStatus)) fields.push({ path: 'legalStatus', key: 'orders.errors.legalStatus' });
  } else if (o.kind === 'release' && o.legalStatus) {
    fields.push({ path: 'legalStatus', key: 'orders.errors.legalStatusOnlyCommitment' });
  }

  if (o.personId) {
    const person = uuidPattern.test(o.personId) ? await db.selectFrom('persons').select(['id', 'merged_into']).where('id', '=', o.personId).executeTakeFirst() : undefined;
    if (!person) fields.push({ path: 'personId', key: 'orders.errors.person' });
    else if (person.merged_into) fields.push({ path: 'personId', key: 'orders.errors.personMerged' });
  }

  // The scan's checks run here too (storeFile repeats them), so every problem shows at once.
  if (o.scan) {
    const type = sniffContentType(o.scan);
    if (o.scan.length > maxFileBytes) fields.push({ path: scanPath, key: 'files.tooLarge', params: { max: '10 MB' } });
    else if (!type || !(scanTypes as readonly string[]).includes(type)) fields.push({ path: scanPath, key: 'files.wrongType', params: { allowed: scanTypes.join(', ') } });
  }
  return fields;
}

const clean = (s: string | null | undefined): string => (s ?? '').trim();

/**
 * Registers an order. It has no effect until a different user verifies it. Runs in the
 * caller's transaction when given one (Idempotency-Key, or an admission that registers the
 * order in the same flow). `scanPath` names the scan field in errors ('scan.contentBase64'
 * for the API, 'scan' for the page).
 */
export async function registerOrder(deps: Deps, caller: Caller, input: NewOrder, opts: { scanPath?: string } = {}): Promise<OrderView> {
  requireAccess(caller.actor, 'order.register');
  const scanPath = opts.scanPath ?? 'scan';
  const o: NewOrder = {
    kind: clean(input.kind),
    authorityKind: clean(input.authorityKind),
    issuingAuthority: clean(input.issuingAuthority),
    caseNumber: clean(input.caseNumber),
    orderDate: clean(input.orderDate),
    subjectName: clean(input.subjectName).replace(/\s+/g, ' '),
    personId: clean(input.personId) || null,
    facilityCode: clean(input.facilityCode),
    legalStatus: clean(input.legalStatus) || null,
    notes: clean(input.notes) || null,
    scan: input.scan && input.scan.length ? input.scan : null,
  };
  if (input.scan && input.scan.length === 0) throw fieldRule(scanPath, 'files.empty');
  return inTransaction(deps.db, async (trx) => {
    const fields = await newOrderProblems(trx, deps.settings, caller, o, scanPath);
    if (fields.length) throw unprocessable('errors.validation', fields);
    const scanFileId = o.scan ? await storeFile(trx, { data: o.scan, createdBy: caller.actor.userId, path: scanPath, allowed: scanTypes }) : null;
    const row = await trx
      .insertInto('judicial_orders')
      .values({
        kind: o.kind as OrderKindName,
        authority_kind: o.authorityKind as 'court' | 'prosecutor',
        issuing_authority: o.issuingAuthority,
        case_number: o.caseNumber,
        order_date: o.orderDate,
        subject_name: o.subjectName,
        person_id: o.personId ?? null,
        facility_code: o.facilityCode,
        legal_status: (o.legalStatus ?? null) as 'pretrial' | null,
        notes: o.notes ?? null,
        scan_file_id: scanFileId,
        registered_by: caller.actor.userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const order = await loadOrder(trx, null, row.id);
    await recordAudit(trx, caller.audit, {
      action: 'order.register',
      targetType: repo.auditTargetType,
      targetId: order.id,
      facilityCode: order.facilityCode,
      personId: order.personId,
      after: { ...auditView(order), scanFileId },
    });
    return order;
  });
}

// ---- verifying and rejecting ----

export interface Verification {
  method: string;
  note: string;
  version: number;
}

/** The decision on an order is a second officer's: never the one who registered it. */
function requireSecondOfficer(order: OrderView, caller: Caller, path: string): void {
  if (order.registeredBy.id === caller.actor.userId) throw fieldRule(path, 'orders.errors.sameOfficer');
}

function requireUndecided(order: OrderView): void {
  if (order.status === 'verified') throw new AppError(409, 'already_verified', 'orders.errors.alreadyVerified');
  if (order.status === 'rejected') throw new AppError(409, 'already_rejected', 'orders.errors.alreadyRejected');
}

/**
 * Verifies an order: a user other than its registrant, holding order.verify, records how the
 * order was confirmed with its issuer. From then on it can admit (or release) — once.
 */
export async function verifyOrder(deps: Deps, caller: Caller, id: string, v: Verification): Promise<OrderView> {
  requireAccess(caller.actor, 'order.verify');
  const method = clean(v.method);
  const note = clean(v.note);
  return inTransaction(deps.db, async (trx) => {
    const before = await loadOrder(trx, facilityScope(caller.actor), id);
    if (before.kind === 'sentence') requireAccess(caller.actor, 'sentence.verify');
    requireSecondOfficer(before, caller, 'verifiedBy');
    requireUndecided(before);
    if (v.version !== before.version) throw versionConflict();
    if (isLegalKind(before.kind)) await checkLegalVerification(trx, caller, { id, kind: before.kind }, deps.settings.timeZone);
    const fields: FieldError[] = [];
    if (!oneOf(verificationMethods, method)) fields.push({ path: 'method', key: 'orders.errors.method' });
    if (!note) fields.push({ path: 'note', key: 'orders.errors.verificationNote' });
    else if (note.length > limits.verificationNote) fields.push({ path: 'note', key: 'orders.errors.tooLong', params: { max: limits.verificationNote } });
    if (fields.length) throw unprocessable('errors.validation', fields);
    const r = await trx
      .updateTable('judicial_orders')
      .set({ status: 'verified', verified_by: caller.actor.userId, verified_at: new Date(), verification_method: method, verification_note: note, version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', v.version)
      .where('status', '=', 'registered')
      .where('registered_by', '<>', caller.actor.userId)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw versionConflict();
    const after = await loadOrder(trx, null, id);
    await recordAudit(trx, caller.audit, {
      action: 'order.verify',
      targetType: repo.auditTargetType,
      targetId: id,
      facilityCode: after.facilityCode,
      personId: after.personId,
      before: { status: before.status, version: before.version },
      after: { status: after.status, verifiedBy: caller.actor.userId, method, note, version: after.version },
    });
    // A verified legal order changes the person's computation, in this same transaction.
    if (isLegalKind(after.kind)) await afterLegalVerification(trx, caller, { id, kind: after.kind, personId: after.personId }, deps.settings.timeZone);
    return after;
  });
}

/**
 * Rejects an order that could not be confirmed (or is not genuine): it can never take effect.
 * Like verification, it is a second officer's decision, with the reason.
 */
export async function rejectOrder(deps: Deps, caller: Caller, id: string, input: { reason: string; version: number }): Promise<OrderView> {
  requireAccess(caller.actor, 'order.verify');
  const reason = clean(input.reason);
  return inTransaction(deps.db, async (trx) => {
    const before = await loadOrder(trx, facilityScope(caller.actor), id);
    requireSecondOfficer(before, caller, 'rejectedBy');
    requireUndecided(before);
    if (input.version !== before.version) throw versionConflict();
    if (!reason) throw fieldRule('reason', 'orders.errors.reason');
    if (reason.length > limits.reason) throw fieldRule('reason', 'orders.errors.tooLong', { max: limits.reason });
    const r = await trx
      .updateTable('judicial_orders')
      .set({ status: 'rejected', rejected_by: caller.actor.userId, rejected_at: new Date(), rejection_reason: reason, version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', input.version)
      .where('status', '=', 'registered')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw versionConflict();
    await recordAudit(trx, caller.audit, {
      action: repo.rejectAction,
      targetType: repo.auditTargetType,
      targetId: id,
      facilityCode: before.facilityCode,
      personId: before.personId,
      before: { status: before.status, version: before.version },
      after: { status: 'rejected', reason, version: before.version + 1 },
    });
    return loadOrder(trx, null, id);
  });
}

// ---- the check used by admission and release ----

export type OrderRecord = Awaited<ReturnType<typeof lockOrder>>;

function lockOrder(db: Kysely<Database>, id: string) {
  return db.selectFrom('judicial_orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * The order that may admit (kind 'commitment') or release (kind 'release') someone: it must
 * exist, be of that kind, be verified by a second officer, be addressed to the centre (when
 * `facilityCode` is given) and not have been used already — an order takes effect once.
 * Anything else is a 422 naming `path` (default 'orderId'). Call it inside the transaction
 * that uses the order: the row is locked, so two admissions cannot both use one order.
 */
export async function requireVerifiedOrder(
  db: Kysely<Database>,
  orderId: string,
  opts: { kind: 'commitment' | 'release'; facilityCode?: string | undefined; path?: string | undefined },
): Promise<NonNullable<OrderRecord>> {
  const path = opts.path ?? 'orderId';
  const order = uuidPattern.test(orderId) ? await lockOrder(db, orderId) : undefined;
  if (!order) throw fieldRule(path, 'orders.check.notFound');
  if (order.kind !== opts.kind) throw fieldRule(path, `orders.check.wrongKind.${opts.kind}`);
  if (order.status === 'rejected') throw fieldRule(path, 'orders.check.rejected');
  if (order.status !== 'verified') throw fieldRule(path, 'orders.check.notVerified');
  if (opts.facilityCode !== undefined && order.facility_code !== opts.facilityCode) throw fieldRule(path, 'orders.check.otherFacility', { facility: order.facility_code });
  if (await repo.episodeUsing(db, order.id, order.kind)) throw fieldRule(path, `orders.check.used.${order.kind}`);
  return order;
}
