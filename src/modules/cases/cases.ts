// Criminal cases and their charges, per custody episode: the authority (court or prosecutor's
// office) and its case number, the judge, the defence, the charges from the offence catalogue
// and the stage; a case holds the person until it is closed (acquittal, dismissal, detention
// lifted, sentence served). Reading needs legal.read, writing case.write; a person outside the
// caller's centres answers 404. Every write and every read of a person's cases is audited in
// its transaction.
//
// Other modules call openCaseFromCommitmentOrder() (admission, inside its transaction) and
// openCasesOf() (release control: no release while a case still holds the person).
import { sql, type Kysely } from 'kysely';
import { requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit, type AuditActor } from '../../platform/audit/audit.ts';
import type { CaseClosureReason, CaseStage, Database, LegalStatus, OffenceCategory } from '../../platform/db/schema.ts';
import { AppError, fieldRule, notFound, type FieldError } from '../../platform/http/errors.ts';
import { versionConflict } from '../../platform/http/idempotency.ts';
import { dateIn, todayIn } from '../../platform/time.ts';
import { requirePersonInScope } from '../persons/scope.ts';
import { clean, inTransaction, iso, optionalText, personRef, requiredText, userRef, uuidPattern, calendarDate, type Caller, type Deps, type PersonRef, type UserRef } from './common.ts';
import { hearingsOfCases, type HearingView } from './hearings.ts';
import * as repo from './repository.ts';
import { authorityKinds, caseStages, closureReasons, defenceKinds, limits, offenceCodePattern, stageFromLegalStatus, type AuthorityKind, type DefenceKind } from './rules.ts';

const auditTarget = 'criminal_case';

export interface ChargeView {
  id: string;
  offenceCode: string;
  article: string;
  nameEs: string;
  nameEn: string;
  category: OffenceCategory;
  counts: number;
  attempted: boolean;
  notes: string | null;
  addedAt: string;
  addedBy: UserRef | null;
  withdrawnAt: string | null;
  withdrawnBy: UserRef | null;
}

export interface CaseView {
  id: string;
  personId: string;
  person: PersonRef;
  episodeId: string;
  episodeOpen: boolean;
  authorityKind: AuthorityKind;
  authorityName: string;
  caseNumber: string;
  judgeName: string | null;
  defenceKind: DefenceKind;
  defenceName: string | null;
  stage: CaseStage;
  open: boolean;
  closedOn: string | null;
  closureReason: CaseClosureReason | null;
  closureOrderId: string | null;
  openedAt: string;
  openedBy: UserRef | null;
  version: number;
  charges: ChargeView[];
}

export interface CaseDetailView extends CaseView {
  hearings: HearingView[];
}

const chargeView = (c: repo.ChargeRow): ChargeView => ({
  id: c.id,
  offenceCode: c.offence_code,
  article: c.article,
  nameEs: c.name_es,
  nameEn: c.name_en,
  category: c.category,
  counts: c.counts,
  attempted: c.attempted,
  notes: c.notes,
  addedAt: c.added_at.toISOString(),
  addedBy: userRef(c.added_by, c.added_by_username, c.added_by_name),
  withdrawnAt: iso(c.withdrawn_at),
  withdrawnBy: userRef(c.withdrawn_by, c.withdrawn_by_username, c.withdrawn_by_name),
});

function caseView(r: repo.CaseRow, charges: repo.ChargeRow[]): CaseView {
  return {
    id: r.id,
    personId: r.person_id,
    person: personRef(r),
    episodeId: r.episode_id,
    episodeOpen: r.episode_released_at === null,
    authorityKind: r.authority_kind,
    authorityName: r.authority_name,
    caseNumber: r.case_number,
    judgeName: r.judge_name,
    defenceKind: r.defence_kind,
    defenceName: r.defence_name,
    stage: r.stage,
    open: r.closed_on === null,
    closedOn: r.closed_on,
    closureReason: r.closure_reason,
    closureOrderId: r.closure_order_id,
    openedAt: r.opened_at.toISOString(),
    openedBy: userRef(r.opened_by, r.opened_by_username, r.opened_by_name),
    version: r.version,
    charges: charges.filter((c) => c.case_id === r.id).map(chargeView),
  };
}

