// The prisoner file's use cases: search, reading a file (one audit entry per read), identity
// corrections (new entries with a reason; the old value stays visible), aliases, documents,
// contacts, children (confidential), health declarations (health staff only; everyone sees
// the consequence), the photo and the printable admission record. Merges are in merge.ts.
// Every use case checks access first, runs in one transaction and audits in it.
import type { Kysely, Transaction } from 'kysely';
import type { Settings } from '../../config.ts';
import type { Actor } from '../../platform/access/actor.ts';
import type { Permission } from '../../platform/access/permissions.ts';
import { requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit, type AuditActor } from '../../platform/audit/audit.ts';
import type { Database, LegalStatus, Sex } from '../../platform/db/schema.ts';
import { readStoredFile, storeFile } from '../../platform/files/stored-files.ts';
import { AppError, fieldRule, forbidden, notFound, unprocessable, type FieldError } from '../../platform/http/errors.ts';
import { versionConflict } from '../../platform/http/idempotency.ts';
import { todayIn } from '../../platform/time.ts';
import { ageOn, birthDateRange, cedulaKey, foldText, fullName, isCalendarDate, normalizeDocumentNumber, prisonerNumberOf } from './identity.ts';
import * as repo from './repository.ts';
import { isUuid, personScopeSql, requirePersonInScope } from './scope.ts';

export interface Deps {
  /** May be a transaction (Idempotency-Key runs a create inside its own). */
  db: Kysely<Database>;
  settings: Settings;
}

export interface Caller {
  actor: Actor;
  audit: AuditActor;
}

export function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
const can = (caller: Caller, p: Permission): boolean => caller.actor.permissions.has(p);
const clean = (s: string | null | undefined): string | null => {
  const t = (s ?? '').trim().replace(/[ \t]+/g, ' ');
  return t === '' ? null : t;
};
const invalid = (fields: FieldError[]) => unprocessable('errors.validation', fields);

// ---- search ----

export interface SearchQuery {
  q?: string | undefined;
  limit?: number | undefined;
  facility?: string | undefined;
  legalStatus?: LegalStatus | undefined;
  sex?: Sex | undefined;
  ageBand?: string | undefined;
}

export interface SearchItem {
  id: string;
  prisonerNumber: string;
  givenNames: string;
  firstSurname: string;
  secondSurname: string | null;
  marriedSurname: string | null;
  facilityCode: string | null;
  transitFacilityCode: string | null;
  custodyStatus: string;
  legalStatus: LegalStatus | null;
  dateOfBirth: string | null;
  birthDateEstimated: boolean;
  sex: Sex;
  nationality: string;
  photo: boolean;
  score: number | null;
}

/** How a query is read: a prisoner or document number when it holds a digit, otherwise a name. */
export function searchModeOf(q: string): repo.SearchMode {
  const trimmed = q.trim();
  if (trimmed === '') return { kind: 'all' };
  if (/\d/.test(trimmed)) return { kind: 'identifier', prisonerNumber: prisonerNumberOf(trimmed), document: normalizeDocumentNumber(trimmed) };
  const text = foldText(trimmed);
  return text === '' ? { kind: 'all' } : { kind: 'name', text };
}

/**
 * People in the caller's scope matching the query, best first (prisoner number and document
 * number exactly; names accent-insensitive and typo-tolerant, either surname in any order,
 * aliases included); without a query, everyone in scope by name. One audit entry per search,
 * with the query and filters and the count, never the people found.
 */
export async function searchPersons(deps: Deps, caller: Caller, query: SearchQuery): Promise<{ items: SearchItem[]; total: number; totalCapped: boolean }> {
  requireAccess(caller.actor, 'person.read');
  const q = (query.q ?? '').trim().slice(0, 200);
  const limit = Math.min(Math.max(query.limit ?? 20, 1), 200);
  const now = new Date();
  const filters: repo.SearchFilters = { facility: query.facility, legalStatus: query.legalStatus, sex: query.sex };
  if (query.ageBand) {
    const range = birthDateRange(query.ageBand, todayIn(deps.settings.timeZone));
    if (!range) throw fieldRule('ageBand', 'persons.errors.ageBand');
    filters.bornAfter = range.bornAfter;
    filters.bornOnOrBefore = range.bornOnOrBefore;
  }
  let mode = searchModeOf(q);
  return inTransaction(deps.db, async (trx) => {
    const scope = personScopeSql(caller.actor);
    let result = await repo.searchPersons(trx, scope, mode, filters, limit, now);
    // A number that is nobody's exactly may be a mistyped document: try it as text.
    if (mode.kind === 'identifier' && result.total === 0 && mode.document.length >= 4) {
      // Names with a stray digit are searched as names; bare numbers as the stored (normalized) numbers.
      mode = { kind: 'name', text: /\p{L}{3,}/u.test(q.replace(/^\s*PPL/i, '')) ? foldText(q) : mode.document.toLowerCase() };
      result = await repo.searchPersons(trx, scope, mode, filters, limit, now);
    }
    await recordAudit(trx, caller.audit, {
      action: 'person.search',
      targetType: 'person',
      details: { q: q || null, mode: mode.kind, facility: query.facility ?? null, legalStatus: query.legalStatus ?? null, sex: query.sex ?? null, ageBand: query.ageBand ?? null, limit, total: result.total },
    });
    return {
      items: result.rows.map((r) => ({
        id: r.id,
        prisonerNumber: r.prisoner_number,
        givenNames: r.given_names,
        firstSurname: r.first_surname,
        secondSurname: r.second_surname,
        marriedSurname: r.married_surname,
        facilityCode: r.location_facility_code,
        transitFacilityCode: r.transit_facility_code,
        custodyStatus: r.custody_status,
        legalStatus: r.legal_status,
        dateOfBirth: r.date_of_birth,
        birthDateEstimated: r.birth_date_estimated,
        sex: r.sex,
        nationality: r.nationality,
        photo: r.has_photo,
        score: r.score === null ? null : Math.round(Number(r.score) * 1000) / 1000,
      })),
      total: result.total,
      totalCapped: result.capped,
    };
  });
}

