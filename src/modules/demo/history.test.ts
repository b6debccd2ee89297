// The demo's history at a small scale: consistent rows (no overlapping stays or episodes, every
// release on an order verified by a second user, movements that reconcile with the stays and
// absences, every reference resolvable — the seed skips foreign-key triggers), today's
// population exactly as population.ts plans it, and past occupancy that follows the published
// national totals under the counting rules (the SQL agrees with the rules' reference count).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { bearerFor, createUser, startTestApp, type TestEnv } from '../../../test/helpers/app.ts';
import { demoIds, loadHousing, planPopulation, populationPlan } from './population.ts';
import { historyTargets, nationalTotals, unsentencedShares } from './history.ts';
import { asOfInstant, countHeld, inForceAt, type HeldPerson } from '../statistics/occupancy-rules.ts';
import { todayIn } from '../../platform/time.ts';

const scale = 0.02;
let env: TestEnv;
let stat: Record<string, string>;

before(async () => {
  env = await startTestApp({ demo: true, demoScale: scale });
  stat = await bearerFor(env, await createUser(env, { username: 'hist.estadistica', roles: ['statistician'] }));
});
after(() => env.close());

const one = async <T>(q: ReturnType<typeof sql<T>>) => (await q.execute(env.state.db)).rows[0]!;
const count = async (q: ReturnType<typeof sql<{ n: number }>>) => Number((await one(q)).n);

test('the volumes are those of the issue, scaled', async () => {
  const persons = await count(sql`select count(*) as n from persons`);
  const episodes = await count(sql`select count(*) as n from custody_episodes`);
  const movements = await count(sql`select count(*) as n from movements`);
  const near = (actual: number, target: number, tolerance: number) => assert.ok(Math.abs(actual / target - 1) <= tolerance, `${actual} vs ${target}`);
  near(persons, historyTargets.persons * scale, 0.1);
  near(episodes, historyTargets.episodes * scale, 0.1);
  near(movements, historyTargets.movements * scale, 0.1);
  for (const kind of ['admission', 'transfer_out', 'transfer_in', 'court_out', 'court_return', 'release']) {
    assert.ok((await count(sql`select count(*) as n from movements where kind = ${kind}`)) > 0, kind);
  }
});

test('today\'s population is exactly the one population.ts plans', async () => {
  const plan = populationPlan(scale);
  const held = await sql<{ facility_code: string; n: number }>`select s.facility_code, count(*)::int as n from facility_stays s join custody_episodes e on e.id = s.episode_id where s.to_at is null and e.released_at is null group by 1`.execute(env.state.db);
  const byCode = new Map(held.rows.map((r) => [r.facility_code, r.n]));
  for (const p of plan) assert.equal(byCode.get(p.code) ?? 0, p.count, p.code);
  const open = await count(sql`select count(*) as n from custody_episodes where released_at is null`);
  assert.equal(open, plan.reduce((s, p) => s + p.count, 0));
  assert.equal(await count(sql`select count(*) as n from persons where custody_status = 'in_custody'`), open);
  // Each is where the open episode holds them, and every other person was released from the centre of their last stay.
  assert.equal(await count(sql`select count(*) as n from persons p join custody_episodes e on e.person_id = p.id and e.released_at is null join facility_stays s on s.episode_id = e.id and s.to_at is null where p.location_facility_code <> s.facility_code`), 0);
  assert.equal(
    await count(sql`select count(*) as n from persons p where p.custody_status = 'released' and p.location_facility_code is distinct from (
      select s.facility_code from custody_episodes e join facility_stays s on s.episode_id = e.id where e.person_id = p.id order by s.from_at desc limit 1)`),
    0,
  );
  // The same people (names, births, centres, legal status today) as planned without any history.
  const planned = planPopulation({ scale, today: new Date(), registrar: 'r', verifier: 'v', ids: demoIds(1), housing: await loadHousing(env.state.db) });
  const key = (x: { given: string; surname: string; born: string; code: string; status: string }) => `${x.given}|${x.surname}|${x.born}|${x.code}|${x.status}`;
  const fromPlan = planned.people.map((p) => key({ given: String(p.person.given_names), surname: String(p.person.first_surname), born: p.dateOfBirth, code: p.facility, status: p.legalStatus })).sort();
  const inDb = (
    await sql<{ given: string; surname: string; born: string; code: string; status: string }>`select p.given_names as given, p.first_surname as surname, p.date_of_birth as born, p.location_facility_code as code, l.status
      from persons p join custody_episodes e on e.person_id = p.id and e.released_at is null
      join legal_status_periods l on l.episode_id = e.id and l.valid_to is null`.execute(env.state.db)
  ).rows.map(key).sort();
  assert.deepEqual(inDb, fromPlan);
  // Today's API figure equals the plan, centre by centre.
  const r = (await env.app.inject({ url: '/api/v1/statistics/occupancy', headers: stat })).json() as { national: { population: number }; facilities: { code: string; population: number }[] };
  for (const p of plan) assert.equal(r.facilities.find((f) => f.code === p.code)!.population, p.count, p.code);
  assert.equal(r.national.population, open);
});

