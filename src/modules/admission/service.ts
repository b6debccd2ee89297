// Admission: drafts (an admission in progress, its own record) and the admission itself. An
// admission never happens without a verified commitment order (Mandela Rule 7): it creates the
// person's file or links the existing one (a returning person keeps the prisoner number), the
// custody episode with arrest, admission, injuries and rights information, the first
// legal-status period from the order, the placement in the centre's reception unit, the
// admission movement, the property inventory, contacts, children and the health declaration,
// and raises the alerts the admission calls for — all in one transaction with its audit entry,
// so a refused admission leaves nothing behind.
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Settings } from '../../config.ts';
import type { Actor } from '../../platform/access/actor.ts';
import { facilityScope, requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit, type AuditActor } from '../../platform/audit/audit.ts';
import type { Database, LegalStatus } from '../../platform/db/schema.ts';
import { decodeBase64File, storeFile } from '../../platform/files/stored-files.ts';
import { AppError, badRequest, fieldRule, forbidden, notFound, unprocessable, type FieldError } from '../../platform/http/errors.ts';
import { versionConflict } from '../../platform/http/idempotency.ts';
import { fieldsFromAjv } from '../../platform/http/validation-errors.ts';
import { translator } from '../../platform/i18n/i18n.ts';
import { dateIn } from '../../platform/time.ts';
import * as ext from './collaborators.ts';
import * as repo from './repository.ts';
import { birthDateOf, childProblems, personProblems, presenceProblems, timeProblems } from './rules.ts';
import { openCaseFromCommitmentOrder } from '../cases/cases.ts';
import { AdmissionBody, type AdmissionInput, type AdmissionResult, type DraftData } from './schemas.ts';

export interface Deps {
  /** May be a transaction (Idempotency-Key runs the create inside its own). */
  db: Kysely<Database>;
  settings: Settings;
}