/** Cases with their charges, in the order of `rows`. */
async function withCharges(db: Kysely<Database>, rows: repo.CaseRow[]): Promise<CaseView[]> {
  const charges = rows.length ? await repo.chargesOf(db, rows.map((r) => r.id)) : [];
  return rows.map((r) => caseView(r, charges));
}

const auditView = (c: CaseView) => ({
  personId: c.personId,
  episodeId: c.episodeId,
  authorityKind: c.authorityKind,
  authorityName: c.authorityName,
  caseNumber: c.caseNumber,
  judgeName: c.judgeName,
  defenceKind: c.defenceKind,
  defenceName: c.defenceName,
  stage: c.stage,
  closedOn: c.closedOn,
  closureReason: c.closureReason,
  closureOrderId: c.closureOrderId,
  charges: c.charges.map((x) => ({ id: x.id, offenceCode: x.offenceCode, counts: x.counts, attempted: x.attempted, withdrawn: x.withdrawnAt !== null })),
  version: c.version,
});

/** Reloads a case (no scope: the caller has checked it). */
async function reload(db: Kysely<Database>, id: string): Promise<CaseView> {
  const row = await repo.casesQuery(db, null).where('k.id', '=', id).executeTakeFirstOrThrow();
  return (await withCharges(db, [row]))[0]!;
}

// ---- input ----

export interface ChargeInput {
  offenceCode: string;
  counts?: number | undefined;
  attempted?: boolean | undefined;
  notes?: string | null | undefined;
}

export interface CaseInput {
  authorityKind: string;
  authorityName: string;
  caseNumber: string;
  judgeName?: string | null | undefined;
  defenceKind?: string | undefined;
  defenceName?: string | null | undefined;
  stage: string;
}

interface CleanCase {
  authority_kind: AuthorityKind;
  authority_name: string;
  case_number: string;
  judge_name: string | null;
  defence_kind: DefenceKind;
  defence_name: string | null;
  stage: CaseStage;
}

/** Every rule of the case's fields at once (422 naming each field at fault). */
function caseProblems(input: CaseInput): { value: CleanCase | null; problems: FieldError[] } {
  const problems: FieldError[] = [];
  const attempt = <T>(run: () => T): T | null => {
    try {
      return run();
    } catch (e) {
      if (e instanceof AppError) problems.push(...e.fields);
      else throw e;
      return null;
    }
  };
  const inList = <T extends string>(list: readonly T[], v: string | undefined, path: string, key: string): T | null => {
    if ((list as readonly string[]).includes(v ?? '')) return v as T;
    problems.push({ path, key });
    return null;
  };
  const authorityKind = inList(authorityKinds, input.authorityKind, 'authorityKind', 'cases.errors.authorityKind');
  const authorityName = attempt(() => requiredText(input.authorityName, 'authorityName', limits.authorityName));
  const caseNumber = attempt(() => requiredText(input.caseNumber, 'caseNumber', limits.caseNumber));
  const judgeName = attempt(() => optionalText(input.judgeName, 'judgeName', limits.judgeName));
  const defenceKind = inList(defenceKinds, input.defenceKind ?? 'unknown', 'defenceKind', 'cases.errors.defenceKind');
  const defenceName = attempt(() => optionalText(input.defenceName, 'defenceName', limits.defenceName));
  if (defenceKind === 'private_lawyer' && defenceName === null && !problems.some((p) => p.path === 'defenceName')) problems.push({ path: 'defenceName', key: 'cases.errors.lawyerName' });
  const stage = inList(caseStages, input.stage, 'stage', 'cases.errors.stage');
  if (problems.length) return { value: null, problems };
  return {
    value: { authority_kind: authorityKind!, authority_name: authorityName!, case_number: caseNumber!, judge_name: judgeName ?? null, defence_kind: defenceKind!, defence_name: defenceName ?? null, stage: stage! },
    problems,
  };
}

function requireCaseInput(input: CaseInput): CleanCase {
  const { value, problems } = caseProblems(input);
  if (!value) throw new AppError(422, 'rule_violation', problems[0]!.key, problems[0]!.params ?? {}, problems);
  return value;
}

interface CleanCharge {
  offence_code: string;
  counts: number;
  attempted: boolean;
  notes: string | null;
}

