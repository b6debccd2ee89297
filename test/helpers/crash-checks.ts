// The invariants the crash test checks after a SIGKILL, a restart and the retries, over the
// whole database (the demo's records and the test's): each returns the problems it found, as
// sentences naming the rows, and an empty list when the property holds.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/platform/db/schema.ts';

type Db = Kysely<Database>;

async function rows<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await query.execute(db)).rows as T[];
}

/**
 * No half-written episode: every custody episode has its admission movement (exactly one), a
 * first legal-status period and facility stay from the admission; an open episode has exactly
 * one open stay and one open legal-status period, and — unless the person is in transit —
 * exactly one open placement; a closed episode has nothing open and exactly one release or
 * death movement. `placementsSince`: episodes admitted from then on must have a placement
 * (the demo's older history has none, by design: placementHistoryDays).
 */
export async function halfWrittenEpisodes(db: Db, placementsSince: Date): Promise<string[]> {
  const bad = await rows<{ id: string; problem: string }>(
    db,
    sql`
    with e as (
      select e.id, e.admitted_at, e.released_at, p.custody_status,
        (select count(*) from movements m where m.episode_id = e.id and m.kind = 'admission') as admissions,
        (select count(*) from movements m where m.episode_id = e.id and m.kind in ('release', 'death')) as endings,
        (select count(*) from legal_status_periods l where l.episode_id = e.id and l.valid_from = e.admitted_at) as first_status,
        (select count(*) from legal_status_periods l where l.episode_id = e.id and l.valid_to is null) as open_status,
        (select count(*) from facility_stays s where s.episode_id = e.id and s.from_at = e.admitted_at) as first_stay,
        (select count(*) from facility_stays s where s.episode_id = e.id and s.to_at is null) as open_stays,
        (select count(*) from placements pl where pl.episode_id = e.id) as placements,
        (select count(*) from placements pl where pl.episode_id = e.id and pl.valid_to is null) as open_placements
      from custody_episodes e join persons p on p.id = e.person_id
    )
    select id, concat_ws('; ',
        case when admissions <> 1 then admissions || ' admission movements' end,
        case when first_status <> 1 then 'no legal-status period from the admission' end,
        case when first_stay <> 1 then 'no facility stay from the admission' end,
        case when released_at is null and open_stays <> 1 then open_stays || ' open facility stays' end,
        case when released_at is null and open_status <> 1 then open_status || ' open legal-status periods' end,
        case when released_at is null and custody_status = 'in_custody' and open_placements <> 1 then open_placements || ' open placements' end,
        case when released_at is null and custody_status not in ('in_custody', 'in_transit') then 'open episode of a person ' || custody_status end,
        case when admitted_at >= ${placementsSince} and placements = 0 then 'no placement' end,
        case when released_at is not null and (open_stays + open_status + open_placements) > 0 then 'closed episode with open stay, status or placement' end,
        case when released_at is not null and endings <> 1 then endings || ' release or death movements' end,
        case when released_at is null and endings <> 0 then 'open episode with a release or death movement' end
      ) as problem
    from e
    where admissions <> 1 or first_status <> 1 or first_stay <> 1
      or (released_at is null and (open_stays <> 1 or open_status <> 1 or (custody_status = 'in_custody' and open_placements <> 1) or custody_status not in ('in_custody', 'in_transit') or endings <> 0))
      or (admitted_at >= ${placementsSince} and placements = 0)
      or (released_at is not null and ((open_stays + open_status + open_placements) > 0 or endings <> 1))
    order by id limit 20`,
  );
  const people = await rows<{ id: string; custody_status: string; open: number }>(
    db,
    sql`select p.id, p.custody_status, (select count(*) from custody_episodes e where e.person_id = p.id and e.released_at is null)::int as open
      from persons p
      where (p.custody_status in ('in_custody', 'in_transit')) <> exists (select 1 from custody_episodes e where e.person_id = p.id and e.released_at is null)
         or (select count(*) from custody_episodes e where e.person_id = p.id and e.released_at is null) > 1
      order by p.id limit 20`,
  );
  return [...bad.map((b) => `episode ${b.id}: ${b.problem}`), ...people.map((p) => `person ${p.id} is ${p.custody_status} with ${p.open} open episodes`)];
}

