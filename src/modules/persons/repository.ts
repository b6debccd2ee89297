// SQL for the prisoner file: creating a person (prisoner number from the sequence, aliases,
// documents, search text), search, and the reads behind the person's page. Scope is always a
// WHERE clause (scope.ts), never a filter in memory.
//
// Search plans (checked with EXPLAIN ANALYZE at 150,000 persons on PostgreSQL 15): a name
// query is `q <% search_text` on the GIN trigram index persons_search_trgm (with the other
// filters in a BitmapAnd or as a recheck), ranked by nameScoreSql; a prisoner number uses the
// unique index on prisoner_number and a document number person_documents_number_idx; the list
// without a query walks persons_location_idx (or, for national users, persons_name_idx) in name
// order; the legal-status filter is a semi-join from the open episodes.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, LegalStatus, Sex, CustodyStatus } from '../../platform/db/schema.ts';
import { unprocessable, type FieldError } from '../../platform/http/errors.ts';
import { canonicalCedula, cedulaExamples, cedulaProblem, formatPrisonerNumber, isCalendarDate, normalizeDocumentNumber, searchTextOf } from './identity.ts';

type Db = Kysely<Database>;

export type DocumentKind = 'cedula' | 'passport' | 'residence' | 'other';
export const documentKinds: readonly DocumentKind[] = ['cedula', 'passport', 'residence', 'other'];
export type Literacy = 'literate' | 'partial' | 'illiterate';

export interface NewDocument {
  kind: DocumentKind;
  number: string;
  issuingCountry?: string | null | undefined;
}

export interface NewAlias {
  alias: string;
  kind?: 'alias' | 'other_name' | undefined;
}

export interface NewPersonInput {
  givenNames: string;
  firstSurname: string;
  secondSurname?: string | null | undefined;
  marriedSurname?: string | null | undefined;
  sex: Sex;
  genderIdentity?: string | null | undefined;
  dateOfBirth?: string | null | undefined;
  birthDateEstimated?: boolean | undefined;
  /** ISO 3166 alpha-2, e.g. PA, CO, VE. */
  nationality: string;
  languages?: string[] | undefined;
  literacy?: Literacy | null | undefined;
  disabilities?: string | null | undefined;
  distinguishingMarks?: string | null | undefined;
  photoFileId?: string | null | undefined;
  aliases?: readonly (NewAlias | string)[] | undefined;
  documents?: readonly NewDocument[] | undefined;
  /** Where the person is for scope (the admitting centre) and their custody status. */
  locationFacilityCode?: string | null | undefined;
  transitFacilityCode?: string | null | undefined;
  custodyStatus?: CustodyStatus | undefined;
}

export const nameMaxLength = 100;
const textMaxLength = 2000;
const countryPattern = /^[A-Z]{2}$/;
const languagePattern = /^[a-z]{2,3}$/;

const blank = (s: string | null | undefined): string | null => {
  const t = (s ?? '').trim().replace(/\s+/g, ' ');
  return t === '' ? null : t;
};

/** Field errors of a document (kind, number with the cédula format, issuing country). */
export function documentProblems(d: NewDocument, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (!documentKinds.includes(d.kind)) out.push({ path: `${path}.kind`, key: 'persons.errors.documentKind' });
  const number = (d.number ?? '').trim();
  if (d.kind === 'cedula') {
    const problem = cedulaProblem(number);
    if (problem) out.push({ path: `${path}.number`, key: problem, params: { examples: cedulaExamples } });
  } else if (number === '') out.push({ path: `${path}.number`, key: 'persons.errors.documentNumberRequired' });
  else if (number.length > 40 || !/^[A-Za-z0-9][A-Za-z0-9 .\-/]*$/.test(number)) out.push({ path: `${path}.number`, key: 'persons.errors.documentNumberFormat' });
  if (d.issuingCountry && !countryPattern.test(d.issuingCountry)) out.push({ path: `${path}.issuingCountry`, key: 'persons.errors.country' });
  return out;
}

