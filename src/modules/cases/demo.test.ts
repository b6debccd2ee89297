// The demo's cases at a small scale: one case per current episode from its commitment order,
// one to three charges from the catalogue, stages that follow the legal status, people
// sentenced in one case and pretrial in another, and a daily court list at La Joya with people
// on it today — whom the duty officer can take to court (a court_out movement).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { bearerFor, createUser, startTestApp, type TestEnv } from '../../../test/helpers/app.ts';
import { demoCourtListFacility } from './demo.ts';

let env: TestEnv;
let duty: Record<string, string>;
before(async () => {
  env = await startTestApp({ demo: true, demoScale: 0.02 });
  duty = await bearerFor(env, await createUser(env, { username: 'demo.test.turno', roles: ['duty_officer'], facilities: [demoCourtListFacility] }));
});
after(() => env.close());

const count = async (q: ReturnType<typeof sql<{ n: number }>>) => Number((await q.execute(env.state.db)).rows[0]!.n);

test('one case per current episode, from its commitment order', async () => {
  const open = await count(sql`select count(*) as n from custody_episodes where released_at is null`);
  assert.ok(open > 100, `${open} held`);
  assert.equal(await count(sql`select count(*) as n from custody_episodes e where e.released_at is null and not exists (
    select 1 from criminal_cases k join judicial_orders o on o.id = e.admission_order_id
    where k.episode_id = e.id and k.case_number = o.case_number and k.authority_name = o.issuing_authority and k.authority_kind = o.authority_kind)`), 0);
  // (Cases of released episodes are the legal-time demo's: custody credited from an earlier episode.)
  assert.equal(await count(sql`select count(*) as n from criminal_cases k join custody_episodes e on e.id = k.episode_id where e.released_at is null and k.closed_on is not null`), 0);
});

test('one to three charges per case, from the catalogue, with drugs, robbery and homicide most frequent', async () => {
  assert.equal(await count(sql`select count(*) as n from criminal_cases k join custody_episodes e on e.id = k.episode_id and e.released_at is null
    where not exists (select 1 from case_charges c where c.case_id = k.id)`), 0);
  assert.equal(await count(sql`select count(*) as n from (select case_id from case_charges group by case_id having count(*) > 3) x`), 0);
  const top = (await sql<{ category: string; n: number }>`select o.category, count(*)::int as n from case_charges c join offences o on o.code = c.offence_code group by 1 order by 2 desc`.execute(env.state.db)).rows;
  const categories = top.map((r) => r.category);
  for (const c of ['drugs', 'property', 'life_and_integrity', 'public_security']) assert.ok(categories.slice(0, 5).includes(c), `${c} among ${categories.join()}`);
});

test('stages follow the legal status; some people are sentenced in one case and pretrial in another', async () => {
  const wrong = await count(sql`select count(*) as n from criminal_cases k
    join custody_episodes e on e.id = k.episode_id
    join judicial_orders o on o.id = e.admission_order_id and o.case_number = k.case_number and o.authority_kind = k.authority_kind
    join legal_status_periods s on s.episode_id = k.episode_id and s.valid_to is null
    where (s.status = 'pretrial' and k.stage not in ('investigation', 'trial')) or (s.status = 'sentenced' and k.stage not in ('final', 'appeal'))`);
  assert.equal(wrong, 0);
  const both = await count(sql`select count(distinct k.person_id) as n from criminal_cases k
    join legal_status_periods s on s.episode_id = k.episode_id and s.valid_to is null and s.status = 'sentenced'
    where k.closed_on is null and k.stage in ('investigation', 'trial')`);
  assert.ok(both > 0, 'sentenced people with a case still open at investigation or trial');
});

test('the daily list at La Joya has people today; taking one to court writes court_out', async () => {
  const list = await env.app.inject({ url: `/api/v1/facilities/${demoCourtListFacility}/court-list`, headers: duty });
  assert.equal(list.statusCode, 200, list.body);
  const items = (list.json() as { items: { id: string; personId: string; status: string; version: number }[] }).items;
  assert.ok(items.length >= 3, `${items.length} on today's list`);
  const upcoming = await env.app.inject({ url: `/api/v1/hearings?facility=${demoCourtListFacility}`, headers: duty });
  assert.ok((upcoming.json() as { items: unknown[] }).items.length > items.length);
  const first = items.find((h) => h.status === 'scheduled')!;
  const taken = await env.app.inject({ method: 'POST', url: `/api/v1/hearings/${first.id}/take`, headers: duty, payload: { version: first.version } });
  assert.equal(taken.statusCode, 200, taken.body);
  const last = await env.state.db.selectFrom('movements').select('kind').where('person_id', '=', first.personId).orderBy('occurred_at', 'desc').limit(1).executeTakeFirstOrThrow();
  assert.equal(last.kind, 'court_out');
});
