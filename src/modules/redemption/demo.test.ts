// The demo's redemption ledger at a small scale: about a third of the sentenced people held
// today have records; every record lies inside the person's custody as the legal-time module
// reads it, ends before today, respects its period's length and overlaps no other; the statuses
// follow the months (decided older months, evaluated and certified recent ones) with four eyes
// on every decision; and the same day gives the same ledger.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import { startTestApp, type TestEnv } from '../../../test/helpers/app.ts';
import { todayIn } from '../../platform/time.ts';
import { custodyPeriodsOf } from '../legal-time/custody-periods.ts';
import { dayNumber } from '../sentence/dates.ts';
import { daysOutsideCustody } from './rules.ts';
import { seedRedemptionDemo } from './demo.ts';

let env: TestEnv;
before(async () => {
  env = await startTestApp({ demo: true, demoScale: 0.02 });
});
after(() => env.close());

test('a share of the sentenced people held today have records, in the programmes', async () => {
  const db = env.state.db;
  const sentenced = Number(
    (await sql<{ n: number }>`select count(*) as n from persons p join custody_episodes e on e.person_id = p.id and e.released_at is null
      join legal_status_periods l on l.episode_id = e.id and l.valid_to is null where p.custody_status = 'in_custody' and l.status = 'sentenced'`.execute(db)).rows[0]!.n,
  );
  const people = Number((await sql<{ n: number }>`select count(distinct person_id) as n from redemption_records`.execute(db)).rows[0]!.n);
  assert.ok(sentenced > 50, `${sentenced} sentenced`);
  assert.ok(people >= sentenced * 0.25 && people <= sentenced * 0.45, `${people} of ${sentenced}`);
  const byStatus = await db.selectFrom('redemption_records').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  const n = (s: string) => Number(byStatus.find((x) => x.status === s)?.n ?? 0);
  for (const s of ['certified', 'evaluated', 'approved', 'refused']) assert.ok(n(s) > 0, `${s}: ${JSON.stringify(byStatus)}`);
  assert.ok(n('approved') > n('refused') * 5);
  const kinds = await db.selectFrom('redemption_records').select('activity_kind').distinct().execute();
  assert.deepEqual(kinds.map((k) => k.activity_kind).sort(), ['study', 'teaching', 'work']);
});

test('every record is one the engine accepts: inside custody, before today, within its length', async () => {
  const db = env.state.db;
  const today = todayIn(env.settings.timeZone);
  const rows = await db.selectFrom('redemption_records').selectAll().orderBy('person_id').execute();
  const byEpisode = new Map<string, typeof rows>();
  for (const r of rows) byEpisode.set(r.episode_id, [...(byEpisode.get(r.episode_id) ?? []), r]);
  for (const [episodeId, records] of byEpisode) {
    const periods = await custodyPeriodsOf(db, episodeId, today, env.settings.timeZone);
    for (const r of records) {
      const from = dayNumber(r.period_from);
      const to = dayNumber(r.period_to);
      assert.equal(daysOutsideCustody(periods, from, to), 0, `${r.id} ${r.period_from}..${r.period_to} ${JSON.stringify(periods)}`);
      assert.ok(r.period_to < today);
      if (r.activity_kind === 'teaching') assert.ok(r.hours! >= 1 && r.hours! <= 24 * (to - from + 1));
      else assert.ok(r.days! >= 1 && r.days! <= to - from + 1);
    }
    const sorted = records.filter((r) => r.status !== 'refused').sort((a, b) => a.period_from.localeCompare(b.period_from));
    for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i]!.period_from > sorted[i - 1]!.period_to, `overlap in ${episodeId}`);
  }
  // Four eyes on every decision; decisions after evaluations; the latest month only certified.
  assert.equal(Number((await sql<{ n: number }>`select count(*) as n from redemption_records where decided_by = certified_by`.execute(db)).rows[0]!.n), 0);
  assert.equal(Number((await sql<{ n: number }>`select count(*) as n from redemption_records where status in ('approved', 'refused') and (evaluated_at is null or decided_at < evaluated_at or decision_date > ${today}::date)`.execute(db)).rows[0]!.n), 0);
  const latest = await sql<{ status: string }>`select distinct status from redemption_records where period_to >= date_trunc('month', ${today}::date - interval '1 month')`.execute(db);
  assert.deepEqual(latest.rows.map((r) => r.status), ['certified']);
});

test('the same day gives the same ledger', async () => {
  const key = async (db: Kysely<Database>) =>
    (await sql<{ k: string }>`select string_agg(person_id || programme || period_from || period_to || coalesce(days, hours) || status, ',' order by person_id, period_from) as k from redemption_records`.execute(db)).rows[0]!.k;
  const first = await key(env.state.db);
  const today = todayIn(env.settings.timeZone);
  await env.state.db
    .transaction()
    .execute(async (trx) => {
      await trx.deleteFrom('redemption_records').execute();
      await seedRedemptionDemo(trx, { timeZone: env.settings.timeZone, today });
      assert.equal(await key(trx), first);
      throw new RollbackSignal();
    })
    .catch((e: unknown) => {
      if (!(e instanceof RollbackSignal)) throw e;
    });
});

class RollbackSignal extends Error {}