/**
 * Every movement-making record agrees with the journal of movements: each absence has its
 * movement out at out_at and, once ended, its movement back at back_at (an absence ended by an
 * escape from it has none, by design); each transfer has transfer_out / transfer_in movements
 * exactly when it departed / arrived; a confirmed release ended its episode on its order with
 * one release movement, a recorded one left the episode open.
 */
export async function inconsistentMovements(db: Db): Promise<string[]> {
  const absences = await rows<{ id: string; problem: string }>(
    db,
    sql`
    with a as (
      select a.id, a.back_at, a.kind,
        (select count(*) from movements m where m.episode_id = a.episode_id and m.occurred_at = a.out_at
           and m.kind = case a.kind when 'escape' then 'escape' else a.kind || '_out' end) as outs,
        (select count(*) from movements m where m.episode_id = a.episode_id and a.back_at is not null and m.occurred_at = a.back_at
           and m.kind = case a.kind when 'escape' then 'recapture' else a.kind || '_return' end) as backs,
        exists (select 1 from absences x where x.episode_id = a.episode_id and x.kind = 'escape' and x.id <> a.id and x.out_at = a.back_at) as ended_by_escape
      from absences a
    )
    select id, concat_ws('; ', case when outs <> 1 then outs || ' movements out' end,
      case when back_at is not null and not ended_by_escape and backs <> 1 then backs || ' movements back' end) as problem
    from a where outs <> 1 or (back_at is not null and not ended_by_escape and backs <> 1)
    order by id limit 20`,
  );
  const transfers = await rows<{ id: string; problem: string }>(
    db,
    sql`
    with t as (
      select t.id, t.status, t.departed_at, t.arrived_at,
        (select count(*) from movements m where m.episode_id = t.episode_id and m.kind = 'transfer_out' and m.occurred_at = t.departed_at) as outs,
        (select count(*) from movements m where m.episode_id = t.episode_id and m.kind = 'transfer_in' and m.occurred_at = t.arrived_at) as ins
      from transfers t
    )
    select id, status || ': ' || outs || ' transfer_out, ' || ins || ' transfer_in' as problem from t
    where outs <> (case when status in ('in_transit', 'arrived') then 1 else 0 end)
       or ins <> (case when status = 'arrived' then 1 else 0 end)
       or (status in ('in_transit', 'arrived')) <> (departed_at is not null)
       or (status = 'arrived') <> (arrived_at is not null)
    order by id limit 20`,
  );
  const releases = await rows<{ id: string; problem: string }>(
    db,
    sql`
    select r.id, r.status || ': episode ' || case when e.released_at is null then 'open' else 'closed' end
      || ', order ' || coalesce(e.release_order_id::text, 'none') || ', ' ||
      (select count(*) from movements m where m.episode_id = r.episode_id and m.kind = 'release') || ' release movements' as problem
    from releases r join custody_episodes e on e.id = r.episode_id
    where (r.status = 'confirmed' and (e.released_at is null or e.release_order_id is distinct from r.order_id
             or (select count(*) from movements m where m.episode_id = r.episode_id and m.kind = 'release') <> 1))
       or (r.status = 'recorded' and e.released_at is not null)
    order by r.id limit 20`,
  );
  return [...absences.map((r) => `absence ${r.id}: ${r.problem}`), ...transfers.map((r) => `transfer ${r.id}: ${r.problem}`), ...releases.map((r) => `release ${r.id}: ${r.problem}`)];
}

/**
 * The roll reconciles: per centre, the people held counted from open custody episodes, from
 * open facility stays and from the persons' location (in custody or in transit, still counted
 * at the origin until arrival) are the same numbers.
 */
export async function rollMismatches(db: Db): Promise<{ problems: string[]; held: number }> {
  const r = await rows<{ code: string; episodes: number; stays: number; persons: number }>(
    db,
    sql`
    select f.code,
      (select count(*) from custody_episodes e where e.facility_code = f.code and e.released_at is null)::int as episodes,
      (select count(*) from facility_stays s where s.facility_code = f.code and s.to_at is null)::int as stays,
      (select count(*) from persons p where p.location_facility_code = f.code and p.custody_status in ('in_custody', 'in_transit'))::int as persons
    from facilities f order by f.code`,
  );
  return {
    problems: r.filter((x) => x.episodes !== x.stays || x.stays !== x.persons).map((x) => `${x.code}: ${x.episodes} open episodes, ${x.stays} open stays, ${x.persons} persons located there`),
    held: r.reduce((s, x) => s + x.episodes, 0),
  };
}
