// The demo's legal time at a small scale: every person held has a stored computation, the
// stored input of every one of them run through the engine gives exactly the stored result,
// almost every end date lies ahead, a few releases are due today and three are overdue, and
// the orders behind the computations are verified by a second officer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestApp, createUser, bearerFor, type TestEnv } from '../../../test/helpers/app.ts';
import { todayIn } from '../../platform/time.ts';
import { runComputeSentence } from '../sentence/cli.ts';
import { computeSentence } from '../sentence/engine.ts';
import type { SentenceInput, SentenceResult } from '../sentence/types.ts';
import { addTerm, dayNumber } from '../sentence/dates.ts';
import { termOfDays } from './demo.ts';
import { recomputeAll } from './recompute.ts';
import { fullResult, withoutTrace, type StoredResult } from './stored-result.ts';

let env: TestEnv;
before(async () => {
  env = await startTestApp({ demo: true, demoScale: 0.02 });
});
after(async () => {
  await env.close();
});

test('termOfDays: the years and months that fit, and the days left over', () => {
  const s = dayNumber('2024-02-29');
  assert.deepEqual(termOfDays(s, 366), { years: 1, months: 0, days: 1 }); // 2024-02-29 + 1 year = 2025-02-28: 365 days, and 1 day more
  for (const start of [s, dayNumber('2019-01-31'), dayNumber('2021-08-31')]) {
    for (const days of [1, 30, 365, 731, 1000, 3653, 9000]) {
      const t = termOfDays(start, days);
      assert.ok(t.months < 12 && t.days >= 0);
      assert.equal(addTerm(start, t) - start, days, 'the term is exactly that many days long');
    }
  }
});

test('every person held has a computation, and every stored input gives exactly the stored result', async () => {
  const db = env.state.db;
  const held = Number((await sql<{ n: number }>`select count(*)::int as n from custody_episodes where released_at is null`.execute(db)).rows[0]!.n);
  const rows = await db.selectFrom('sentence_computations as c').innerJoin('custody_episodes as e', 'e.id', 'c.episode_id').select(['c.person_id', 'c.status', 'c.rule_set_id', 'c.input', 'c.result', 'c.expiry_date', 'e.released_at']).where('c.superseded_at', 'is', null).execute();
  assert.ok(held > 100);
  assert.equal(rows.filter((r) => r.released_at === null).length, held, 'one current computation per person held');
  let sentenced = 0;
  for (const r of rows) {
    const again = computeSentence(r.input, { ruleSetId: r.rule_set_id });
    assert.deepEqual(r.result, withoutTrace(again), `person ${r.person_id}`);
    assert.deepEqual(fullResult(r.input as SentenceInput, r.rule_set_id, r.result as StoredResult), again);
    if (r.status === 'sentenced') sentenced++;
  }
  assert.ok(sentenced > held * 0.4, `${sentenced} sentenced of ${held}`);
  const sentencedStatus = Number((await sql<{ n: number }>`select count(*)::int as n from custody_episodes e join legal_status_periods s on s.episode_id = e.id and s.valid_to is null and s.status = 'sentenced' where e.released_at is null`.execute(db)).rows[0]!.n);
  assert.equal(sentenced, sentencedStatus, 'every sentenced person held has a verified sentence');
});

test('almost every end date lies ahead; a few are due today and three are overdue', async () => {
  const db = env.state.db;
  const today = todayIn(env.settings.timeZone);
  const rows = await db.selectFrom('sentence_computations').select(['expiry_date', 'result']).where('superseded_at', 'is', null).where('status', '=', 'sentenced').execute();
  const due = rows.filter((r) => r.expiry_date === today).length;
  const overdue = rows.filter((r) => (r.result as SentenceResult & { overdue: boolean }).overdue).length;
  assert.ok(due >= 2, `${due} due today`);
  assert.ok(overdue >= 2 && overdue <= 5, `${overdue} overdue`);
  assert.ok(rows.filter((r) => r.expiry_date! > today).length >= rows.length - 8, 'almost everyone\'s end date is in the future');
  const kinds = await sql<{ kind: string; n: number }>`select kind, count(*)::int as n from judicial_orders where kind in ('sentence', 'provisional_custody', 'measure', 'reduction', 'custody_credit') group by kind`.execute(db);
  const byKind = Object.fromEntries(kinds.rows.map((k) => [k.kind, k.n]));
  assert.ok(byKind.sentence! > 100);
  assert.ok((byKind.provisional_custody ?? 0) > 0 && (byKind.measure ?? 0) > 0, JSON.stringify(byKind));
  const consecutive = await db.selectFrom('sentence_orders').select('order_id').where('relation', '=', 'consecutive').execute();
  assert.ok(consecutive.length > 0);
  const fourEyes = await sql<{ n: number }>`select count(*)::int as n from judicial_orders where kind = 'sentence' and (status <> 'verified' or verified_by = registered_by)`.execute(db);
  assert.equal(fourEyes.rows[0]!.n, 0);
});

test('the contract endpoint of a demo person equals compute-sentence; recomputing everyone again changes nothing', async () => {
  const db = env.state.db;
  const inspector = await createUser(env, { username: 'inspeccion.demo', roles: ['inspector'] });
  const h = await bearerFor(env, inspector);
  const one = await db.selectFrom('sentence_computations').select('person_id').where('superseded_at', 'is', null).where('status', '=', 'sentenced').orderBy('person_id').limit(1).executeTakeFirstOrThrow();
  const r = await env.app.inject({ url: `/api/v1/persons/${one.person_id}/sentence-computation`, headers: h });
  assert.equal(r.statusCode, 200);
  const body = r.json() as { input: unknown; result: unknown };
  const cli = await runComputeSentence(JSON.stringify(body.input));
  assert.deepEqual(body.result, JSON.parse(cli.stdout));

  const before = Number((await sql<{ n: number }>`select count(*)::int as n from sentence_computations`.execute(db)).rows[0]!.n);
  const summary = await recomputeAll(db, { cause: 'test', timeZone: env.settings.timeZone });
  assert.equal(summary.stored, 0);
  assert.equal(summary.failed.length, 0);
  assert.equal(summary.unchanged, summary.sentenced + summary.pretrial);
  assert.equal(Number((await sql<{ n: number }>`select count(*)::int as n from sentence_computations`.execute(db)).rows[0]!.n), before);
});
