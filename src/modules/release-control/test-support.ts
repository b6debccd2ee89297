// Shared set-up of the release-control tests (and the release tests in movements): the
// movements world plus a third legal user, and helpers that write the legal records directly —
// a stored computation (superseding the current one, as legal-time's recompute does), a
// criminal case, a verified sentence order — so that the tests do not depend on the
// computation being built from the records. Used only by *.test.ts files.
import { sql } from 'kysely';
import { bearerFor, createUser, type TestUser } from '../../../test/helpers/app.ts';
import { todayIn } from '../../platform/time.ts';
import { dayNumber, toIsoDate } from '../sentence/dates.ts';
import { setUpMovementWorld, type MovementWorld } from '../movements/test-support.ts';
import { computeSentence } from '../sentence/engine.ts';
import type { SentenceInput } from '../sentence/types.ts';

export interface ControlWorld extends MovementWorld {
  users: MovementWorld['users'] & Record<'legal3' | 'legalLJ', TestUser>;
  today: string;
}

export async function setUpControlWorld(): Promise<ControlWorld> {
  const w = await setUpMovementWorld();
  const extra = {
    legal3: await createUser(w.env, { username: 'legal.tres', roles: ['legal'] }),
    legalLJ: await createUser(w.env, { username: 'legal.lj', roles: ['legal'], facilities: ['PA-LJ'] }),
  };
  Object.assign(w.users, extra);
  for (const [k, u] of Object.entries(extra)) w.h[k] = await bearerFor(w.env, u);
  return { ...w, users: w.users as ControlWorld['users'], today: todayIn(w.env.settings.timeZone) };
}

/** `today` moved by n days (negative: earlier). */
export const shift = (date: string, n: number): string => toIsoDate(dayNumber(date) + n);

export interface ComputationFields {
  personId: string;
  episodeId: string;
  status: 'sentenced' | 'pretrial';
  asOf?: string;
  /** First custody day (default: from pretrialDays, or 900 days before the end date). */
  startDate?: string;
  /** Sentenced: the end date (the engine puts it there with a sentence of the right length). */
  expiryDate?: string;
  /** Pretrial: custody days up to asOf. */
  pretrialDays?: number;
  confirmedBy?: string | null;
}

/**
 * Stores a computation as the person's current one (the previous one is superseded), as
 * legal-time's recompute would: the engine's result for one open custody period from the start
 * date and, when sentenced, one sentence in days ending on the end date. Returns its id.
 */