test('stays, episodes, statuses and placements never overlap and leave no gaps', async () => {
  // Per person, episodes one after another; per episode, stays contiguous from admission to release.
  assert.equal(await count(sql`select count(*) as n from custody_episodes a join custody_episodes b on a.person_id = b.person_id and a.id < b.id
    where tstzrange(a.admitted_at, a.released_at) && tstzrange(b.admitted_at, b.released_at)`), 0);
  assert.equal(await count(sql`select count(*) as n from (
      select e.id, min(s.from_at) as first_from, max(coalesce(s.to_at, 'infinity')) as last_to, sum(extract(epoch from coalesce(s.to_at, s.from_at) - s.from_at)) as covered, e.admitted_at, e.released_at
      from custody_episodes e join facility_stays s on s.episode_id = e.id group by e.id) x
    where x.first_from <> x.admitted_at or x.last_to <> coalesce(x.released_at, 'infinity')
      or (x.released_at is not null and x.covered <> extract(epoch from x.released_at - x.admitted_at))`), 0);
  assert.equal(await count(sql`select count(*) as n from custody_episodes e where not exists (select 1 from facility_stays s where s.episode_id = e.id)`), 0);
  for (const [table, from, to] of [['legal_status_periods', 'valid_from', 'valid_to'], ['placements', 'valid_from', 'valid_to']] as const) {
    assert.equal(
      await count(sql`select count(*) as n from (
          select e.id, min(${sql.ref(from)}) as f, max(coalesce(${sql.ref(to)}, 'infinity')) as t, e.admitted_at, e.released_at
          from custody_episodes e join ${sql.table(table)} x on x.episode_id = e.id group by e.id) y
        where y.f <> y.admitted_at or y.t <> coalesce(y.released_at, 'infinity')`),
      0,
      table,
    );
  }
  // A placement is in the centre of the stay it falls in.
  assert.equal(await count(sql`select count(*) as n from placements p where not exists (
    select 1 from facility_stays s where s.episode_id = p.episode_id and s.facility_code = p.facility_code and s.from_at <= p.valid_from and (s.to_at is null or s.to_at > p.valid_from))`), 0);
});

test('every release rests on a release order verified by a second user', async () => {
  assert.equal(await count(sql`select count(*) as n from custody_episodes e left join judicial_orders o on o.id = e.release_order_id
    where e.released_at is not null and (o.id is null or o.kind <> 'release' or o.status <> 'verified' or o.verified_by = o.registered_by or o.person_id <> e.person_id or o.verified_at > e.released_at)`), 0);
  assert.equal(await count(sql`select count(*) as n from custody_episodes e join judicial_orders o on o.id = e.admission_order_id
    where o.kind <> 'commitment' or o.status <> 'verified' or o.verified_by = o.registered_by or o.person_id <> e.person_id`), 0);
  assert.equal(await count(sql`select count(*) as n from transfers where status <> 'arrived' or authorized_by = requested_by`), 0);
});

