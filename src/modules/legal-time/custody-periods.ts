// The custody periods of an episode read from the records: the arrest and release of the
// episode, its hospital absences and escapes, and the verified orders crediting custody outside
// it (house arrest, hospital custody, an earlier episode of the same case). The rules that turn
// those rows into periods are in build-custody-periods.ts (pure, property-tested).
//
// Instants become civil dates in the service's time zone inside SQL (`AT TIME ZONE`), the same
// conversion as platform/time.ts `dateIn`, so a whole population converts in one query.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { CustodyPeriod } from '../sentence/types.ts';
import { buildCustodyPeriods, type CreditedSpan, type CustodyRecords } from './build-custody-periods.ts';
import { serviceTimeZone } from './service-time-zone.ts';

/** Which episodes to read: a few by id, or every episode still open (the people held). */
export type EpisodeSelection = { episodeIds: readonly string[] } | { held: true };

export interface EpisodeCustodyRecords extends CustodyRecords {
  episodeId: string;
  personId: string;
  facilityCode: string;
}

const civil = (column: string, tz: string) => sql<string>`(${sql.ref(column)} AT TIME ZONE ${tz}::text)::date`;
const civilNullable = (column: string, tz: string) => sql<string | null>`(${sql.ref(column)} AT TIME ZONE ${tz}::text)::date`;

/** `<column> IN (…)` for a selection of episodes. */
export function inEpisodes(column: string, selection: EpisodeSelection) {
  if ('held' in selection) return sql<boolean>`${sql.ref(column)} in (select id from custody_episodes where released_at is null)`;
  return sql<boolean>`${sql.ref(column)} in (${sql.join(selection.episodeIds.map((id) => sql`${id}::uuid`))})`;
}

/**
 * The custody records of the selected episodes, one query per table (whatever the number of
 * episodes): the recomputation of a whole population reads them all at once.
 */
export async function loadCustodyRecords(db: Kysely<Database>, selection: EpisodeSelection, timeZone: string = serviceTimeZone()): Promise<Map<string, EpisodeCustodyRecords>> {
  const out = new Map<string, EpisodeCustodyRecords>();
  if ('episodeIds' in selection && selection.episodeIds.length === 0) return out;
  const [episodes, absences, credits] = await Promise.all([
    db
      .selectFrom('custody_episodes as e')
      .select(['e.id', 'e.person_id', 'e.facility_code', civil('e.arrested_at', timeZone).as('arrested_on'), civilNullable('e.released_at', timeZone).as('released_on')])
      .where(inEpisodes('e.id', selection))
      .execute(),
    db
      .selectFrom('absences as a')
      .select(['a.episode_id', 'a.kind', civil('a.out_at', timeZone).as('out_on'), civilNullable('a.back_at', timeZone).as('back_on')])
      .where('a.kind', 'in', ['hospital', 'escape'])
      .where(inEpisodes('a.episode_id', selection))
      .orderBy('a.out_at')
      .execute(),
    db
      .selectFrom('custody_credit_orders as c')
      .innerJoin('judicial_orders as o', 'o.id', 'c.order_id')
      .innerJoin('criminal_cases as k', 'k.id', 'c.case_id')
      .select(['k.episode_id', 'c.custody_kind', 'c.from_date', 'c.to_date'])
      .where('o.status', '=', 'verified')
      .where(inEpisodes('k.episode_id', selection))
      .orderBy('o.verified_at')
      .orderBy('o.id')
      .execute(),
  ]);
  for (const e of episodes) {
    out.set(e.id, { episodeId: e.id, personId: e.person_id, facilityCode: e.facility_code, arrestedOn: e.arrested_on, releasedOn: e.released_on, hospital: [], escapes: [], credits: [] });
  }
  for (const a of absences) {
    const r = out.get(a.episode_id);
    if (!r) continue;
    (a.kind === 'hospital' ? r.hospital : r.escapes).push({ from: a.out_on, to: a.back_on });
  }
  for (const c of credits) {
    const r = out.get(c.episode_id);
    if (!r) continue;
    const kind: CreditedSpan['kind'] = c.custody_kind === 'earlier_episode' ? 'prison' : c.custody_kind;
    r.credits.push({ from: c.from_date, to: c.to_date, kind });
  }
  return out;
}

/**
 * The engine's custody periods of one episode from the records, as of `until` (the date of
 * the computation; still in custody → the last period has `to: null`). Empty when the episode
 * does not exist or began after `until`.
 */
export async function custodyPeriodsOf(db: Kysely<Database>, episodeId: string, until: string, timeZone: string = serviceTimeZone()): Promise<CustodyPeriod[]> {
  const records = (await loadCustodyRecords(db, { episodeIds: [episodeId] }, timeZone)).get(episodeId);
  return records ? buildCustodyPeriods(records, until) : [];
}