// ---- reading a file ----

function aliasView(a: Awaited<ReturnType<typeof repo.listAliases>>[number]) {
  return { id: a.id, alias: a.alias, kind: a.kind, createdAt: a.created_at.toISOString(), endedAt: iso(a.ended_at) };
}
function documentView(d: Awaited<ReturnType<typeof repo.listDocuments>>[number]) {
  return { id: d.id, kind: d.kind, number: d.number, issuingCountry: d.issuing_country, createdAt: d.created_at.toISOString(), endedAt: iso(d.ended_at) };
}
function contactView(c: Awaited<ReturnType<typeof repo.listContacts>>[number]) {
  return {
    id: c.id,
    name: c.name,
    relationship: c.relationship,
    phone: c.phone,
    address: c.address,
    isEmergency: c.is_emergency,
    isNextOfKin: c.is_next_of_kin,
    createdAt: c.created_at.toISOString(),
    endedAt: iso(c.ended_at),
  };
}
function childView(c: Awaited<ReturnType<typeof repo.listChildren>>[number], today: string) {
  return {
    id: c.id,
    name: c.name,
    dateOfBirth: c.date_of_birth,
    ageYears: c.date_of_birth ? ageOn(c.date_of_birth, today) : c.age_years,
    whereabouts: c.whereabouts,
    caregiver: c.caregiver,
    livesInCentre: c.lives_in_centre,
    createdAt: c.created_at.toISOString(),
    endedAt: iso(c.ended_at),
  };
}
function declarationView(h: Awaited<ReturnType<typeof repo.listHealthDeclarations>>[number]) {
  return {
    id: h.id,
    pregnant: h.pregnant,
    breastfeeding: h.breastfeeding,
    notes: h.notes,
    declaredAt: h.declared_at.toISOString(),
    validUntil: iso(h.valid_until),
    recordedBy: h.recorded_by_name ?? null,
  };
}

export type AliasView = ReturnType<typeof aliasView>;
export type DocumentView = ReturnType<typeof documentView>;
export type ContactView = ReturnType<typeof contactView>;
export type ChildView = ReturnType<typeof childView>;
export type DeclarationView = ReturnType<typeof declarationView>;

/** The file as the caller may see it: children only with person.children.read, health declarations only with health.read. */
async function loadPersonView(db: Kysely<Database>, caller: Caller, id: string, today: string) {
  const now = new Date();
  const p = await repo.findPerson(db, id);
  if (!p) throw notFound();
  const [aliases, documents, contacts, children, declarations, protection, episode, alerts, facility, transit] = await Promise.all([
    repo.listAliases(db, id),
    repo.listDocuments(db, id),
    repo.listContacts(db, id),
    can(caller, 'person.children.read') ? repo.listChildren(db, id) : Promise.resolve(null),
    can(caller, 'health.read') ? repo.listHealthDeclarations(db, id) : Promise.resolve(null),
    repo.protectionOf(db, id, now),
    repo.currentEpisode(db, id, now),
    repo.openAlerts(db, id),
    p.location_facility_code ? db.selectFrom('facilities').select(['code', 'name']).where('code', '=', p.location_facility_code).executeTakeFirst() : Promise.resolve(undefined),
    p.transit_facility_code ? db.selectFrom('facilities').select(['code', 'name']).where('code', '=', p.transit_facility_code).executeTakeFirst() : Promise.resolve(undefined),
  ]);
  const healthReader = can(caller, 'health.read');
  return {
    id: p.id,
    prisonerNumber: p.prisoner_number,
    givenNames: p.given_names,
    firstSurname: p.first_surname,
    secondSurname: p.second_surname,
    marriedSurname: p.married_surname,
    fullName: fullName({ givenNames: p.given_names, firstSurname: p.first_surname, secondSurname: p.second_surname, marriedSurname: p.married_surname }),
    sex: p.sex,
    genderIdentity: p.gender_identity,
    dateOfBirth: p.date_of_birth,
    birthDateEstimated: p.birth_date_estimated,
    age: p.date_of_birth ? ageOn(p.date_of_birth, today) : null,
    nationality: p.nationality,
    languages: p.languages,
    literacy: p.literacy,
    disabilities: p.disabilities,
    distinguishingMarks: p.distinguishing_marks,
    photo: p.photo_file_id !== null,
    custodyStatus: p.custody_status,
    facilityCode: p.location_facility_code,
    facilityName: facility?.name ?? null,
    transitFacilityCode: p.transit_facility_code,
    transitFacilityName: transit?.name ?? null,
    aliases: aliases.map(aliasView),
    documents: documents.map(documentView),
    contacts: contacts.map(contactView),
    ...(children ? { children: children.map((c) => childView(c, today)) } : {}),
    ...(declarations ? { health: { declarations: declarations.map(declarationView) } } : {}),
    protection,
    currentEpisode: episode
      ? {
          id: episode.id,
          facilityCode: episode.facility_code,
          facilityName: episode.facility_name,
          unit: episode.unit_id ? { id: episode.unit_id, code: episode.unit_code!, name: episode.unit_name! } : null,
          cell: episode.cell_id ? { id: episode.cell_id, code: episode.cell_code! } : null,
          legalStatus: episode.legal_status ?? null,
          legalStatusSince: iso(episode.status_since),
          arrestedAt: episode.arrested_at.toISOString(),
          arrestPlace: episode.arrest_place,
          admittedAt: episode.admitted_at.toISOString(),
          admissionOrderId: episode.admission_order_id,
        }
      : null,
    // Alerts for health staff may carry clinical detail: others see the type, not the summary.
    alerts: alerts.map((a) => ({
      id: a.id,
      typeCode: a.type_code,
      typeName: caller.actor.language === 'en' ? a.name_en : a.name_es,
      severity: a.severity,
      summary: a.recipient_role === 'health' && !healthReader ? null : a.summary,
      raisedAt: a.raised_at.toISOString(),
      dueAt: a.due_at.toISOString(),
      acknowledged: a.acknowledged_at !== null,
    })),
    createdAt: p.created_at.toISOString(),
    updatedAt: p.updated_at.toISOString(),
    version: p.version,
  };
}