test('movements reconcile with the stays and the absences', async () => {
  const db = env.state.db;
  // Admission: one per episode, at the first stay's start, into its centre.
  assert.equal(await count(sql`select count(*) as n from custody_episodes e where (select count(*) from movements m where m.episode_id = e.id and m.kind = 'admission') <> 1`), 0);
  assert.equal(await count(sql`select count(*) as n from movements m join facility_stays s on s.episode_id = m.episode_id and s.from_at = m.occurred_at where m.kind = 'admission' and s.facility_code <> m.to_facility_code`), 0);
  // Transfers: each arrival opens a stay in the destination and closes the origin's.
  assert.equal(await count(sql`select count(*) as n from movements m where m.kind = 'transfer_in' and not exists (
    select 1 from facility_stays s join facility_stays o on o.episode_id = s.episode_id and o.to_at = s.from_at
    where s.episode_id = m.episode_id and s.from_at = m.occurred_at and s.facility_code = m.to_facility_code and o.facility_code = m.from_facility_code)`), 0);
  assert.equal(
    await count(sql`select count(*) as n from custody_episodes e where (select count(*) from facility_stays s where s.episode_id = e.id) <> 1 + (select count(*) from movements m where m.episode_id = e.id and m.kind = 'transfer_in')`),
    0,
  );
  assert.equal(await count(sql`select count(*) as n from movements m where m.kind = 'transfer_out' and not exists (select 1 from movements i where i.episode_id = m.episode_id and i.kind = 'transfer_in' and i.occurred_at > m.occurred_at and i.from_facility_code = m.from_facility_code)`), 0);
  // Release: at the end of the last stay, from its centre.
  assert.equal(await count(sql`select count(*) as n from custody_episodes e where e.released_at is not null and not exists (
    select 1 from movements m join facility_stays s on s.episode_id = m.episode_id and s.to_at = m.occurred_at and s.facility_code = m.from_facility_code
    where m.episode_id = e.id and m.kind = 'release' and m.occurred_at = e.released_at)`), 0);
  // Court appearances and escapes: an absence with its out and back movements, inside a stay at that centre.
  assert.equal(await count(sql`select count(*) as n from absences a where not exists (select 1 from movements m where m.episode_id = a.episode_id and m.occurred_at = a.out_at and m.kind = case a.kind when 'escape' then 'escape' else a.kind || '_out' end)
    or not exists (select 1 from movements m where m.episode_id = a.episode_id and m.occurred_at = a.back_at and m.kind = case a.kind when 'escape' then 'recapture' else a.kind || '_return' end)
    or not exists (select 1 from facility_stays s where s.episode_id = a.episode_id and s.facility_code = a.facility_code and s.from_at < a.out_at and coalesce(s.to_at, 'infinity') > a.back_at)`), 0);
  assert.equal(await count(sql`select count(*) as n from absences where back_at is null`), 0, 'nobody is out right now in the demo');
  // Nothing happened in the future; nothing was recorded before it happened.
  assert.equal(await count(sql`select count(*) as n from movements where occurred_at > now() or recorded_at < occurred_at`), 0);
  void db;
});