/** The number as stored: a cédula in its canonical form (upper case, single dashes), others trimmed. */
export function documentNumberAsStored(d: NewDocument): string {
  return d.kind === 'cedula' ? canonicalCedula(d.number) : d.number.trim().replace(/\s+/g, ' ').toUpperCase();
}

/** Field errors of the identity part of a person (shared by insertPerson and corrections). */
export function identityProblems(p: Partial<NewPersonInput>, prefix: string, opts: { today: string; partial?: boolean }): FieldError[] {
  const out: FieldError[] = [];
  const at = (k: string) => `${prefix}${k}`;
  const name = (k: 'givenNames' | 'firstSurname' | 'secondSurname' | 'marriedSurname', required: boolean) => {
    const v = p[k];
    if (v === undefined && opts.partial) return;
    const t = blank(v);
    if (t === null) {
      if (required) out.push({ path: at(k), key: 'persons.errors.nameRequired' });
    } else if (t.length > nameMaxLength) out.push({ path: at(k), key: 'persons.errors.tooLong', params: { max: nameMaxLength } });
    else if (!/\p{L}/u.test(t)) out.push({ path: at(k), key: 'persons.errors.nameLetters' });
  };
  name('givenNames', true);
  name('firstSurname', true);
  name('secondSurname', false);
  name('marriedSurname', false);
  if (!(opts.partial && p.sex === undefined) && !['male', 'female', 'intersex'].includes(p.sex as string)) out.push({ path: at('sex'), key: 'persons.errors.sex' });
  if (!(opts.partial && p.nationality === undefined) && !countryPattern.test(p.nationality ?? '')) out.push({ path: at('nationality'), key: 'persons.errors.country' });
  if (p.dateOfBirth) {
    if (!isCalendarDate(p.dateOfBirth)) out.push({ path: at('dateOfBirth'), key: 'persons.errors.date' });
    else if (p.dateOfBirth > opts.today) out.push({ path: at('dateOfBirth'), key: 'persons.errors.birthInFuture' });
    else if (p.dateOfBirth < '1900-01-01') out.push({ path: at('dateOfBirth'), key: 'persons.errors.birthTooEarly' });
  }
  if (p.languages !== undefined && (!Array.isArray(p.languages) || p.languages.length === 0 || p.languages.some((l) => !languagePattern.test(l)))) {
    out.push({ path: at('languages'), key: 'persons.errors.languages' });
  }
  if (p.literacy !== undefined && p.literacy !== null && !['literate', 'partial', 'illiterate'].includes(p.literacy)) out.push({ path: at('literacy'), key: 'persons.errors.literacy' });
  for (const k of ['genderIdentity', 'disabilities', 'distinguishingMarks'] as const) {
    const v = p[k];
    if (typeof v === 'string' && v.length > textMaxLength) out.push({ path: at(k), key: 'persons.errors.tooLong', params: { max: textMaxLength } });
  }
  return out;
}

/** Every field error of a new person, paths under `prefix` (e.g. 'person.' in an admission). */
export function personInputProblems(input: NewPersonInput, prefix = '', today = new Date().toISOString().slice(0, 10)): FieldError[] {
  const out = identityProblems(input, prefix, { today });
  (input.aliases ?? []).forEach((a, i) => {
    const t = blank(typeof a === 'string' ? a : a.alias);
    if (t === null) out.push({ path: `${prefix}aliases[${i}]`, key: 'persons.errors.aliasRequired' });
    else if (t.length > nameMaxLength) out.push({ path: `${prefix}aliases[${i}]`, key: 'persons.errors.tooLong', params: { max: nameMaxLength } });
  });
  (input.documents ?? []).forEach((d, i) => out.push(...documentProblems(d, `${prefix}documents[${i}]`)));
  return out;
}

/**
 * Creates a person's file: a prisoner number from prisoner_number_seq (never reused), the
 * person, their aliases and documents, and the search text. Validates first (422 with field
 * paths). It does not audit: the caller (the admission) records the use case it is part of,
 * in the same transaction.
 */