export type PersonView = Awaited<ReturnType<typeof loadPersonView>>;

async function loadHistory(db: Kysely<Database>, id: string) {
  const [corrections, episodes, movements, orders, property] = await Promise.all([
    repo.listCorrections(db, id),
    repo.listEpisodes(db, id),
    repo.listMovements(db, id),
    repo.listOrders(db, id),
    repo.listProperty(db, id),
  ]);
  return {
    corrections: corrections.map((c) => ({ id: c.id, field: c.field, oldValue: c.old_value ?? null, newValue: c.new_value ?? null, reason: c.reason, correctedAt: c.corrected_at.toISOString(), correctedBy: c.corrected_by_name ?? null })),
    episodes: episodes.map((e) => ({
      id: e.id,
      facilityCode: e.facility_code,
      facilityName: e.facility_name,
      arrestedAt: e.arrested_at.toISOString(),
      arrestPlace: e.arrest_place,
      admittedAt: e.admitted_at.toISOString(),
      releasedAt: iso(e.released_at),
      releaseReason: e.release_reason,
      admissionOrderId: e.admission_order_id,
      admissionCaseNumber: e.admission_case_number ?? null,
      releaseOrderId: e.release_order_id,
    })),
    movements: movements.map((m) => ({
      id: m.id,
      episodeId: m.episode_id,
      kind: m.kind,
      occurredAt: m.occurred_at.toISOString(),
      fromFacilityCode: m.from_facility_code,
      fromFacilityName: m.from_facility_name ?? null,
      toFacilityCode: m.to_facility_code,
      toFacilityName: m.to_facility_name ?? null,
      orderId: m.order_id,
      reason: m.reason,
    })),
    orders: orders.map((o) => ({
      id: o.id,
      kind: o.kind,
      authorityKind: o.authority_kind,
      issuingAuthority: o.issuing_authority,
      caseNumber: o.case_number,
      orderDate: o.order_date,
      facilityCode: o.facility_code,
      legalStatus: o.legal_status,
      status: o.status,
      registeredAt: o.registered_at.toISOString(),
      verifiedAt: iso(o.verified_at),
      verificationMethod: o.verification_method,
      hasScan: Boolean(o.has_scan),
    })),
    property: property.map((i) => ({
      id: i.id,
      episodeId: i.episode_id,
      description: i.description,
      quantity: i.quantity,
      condition: i.condition,
      storageLocation: i.storage_location,
      signedOffAt: iso(i.signed_off_at),
      signedOffBy: i.signed_off_by_name ?? null,
      returnedAt: iso(i.returned_at),
    })),
  };
}

export type HistoryView = Awaited<ReturnType<typeof loadHistory>>;

async function auditRead(trx: Kysely<Database>, caller: Caller, person: { id: string; location_facility_code: string | null }, part: string): Promise<void> {
  await recordAudit(trx, caller.audit, { action: 'person.read', targetType: 'person', targetId: person.id, personId: person.id, facilityCode: person.location_facility_code, details: { part } });
}

/** One person's file (404 outside the caller's scope). Exactly one audit entry, in the same transaction. */
export async function getPerson(deps: Deps, caller: Caller, id: string): Promise<PersonView> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    const person = await requirePersonInScope(trx, caller.actor, id);
    const view = await loadPersonView(trx, caller, id, todayIn(deps.settings.timeZone));
    await auditRead(trx, caller, person, 'file');
    return view;
  });
}

/** Corrections, custody episodes, movements, orders and property of one person: one audit entry. */
export async function getHistory(deps: Deps, caller: Caller, id: string): Promise<HistoryView> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    const person = await requirePersonInScope(trx, caller.actor, id);
    const history = await loadHistory(trx, id);
    await auditRead(trx, caller, person, 'history');
    return history;
  });
}

/** The person's page: the file and its history, read together, audited once. */
export async function getPersonPage(deps: Deps, caller: Caller, id: string): Promise<{ person: PersonView; history: HistoryView; photoInline: { contentType: string; data: Buffer } | null }> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    const person = await requirePersonInScope(trx, caller.actor, id);
    const [view, history] = await Promise.all([loadPersonView(trx, caller, id, todayIn(deps.settings.timeZone)), loadHistory(trx, id)]);
    const photoInline = view.photo ? await inlinePhoto(trx, id) : null;
    await auditRead(trx, caller, person, 'page');
    return { person: view, history, photoInline };
  });
}

/** Photos up to this size are embedded in the page (one request, one audit entry). */
export const inlinePhotoMaxBytes = 512 * 1024;

async function inlinePhoto(db: Kysely<Database>, personId: string) {
  const row = await db
    .selectFrom('persons as p')
    .innerJoin('stored_files as f', 'f.id', 'p.photo_file_id')
    .select(['f.content_type', 'f.data', 'f.size_bytes'])
    .where('p.id', '=', personId)
    .executeTakeFirst();
  if (!row || row.size_bytes > inlinePhotoMaxBytes) return null;
  return { contentType: row.content_type, data: Buffer.from(row.data) };
}