test('every reference resolves (the seed skipped foreign-key triggers)', async () => {
  const fks = await sql<{ child: string; col: string; parent: string; pcol: string }>`
    select c.conrelid::regclass::text as child, a.attname as col, c.confrelid::regclass::text as parent, pa.attname as pcol
    from pg_constraint c
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    join pg_attribute pa on pa.attrelid = c.confrelid and pa.attnum = c.confkey[1]
    where c.contype = 'f' and array_length(c.conkey, 1) = 1
      and c.conrelid::regclass::text in ('persons', 'person_documents', 'person_aliases', 'person_contacts', 'person_children', 'health_declarations', 'judicial_orders', 'custody_episodes', 'legal_status_periods', 'placements', 'facility_stays', 'transfers', 'absences', 'movements')`.execute(env.state.db);
  assert.ok(fks.rows.length > 30);
  for (const fk of fks.rows) {
    const dangling = await count(sql`select count(*) as n from ${sql.table(fk.child)} c where c.${sql.ref(fk.col)} is not null and not exists (select 1 from ${sql.table(fk.parent)} p where p.${sql.ref(fk.pcol)} = c.${sql.ref(fk.col)})`);
    assert.equal(dangling, 0, `${fk.child}.${fk.col} → ${fk.parent}`);
  }
});

test('past occupancy follows the published national totals and the unsentenced share', async () => {
  const share = (d: string) => {
    const pts = unsentencedShares.filter(([x]) => x <= d);
    return pts[pts.length - 1]![1];
  };
  for (const [date, total] of nationalTotals.slice(1)) {
    const r = (await env.app.inject({ url: `/api/v1/statistics/occupancy?date=${date}`, headers: stat })).json() as { national: { population: number; unsentenced: number; women: number } };
    const target = total * scale;
    assert.ok(Math.abs(r.national.population - target) <= Math.max(6, target * 0.04), `${date}: ${r.national.population} held, published ${total} × ${scale}`);
    // Within 0.08, or 3.5 standard errors of a share over this many people at a small scale.
    const p = share(date);
    const tolerance = Math.max(0.08, 3.5 * Math.sqrt((p * (1 - p)) / r.national.population));
    assert.ok(Math.abs(r.national.unsentenced / r.national.population - p) < tolerance, `${date}: unsentenced ${r.national.unsentenced}/${r.national.population}`);
    assert.ok(r.national.women / r.national.population < 0.1, `${date}: women`);
  }
});

test('the SQL agrees with the counting rules\' reference count on the demo data', async () => {
  const db = env.state.db;
  const tz = env.settings.timeZone;
  const stays = await db.selectFrom('facility_stays as s').innerJoin('persons as p', 'p.id', 's.person_id').select(['s.episode_id', 's.facility_code', 's.from_at', 's.to_at', 'p.sex', 'p.nationality', 'p.date_of_birth']).execute();
  const statuses = await db.selectFrom('legal_status_periods').select(['episode_id', 'status', 'valid_from', 'valid_to']).execute();
  const escapes = await db.selectFrom('absences').select(['episode_id', 'out_at', 'back_at']).where('kind', '=', 'escape').execute();
  const byEpisode = Map.groupBy(statuses, (s) => s.episode_id);
  const escapesBy = Map.groupBy(escapes, (e) => e.episode_id);
  for (const date of ['2014-09-15', '2017-03-01', '2020-04-15', '2023-11-15', todayIn(tz)]) {
    const at = asOfInstant(date, tz);
    const people: HeldPerson[] = stays
      .filter((s) => inForceAt(s.from_at, s.to_at, at) && !(escapesBy.get(s.episode_id) ?? []).some((e) => inForceAt(e.out_at, e.back_at, at)))
      .map((s) => ({
        facilityCode: s.facility_code,
        legalStatus: (byEpisode.get(s.episode_id) ?? []).find((l) => inForceAt(l.valid_from, l.valid_to, at))?.status ?? null,
        sex: s.sex,
        nationality: s.nationality,
        dateOfBirth: s.date_of_birth,
      }));
    const expected = countHeld(people, date);
    const r = (await env.app.inject({ url: `/api/v1/statistics/occupancy?date=${date}`, headers: stat })).json() as { facilities: ({ code: string } & Record<string, number>)[] };
    for (const f of r.facilities) {
      const e = expected.get(f.code);
      for (const k of ['population', 'unsentenced', 'other', 'women', 'foreign', 'youngAdults'] as const) assert.equal(f[k], e?.[k] ?? 0, `${date} ${f.code} ${k}`);
    }
  }
});