export interface Caller {
  actor: Actor;
  audit: AuditActor;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const imageTypes = ['image/jpeg', 'image/png'] as const;
/** Summaries stored in alerts are written in the system's default language. */
const systemT = translator('es');

function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

/** The centre, when the caller reaches it; unknown and out-of-scope answer 404 alike. */
async function requireFacility(db: Kysely<Database>, actor: Actor, code: string) {
  const f = await repo.findFacility(db, facilityScope(actor), code);
  if (!f) throw notFound();
  return f;
}

// ---- drafts ----

export type DraftStatus = 'open' | 'completed' | 'discarded';

export interface DraftView {
  id: string;
  facilityCode: string;
  facilityName: string;
  status: DraftStatus;
  data: DraftData;
  createdBy: string;
  createdByName: string;
  createdAt: string;
  updatedAt: string;
  completedEpisodeId: string | null;
  discardedAt: string | null;
  version: number;
}

/**
 * A draft as a caller sees it: children only with person.children.read (Bangkok Rule 3), like
 * everywhere else in the file.
 */
function draftView(r: repo.DraftRow, actor: Actor): DraftView {
  const data = { ...((r.data ?? {}) as DraftData) };
  if (!actor.permissions.has('person.children.read')) delete data.children;
  return {
    id: r.id,
    facilityCode: r.facility_code,
    facilityName: r.facility_name,
    status: r.completed_episode_id ? 'completed' : r.discarded_at ? 'discarded' : 'open',
    data,
    createdBy: r.created_by,
    createdByName: r.created_by_name,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    completedEpisodeId: r.completed_episode_id,
    discardedAt: r.discarded_at ? r.discarded_at.toISOString() : null,
    version: r.version,
  };
}

/**
 * What the audit trail keeps of a draft: its data without the clinical declaration's values
 * (only whether one was made) and without file contents.
 */
export function draftAuditData(data: DraftData): Record<string, unknown> {
  const out: Record<string, unknown> = { ...data };
  if (data.health) out.health = { declared: true };
  if (data.person?.photo) out.person = { ...data.person, photo: `[${data.person.photo.length} base64 characters]` };
  if (data.order?.scan) out.order = { ...data.order, scan: '[scan]' };
  return out;
}

async function loadDraft(db: Kysely<Database>, actor: Actor, id: string, opts: { lock?: boolean } = {}): Promise<DraftView> {
  if (!uuidPattern.test(id)) throw notFound();
  const row = await repo.findDraft(db, facilityScope(actor), id, opts);
  if (!row) throw notFound();
  return draftView(row, actor);
}

/** Starts a draft for a centre in the caller's scope. */
export async function createDraft(deps: Deps, caller: Caller, input: { facilityCode: string; data?: DraftData | undefined }): Promise<DraftView> {
  requireAccess(caller.actor, 'admission.create');
  return inTransaction(deps.db, async (trx) => {
    await requireFacility(trx, caller.actor, input.facilityCode);
    const data = withoutNulls(input.data ?? {});
    const row = await trx
      .insertInto('admission_drafts')
      .values({ facility_code: input.facilityCode, data: JSON.stringify(data), created_by: caller.actor.userId })
      .returning('id')
      .executeTakeFirstOrThrow();
    const draft = await loadDraft(trx, caller.actor, row.id);
    await recordAudit(trx, caller.audit, { action: 'admission_draft.created', targetType: 'admission_draft', targetId: draft.id, facilityCode: draft.facilityCode, after: { data: draftAuditData(draft.data) } });
    return draft;
  });
}

/** Open drafts of the caller's centres (or of one of them). One audit entry for the list. */
export async function listDrafts(deps: Deps, caller: Caller, filter: { facility?: string | undefined } = {}): Promise<DraftView[]> {
  requireAccess(caller.actor, 'admission.create');
  return inTransaction(deps.db, async (trx) => {
    if (filter.facility !== undefined) await requireFacility(trx, caller.actor, filter.facility);
    const rows = await repo.listOpenDrafts(trx, facilityScope(caller.actor), filter.facility);
    await recordAudit(trx, caller.audit, { action: 'admission_draft.list', targetType: 'admission_draft', facilityCode: filter.facility ?? null, details: { facility: filter.facility ?? null, returned: rows.length } });
    return rows.map((r) => draftView(r, caller.actor));
  });
}

/** One draft (also completed or discarded ones, to see what became of them); the read is audited. */
export async function getDraft(deps: Deps, caller: Caller, id: string): Promise<DraftView> {
  requireAccess(caller.actor, 'admission.create');
  return inTransaction(deps.db, async (trx) => {
    const draft = await loadDraft(trx, caller.actor, id);
    await recordAudit(trx, caller.audit, { action: 'admission_draft.read', targetType: 'admission_draft', targetId: id, facilityCode: draft.facilityCode, personId: draft.data.personId ?? null });
    return draft;
  });
}

function withoutNulls(data: Record<string, unknown>): DraftData {
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null && v !== undefined)) as DraftData;
}

function requireOpen(draft: DraftView): void {
  if (draft.status === 'completed') throw new AppError(409, 'draft_completed', 'admission.errors.draftCompleted');
  if (draft.status === 'discarded') throw new AppError(409, 'draft_discarded', 'admission.errors.draftDiscarded');
}

/**
 * Saves part of a draft: each top-level key sent replaces the stored one, a key sent as null
 * is removed. The caller sends the version it read; a newer one answers 409.
 */