// ---- identity corrections ----

/** The identity fields a correction may change: API name → column, and how values compare. */
export const correctableFields = {
  givenNames: 'given_names',
  firstSurname: 'first_surname',
  secondSurname: 'second_surname',
  marriedSurname: 'married_surname',
  sex: 'sex',
  genderIdentity: 'gender_identity',
  dateOfBirth: 'date_of_birth',
  birthDateEstimated: 'birth_date_estimated',
  nationality: 'nationality',
  languages: 'languages',
  literacy: 'literacy',
  disabilities: 'disabilities',
  distinguishingMarks: 'distinguishing_marks',
} as const;

export type CorrectableField = keyof typeof correctableFields;
export type IdentityChanges = { [K in CorrectableField]?: unknown };

export interface Correction {
  version: number;
  reason: string;
  changes: IdentityChanges;
}

const nameFields: readonly CorrectableField[] = ['givenNames', 'firstSurname', 'secondSurname', 'marriedSurname'];

function normalizeChange(field: CorrectableField, value: unknown): unknown {
  if (value === undefined) return undefined;
  if (field === 'languages') return Array.isArray(value) ? value.map((l) => String(l).trim().toLowerCase()).filter((l) => l !== '') : value;
  if (field === 'birthDateEstimated') return Boolean(value);
  if (field === 'nationality') return typeof value === 'string' ? value.trim().toUpperCase() : value;
  if (typeof value === 'string') return clean(value);
  return value;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Corrects identity fields. Each changed field becomes a person_corrections row with the old
 * and new value and the reason; the person is updated; optimistic on `version` (409 when stale).
 */
export async function correctIdentity(deps: Deps, caller: Caller, id: string, input: Correction): Promise<PersonView> {
  requireAccess(caller.actor, 'person.write');
  const reason = clean(input.reason);
  if (!reason) throw fieldRule('reason', 'persons.errors.reasonRequired');
  const today = todayIn(deps.settings.timeZone);
  return inTransaction(deps.db, async (trx) => {
    const scoped = await requirePersonInScope(trx, caller.actor, id, { forUpdate: true });
    if (scoped.version !== input.version) throw versionConflict();
    const p = (await repo.findPerson(trx, id))!;
    const changes: Partial<Record<CorrectableField, unknown>> = {};
    for (const k of Object.keys(input.changes) as CorrectableField[]) {
      if (!(k in correctableFields)) continue;
      const v = normalizeChange(k, input.changes[k]);
      if (v !== undefined) changes[k] = v;
    }
    const problems = identityProblems(changes, today);
    if (problems.length) throw invalid(problems);
    const rows: { field: CorrectableField; old: unknown; now: unknown }[] = [];
    const set: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(changes) as [CorrectableField, unknown][]) {
      const column = correctableFields[k];
      const old = (p as Record<string, unknown>)[column];
      if (same(old, v)) continue;
      rows.push({ field: k, old: old ?? null, now: v ?? null });
      set[column] = v ?? null;
    }
    if (!rows.length) throw fieldRule('changes', 'persons.errors.noChange');
    const updated = await trx
      .updateTable('persons')
      .set({ ...(set as object), version: p.version + 1, updated_at: new Date() })
      .where('id', '=', id)
      .where('version', '=', input.version)
      .returning('id')
      .executeTakeFirst();
    if (!updated) throw versionConflict();
    await trx
      .insertInto('person_corrections')
      .values(rows.map((r) => ({ person_id: id, field: r.field, old_value: JSON.stringify(r.old), new_value: JSON.stringify(r.now), reason, corrected_by: caller.actor.userId })))
      .execute();
    if (rows.some((r) => nameFields.includes(r.field))) await repo.refreshSearchText(trx, id);
    await recordAudit(trx, caller.audit, {
      action: 'person.corrected',
      targetType: 'person',
      targetId: id,
      personId: id,
      facilityCode: p.location_facility_code,
      before: Object.fromEntries(rows.map((r) => [r.field, r.old])),
      after: Object.fromEntries(rows.map((r) => [r.field, r.now])),
      details: { reason, version: p.version + 1 },
    });
    return loadPersonView(trx, caller, id, today);
  });
}

function identityProblems(changes: Partial<Record<CorrectableField, unknown>>, today: string): FieldError[] {
  const at = (k: string) => `changes.${k}`;
  const shaped: FieldError[] = [];
  for (const k of ['givenNames', 'firstSurname', 'secondSurname', 'marriedSurname', 'genderIdentity', 'disabilities', 'distinguishingMarks', 'dateOfBirth', 'literacy'] as const) {
    const v = changes[k];
    if (v !== undefined && v !== null && typeof v !== 'string') shaped.push({ path: at(k), key: 'validation.invalid' });
  }
  if (changes.givenNames === null) shaped.push({ path: at('givenNames'), key: 'persons.errors.nameRequired' });
  if (changes.firstSurname === null) shaped.push({ path: at('firstSurname'), key: 'persons.errors.nameRequired' });
  if (changes.sex === null) shaped.push({ path: at('sex'), key: 'persons.errors.sex' });
  if (changes.nationality === null) shaped.push({ path: at('nationality'), key: 'persons.errors.country' });
  if (shaped.length) return shaped;
  const partial = Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v === null ? undefined : v]));
  return repo.identityProblems(partial as Partial<repo.NewPersonInput>, 'changes.', { today, partial: true });
}

// ---- aliases, documents, contacts, children ----