/** Charges as stored, each offence an active catalogue entry (422 naming `prefix.offenceCode` otherwise). */
async function cleanCharges(db: Kysely<Database>, charges: ChargeInput[], prefix: (i: number) => string): Promise<CleanCharge[]> {
  const codes = [...new Set(charges.map((c) => clean(c.offenceCode).toUpperCase()))].filter((c) => offenceCodePattern.test(c));
  const known = codes.length ? await db.selectFrom('offences').select(['code', 'active']).where('code', 'in', codes).execute() : [];
  const byCode = new Map(known.map((o) => [o.code, o.active]));
  const problems: FieldError[] = [];
  const out: CleanCharge[] = [];
  charges.forEach((c, i) => {
    const code = clean(c.offenceCode).toUpperCase();
    const at = (f: string) => (prefix(i) ? `${prefix(i)}.${f}` : f);
    if (!code) problems.push({ path: at('offenceCode'), key: 'cases.errors.required' });
    else if (!byCode.has(code)) problems.push({ path: at('offenceCode'), key: 'cases.errors.offenceUnknown', params: { code } });
    else if (!byCode.get(code)) problems.push({ path: at('offenceCode'), key: 'cases.errors.offenceInactive', params: { code } });
    const counts = c.counts ?? 1;
    if (!Number.isInteger(counts) || counts < 1 || counts > limits.counts) problems.push({ path: at('counts'), key: 'cases.errors.counts', params: { max: limits.counts } });
    const notes = clean(c.notes);
    if (notes.length > limits.chargeNotes) problems.push({ path: at('notes'), key: 'cases.errors.tooLong', params: { max: limits.chargeNotes } });
    out.push({ offence_code: code, counts, attempted: c.attempted === true, notes: notes || null });
  });
  if (problems.length) throw new AppError(422, 'rule_violation', problems[0]!.key, problems[0]!.params ?? {}, problems);
  return out;
}

const duplicateCase = (caseNumber: string) =>
  new AppError(409, 'case_exists', 'cases.errors.caseExists', { caseNumber }, [{ path: 'caseNumber', key: 'cases.errors.caseExists', params: { caseNumber } }]);

const caseClosed = () => new AppError(409, 'case_closed', 'cases.errors.caseClosed');

function uniqueViolation(caseNumber: string) {
  return (e: unknown): never => {
    if ((e as { code?: string }).code === '23505') throw duplicateCase(caseNumber);
    throw e;
  };
}

// ---- reading ----

/** The person's cases (every episode, the current one first) with their charges; the read is audited. */
export async function listCasesOfPerson(deps: Deps, caller: Caller, personId: string): Promise<{ items: CaseView[] }> {
  requireAccess(caller.actor, 'legal.read');
  return inTransaction(deps.db, async (trx) => {
    const person = await requirePersonInScope(trx, caller.actor, personId);
    const items = await casesOfPerson(trx, person.id);
    await recordAudit(trx, caller.audit, { action: 'case.list', targetType: auditTarget, personId: person.id, facilityCode: person.location_facility_code, details: { returned: items.length } });
    return { items };
  });
}

/** A person's cases with charges, newest episode first, open cases before closed ones (no access check). */
export async function casesOfPerson(db: Kysely<Database>, personId: string): Promise<CaseView[]> {
  const rows = await repo
    .casesQuery(db, null)
    .where('k.person_id', '=', personId)
    .orderBy('e.admitted_at', 'desc')
    .orderBy(sql`k.closed_on is null`, 'desc')
    .orderBy('k.opened_at')
    .orderBy('k.id')
    .execute();
  return withCharges(db, rows);
}

/** One case with its charges and hearings; 404 outside the caller's centres; the read is audited. */
export async function getCase(deps: Deps, caller: Caller, id: string): Promise<CaseDetailView> {
  requireAccess(caller.actor, 'legal.read');
  if (!uuidPattern.test(id)) throw notFound();
  return inTransaction(deps.db, async (trx) => {
    const row = await repo.casesQuery(trx, caller.actor).where('k.id', '=', id).executeTakeFirst();
    if (!row) throw notFound();
    const view = (await withCharges(trx, [row]))[0]!;
    const hearings = await hearingsOfCases(trx, [id]);
    await recordAudit(trx, caller.audit, { action: 'case.read', targetType: auditTarget, targetId: id, personId: view.personId, facilityCode: row.location_facility_code });
    return { ...view, hearings };
  });
}

