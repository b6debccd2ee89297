// Recognizing a returning person before a new file is created. The check is national (a
// person may have been held anywhere) but answers only minimal identity: name, date of birth,
// prisoner number and last centre. Every query is one audit entry (person.match) naming the
// files shown, never their contents.
//
//   await findPossibleMatches(db, actor, { givenNames: 'Jose', firstSurname: 'Peres', dateOfBirth: '1990-04-02' }, audit)
//   → [{ id, prisonerNumber: 'PPL-100231', givenNames: 'José', firstSurname: 'Pérez', …, matchedBy: ['name'] }]
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Actor } from '../../platform/access/actor.ts';
import { requireAccess } from '../../platform/access/require-access.ts';
import { recordAudit, type AuditActor } from '../../platform/audit/audit.ts';
import type { Database } from '../../platform/db/schema.ts';
import { foldText, isCalendarDate, normalizeDocumentNumber, shiftYears } from './identity.ts';
import { nameScoreSql, setNameThreshold } from './repository.ts';

export interface MatchQuery {
  givenNames: string;
  firstSurname: string;
  secondSurname?: string | null | undefined;
  dateOfBirth?: string | null | undefined;
  /** The date of birth given is an estimate (from a stated age): ±1 year is tolerated. */
  birthDateEstimated?: boolean | undefined;
  documents?: readonly { kind?: string | undefined; number: string }[] | undefined;
}

export interface PossibleMatch {
  id: string;
  prisonerNumber: string;
  givenNames: string;
  firstSurname: string;
  secondSurname: string | null;
  dateOfBirth: string | null;
  lastFacilityCode: string | null;
  lastFacilityName: string | null;
  matchedBy: ('document' | 'name')[];
}

/** Name similarity (pg_trgm word_similarity) needed when the dates of birth agree … */
export const matchThresholdWithBirthDate = 0.5;
/** … and when there is no date of birth to compare (the name alone must be close). */
export const matchThresholdNameOnly = 0.8;
/** Every name typed must be found, on average this well (nameScoreSql): "Víctor Quintero" is not "Manuel Quintero". */
export const matchNameScoreMin = 0.6;
export const maxMatches = 20;

function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

interface MatchRow {
  id: string;
  prisoner_number: string;
  given_names: string;
  first_surname: string;
  second_surname: string | null;
  date_of_birth: string | null;
  location_facility_code: string | null;
  facility_name: string | null;
  by_document: boolean;
  by_name: boolean;
}

/**
 * Files that may belong to the person described: the same document number, or a similar name
 * (accent- and order-insensitive, aliases included) with a compatible date of birth (equal, or
 * within one year when either date is an estimate). Needs admission.create. National.
 */
export async function findPossibleMatches(db: Kysely<Database>, actor: Actor, query: MatchQuery, audit: AuditActor): Promise<PossibleMatch[]> {
  requireAccess(actor, 'admission.create');
  const text = foldText([query.givenNames, query.firstSurname, query.secondSurname ?? ''].join(' '));
  const documents = [...new Set((query.documents ?? []).map((d) => normalizeDocumentNumber(d.number)).filter((n) => n.length >= 3))];
  const dob = query.dateOfBirth && isCalendarDate(query.dateOfBirth) ? query.dateOfBirth : null;
  const estimated = Boolean(query.birthDateEstimated);
  return inTransaction(db, async (trx) => {
    await setNameThreshold(trx, matchThresholdWithBirthDate);
    const byDocument = documents.length ? sql`select person_id as id from person_documents where number_normalized in (${sql.join(documents)})` : sql`select null::uuid as id where false`;
    // The birth-date range is wide enough for any tolerance, so persons_birth_idx can narrow the
    // trigram candidates; the exact rule is applied per row.
    const birthRule = dob
      ? sql`(p.date_of_birth between ${shiftYears(dob, -1)}::date and ${shiftYears(dob, 1)}::date
              and (p.date_of_birth = ${dob}::date or ${estimated} or p.birth_date_estimated))`
      : sql`false`;
    const byName = text
      ? sql`select p.id from persons p
            where ${text} <% p.search_text and p.merged_into is null and ${nameScoreSql(text)} >= ${matchNameScoreMin}
              and (${birthRule}
                   or ((${dob === null} or p.date_of_birth is null) and word_similarity(${text}, p.search_text) >= ${matchThresholdNameOnly}))
            limit 200`
      : sql`select null::uuid as id where false`;
    // The candidates first (a union of two small sets), then their rows by primary key.
    const r = await sql<MatchRow>`with d as materialized (${byDocument}), n as materialized (${byName}),
        c as (select id from d union select id from n)
      select p.id, p.prisoner_number, p.given_names, p.first_surname, p.second_surname, p.date_of_birth, p.location_facility_code,
             f.name as facility_name, exists (select 1 from d where d.id = p.id) as by_document, exists (select 1 from n where n.id = p.id) as by_name
      from c join persons p on p.id = c.id left join facilities f on f.code = p.location_facility_code
      where p.merged_into is null
      order by exists (select 1 from d where d.id = p.id) desc, ${nameScoreSql(text)} desc, p.first_surname, p.given_names, p.id
      limit ${maxMatches}`.execute(trx);
    const items: PossibleMatch[] = r.rows.map((m) => ({
      id: m.id,
      prisonerNumber: m.prisoner_number,
      givenNames: m.given_names,
      firstSurname: m.first_surname,
      secondSurname: m.second_surname,
      dateOfBirth: m.date_of_birth,
      lastFacilityCode: m.location_facility_code,
      lastFacilityName: m.facility_name,
      matchedBy: [...(m.by_document ? (['document'] as const) : []), ...(m.by_name ? (['name'] as const) : [])],
    }));
    await recordAudit(trx, audit, {
      action: 'person.match',
      targetType: 'person',
      details: {
        query: { givenNames: query.givenNames, firstSurname: query.firstSurname, secondSurname: query.secondSurname ?? null, dateOfBirth: dob, birthDateEstimated: estimated, documents },
        count: items.length,
        shown: items.map((i) => i.id),
      },
    });
    return items;
  });
}