export async function updateDraft(deps: Deps, caller: Caller, id: string, change: { version: number; data: Record<string, unknown> }): Promise<DraftView> {
  requireAccess(caller.actor, 'admission.create');
  return inTransaction(deps.db, async (trx) => {
    const before = await loadDraft(trx, caller.actor, id, { lock: true });
    requireOpen(before);
    if (before.version !== change.version) throw versionConflict();
    if ('children' in change.data && !caller.actor.permissions.has('person.children.read')) throw forbidden();
    // Merged into what is stored (the caller's view may leave out what they may not see).
    const merged = withoutNulls({ ...(await storedDraftData(trx, id)), ...change.data });
    const r = await trx
      .updateTable('admission_drafts')
      .set({ data: JSON.stringify(merged), updated_at: new Date(), version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', change.version)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw versionConflict();
    const after = await loadDraft(trx, caller.actor, id);
    const changedKeys = Object.keys(change.data);
    const pick = (d: DraftData) => Object.fromEntries(Object.entries(draftAuditData(d)).filter(([k]) => changedKeys.includes(k)));
    await recordAudit(trx, caller.audit, {
      action: 'admission_draft.updated',
      targetType: 'admission_draft',
      targetId: id,
      facilityCode: after.facilityCode,
      before: { version: before.version, data: pick(before.data) },
      after: { version: after.version, data: pick(after.data) },
    });
    return after;
  });
}

async function storedDraftData(trx: Kysely<Database>, id: string): Promise<DraftData> {
  const row = await trx.selectFrom('admission_drafts').select('data').where('id', '=', id).executeTakeFirstOrThrow();
  return (row.data ?? {}) as DraftData;
}

/**
 * What a closed (completed or discarded) draft keeps: everything but the health declaration
 * (from admission on, pregnancy and breastfeeding are for health staff only, in the health
 * declarations) and file contents.
 */
async function closeDraftData(trx: Kysely<Database>, id: string): Promise<string> {
  const data = { ...(await storedDraftData(trx, id)) };
  delete data.health;
  if (data.person?.photo) data.person = { ...data.person, photo: undefined };
  if (data.order?.scan) data.order = { ...data.order, scan: undefined };
  return JSON.stringify(data);
}

/** Discards an open draft (kept, marked discarded: nothing is deleted). */
export async function discardDraft(deps: Deps, caller: Caller, id: string): Promise<DraftView> {
  requireAccess(caller.actor, 'admission.create');
  return inTransaction(deps.db, async (trx) => {
    const before = await loadDraft(trx, caller.actor, id, { lock: true });
    requireOpen(before);
    await trx.updateTable('admission_drafts').set({ data: await closeDraftData(trx, id), discarded_at: new Date(), updated_at: new Date(), version: sql`version + 1` }).where('id', '=', id).execute();
    const after = await loadDraft(trx, caller.actor, id);
    await recordAudit(trx, caller.audit, { action: 'admission_draft.discarded', targetType: 'admission_draft', targetId: id, facilityCode: after.facilityCode, before: { status: before.status }, after: { status: after.status } });
    return after;
  });
}

/** The centres a caller may admit to (the choice on the first page). */
export async function facilityChoices(deps: Deps, caller: Caller) {
  requireAccess(caller.actor, 'admission.create');
  return repo.facilitiesInScope(deps.db, facilityScope(caller.actor));
}

// ---- the admission ----

const ajv = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validateBody = ajv.compile(AdmissionBody);

/**
 * The shape check the API's route schema makes, for callers that build the body themselves
 * (the guided form builds it from the draft): 400 with the fields at fault.
 */
export function checkAdmissionShape(body: unknown): asserts body is AdmissionInput {
  if (validateBody(body)) return;
  throw badRequest('errors.validation', fieldsFromAjv((validateBody.errors ?? []) as never, 'body'));
}

/** An order registered inline answers with the orders module's paths; here they sit under "order". */
function underOrder(e: unknown): unknown {
  if (!(e instanceof AppError)) return e;
  const fields = e.fields.map((f) => ({ ...f, path: f.path === 'order' || f.path.startsWith('order.') ? f.path : `order.${f.path}` }));
  return new AppError(e.status, e.code, e.key, e.params, fields);
}

function personName(p: { givenNames: string; firstSurname: string; secondSurname?: string | null | undefined; marriedSurname?: string | null | undefined }): string {
  return ext.fullName({ givenNames: p.givenNames, firstSurname: p.firstSurname, secondSurname: p.secondSurname ?? null, marriedSurname: p.marriedSurname ?? null });
}

/** The prisoner's minimal identity for the rest of the use case. */
interface AdmittedPerson {
  id: string;
  prisonerNumber: string;
  nationality: string;
  name: string;
  returning: boolean;
}

/** The new person as the persons module takes it (documents and aliases: the person's own and the further ones). */
function newPersonOf(p: NonNullable<AdmissionInput['person']>, extra: Pick<AdmissionInput, 'documents' | 'aliases'>, admissionDay: string): ext.NewPersonInput {
  const birth = birthDateOf(p, admissionDay);
  const doc = (d: NonNullable<AdmissionInput['documents']>[number]) => ({ kind: d.kind, number: d.number.trim(), issuingCountry: d.issuingCountry ?? (d.kind === 'cedula' ? 'PA' : null) });
  return {
    givenNames: p.givenNames,
    firstSurname: p.firstSurname,
    secondSurname: p.secondSurname ?? null,
    marriedSurname: p.marriedSurname ?? null,
    sex: p.sex,
    genderIdentity: p.genderIdentity ?? null,
    dateOfBirth: birth.date,
    birthDateEstimated: birth.estimated,
    nationality: p.nationality,
    languages: p.languages?.length ? p.languages : ['es'],
    literacy: p.literacy ?? null,
    disabilities: p.disabilities ?? null,
    distinguishingMarks: p.distinguishingMarks ?? null,
    documents: [...(p.documents ?? []), ...(extra.documents ?? [])].map(doc),
    aliases: [...(p.aliases ?? []), ...(extra.aliases ?? [])].map((a) => ({ alias: a.alias, kind: a.kind ?? 'alias' })),
  };
}

/** One problem per field (the first found), in the order found. */
function firstPerPath(fields: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return fields.filter((f) => (seen.has(f.path) ? false : (seen.add(f.path), true)));
}

/**
 * Checks the rules that need no database, all at once, so the caller sees every problem
 * together. Nothing has been written yet when these fail.
 */
export function admissionRuleProblems(settings: Settings, input: AdmissionInput, now: Date): FieldError[] {
  const fields: FieldError[] = [...presenceProblems(input), ...timeProblems(input, now)];
  const admitted = Date.parse(input.admittedAt);
  const admissionDay = dateIn(settings.timeZone, Number.isNaN(admitted) ? now : new Date(admitted));
  if (input.person) {
    // The persons module's identity rules (names, sex, nationality, documents with the cédula format) …
    fields.push(...ext.personInputProblems(newPersonOf(input.person, {}, admissionDay), 'person.', dateIn(settings.timeZone, now)));
    // … and admission's own: born before the admission, an adult.
    fields.push(...personProblems(input.person, input.admittedAt, settings.timeZone));
    if (input.person.photo && input.person.photoFileId) fields.push({ path: 'person.photoFileId', key: 'admission.errors.photoTwice' });
  }
  (input.documents ?? []).forEach((d, i) => fields.push(...ext.documentProblems({ kind: d.kind, number: d.number, issuingCountry: d.issuingCountry ?? null }, `documents[${i}]`)));
  fields.push(...childProblems(input.children, input.admittedAt, settings.timeZone));
  return firstPerPath(fields);
}

/**
 * Admits a person. The caller needs admission.create and the centre in scope (else 404);
 * children need person.children.read as well (they are confidential: Bangkok Rule 3).
 */
export async function admit(deps: Deps, caller: Caller, input: AdmissionInput): Promise<AdmissionResult> {
  const { actor } = caller;
  requireAccess(actor, 'admission.create');
  if (input.children?.length && !actor.permissions.has('person.children.read')) throw forbidden();
  const now = new Date();
  const problems = admissionRuleProblems(deps.settings, input, now);
  if (problems.length) throw unprocessable('admission.errors.invalid', problems);

  return inTransaction(deps.db, async (trx) => {
    const facility = await requireFacility(trx, actor, input.facilityCode);

    // The draft this admission completes: open, of the same centre, in scope.
    let draft: DraftView | null = null;
    if (input.draftId) {
      draft = await loadDraft(trx, actor, input.draftId, { lock: true }).catch((e: unknown) => {
        throw e instanceof AppError && e.status === 404 ? fieldRule('draftId', 'admission.errors.draftNotFound') : e;
      });
      requireOpen(draft);
      if (draft.facilityCode !== input.facilityCode) throw fieldRule('draftId', 'admission.errors.draftOtherFacility');
      // Children in the draft that this caller may not see would be lost: an authorized officer completes it.
      if (!actor.permissions.has('person.children.read') && (await storedDraftData(trx, draft.id)).children?.length) throw forbidden();
    }

    // The person: a returning person's file, locked so that two admissions of the same person
    // cannot both pass the "not in custody" check; or the new person's name for the order.
    let existing: { id: string; prisoner_number: string; nationality: string; given_names: string; first_surname: string; second_surname: string | null; married_surname: string | null; custody_status: string; merged_into: string | null } | undefined;
    if (input.personId) {
      existing = await trx
        .selectFrom('persons')
        .select(['id', 'prisoner_number', 'nationality', 'given_names', 'first_surname', 'second_surname', 'married_surname', 'custody_status', 'merged_into'])
        .where('id', '=', input.personId)
        .forUpdate()
        .executeTakeFirst();
      if (!existing) throw fieldRule('personId', 'admission.errors.personNotFound');
      if (existing.merged_into) throw fieldRule('personId', 'admission.errors.personMerged');
      const open = await trx.selectFrom('custody_episodes').select(['id', 'facility_code']).where('person_id', '=', existing.id).where('released_at', 'is', null).executeTakeFirst();
      if (open || existing.custody_status === 'in_custody' || existing.custody_status === 'in_transit') {
        throw new AppError(409, 'already_in_custody', 'admission.errors.alreadyInCustody', {}, [{ path: 'personId', key: 'admission.errors.alreadyInCustody' }]);
      }
    }

    // The order. An order given inline is registered through the orders module (its rules
    // apply, under "order."), and being unverified it cannot admit: the admission is refused
    // and, the transaction rolled back, nothing stays registered either.
    if (input.order) {
      const subjectName = input.order.subjectName ?? (input.person ? personName(input.person) : existing ? personName({ givenNames: existing.given_names, firstSurname: existing.first_surname, secondSurname: existing.second_surname, marriedSurname: existing.married_surname }) : '');
      try {
        await ext.registerOrder(
          { db: trx, settings: deps.settings },
          caller,
          {
            kind: 'commitment',
            authorityKind: input.order.authorityKind,
            issuingAuthority: input.order.issuingAuthority,
            caseNumber: input.order.caseNumber,
            orderDate: input.order.orderDate,
            subjectName,
            personId: existing?.id ?? null,
            facilityCode: input.facilityCode,
            legalStatus: input.order.legalStatus ?? 'pretrial',
            notes: input.order.notes ?? null,
            scan: input.order.scan ? decodeBase64File(input.order.scan.contentBase64, 'order.scan.contentBase64') : null,
          },
          { scanPath: 'order.scan.contentBase64' },
        );
      } catch (e) {
        throw underOrder(e);
      }
      throw fieldRule('order', 'admission.errors.orderUnverified');
    }
    const order = await ext.requireVerifiedOrder(trx, input.orderId!, { kind: 'commitment', facilityCode: input.facilityCode, path: 'orderId' });
    if (order.person_id && existing && order.person_id !== existing.id) throw fieldRule('orderId', 'admission.errors.orderOtherPerson');
    if (order.person_id && !existing) throw fieldRule('orderId', 'admission.errors.orderOtherPerson');

    // Where the person sleeps the first night: the unit named, or the reception unit.
    const unit = await repo.findUnit(trx, facility.code, input.placement?.unitId);
    if (!unit) throw fieldRule('placement.unitId', input.placement?.unitId ? 'admission.errors.unitUnknown' : 'admission.errors.noReceptionUnit');

    const admittedAt = new Date(input.admittedAt);
    const arrestedAt = new Date(input.arrest.at);
    const admissionDay = dateIn(deps.settings.timeZone, admittedAt);

    // Photo: sent now (base64), or stored earlier by the guided form.
    let photoFileId: string | null = null;
    if (input.person?.photo) {
      photoFileId = await storeFile(trx, { data: decodeBase64File(input.person.photo, 'person.photo'), createdBy: actor.userId, path: 'person.photo', allowed: imageTypes });
    } else if (input.person?.photoFileId) {
      const f = await trx.selectFrom('stored_files').select(['id', 'content_type']).where('id', '=', input.person.photoFileId).executeTakeFirst();
      if (!f || !(imageTypes as readonly string[]).includes(f.content_type)) throw fieldRule('person.photoFileId', 'admission.errors.photoUnknown');
      photoFileId = f.id;
    }

    // The person's file: created, or the returning person's linked.
    let person: AdmittedPerson;
    if (existing) {
      person = { id: existing.id, prisonerNumber: existing.prisoner_number, nationality: existing.nationality, name: personName({ givenNames: existing.given_names, firstSurname: existing.first_surname, secondSurname: existing.second_surname, marriedSurname: existing.married_surname }), returning: true };
      await addDocumentsAndAliases(trx, person.id, input.documents ?? [], input.aliases ?? []);
    } else {
      const p = input.person!;
      const created = await ext
        .insertPerson(trx, { ...newPersonOf(p, input, admissionDay), photoFileId, locationFacilityCode: facility.code, custodyStatus: 'in_custody' }, actor.userId)
        .catch((e: unknown) => {
          throw e instanceof AppError ? new AppError(e.status, e.code, e.key, e.params, e.fields.map((f) => ({ ...f, path: `person.${f.path}` }))) : e;
        });
      person = { id: created.id, prisonerNumber: created.prisonerNumber, nationality: p.nationality, name: personName(p), returning: false };
    }

    // The custody episode. The unique index custody_episodes_one_open refuses a second open
    // episode even if two admissions of one person race past the check above.
    const episodeId = await trx
      .insertInto('custody_episodes')
      .values({
        person_id: person.id,
        facility_code: facility.code,
        admission_order_id: order.id,
        arrested_at: arrestedAt,
        arrest_place: input.arrest.place.trim(),
        admitted_at: admittedAt,
        admitted_by: actor.userId,
        visible_injuries: input.injuries?.visible?.trim() || null,
        ill_treatment_complaint: input.injuries?.illTreatmentComplaint?.trim() || null,
        rights_information_language: input.rightsInformation?.language ?? null,
        rights_information_given_at: input.rightsInformation ? new Date(input.rightsInformation.givenAt) : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
      .then((r) => r.id)
      .catch((e: unknown) => {
        if ((e as { code?: string }).code === '23505') throw new AppError(409, 'already_in_custody', 'admission.errors.alreadyInCustody', {}, [{ path: 'personId', key: 'admission.errors.alreadyInCustody' }]);
        throw e;
      });

    const legalStatus: LegalStatus = order.legal_status ?? 'pretrial';
    const reason = 'admission';
    await trx.insertInto('legal_status_periods').values({ episode_id: episodeId, status: legalStatus, valid_from: admittedAt, order_id: order.id, reason, recorded_by: actor.userId }).execute();
    await trx.insertInto('placements').values({ episode_id: episodeId, facility_code: facility.code, unit_id: unit.id, valid_from: admittedAt, reason, recorded_by: actor.userId }).execute();
    await trx.insertInto('movements').values({ episode_id: episodeId, person_id: person.id, kind: 'admission', occurred_at: admittedAt, to_facility_code: facility.code, order_id: order.id, reason, recorded_by: actor.userId }).execute();
    // The centre responsible for the person from the admission on (counting and the roll).
    await trx.insertInto('facility_stays').values({ episode_id: episodeId, person_id: person.id, facility_code: facility.code, from_at: admittedAt, recorded_by: actor.userId }).execute();

    const signedOff = input.propertySignedOff === true;
    if (input.property?.length) {
      await trx
        .insertInto('property_items')
        .values(
          input.property.map((item) => ({
            episode_id: episodeId,
            description: item.description.trim(),
            quantity: item.quantity ?? 1,
            condition: item.condition?.trim() || null,
            storage_location: item.storageLocation?.trim() || null,
            recorded_by: actor.userId,
            signed_off_by: signedOff ? actor.userId : null,
            signed_off_at: signedOff ? now : null,
          })),
        )
        .execute();
    }
    if (input.contacts?.length) {
      await trx
        .insertInto('person_contacts')
        .values(
          input.contacts.map((c) => ({
            person_id: person.id,
            name: c.name.trim(),
            relationship: c.relationship.trim(),
            phone: c.phone?.trim() || null,
            address: c.address?.trim() || null,
            is_emergency: c.isEmergency ?? false,
            is_next_of_kin: c.isNextOfKin ?? false,
          })),
        )
        .execute();
    }
    if (input.children?.length) {
      await trx
        .insertInto('person_children')
        .values(
          input.children.map((c) => ({
            person_id: person.id,
            name: c.name.trim(),
            date_of_birth: c.dateOfBirth ?? null,
            age_years: c.ageYears ?? null,
            whereabouts: c.whereabouts.trim(),
            caregiver: c.caregiver?.trim() || null,
            lives_in_centre: c.livesInCentre ?? false,
          })),
        )
        .execute();
    }
    if (input.health) {
      await ext.recordHealthDeclaration(trx, { personId: person.id, pregnant: input.health.pregnant ?? false, breastfeeding: input.health.breastfeeding ?? false, notes: input.health.notes?.trim() || null }, actor.userId);
    }

    // Where the person is, for scope and search: held here from now on.
    await trx
      .updateTable('persons')
      .set({
        location_facility_code: facility.code,
        transit_facility_code: null,
        custody_status: 'in_custody',
        ...(existing && photoFileId ? { photo_file_id: photoFileId } : {}),
        updated_at: now,
        version: sql`version + 1`,
      })
      .where('id', '=', person.id)
      .execute();
    if (!order.person_id) await trx.updateTable('judicial_orders').set({ person_id: person.id, version: sql`version + 1` }).where('id', '=', order.id).execute();
    await openCaseFromCommitmentOrder(trx, { personId: person.id, episodeId, order, legalStatus, actorId: actor.userId, audit: caller.audit });
    // The person's legal time from the first day, in the admission's transaction: release
    // control's pretrial alerts read the stored computation, so waiting for the daily
    // `recompute-sentences` would leave a newcomer outside every limit until it ran.
    await ext.recomputeSentence(trx, { personId: person.id, cause: 'admission', actorId: actor.userId, audit: caller.audit, timeZone: deps.settings.timeZone });
    if (draft) await trx.updateTable('admission_drafts').set({ data: await closeDraftData(trx, draft.id), completed_episode_id: episodeId, updated_at: now, version: sql`version + 1` }).where('id', '=', draft.id).execute();

    // Alerts: health screening always (Mandela Rule 30: within 24 hours), injuries or a
    // complaint of ill-treatment to the director and to health staff (Rules 30, 33–34), and
    // consular notification for a foreign national (Rule 62, Bangkok Rule 2).
    const alertIds: string[] = [];
    const raise = async (typeCode: string, summaryKey: string, extra: { recipientRole?: string; dueAt?: Date; details?: Record<string, unknown> } = {}) => {
      const id = await ext.raiseAlert(
        trx,
        {
          typeCode,
          personId: person.id,
          facilityCode: facility.code,
          summary: systemT(summaryKey, { number: person.prisonerNumber, facility: facility.name, nationality: person.nationality }),
          details: { episodeId, prisonerNumber: person.prisonerNumber, ...extra.details },
          raisedBy: actor.userId,
          ...(extra.recipientRole ? { recipientRole: extra.recipientRole } : {}),
          ...(extra.dueAt ? { dueAt: extra.dueAt } : {}),
        },
        caller.audit,
      );
      alertIds.push(id);
    };
    const injured = Boolean(input.injuries?.visible?.trim());
    const complaint = Boolean(input.injuries?.illTreatmentComplaint?.trim());
    if (injured || complaint) {
      const details = { visibleInjuries: injured, illTreatmentComplaint: complaint };
      await raise('injuries_on_admission', 'admission.alerts.injuries', { recipientRole: 'director', details });
      await raise('injuries_on_admission', 'admission.alerts.injuries', { recipientRole: 'health', details });
    }
    if (person.nationality !== 'PA') await raise('foreign_national', 'admission.alerts.foreign', { details: { nationality: person.nationality } });
    await raise('health_screening_due', 'admission.alerts.screening', { recipientRole: 'health', dueAt: new Date(admittedAt.getTime() + 24 * 3600_000) });

    const result: AdmissionResult = {
      episodeId,
      personId: person.id,
      prisonerNumber: person.prisonerNumber,
      returning: person.returning,
      facilityCode: facility.code,
      unitId: unit.id,
      orderId: order.id,
      legalStatus,
      admittedAt: admittedAt.toISOString(),
      alertIds,
    };
    // The summary the audit keeps: what was recorded, never the clinical declaration's contents.
    await recordAudit(trx, caller.audit, {
      action: 'admission.created',
      targetType: 'custody_episode',
      targetId: episodeId,
      facilityCode: facility.code,
      personId: person.id,
      after: {
        personId: person.id,
        prisonerNumber: person.prisonerNumber,
        returning: person.returning,
        facilityCode: facility.code,
        unitId: unit.id,
        orderId: order.id,
        legalStatus,
        arrestedAt: arrestedAt.toISOString(),
        arrestPlace: input.arrest.place.trim(),
        admittedAt: admittedAt.toISOString(),
        visibleInjuriesRecorded: injured,
        illTreatmentComplaintRecorded: complaint,
        rightsInformation: input.rightsInformation ?? null,
        propertyItems: input.property?.length ?? 0,
        propertySignedOff: signedOff,
        contacts: input.contacts?.length ?? 0,
        children: input.children?.length ?? 0,
        healthDeclarationRecorded: Boolean(input.health),
        photo: photoFileId !== null,
        draftId: draft?.id ?? null,
        alertIds,
      },
    });
    return result;
  });
}

/** A returning person's further documents and aliases (those not on the file already). */
async function addDocumentsAndAliases(trx: Kysely<Database>, personId: string, documents: NonNullable<AdmissionInput['documents']>, aliases: NonNullable<AdmissionInput['aliases']>): Promise<void> {
  if (!documents.length && !aliases.length) return;
  const have = await trx.selectFrom('person_documents').select(['kind', 'number_normalized']).where('person_id', '=', personId).where('ended_at', 'is', null).execute();
  const seen = new Set(have.map((d) => `${d.kind}:${d.number_normalized}`));
  for (const d of documents) {
    const normalized = ext.normalizeDocumentNumber(d.number);
    if (seen.has(`${d.kind}:${normalized}`)) continue;
    seen.add(`${d.kind}:${normalized}`);
    await trx.insertInto('person_documents').values({ person_id: personId, kind: d.kind, number: ext.documentNumberAsStored(d), number_normalized: normalized, issuing_country: d.issuingCountry ?? (d.kind === 'cedula' ? 'PA' : null) }).execute();
  }
  const haveAliases = await trx.selectFrom('person_aliases').select('alias').where('person_id', '=', personId).where('ended_at', 'is', null).execute();
  const known = new Set(haveAliases.map((a) => ext.foldText(a.alias)));
  for (const a of aliases) {
    if (known.has(ext.foldText(a.alias))) continue;
    known.add(ext.foldText(a.alias));
    await trx.insertInto('person_aliases').values({ person_id: personId, alias: a.alias.trim().replace(/\s+/g, ' '), kind: a.kind ?? 'alias' }).execute();
  }
  await ext.refreshSearchText(trx, personId);
}

/** The person a completed draft's episode admitted (where the form leads afterwards). */
export async function personOfEpisode(deps: Deps, episodeId: string): Promise<string | null> {
  const row = await deps.db.selectFrom('custody_episodes').select('person_id').where('id', '=', episodeId).executeTakeFirst();
  return row?.person_id ?? null;
}

/** Commitment orders of a centre a draft can choose from, or is waiting for (the order step). */
export async function orderChoices(deps: Deps, caller: Caller, facilityCode: string) {
  requireAccess(caller.actor, 'admission.create');
  await requireFacility(deps.db, caller.actor, facilityCode);
  return repo.commitmentOrdersFor(deps.db, facilityCode);
}

/** The order a draft names, as the order step and the review show it (undefined when unknown). */
export async function orderSummary(deps: Deps, caller: Caller, orderId: string) {
  requireAccess(caller.actor, 'admission.create');
  if (!uuidPattern.test(orderId)) return undefined;
  const scope = facilityScope(caller.actor);
  const o = await repo.findOrderSummary(deps.db, orderId);
  return o && (scope === null || scope.includes(o.facility_code)) ? o : undefined;
}