async function touchPerson(trx: Kysely<Database>, id: string, refresh: boolean): Promise<void> {
  await trx.updateTable('persons').set((eb) => ({ version: eb('version', '+', 1), updated_at: new Date() })).where('id', '=', id).execute();
  if (refresh) await repo.refreshSearchText(trx, id);
}

interface ItemWrite<V> {
  permission: Permission;
  extra?: Permission;
  action: string;
  refresh: boolean;
  run: (trx: Kysely<Database>, person: { id: string; location_facility_code: string | null }) => Promise<{ view: V; before?: unknown; after?: unknown; targetId: string }>;
}

async function writeItem<V>(deps: Deps, caller: Caller, personId: string, w: ItemWrite<V>): Promise<V> {
  requireAccess(caller.actor, w.permission);
  if (w.extra) requireAccess(caller.actor, w.extra);
  return inTransaction(deps.db, async (trx) => {
    const person = await requirePersonInScope(trx, caller.actor, personId, { forUpdate: true });
    const r = await w.run(trx, person);
    await touchPerson(trx, personId, w.refresh);
    await recordAudit(trx, caller.audit, { action: w.action, targetType: 'person', targetId: personId, personId, facilityCode: person.location_facility_code, before: r.before, after: r.after, details: { itemId: r.targetId } });
    return r.view;
  });
}

const itemNotFound = () => notFound();

export async function addAlias(deps: Deps, caller: Caller, personId: string, input: { alias: string; kind?: 'alias' | 'other_name' | undefined }): Promise<AliasView> {
  const alias = clean(input.alias);
  if (!alias) throw fieldRule('alias', 'persons.errors.aliasRequired');
  if (alias.length > repo.nameMaxLength) throw fieldRule('alias', 'persons.errors.tooLong', { max: repo.nameMaxLength });
  return writeItem(deps, caller, personId, {
    permission: 'person.write',
    action: 'person.alias.added',
    refresh: true,
    run: async (trx) => {
      const row = await trx.insertInto('person_aliases').values({ person_id: personId, alias, kind: input.kind ?? 'alias' }).returningAll().executeTakeFirstOrThrow();
      return { view: aliasView(row), after: { alias, kind: row.kind }, targetId: row.id };
    },
  });
}

export async function addDocument(deps: Deps, caller: Caller, personId: string, input: repo.NewDocument): Promise<DocumentView> {
  const problems = repo.documentProblems(input, '').map((f) => ({ ...f, path: f.path.replace(/^\./, '') }));
  if (problems.length) throw invalid(problems);
  const normalized = normalizeDocumentNumber(input.number);
  return writeItem(deps, caller, personId, {
    permission: 'person.write',
    action: 'person.document.added',
    refresh: true,
    run: async (trx) => {
      // The same document in force on another file means two files for one person: merge them instead.
      // Found by the normalized number (indexed); a cédula is the same only if its parts are
      // (8-12-34567 and 8-123-4567 share the normalized 81234567).
      const sameNumber = await trx
        .selectFrom('person_documents as d')
        .innerJoin('persons as p', 'p.id', 'd.person_id')
        .select(['d.person_id', 'd.number', 'p.prisoner_number'])
        .where('d.number_normalized', '=', normalized)
        .where('d.kind', '=', input.kind)
        .where('d.ended_at', 'is', null)
        .where('p.merged_into', 'is', null)
        .execute();
      const same = sameNumber.filter((d) => input.kind !== 'cedula' || cedulaKey(d.number) === cedulaKey(input.number));
      const other = same.find((d) => d.person_id !== personId);
      if (other) throw fieldRule('number', 'persons.errors.documentOnOtherFile', { number: other.prisoner_number });
      if (same.length) throw fieldRule('number', 'persons.errors.documentDuplicate');
      const row = await trx
        .insertInto('person_documents')
        .values({ person_id: personId, kind: input.kind, number: repo.documentNumberAsStored(input), number_normalized: normalized, issuing_country: input.issuingCountry ?? (input.kind === 'cedula' ? 'PA' : null) })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { view: documentView(row), after: { kind: row.kind, number: row.number, issuingCountry: row.issuing_country }, targetId: row.id };
    },
  });
}

export interface NewContact {
  name: string;
  relationship: string;
  phone?: string | null | undefined;
  address?: string | null | undefined;
  isEmergency?: boolean | undefined;
  isNextOfKin?: boolean | undefined;
}

export async function addContact(deps: Deps, caller: Caller, personId: string, input: NewContact): Promise<ContactView> {
  const fields: FieldError[] = [];
  const name = clean(input.name);
  const relationship = clean(input.relationship);
  const phone = clean(input.phone);
  if (!name) fields.push({ path: 'name', key: 'persons.errors.nameRequired' });
  else if (name.length > 200) fields.push({ path: 'name', key: 'persons.errors.tooLong', params: { max: 200 } });
  if (!relationship) fields.push({ path: 'relationship', key: 'persons.errors.relationshipRequired' });
  else if (relationship.length > 100) fields.push({ path: 'relationship', key: 'persons.errors.tooLong', params: { max: 100 } });
  if (phone && !/^\+?[0-9 ()-]{6,25}$/.test(phone)) fields.push({ path: 'phone', key: 'persons.errors.phone' });
  if ((input.address ?? '').length > 500) fields.push({ path: 'address', key: 'persons.errors.tooLong', params: { max: 500 } });
  if (fields.length) throw invalid(fields);
  return writeItem(deps, caller, personId, {
    permission: 'person.write',
    action: 'person.contact.added',
    refresh: false,
    run: async (trx) => {
      const row = await trx
        .insertInto('person_contacts')
        .values({ person_id: personId, name: name!, relationship: relationship!, phone, address: clean(input.address), is_emergency: input.isEmergency ?? false, is_next_of_kin: input.isNextOfKin ?? false })
        .returningAll()
        .executeTakeFirstOrThrow();
      const view = contactView(row);
      return { view, after: { name: view.name, relationship: view.relationship, isEmergency: view.isEmergency, isNextOfKin: view.isNextOfKin }, targetId: row.id };
    },
  });
}