export async function storeComputation(w: ControlWorld, f: ComputationFields): Promise<string> {
  const db = w.env.state.db;
  const asOf = f.asOf ?? w.today;
  const startDate = f.startDate ?? (f.status === 'pretrial' ? shift(asOf, -(f.pretrialDays ?? 100) + 1) : shift(f.expiryDate ?? asOf, -899));
  const input: SentenceInput = {
    asOf,
    custody: [{ from: startDate, to: null, kind: 'prison' }],
    sentences: f.status === 'sentenced' ? [{ id: 'S1', years: 0, months: 0, days: dayNumber(f.expiryDate ?? asOf) - dayNumber(startDate) + 1, relation: 'first' }] : [],
  };
  const result = computeSentence(input);
  await db.updateTable('sentence_computations').set({ superseded_at: new Date() }).where('person_id', '=', f.personId).where('superseded_at', 'is', null).execute();
  const row = await db
    .insertInto('sentence_computations')
    .values({
      person_id: f.personId,
      episode_id: f.episodeId,
      status: result.status,
      as_of: asOf,
      rule_set_id: result.ruleSet,
      input: JSON.stringify(input),
      result: JSON.stringify(result),
      start_date: result.startDate,
      one_third_date: result.status === 'sentenced' ? result.dates.oneThird : null,
      two_thirds_date: result.status === 'sentenced' ? result.dates.twoThirds : null,
      expiry_date: result.status === 'sentenced' ? result.dates.expiry : null,
      pretrial_alert_date: result.status === 'pretrial' ? result.pretrialAlertDate : null,
      cause: 'test',
      computed_by: null,
      confirmed_by: f.confirmedBy ?? null,
      confirmed_at: f.confirmedBy ? new Date() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A sentenced computation that ended `daysAgo` days ago (negative: ends in the future); two thirds fall 300 days before the end. */
export function sentencedEnding(w: ControlWorld, personId: string, episodeId: string, daysAgo: number, extra: Partial<ComputationFields> = {}): Promise<string> {
  return storeComputation(w, { personId, episodeId, status: 'sentenced', expiryDate: shift(w.today, -daysAgo), ...extra });
}

/** An open criminal case of the episode (the one the admission opened, when it did); returns its id and number. */
export async function openCase(w: ControlWorld, personId: string, episodeId: string, caseNumber: string, authorityKind: 'court' | 'prosecutor' = 'court'): Promise<{ id: string; caseNumber: string }> {
  const db = w.env.state.db;
  const row = await db
    .insertInto('criminal_cases')
    .values({ person_id: personId, episode_id: episodeId, authority_kind: authorityKind, authority_name: 'Juzgado Segundo de Cumplimiento', case_number: caseNumber, stage: 'investigation' })
    .onConflict((oc) => oc.columns(['episode_id', 'authority_kind', 'case_number']).doNothing())
    .returning('id')
    .executeTakeFirst();
  const id = row?.id ?? (await db.selectFrom('criminal_cases').select('id').where('episode_id', '=', episodeId).where('case_number', '=', caseNumber).executeTakeFirstOrThrow()).id;
  return { id, caseNumber };
}

/** The open cases of an episode (the admission may have opened one from the commitment order). */
export async function openCasesOf(w: ControlWorld, episodeId: string) {
  return w.env.state.db.selectFrom('criminal_cases').select(['id', 'case_number', 'authority_kind']).where('episode_id', '=', episodeId).where('closed_on', 'is', null).execute();
}

/** A sentence order on the case, registered by legal1 and verified by legal2 (written directly). */
export async function verifiedSentence(w: ControlWorld, personId: string, caseId: string, caseNumber: string): Promise<string> {
  const db = w.env.state.db;
  const order = await db
    .insertInto('judicial_orders')
    .values({
      kind: 'sentence',
      authority_kind: 'court',
      issuing_authority: 'Tribunal de Juicio de Panamá',
      case_number: caseNumber,
      order_date: shift(w.today, -900),
      subject_name: 'Persona condenada',
      person_id: personId,
      facility_code: 'PA-LJ',
      legal_status: 'sentenced',
      status: 'verified',
      registered_by: w.users.legal1.id,
      verified_by: w.users.legal2.id,
      verified_at: new Date(),
      verification_method: 'telephone',
      case_id: caseId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('sentence_orders').values({ order_id: order.id, case_id: caseId, years: 2, months: 6, days: 0, relation: 'concurrent', sentenced_on: shift(w.today, -900), court: 'Tribunal de Juicio de Panamá' }).execute();
  return order.id;
}

/**
 * Makes the person sentenced in every open case of the episode (the admission opens one from
 * the commitment order): a verified sentence order on each. Returns the case numbers.
 */
export async function sentenceOpenCases(w: ControlWorld, personId: string, episodeId: string): Promise<string[]> {
  const cases = await openCasesOf(w, episodeId);
  for (const k of cases) await verifiedSentence(w, personId, k.id, k.case_number);
  return cases.map((k) => k.case_number);
}

/** Open (not closed) alerts of a type about a person. */
export async function openAlerts(w: ControlWorld, personId: string, typeCode: string) {
  return w.env.state.db.selectFrom('alerts').select(['id', 'recipient_role', 'severity', 'facility_code', 'details', 'acknowledged_at']).where('person_id', '=', personId).where('type_code', '=', typeCode).where('closed_at', 'is', null).execute();
}

export async function allAlerts(w: ControlWorld, personId: string, typeCode: string) {
  return w.env.state.db.selectFrom('alerts').select(['id', 'recipient_role', 'severity', 'closed_at']).where('person_id', '=', personId).where('type_code', '=', typeCode).execute();
}

export const countOf = async (w: ControlWorld, table: string): Promise<number> => (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(w.env.state.db)).rows[0]!.n;
