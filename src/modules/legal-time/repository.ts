// SQL of the legal-time module: the records a computation reads (one query per table for any
// number of people, so recomputing a whole population costs a handful of queries), and the
// stored computations with their date changes.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { SentenceRecords } from './build-input.ts';
import { inEpisodes, loadCustodyRecords, type EpisodeSelection } from './custody-periods.ts';

export const auditTargetType = 'sentence_computation';

/** The records of every selected episode, keyed by episode id. */
export async function loadSentenceRecords(db: Kysely<Database>, selection: EpisodeSelection, timeZone: string): Promise<Map<string, SentenceRecords>> {
  const custody = await loadCustodyRecords(db, selection, timeZone);
  const out = new Map<string, SentenceRecords>();
  if (custody.size === 0) return out;
  const [sentences, measures, reductions, redemption] = await Promise.all([
    db
      .selectFrom('sentence_orders as s')
      .innerJoin('judicial_orders as o', 'o.id', 's.order_id')
      .innerJoin('criminal_cases as k', 'k.id', 's.case_id')
      .select(['k.episode_id', 's.order_id', 's.years', 's.months', 's.days', 's.relation', 's.consecutive_to', 's.sentenced_on', 's.rule_set_id', 'o.verified_at'])
      .where('o.status', '=', 'verified')
      .where(inEpisodes('k.episode_id', selection))
      .execute(),
    db
      .selectFrom('measure_orders as m')
      .innerJoin('judicial_orders as o', 'o.id', 'm.order_id')
      .innerJoin('criminal_cases as k', 'k.id', 'o.case_id')
      .select(['k.episode_id', 'm.order_id', 'm.measure_kind', 'm.appearances', 'm.from_date', 'm.to_date'])
      .where('o.status', '=', 'verified')
      .where(inEpisodes('k.episode_id', selection))
      .execute(),
    db
      .selectFrom('reduction_orders as r')
      .innerJoin('judicial_orders as o', 'o.id', 'r.order_id')
      .innerJoin('criminal_cases as k', 'k.id', 'o.case_id')
      .select(['k.episode_id', 'r.order_id', 'r.days', 'r.decree_number', 'r.decree_date'])
      .where('o.status', '=', 'verified')
      .where(inEpisodes('k.episode_id', selection))
      .execute(),
    db
      .selectFrom('redemption_records as x')
      .select(['x.episode_id', 'x.id', 'x.activity_kind', 'x.period_from', 'x.period_to', 'x.days', 'x.hours', 'x.status'])
      .where('x.status', '<>', 'refused')
      .where(inEpisodes('x.episode_id', selection))
      .execute(),
  ]);
  for (const [episodeId, c] of custody) {
    out.set(episodeId, { personId: c.personId, episodeId, facilityCode: c.facilityCode, custody: c, sentences: [], measures: [], reductions: [], redemption: [] });
  }
  for (const s of sentences) {
    out.get(s.episode_id)?.sentences.push({
      orderId: s.order_id,
      years: s.years,
      months: s.months,
      days: s.days,
      relation: s.relation,
      consecutiveTo: s.consecutive_to,
      sentencedOn: s.sentenced_on,
      verifiedAt: s.verified_at ? new Date(s.verified_at).getTime() : 0,
      ruleSetId: s.rule_set_id,
    });
  }
  for (const m of measures) {
    out.get(m.episode_id)?.measures.push({ orderId: m.order_id, kind: m.measure_kind, appearances: m.appearances, from: m.from_date, to: m.to_date });
  }
  for (const r of reductions) {
    out.get(r.episode_id)?.reductions.push({ orderId: r.order_id, days: r.days, decreeNumber: r.decree_number, decreeDate: r.decree_date });
  }
  for (const x of redemption) {
    out.get(x.episode_id)?.redemption.push({ id: x.id, kind: x.activity_kind, from: x.period_from, to: x.period_to, days: x.days, hours: x.hours, status: x.status });
  }
  return out;
}

export interface CurrentComputationRow {
  id: string;
  person_id: string;
  episode_id: string;
  status: 'sentenced' | 'pretrial';
  as_of: string;
  rule_set_id: string;
  input: unknown;
  start_date: string | null;
  one_third_date: string | null;
  two_thirds_date: string | null;
  expiry_date: string | null;
  pretrial_alert_date: string | null;
}

/** The current (not superseded) computation of the people whose episodes are selected. */
export async function currentComputations(db: Kysely<Database>, selection: EpisodeSelection): Promise<Map<string, CurrentComputationRow>> {
  const rows = await db
    .selectFrom('sentence_computations as c')
    .select(['c.id', 'c.person_id', 'c.episode_id', 'c.status', 'c.as_of', 'c.rule_set_id', 'c.input', 'c.start_date', 'c.one_third_date', 'c.two_thirds_date', 'c.expiry_date', 'c.pretrial_alert_date'])
    .where('c.superseded_at', 'is', null)
    .where(sql<boolean>`c.person_id in (select e.person_id from custody_episodes e where ${inEpisodes('e.id', selection)})`)
    .execute();
  return new Map(rows.map((r) => [r.person_id, r as CurrentComputationRow]));
}

// Two recomputations of one person never race: each locks the person's episode row (the row
// the movements lock too) and takes the recomputation lock shared; the run of everyone takes it
// exclusive — one lock instead of a row lock on every episode held.
const recomputeLock = 0x5e47e4ce;

export async function lockOne(db: Kysely<Database>, episodeId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock_shared(${recomputeLock})`.execute(db);
  await db.selectFrom('custody_episodes').select('id').where('id', '=', episodeId).forUpdate().execute();
}

export async function lockAll(db: Kysely<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${recomputeLock})`.execute(db);
}

/** The open episode of a person, or null when not held. */
export async function openEpisodeOf(db: Kysely<Database>, personId: string): Promise<string | null> {
  const row = await db.selectFrom('custody_episodes').select('id').where('person_id', '=', personId).where('released_at', 'is', null).executeTakeFirst();
  return row?.id ?? null;
}