export interface NewChild {
  name: string;
  dateOfBirth?: string | null | undefined;
  ageYears?: number | null | undefined;
  whereabouts: string;
  caregiver?: string | null | undefined;
  livesInCentre?: boolean | undefined;
}

/** Records a child (Bangkok Rule 3). Needs person.write and person.children.read: who cannot see children cannot add them. */
export async function addChild(deps: Deps, caller: Caller, personId: string, input: NewChild): Promise<ChildView> {
  const today = todayIn(deps.settings.timeZone);
  const fields: FieldError[] = [];
  const name = clean(input.name);
  const whereabouts = clean(input.whereabouts);
  if (!name) fields.push({ path: 'name', key: 'persons.errors.nameRequired' });
  else if (name.length > 200) fields.push({ path: 'name', key: 'persons.errors.tooLong', params: { max: 200 } });
  if (input.dateOfBirth) {
    if (!isCalendarDate(input.dateOfBirth)) fields.push({ path: 'dateOfBirth', key: 'persons.errors.date' });
    else if (input.dateOfBirth > today) fields.push({ path: 'dateOfBirth', key: 'persons.errors.birthInFuture' });
    // A child recorded here is at most 60 (the table's check): older means a wrong date.
    else if (ageOn(input.dateOfBirth, today) > 60) fields.push({ path: 'dateOfBirth', key: 'persons.errors.childAge' });
  }
  if (input.ageYears !== undefined && input.ageYears !== null && (!Number.isInteger(input.ageYears) || input.ageYears < 0 || input.ageYears > 60)) fields.push({ path: 'ageYears', key: 'persons.errors.childAge' });
  if (!input.dateOfBirth && (input.ageYears === undefined || input.ageYears === null)) fields.push({ path: 'ageYears', key: 'persons.errors.childAgeRequired' });
  if (!whereabouts) fields.push({ path: 'whereabouts', key: 'persons.errors.whereaboutsRequired' });
  if (fields.length) throw invalid(fields);
  return writeItem(deps, caller, personId, {
    permission: 'person.write',
    extra: 'person.children.read',
    action: 'person.child.added',
    refresh: false,
    run: async (trx) => {
      const row = await trx
        .insertInto('person_children')
        .values({
          person_id: personId,
          name: name!,
          date_of_birth: input.dateOfBirth || null,
          age_years: input.dateOfBirth ? ageOn(input.dateOfBirth, today) : (input.ageYears ?? null),
          whereabouts: whereabouts!,
          caregiver: clean(input.caregiver),
          lives_in_centre: input.livesInCentre ?? false,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      // The audit keeps that a child was recorded, not who the child is (confidential).
      return { view: childView(row, today), after: { child: row.id }, targetId: row.id };
    },
  });
}

type EndableTable = 'person_aliases' | 'person_documents' | 'person_contacts' | 'person_children';

const endable: Record<string, { table: EndableTable; action: string; refresh: boolean; extra?: Permission }> = {
  aliases: { table: 'person_aliases', action: 'person.alias.ended', refresh: false },
  documents: { table: 'person_documents', action: 'person.document.ended', refresh: false },
  contacts: { table: 'person_contacts', action: 'person.contact.ended', refresh: false },
  children: { table: 'person_children', action: 'person.child.ended', refresh: false, extra: 'person.children.read' },
};

export type EndableKind = 'aliases' | 'documents' | 'contacts' | 'children';

/**
 * Ends an alias, document, contact or child record (it stays in the file, marked ended: nothing
 * is deleted). Ending twice changes nothing.
 */
export async function endItem(deps: Deps, caller: Caller, personId: string, kind: EndableKind, itemId: string): Promise<{ id: string; endedAt: string }> {
  const e = endable[kind]!;
  if (!isUuid(itemId)) throw itemNotFound();
  return writeItem(deps, caller, personId, {
    permission: 'person.write',
    ...(e.extra ? { extra: e.extra } : {}),
    action: e.action,
    refresh: e.refresh,
    run: async (trx) => {
      const row = await trx.selectFrom(e.table).select(['id', 'ended_at']).where('id', '=', itemId).where('person_id', '=', personId).executeTakeFirst();
      if (!row) throw itemNotFound();
      if (row.ended_at) return { view: { id: row.id, endedAt: row.ended_at.toISOString() }, targetId: row.id };
      const endedAt = new Date();
      await trx.updateTable(e.table).set({ ended_at: endedAt }).where('id', '=', itemId).execute();
      return { view: { id: row.id, endedAt: endedAt.toISOString() }, before: { ended: false }, after: { ended: true }, targetId: row.id };
    },
  });
}

// ---- health declarations ----

export interface HealthDeclarationInput {
  personId: string;
  pregnant: boolean;
  breastfeeding: boolean;
  notes?: string | null | undefined;
  validUntil?: Date | string | null | undefined;
}

/**
 * Records a pregnancy/breastfeeding declaration. The admission module calls this for the
 * declaration made at admission (it has checked admission.create and audits the admission);
 * later declarations go through addHealthDeclaration (health.write).
 */
export async function recordHealthDeclaration(db: Kysely<Database>, input: HealthDeclarationInput, userId: string | null): Promise<string> {
  const notes = clean(input.notes);
  if (notes && notes.length > 2000) throw fieldRule('notes', 'persons.errors.tooLong', { max: 2000 });
  const row = await db
    .insertInto('health_declarations')
    .values({ person_id: input.personId, pregnant: input.pregnant, breastfeeding: input.breastfeeding, notes, recorded_by: userId, valid_until: input.validUntil ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A later declaration by health staff; the newest valid one is the current one. */
export async function addHealthDeclaration(deps: Deps, caller: Caller, personId: string, input: Omit<HealthDeclarationInput, 'personId'>): Promise<DeclarationView> {
  if (input.validUntil && Number.isNaN(new Date(input.validUntil).getTime())) throw fieldRule('validUntil', 'persons.errors.date');
  return writeItem(deps, caller, personId, {
    permission: 'health.write',
    action: 'person.health_declaration.recorded',
    refresh: false,
    run: async (trx) => {
      const id = await recordHealthDeclaration(trx, { ...input, personId }, caller.actor.userId);
      const row = (await repo.listHealthDeclarations(trx, personId)).find((h) => h.id === id)!;
      // Clinical values stay out of the audit trail (auditors need not hold health.read).
      return { view: declarationView(row), after: { declaration: id }, targetId: id };
    },
  });
}

// ---- photo ----

export async function setPhoto(deps: Deps, caller: Caller, personId: string, data: Uint8Array, path = 'photo'): Promise<{ photo: true; version: number }> {
  requireAccess(caller.actor, 'person.write');
  return inTransaction(deps.db, async (trx) => {
    const person = await requirePersonInScope(trx, caller.actor, personId, { forUpdate: true });
    const before = await trx.selectFrom('persons').select('photo_file_id').where('id', '=', personId).executeTakeFirstOrThrow();
    const fileId = await storeFile(trx, { data, createdBy: caller.actor.userId, path, allowed: ['image/jpeg', 'image/png'] });
    const r = await trx
      .updateTable('persons')
      .set((eb) => ({ photo_file_id: fileId, version: eb('version', '+', 1), updated_at: new Date() }))
      .where('id', '=', personId)
      .returning('version')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, caller.audit, {
      action: 'person.photo.updated',
      targetType: 'person',
      targetId: personId,
      personId,
      facilityCode: person.location_facility_code,
      before: { photoFileId: before.photo_file_id },
      after: { photoFileId: fileId },
    });
    return { photo: true, version: r.version };
  });
}

/** The photo's bytes (404 when there is none or the person is out of scope); audited as a read of the file. */
export async function getPhoto(deps: Deps, caller: Caller, personId: string): Promise<{ contentType: string; data: Buffer }> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    const person = await requirePersonInScope(trx, caller.actor, personId);
    const p = await trx.selectFrom('persons').select('photo_file_id').where('id', '=', personId).executeTakeFirstOrThrow();
    if (!p.photo_file_id) throw notFound();
    const file = await readStoredFile(trx, p.photo_file_id);
    if (!file) throw notFound();
    await auditRead(trx, caller, person, 'photo');
    return file;
  });
}

// ---- printable admission record ----

export interface AdmissionRecordData {
  person: PersonView;
  episode: {
    id: string;
    facilityCode: string;
    facilityName: string;
    arrestedAt: Date;
    arrestPlace: string;
    admittedAt: Date;
    admittedBy: string | null;
    visibleInjuries: string | null;
    illTreatmentComplaint: string | null;
    rightsInformationLanguage: string | null;
    rightsInformationGivenAt: Date | null;
    releasedAt: Date | null;
  };
  order: { kind: string; authorityKind: string; issuingAuthority: string; caseNumber: string; orderDate: string; status: string; verifiedAt: Date | null; verificationMethod: string | null; verifiedBy: string | null; registeredBy: string | null } | null;
  property: HistoryView['property'];
  legalStatus: LegalStatus | null;
  photo: { contentType: string; data: Buffer } | null;
  printedBy: string;
}

/** What the printed admission record shows (the open episode, or the one asked for); audited as a read. */
export async function admissionRecord(deps: Deps, caller: Caller, personId: string, episodeId?: string): Promise<AdmissionRecordData> {
  requireAccess(caller.actor, 'person.read');
  if (episodeId !== undefined && !isUuid(episodeId)) throw notFound();
  return inTransaction(deps.db, async (trx) => {
    const scoped = await requirePersonInScope(trx, caller.actor, personId);
    const person = await loadPersonView(trx, caller, personId, todayIn(deps.settings.timeZone));
    let q = trx
      .selectFrom('custody_episodes as e')
      .innerJoin('facilities as f', 'f.code', 'e.facility_code')
      .leftJoin('users as u', 'u.id', 'e.admitted_by')
      .select([
        'e.id',
        'e.facility_code',
        'f.name as facility_name',
        'e.arrested_at',
        'e.arrest_place',
        'e.admitted_at',
        'u.display_name as admitted_by_name',
        'e.visible_injuries',
        'e.ill_treatment_complaint',
        'e.rights_information_language',
        'e.rights_information_given_at',
        'e.released_at',
        'e.admission_order_id',
      ])
      .where('e.person_id', '=', personId);
    q = episodeId ? q.where('e.id', '=', episodeId) : q.orderBy('e.admitted_at', 'desc').limit(1);
    const e = await q.executeTakeFirst();
    if (!e) throw new AppError(404, 'no_episode', 'persons.errors.noEpisode');
    const o = await trx
      .selectFrom('judicial_orders as o')
      .leftJoin('users as v', 'v.id', 'o.verified_by')
      .leftJoin('users as r', 'r.id', 'o.registered_by')
      .select(['o.kind', 'o.authority_kind', 'o.issuing_authority', 'o.case_number', 'o.order_date', 'o.status', 'o.verified_at', 'o.verification_method', 'v.display_name as verified_by_name', 'r.display_name as registered_by_name'])
      .where('o.id', '=', e.admission_order_id)
      .executeTakeFirst();
    const status = await trx
      .selectFrom('legal_status_periods')
      .select('status')
      .where('episode_id', '=', e.id)
      .orderBy('valid_from')
      .limit(1)
      .executeTakeFirst();
    const property = (await loadHistory(trx, personId)).property.filter((i) => i.episodeId === e.id);
    await auditRead(trx, caller, scoped, 'admission-record');
    return {
      person,
      episode: {
        id: e.id,
        facilityCode: e.facility_code,
        facilityName: e.facility_name,
        arrestedAt: e.arrested_at,
        arrestPlace: e.arrest_place,
        admittedAt: e.admitted_at,
        admittedBy: e.admitted_by_name ?? null,
        visibleInjuries: e.visible_injuries,
        illTreatmentComplaint: e.ill_treatment_complaint,
        rightsInformationLanguage: e.rights_information_language,
        rightsInformationGivenAt: e.rights_information_given_at,
        releasedAt: e.released_at,
      },
      order: o
        ? {
            kind: o.kind,
            authorityKind: o.authority_kind,
            issuingAuthority: o.issuing_authority,
            caseNumber: o.case_number,
            orderDate: o.order_date,
            status: o.status,
            verifiedAt: o.verified_at,
            verificationMethod: o.verification_method,
            verifiedBy: o.verified_by_name ?? null,
            registeredBy: o.registered_by_name ?? null,
          }
        : null,
      property,
      legalStatus: status?.status ?? null,
      photo: person.photo ? await inlinePhoto(trx, personId) : null,
      printedBy: caller.actor.displayName,
    };
  });
}

/** Used by pages to refuse a form to someone who lacks a permission (403 as for the API). */
export function requirePermission(caller: Caller, p: Permission): void {
  if (!can(caller, p)) throw forbidden();
}

// ---- official copy of the file (Mandela Rule 9) ----

export interface FileCopyData {
  /** Identity only: children, health declarations and alerts stay in their own confidential records. */
  person: Omit<PersonView, 'children' | 'health' | 'alerts' | 'contacts'>;
  episodes: HistoryView['episodes'];
  orders: (HistoryView['orders'][number] & { verifiedBy: string | null })[];
  legalStatusPeriods: { episodeId: string; status: LegalStatus; validFrom: Date; validTo: Date | null; reason: string }[];
  movements: HistoryView['movements'];
  placements: { episodeId: string; facilityCode: string; unitCode: string; unitName: string; cellCode: string | null; validFrom: Date; validTo: Date | null }[];
  property: HistoryView['property'];
  issuedBy: string;
}

/** What the official copy of the file shows (every episode, never clinical or children's details); audited as person.file_copy. */
export async function fileCopy(deps: Deps, caller: Caller, personId: string): Promise<FileCopyData> {
  requireAccess(caller.actor, 'person.read');
  return inTransaction(deps.db, async (trx) => {
    const scoped = await requirePersonInScope(trx, caller.actor, personId);
    const [view, history, periods, placements, verifiers] = await Promise.all([
      loadPersonView(trx, caller, personId, todayIn(deps.settings.timeZone)),
      loadHistory(trx, personId),
      trx
        .selectFrom('legal_status_periods as l')
        .innerJoin('custody_episodes as e', 'e.id', 'l.episode_id')
        .select(['l.episode_id', 'l.status', 'l.valid_from', 'l.valid_to', 'l.reason'])
        .where('e.person_id', '=', personId)
        .orderBy('l.valid_from')
        .execute(),
      trx
        .selectFrom('placements as pl')
        .innerJoin('custody_episodes as e', 'e.id', 'pl.episode_id')
        .innerJoin('units as un', 'un.id', 'pl.unit_id')
        .leftJoin('cells as c', 'c.id', 'pl.cell_id')
        .select(['pl.episode_id', 'pl.facility_code', 'un.code as unit_code', 'un.name as unit_name', 'c.code as cell_code', 'pl.valid_from', 'pl.valid_to'])
        .where('e.person_id', '=', personId)
        .orderBy('pl.valid_from')
        .execute(),
      trx
        .selectFrom('judicial_orders as o')
        .innerJoin('custody_episodes as e', (j) => j.on((eb) => eb.or([eb('e.admission_order_id', '=', eb.ref('o.id')), eb('e.release_order_id', '=', eb.ref('o.id'))])))
        .innerJoin('users as v', 'v.id', 'o.verified_by')
        .select(['o.id', 'v.display_name'])
        .where('e.person_id', '=', personId)
        .execute(),
    ]);
    const { children: _children, health: _health, alerts: _alerts, contacts: _contacts, ...person } = view;
    const verifiedBy = new Map(verifiers.map((v) => [v.id, v.display_name]));
    await recordAudit(trx, caller.audit, {
      action: 'person.file_copy',
      targetType: 'person',
      targetId: scoped.id,
      personId: scoped.id,
      facilityCode: scoped.location_facility_code,
      details: { part: 'file-copy' },
    });
    return {
      person,
      episodes: history.episodes,
      orders: history.orders.map((o) => ({ ...o, verifiedBy: verifiedBy.get(o.id) ?? null })),
      legalStatusPeriods: periods.map((l) => ({ episodeId: l.episode_id, status: l.status, validFrom: l.valid_from, validTo: l.valid_to, reason: l.reason })),
      movements: [...history.movements].reverse(),
      placements: placements.map((p) => ({ episodeId: p.episode_id, facilityCode: p.facility_code, unitCode: p.unit_code, unitName: p.unit_name, cellCode: p.cell_code ?? null, validFrom: p.valid_from, validTo: p.valid_to })),
      property: history.property,
      issuedBy: caller.actor.displayName,
    };
  });
}