/**
 * The cases of an episode that still hold the person (not closed), oldest first. For the release
 * check: nobody is released while one of these remains. No access check: the caller has made it.
 */
export async function openCasesOf(db: Kysely<Database>, episodeId: string): Promise<{ id: string; authorityKind: AuthorityKind; authorityName: string; caseNumber: string; stage: CaseStage; openedAt: string }[]> {
  if (!uuidPattern.test(episodeId)) return [];
  const rows = await db
    .selectFrom('criminal_cases')
    .select(['id', 'authority_kind', 'authority_name', 'case_number', 'stage', 'opened_at'])
    .where('episode_id', '=', episodeId)
    .where('closed_on', 'is', null)
    .orderBy('opened_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, authorityKind: r.authority_kind, authorityName: r.authority_name, caseNumber: r.case_number, stage: r.stage, openedAt: r.opened_at.toISOString() }));
}

// ---- writing ----

/**
 * Opens a case in the person's current custody episode, with its charges. 422 naming the field
 * for bad input (nothing stored), 422 personId when the person is not in custody, 409 caseNumber
 * when the episode already has a case with that number at that kind of authority.
 */
export async function createCase(deps: Deps, caller: Caller, personId: string, input: CaseInput & { charges?: ChargeInput[] | undefined }): Promise<CaseView> {
  requireAccess(caller.actor, 'case.write');
  const values = requireCaseInput(input);
  if ((input.charges?.length ?? 0) > limits.chargesPerRequest) throw fieldRule('charges', 'cases.errors.tooManyCharges', { max: limits.chargesPerRequest });
  return inTransaction(deps.db, async (trx) => {
    const person = await requirePersonInScope(trx, caller.actor, personId, { forUpdate: true });
    const episode = await trx.selectFrom('custody_episodes').select(['id']).where('person_id', '=', person.id).where('released_at', 'is', null).executeTakeFirst();
    if (!episode) throw fieldRule('personId', 'cases.errors.notInCustody');
    const charges = await cleanCharges(trx, input.charges ?? [], (i) => `charges[${i}]`);
    const taken = await trx.selectFrom('criminal_cases').select('id').where('episode_id', '=', episode.id).where('authority_kind', '=', values.authority_kind).where('case_number', '=', values.case_number).executeTakeFirst();
    if (taken) throw duplicateCase(values.case_number);
    const row = await trx
      .insertInto('criminal_cases')
      .values({ person_id: person.id, episode_id: episode.id, ...values, opened_by: caller.actor.userId })
      .returning('id')
      .executeTakeFirstOrThrow()
      .catch(uniqueViolation(values.case_number));
    // One millisecond apart: the charges keep the order they were given in.
    const at = Date.now();
    if (charges.length) await trx.insertInto('case_charges').values(charges.map((c, i) => ({ ...c, case_id: row.id, added_by: caller.actor.userId, added_at: new Date(at + i) }))).execute();
    const view = await reload(trx, row.id);
    await recordAudit(trx, caller.audit, { action: 'case.opened', targetType: auditTarget, targetId: view.id, personId: view.personId, facilityCode: person.location_facility_code, after: auditView(view) });
    return view;
  });
}

/** The case locked for a change, in the caller's scope (404), open (409) and at the version sent (409). */
async function lockCase(trx: Kysely<Database>, caller: Caller, id: string, version: number | undefined, opts: { open?: boolean } = {}): Promise<{ before: CaseView; facilityCode: string | null; admittedAt: Date }> {
  if (!uuidPattern.test(id)) throw notFound();
  const peek = await repo.casesQuery(trx, caller.actor).where('k.id', '=', id).executeTakeFirst();
  if (!peek) throw notFound();
  await trx.selectFrom('criminal_cases').select('id').where('id', '=', id).forUpdate().execute();
  const before = await reload(trx, id);
  if (version !== undefined && before.version !== version) throw versionConflict();
  if ((opts.open ?? true) && !before.open) throw caseClosed();
  return { before, facilityCode: peek.location_facility_code, admittedAt: peek.episode_admitted_at };
}

/** Replaces the case's authority, number, judge, defence and stage; send the version read (409 when newer). */
export async function updateCase(deps: Deps, caller: Caller, id: string, input: CaseInput & { version: number }): Promise<CaseView> {
  requireAccess(caller.actor, 'case.write');
  const values = requireCaseInput(input);
  return inTransaction(deps.db, async (trx) => {
    const { before, facilityCode } = await lockCase(trx, caller, id, input.version);
    if (values.case_number !== before.caseNumber || values.authority_kind !== before.authorityKind) {
      const taken = await trx
        .selectFrom('criminal_cases')
        .select('id')
        .where('episode_id', '=', before.episodeId)
        .where('authority_kind', '=', values.authority_kind)
        .where('case_number', '=', values.case_number)
        .where('id', '<>', id)
        .executeTakeFirst();
      if (taken) throw duplicateCase(values.case_number);
    }
    await trx
      .updateTable('criminal_cases')
      .set({ ...values, version: sql`version + 1` })
      .where('id', '=', id)
      .execute()
      .catch(uniqueViolation(values.case_number));
    const after = await reload(trx, id);
    await recordAudit(trx, caller.audit, { action: 'case.updated', targetType: auditTarget, targetId: id, personId: after.personId, facilityCode, before: auditView(before), after: auditView(after) });
    return after;
  });
}

/**
 * Closes the case: it no longer holds the person. The date may not be in the future nor before
 * the admission; the order, when named, must be one of the person's judicial orders. Hearings
 * still scheduled for the case are cancelled with it.
 */
export async function closeCase(deps: Deps, caller: Caller, id: string, input: { reason: string; closedOn: string; closureOrderId?: string | null | undefined; version: number }): Promise<CaseView> {
  requireAccess(caller.actor, 'case.write');
  const problems: FieldError[] = [];
  if (!(closureReasons as readonly string[]).includes(input.reason)) problems.push({ path: 'reason', key: 'cases.errors.closureReason' });
  let closedOn = '';
  try {
    closedOn = calendarDate(input.closedOn, 'closedOn');
  } catch (e) {
    if (e instanceof AppError) problems.push(...e.fields);
    else throw e;
  }
  const orderId = clean(input.closureOrderId) || null;
  if (orderId && !uuidPattern.test(orderId)) problems.push({ path: 'closureOrderId', key: 'cases.errors.orderUnknown' });
  if (closedOn && closedOn > todayIn(deps.settings.timeZone)) problems.push({ path: 'closedOn', key: 'cases.errors.future' });
  if (problems.length) throw new AppError(422, 'rule_violation', problems[0]!.key, {}, problems);
  return inTransaction(deps.db, async (trx) => {
    const { before, facilityCode, admittedAt } = await lockCase(trx, caller, id, input.version);
    if (closedOn < dateIn(deps.settings.timeZone, admittedAt)) throw fieldRule('closedOn', 'cases.errors.beforeAdmission');
    if (orderId) {
      const order = await trx.selectFrom('judicial_orders').select(['id', 'person_id']).where('id', '=', orderId).executeTakeFirst();
      if (!order || order.person_id !== before.personId) throw fieldRule('closureOrderId', 'cases.errors.orderUnknown');
    }
    await trx
      .updateTable('criminal_cases')
      .set({ closed_on: closedOn, closure_reason: input.reason as CaseClosureReason, closure_order_id: orderId, version: sql`version + 1` })
      .where('id', '=', id)
      .execute();
    const cancelled = await trx
      .updateTable('court_hearings')
      .set({ status: 'cancelled', outcome: 'Caso cerrado / case closed', version: sql`version + 1` })
      .where('case_id', '=', id)
      .where('status', '=', 'scheduled')
      .returning('id')
      .execute();
    const after = await reload(trx, id);
    await recordAudit(trx, caller.audit, {
      action: 'case.closed',
      targetType: auditTarget,
      targetId: id,
      personId: after.personId,
      facilityCode,
      before: auditView(before),
      after: { ...auditView(after), hearingsCancelled: cancelled.map((h) => h.id) },
    });
    return after;
  });
}

/** Adds a charge from the catalogue (an active entry) to an open case. */
export async function addCharge(deps: Deps, caller: Caller, id: string, input: ChargeInput & { version?: number | undefined }): Promise<CaseView> {
  requireAccess(caller.actor, 'case.write');
  return inTransaction(deps.db, async (trx) => {
    const [charge] = await cleanCharges(trx, [input], () => '');
    const { before, facilityCode } = await lockCase(trx, caller, id, input.version);
    const row = await trx
      .insertInto('case_charges')
      .values({ ...charge!, case_id: id, added_by: caller.actor.userId, added_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.updateTable('criminal_cases').set({ version: sql`version + 1` }).where('id', '=', id).execute();
    const after = await reload(trx, id);
    await recordAudit(trx, caller.audit, {
      action: 'case.charge_added',
      targetType: auditTarget,
      targetId: id,
      personId: after.personId,
      facilityCode,
      before: { version: before.version },
      after: { chargeId: row.id, ...charge, version: after.version },
    });
    return after;
  });
}

/** Withdraws a charge (kept, marked withdrawn): 409 when already withdrawn. */
export async function withdrawCharge(deps: Deps, caller: Caller, id: string, chargeId: string, input: { version?: number | undefined }): Promise<CaseView> {
  requireAccess(caller.actor, 'case.write');
  return inTransaction(deps.db, async (trx) => {
    const { before, facilityCode } = await lockCase(trx, caller, id, input.version);
    const charge = uuidPattern.test(chargeId) ? before.charges.find((c) => c.id === chargeId) : undefined;
    if (!charge) throw notFound();
    if (charge.withdrawnAt) throw new AppError(409, 'charge_withdrawn', 'cases.errors.chargeWithdrawn');
    await trx.updateTable('case_charges').set({ withdrawn_at: new Date(), withdrawn_by: caller.actor.userId }).where('id', '=', chargeId).execute();
    await trx.updateTable('criminal_cases').set({ version: sql`version + 1` }).where('id', '=', id).execute();
    const after = await reload(trx, id);
    await recordAudit(trx, caller.audit, {
      action: 'case.charge_withdrawn',
      targetType: auditTarget,
      targetId: id,
      personId: after.personId,
      facilityCode,
      before: { chargeId, offenceCode: charge.offenceCode, version: before.version },
      after: { chargeId, withdrawn: true, version: after.version },
    });
    return after;
  });
}

// ---- the admission's case ----

export interface CommitmentOrderCase {
  personId: string;
  episodeId: string;
  /** The verified commitment order the admission rests on. */
  order: { id: string; authority_kind: AuthorityKind; issuing_authority: string; case_number: string; legal_status?: LegalStatus | null | undefined };
  /** The legal status the admission gave (the order's, by default). */
  legalStatus?: LegalStatus | null | undefined;
  actorId: string | null;
  audit: AuditActor;
}

/**
 * Opens the episode's first case from the commitment order (its authority and case number), in
 * the caller's transaction. The stage follows the legal status:
 * investigation for pretrial, final for sentenced. Charges are added afterwards. Returns the
 * case id (the existing one if the episode already has that case).
 */
export async function openCaseFromCommitmentOrder(trx: Kysely<Database>, args: CommitmentOrderCase): Promise<string> {
  const o = args.order;
  const values = {
    person_id: args.personId,
    episode_id: args.episodeId,
    authority_kind: o.authority_kind,
    authority_name: o.issuing_authority.trim().slice(0, limits.authorityName) || '—',
    case_number: o.case_number.trim().slice(0, limits.caseNumber) || '—',
    stage: stageFromLegalStatus(args.legalStatus ?? o.legal_status),
    opened_by: args.actorId,
  };
  const inserted = await trx
    .insertInto('criminal_cases')
    .values(values)
    .onConflict((oc) => oc.columns(['episode_id', 'authority_kind', 'case_number']).doNothing())
    .returning('id')
    .executeTakeFirst();
  const id =
    inserted?.id ??
    (await trx.selectFrom('criminal_cases').select('id').where('episode_id', '=', values.episode_id).where('authority_kind', '=', values.authority_kind).where('case_number', '=', values.case_number).executeTakeFirstOrThrow()).id;
  if (inserted) {
    await recordAudit(trx, args.audit, {
      action: 'case.opened',
      targetType: auditTarget,
      targetId: id,
      personId: args.personId,
      after: { ...values, fromOrderId: o.id, charges: [] },
    });
  }
  return id;
}