export async function insertPerson(db: Db, input: NewPersonInput, userId: string | null): Promise<{ id: string; prisonerNumber: string }> {
  const problems = personInputProblems(input);
  if (problems.length) throw unprocessable('errors.validation', problems);
  const seq = await sql<{ n: string | number }>`select nextval('prisoner_number_seq') as n`.execute(db);
  const prisonerNumber = formatPrisonerNumber(seq.rows[0]!.n);
  const aliases = (input.aliases ?? []).map((a) => (typeof a === 'string' ? { alias: blank(a)!, kind: 'alias' as const } : { alias: blank(a.alias)!, kind: a.kind ?? ('alias' as const) }));
  const documents = (input.documents ?? []).map((d) => ({
    kind: d.kind,
    number: documentNumberAsStored(d),
    number_normalized: normalizeDocumentNumber(d.number),
    issuing_country: d.issuingCountry ?? (d.kind === 'cedula' ? 'PA' : null),
  }));
  const names = { givenNames: blank(input.givenNames)!, firstSurname: blank(input.firstSurname)!, secondSurname: blank(input.secondSurname), marriedSurname: blank(input.marriedSurname) };
  const row = await db
    .insertInto('persons')
    .values({
      prisoner_number: prisonerNumber,
      given_names: names.givenNames,
      first_surname: names.firstSurname,
      second_surname: names.secondSurname,
      married_surname: names.marriedSurname,
      sex: input.sex,
      gender_identity: blank(input.genderIdentity),
      date_of_birth: input.dateOfBirth || null,
      birth_date_estimated: input.birthDateEstimated ?? false,
      nationality: input.nationality,
      languages: input.languages?.length ? input.languages : ['es'],
      literacy: input.literacy ?? null,
      disabilities: blank(input.disabilities),
      distinguishing_marks: blank(input.distinguishingMarks),
      photo_file_id: input.photoFileId ?? null,
      location_facility_code: input.locationFacilityCode ?? null,
      transit_facility_code: input.transitFacilityCode ?? null,
      custody_status: input.custodyStatus ?? 'none',
      search_text: searchTextOf(names, aliases, documents),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (aliases.length) await db.insertInto('person_aliases').values(aliases.map((a) => ({ person_id: row.id, alias: a.alias, kind: a.kind }))).execute();
  if (documents.length) await db.insertInto('person_documents').values(documents.map((d) => ({ person_id: row.id, ...d }))).execute();
  void userId; // the creator is in the caller's audit entry; persons has no created_by column
  return { id: row.id, prisonerNumber };
}

/** Recomputes a person's search text from their names, aliases and documents (ended ones too: people are known by old names). */
export async function refreshSearchText(db: Db, personId: string): Promise<void> {
  const p = await db.selectFrom('persons').select(['given_names', 'first_surname', 'second_surname', 'married_surname']).where('id', '=', personId).executeTakeFirst();
  if (!p) return;
  const [aliases, documents] = await Promise.all([
    db.selectFrom('person_aliases').select('alias').where('person_id', '=', personId).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('person_documents').select('number').where('person_id', '=', personId).orderBy('created_at').orderBy('id').execute(),
  ]);
  const text = searchTextOf({ givenNames: p.given_names, firstSurname: p.first_surname, secondSurname: p.second_surname, marriedSurname: p.married_surname }, aliases, documents);
  await db.updateTable('persons').set({ search_text: text }).where('id', '=', personId).execute();
}

// ---- search ----

/** Similarity a name must reach (pg_trgm word_similarity, 0–1). Set per transaction. */
export const nameThreshold = 0.6;
/** At most this many matches are ranked and counted; a vaguer query asks for refinement. */
// How many matches are counted: beyond this the page says "more than N" (counting and
// ranking every weak match of a common surname is what made a search slow).
export const searchCap = 200;

export type SearchMode = { kind: 'all' } | { kind: 'identifier'; prisonerNumber: string | null; document: string } | { kind: 'name'; text: string };

export interface SearchFilters {
  facility?: string | undefined;
  legalStatus?: LegalStatus | undefined;
  sex?: Sex | undefined;
  bornAfter?: string | null | undefined;
  bornOnOrBefore?: string | undefined;
}

export interface SearchRow {
  id: string;
  prisoner_number: string;
  given_names: string;
  first_surname: string;
  second_surname: string | null;
  married_surname: string | null;
  location_facility_code: string | null;
  transit_facility_code: string | null;
  custody_status: CustodyStatus;
  date_of_birth: string | null;
  birth_date_estimated: boolean;
  sex: Sex;
  nationality: string;
  has_photo: boolean;
  legal_status: LegalStatus | null;
  score: number | null;
}

/** The legal status in force now in the person's open custody episode (exclusion constraint: at most one). */
export function currentLegalStatusSql(now: Date): RawBuilder<LegalStatus | null> {
  return sql<LegalStatus | null>`(select l.status from custody_episodes e join legal_status_periods l on l.episode_id = e.id
    where e.person_id = p.id and e.released_at is null and l.valid_from <= ${now} and (l.valid_to is null or l.valid_to > ${now})
    order by l.valid_from desc limit 1)`;
}

function filterSql(scope: RawBuilder<boolean>, f: SearchFilters, now: Date): RawBuilder<boolean> {
  const parts: RawBuilder<unknown>[] = [sql`p.merged_into is null`, scope];
  if (f.facility) parts.push(sql`(p.location_facility_code = ${f.facility} or p.transit_facility_code = ${f.facility})`);
  if (f.sex) parts.push(sql`p.sex = ${f.sex}`);
  if (f.bornOnOrBefore) parts.push(sql`p.date_of_birth <= ${f.bornOnOrBefore}::date`);
  if (f.bornAfter) parts.push(sql`p.date_of_birth > ${f.bornAfter}::date`);
  // A semi-join, not the correlated lookup: the planner can start from the open episodes with
  // that status instead of looking up every person (the exclusion constraint leaves at most one
  // period in force, so "a period in force has status S" is "the current status is S").
  if (f.legalStatus) {
    parts.push(sql`p.id in (select e.person_id from custody_episodes e join legal_status_periods l on l.episode_id = e.id
      where e.released_at is null and l.status = ${f.legalStatus} and l.valid_from <= ${now} and (l.valid_to is null or l.valid_to > ${now}))`);
  }
  return sql<boolean>`${sql.join(parts, sql` and `)}`;
}

const resultColumns = (now: Date) => sql`p.id, p.prisoner_number, p.given_names, p.first_surname, p.second_surname, p.married_surname,
  p.location_facility_code, p.transit_facility_code, p.custody_status, p.date_of_birth, p.birth_date_estimated, p.sex, p.nationality,
  (p.photo_file_id is not null) as has_photo, ${currentLegalStatusSql(now)} as legal_status`;

/**
 * How well a folded name query matches p.search_text, 0–1, for ranking: for each query word,
 * the mean of word_similarity (how much of the word is found) and strict_word_similarity
 * (which also penalizes extra letters: "peres" is closer to "perez" than to "pereira");
 * averaged over the words, so the order in which names are typed does not matter.
 */
export function nameScoreSql(text: string): RawBuilder<number> {
  const words = [...new Set(text.split(' ').filter((w) => w !== ''))].slice(0, 8);
  if (!words.length) return sql<number>`0::float8`;
  const terms = words.map((w) => sql`word_similarity(${w}, p.search_text) + strict_word_similarity(${w}, p.search_text)`);
  return sql<number>`((${sql.join(terms, sql` + `)}) / ${2 * words.length})::float8`;
}

/**
 * Settings for a trigram query, local to the transaction: the pg_trgm threshold (the index
 * honours only the setting, not a literal), and no sequential scans. pg_trgm declares its
 * operator functions with COST 1, so the planner believes testing `<%` on every row is cheap
 * and, once other filters are added (age band, sex, legal status), picks a sequential scan that
 * runs the operator on all 150,000 persons (~400 ms instead of ~20 ms with the GIN index at
 * 150,000 persons). Declaring the true cost (ALTER FUNCTION word_similarity_op … COST 100)
 * fixes the estimate too, but does not survive a dump and restore of an extension's functions.
 */
export async function setNameThreshold(db: Db, threshold = nameThreshold): Promise<void> {
  await sql`select set_config('pg_trgm.word_similarity_threshold', ${String(threshold)}, true), set_config('enable_seqscan', 'off', true)`.execute(db);
}

/**
 * One page of people matching `mode` within `scope`, best first, and how many match (at most
 * searchCap). Must run in a transaction (the trigram threshold is set locally).
 */
export async function searchPersons(db: Db, scope: RawBuilder<boolean>, mode: SearchMode, filters: SearchFilters, limit: number, now: Date): Promise<{ rows: SearchRow[]; total: number; capped: boolean }> {
  const where = filterSql(scope, filters, now);
  if (mode.kind === 'all') {
    const rows = await sql<SearchRow>`select ${resultColumns(now)}, null::float8 as score from persons p where ${where}
      order by p.first_surname, p.given_names, p.second_surname, p.id limit ${limit}`.execute(db);
    const count = await sql<{ n: number }>`select count(*)::int as n from (select 1 from persons p where ${where} limit ${searchCap + 1}) x`.execute(db);
    const n = count.rows[0]!.n;
    return { rows: rows.rows, total: Math.min(n, searchCap), capped: n > searchCap };
  }
  let hits: RawBuilder<unknown>;
  if (mode.kind === 'identifier') {
    const byNumber = mode.prisonerNumber ? sql`select id from persons where prisoner_number = ${mode.prisonerNumber} union all ` : sql``;
    hits = sql`select p.id, 1::float8 as score from persons p
      where p.id in (${byNumber}select person_id from person_documents where number_normalized = ${mode.document}) and ${where}
      limit ${searchCap + 1}`;
  } else {
    await setNameThreshold(db);
    hits = sql`select p.id, ${nameScoreSql(mode.text)} as score from persons p
      where ${mode.text} <% p.search_text and ${where}
      limit ${searchCap + 1}`;
  }
  const r = await sql<SearchRow & { total: number }>`with hits as materialized (${hits})
    select ${resultColumns(now)}, h.score, (select count(*)::int from hits) as total
    from hits h join persons p on p.id = h.id
    order by h.score desc, p.first_surname, p.given_names, p.second_surname, p.id
    limit ${limit}`.execute(db);
  const n = r.rows[0]?.total ?? 0;
  return { rows: r.rows, total: Math.min(n, searchCap), capped: n > searchCap };
}

// ---- the person's file ----

export async function findPerson(db: Db, id: string) {
  return db.selectFrom('persons').selectAll().where('id', '=', id).executeTakeFirst();
}

export type PersonRow = NonNullable<Awaited<ReturnType<typeof findPerson>>>;

export function listAliases(db: Db, personId: string) {
  return db.selectFrom('person_aliases').selectAll().where('person_id', '=', personId).orderBy('created_at').orderBy('id').execute();
}

export function listDocuments(db: Db, personId: string) {
  return db.selectFrom('person_documents').selectAll().where('person_id', '=', personId).orderBy('created_at').orderBy('id').execute();
}

export function listContacts(db: Db, personId: string) {
  return db.selectFrom('person_contacts').selectAll().where('person_id', '=', personId).orderBy('created_at').orderBy('id').execute();
}

export function listChildren(db: Db, personId: string) {
  return db.selectFrom('person_children').selectAll().where('person_id', '=', personId).orderBy('created_at').orderBy('id').execute();
}

export function listHealthDeclarations(db: Db, personId: string) {
  return db
    .selectFrom('health_declarations as h')
    .leftJoin('users as u', 'u.id', 'h.recorded_by')
    .selectAll('h')
    .select('u.username as recorded_by_name')
    .where('h.person_id', '=', personId)
    .orderBy('h.declared_at', 'desc')
    .orderBy('h.id')
    .execute();
}

/**
 * The consequence of the current health declaration (the latest one still valid): whether
 * segregation and restraints are restricted (Bangkok Rules 22 and 24). Readable by everyone
 * who reads the file; the declaration itself only with health.read.
 */
export async function protectionOf(db: Db, personId: string, now = new Date()): Promise<{ segregationAndRestraintsRestricted: boolean }> {
  const row = await db
    .selectFrom('health_declarations')
    .select(['pregnant', 'breastfeeding'])
    .where('person_id', '=', personId)
    .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', now)]))
    .where('declared_at', '<=', now)
    .orderBy('declared_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return { segregationAndRestraintsRestricted: Boolean(row && (row.pregnant || row.breastfeeding)) };
}

/** The open custody episode with its centre, current placement and legal status, or null. */
export async function currentEpisode(db: Db, personId: string, now = new Date()) {
  return db
    .selectFrom('custody_episodes as e')
    .innerJoin('facilities as f', 'f.code', 'e.facility_code')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('placements as pl')
          .innerJoin('units as un', 'un.id', 'pl.unit_id')
          .leftJoin('cells as c', 'c.id', 'pl.cell_id')
          .select(['un.id as unit_id', 'un.code as unit_code', 'un.name as unit_name', 'c.id as cell_id', 'c.code as cell_code', 'pl.valid_from as placed_at'])
          .whereRef('pl.episode_id', '=', 'e.id')
          .where('pl.valid_from', '<=', now)
          .where((w) => w.or([w('pl.valid_to', 'is', null), w('pl.valid_to', '>', now)]))
          .orderBy('pl.valid_from', 'desc')
          .limit(1)
          .as('pl'),
      (j) => j.onTrue(),
    )
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('legal_status_periods as l')
          .select(['l.status', 'l.valid_from as status_since', 'l.order_id as status_order_id'])
          .whereRef('l.episode_id', '=', 'e.id')
          .where('l.valid_from', '<=', now)
          .where((w) => w.or([w('l.valid_to', 'is', null), w('l.valid_to', '>', now)]))
          .orderBy('l.valid_from', 'desc')
          .limit(1)
          .as('ls'),
      (j) => j.onTrue(),
    )
    .select([
      'e.id',
      'e.facility_code',
      'f.name as facility_name',
      'e.admitted_at',
      'e.arrested_at',
      'e.arrest_place',
      'e.admission_order_id',
      'pl.unit_id',
      'pl.unit_code',
      'pl.unit_name',
      'pl.cell_id',
      'pl.cell_code',
      'ls.status as legal_status',
      'ls.status_since',
    ])
    .where('e.person_id', '=', personId)
    .where('e.released_at', 'is', null)
    .executeTakeFirst();
}

/** Alerts still open on the person (not closed), newest first. Read directly: the alerts module owns raising them. */
export function openAlerts(db: Db, personId: string) {
  return db
    .selectFrom('alerts as a')
    .innerJoin('alert_types as t', 't.code', 'a.type_code')
    .select(['a.id', 'a.type_code', 't.name_es', 't.name_en', 'a.severity', 'a.summary', 'a.recipient_role', 'a.raised_at', 'a.due_at', 'a.acknowledged_at', 'a.escalation_level'])
    .where('a.person_id', '=', personId)
    .where('a.closed_at', 'is', null)
    .orderBy('a.raised_at', 'desc')
    .execute();
}

export function listCorrections(db: Db, personId: string) {
  return db
    .selectFrom('person_corrections as c')
    .leftJoin('users as u', 'u.id', 'c.corrected_by')
    .select(['c.id', 'c.field', 'c.old_value', 'c.new_value', 'c.reason', 'c.corrected_at', 'u.username as corrected_by_name'])
    .where('c.person_id', '=', personId)
    .orderBy('c.corrected_at', 'desc')
    .orderBy('c.id', 'desc')
    .execute();
}

export function listEpisodes(db: Db, personId: string) {
  return db
    .selectFrom('custody_episodes as e')
    .innerJoin('facilities as f', 'f.code', 'e.facility_code')
    .leftJoin('judicial_orders as o', 'o.id', 'e.admission_order_id')
    .select([
      'e.id',
      'e.facility_code',
      'f.name as facility_name',
      'e.arrested_at',
      'e.arrest_place',
      'e.admitted_at',
      'e.released_at',
      'e.release_reason',
      'e.admission_order_id',
      'e.release_order_id',
      'o.case_number as admission_case_number',
      'e.visible_injuries',
      'e.ill_treatment_complaint',
      'e.rights_information_language',
      'e.rights_information_given_at',
      'e.admitted_by',
    ])
    .where('e.person_id', '=', personId)
    .orderBy('e.admitted_at', 'desc')
    .execute();
}

export function listMovements(db: Db, personId: string) {
  return db
    .selectFrom('movements as m')
    .leftJoin('facilities as ff', 'ff.code', 'm.from_facility_code')
    .leftJoin('facilities as tf', 'tf.code', 'm.to_facility_code')
    .select(['m.id', 'm.episode_id', 'm.kind', 'm.occurred_at', 'm.recorded_at', 'm.from_facility_code', 'ff.name as from_facility_name', 'm.to_facility_code', 'tf.name as to_facility_name', 'm.order_id', 'm.reason'])
    .where('m.person_id', '=', personId)
    .orderBy('m.occurred_at', 'desc')
    .orderBy('m.recorded_at', 'desc')
    .execute();
}

/** Orders naming the person, and the orders of their episodes (an order may predate the file). */
export function listOrders(db: Db, personId: string) {
  return db
    .selectFrom('judicial_orders as o')
    .select([
      'o.id',
      'o.kind',
      'o.authority_kind',
      'o.issuing_authority',
      'o.case_number',
      'o.order_date',
      'o.facility_code',
      'o.legal_status',
      'o.status',
      'o.registered_at',
      'o.verified_at',
      'o.verification_method',
      'o.notes',
      (eb) => eb('o.scan_file_id', 'is not', null).as('has_scan'),
    ])
    // One IN over a UNION ALL of indexed lookups: an OR of the three made the planner scan
    // every order in the country.
    .where('o.id', 'in', (eb) =>
      eb
        .selectFrom('judicial_orders')
        .select('id')
        .where('person_id', '=', personId)
        .unionAll(eb.selectFrom('custody_episodes').select('admission_order_id as id').where('person_id', '=', personId))
        .unionAll(eb.selectFrom('custody_episodes').select('release_order_id as id').where('person_id', '=', personId).where('release_order_id', 'is not', null).$narrowType<{ id: string }>()),
    )
    .orderBy('o.order_date', 'desc')
    .orderBy('o.registered_at', 'desc')
    .execute();
}

export function listProperty(db: Db, personId: string) {
  return db
    .selectFrom('property_items as pi')
    .innerJoin('custody_episodes as e', 'e.id', 'pi.episode_id')
    .leftJoin('users as s', 's.id', 'pi.signed_off_by')
    .select([
      'pi.id',
      'pi.episode_id',
      'pi.description',
      'pi.quantity',
      'pi.condition',
      'pi.storage_location',
      'pi.recorded_at',
      'pi.signed_off_at',
      's.display_name as signed_off_by_name',
      'pi.returned_at',
      'e.admitted_at',
    ])
    .where('e.person_id', '=', personId)
    .orderBy('e.admitted_at', 'desc')
    .orderBy('pi.recorded_at')
    .orderBy('pi.id')
    .execute();
}
