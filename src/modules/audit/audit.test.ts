// Browsing the audit trail: filters, keyset pages, scope, the page, and that each search is
// itself one audit entry.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { bearerFor, createUser, signIn, startTestApp, type Session, type TestEnv } from '../../../test/helpers/app.ts';
import { recordAudit, systemActor } from '../../platform/audit/audit.ts';
import { sealPending } from '../../platform/audit/chain.ts';
import { todayIn, addYears } from '../../platform/time.ts';

let env: TestEnv;
let inspector: Record<string, string>;
let inspectorPage: Session;
let scopedAdmin: Record<string, string>;
let statistician: Record<string, string>;
const personId = crypto.randomUUID();

interface Entry { id: number; actorName: string; action: string; targetType: string; targetId: string | null; facilityCode: string | null; before: unknown; after: unknown; details: unknown; sealed: boolean }
type Page = { items: Entry[]; nextBefore: number | null };
interface ErrorBody { error: { code: string; fields: { path: string }[] } }

async function search(query: string, headers = inspector): Promise<{ status: number; body: Page & ErrorBody }> {
  const res = await env.app.inject({ url: `/api/v1/audit${query ? `?${query}` : ''}`, headers });
  return { status: res.statusCode, body: res.json() };
}

const searches = async () => Number((await env.state.db.selectFrom('audit_log').select(sql<string>`count(*)`.as('n')).where('action', '=', 'audit.search').executeTakeFirstOrThrow()).n);

before(async () => {
  env = await startTestApp();
  const insp = await createUser(env, { username: 'aud.inspector', roles: ['inspector'] });
  inspector = await bearerFor(env, insp);
  inspectorPage = await signIn(env, insp); // audited: auth.login.succeeded
  scopedAdmin = await bearerFor(env, await createUser(env, { username: 'aud.admin', roles: ['admin'], facilities: ['PA-LJ'] }));
  statistician = await bearerFor(env, await createUser(env, { username: 'aud.stats', roles: ['statistician'] }));
  await env.state.db.transaction().execute(async (trx) => {
    await recordAudit(trx, systemActor, { action: 'test.person.read', targetType: 'person', targetId: personId, personId, facilityCode: 'PA-LJ' });
    await recordAudit(trx, systemActor, { action: 'test.capacity', targetType: 'facility', targetId: 'CO-NES', facilityCode: 'CO-NES', before: { capacity: 1 }, after: { capacity: 2 } });
    for (let i = 0; i < 5; i++) await recordAudit(trx, systemActor, { action: 'test.bulk', targetType: 'thing', targetId: `t${i}`, details: { i } });
  });
});
after(() => env.close());

describe('the audit API', () => {
  test('newest first, with before/after, and whether each entry is sealed yet', async () => {
    const first = await search('action=test.capacity');
    assert.equal(first.status, 200);
    assert.equal(first.body.items.length, 1);
    const e = first.body.items[0]!;
    assert.deepEqual([e.actorName, e.targetType, e.targetId, e.facilityCode, e.before, e.after, e.sealed], ['system', 'facility', 'CO-NES', 'CO-NES', { capacity: 1 }, { capacity: 2 }, false]);
    await sealPending(env.state.db, { key: env.state.keys.audit, checkpointFile: env.settings.auditCheckpointFile });
    assert.equal((await search('action=test.capacity')).body.items[0]!.sealed, true);
    const all = (await search('limit=200')).body.items.map((x) => x.id);
    assert.deepEqual(all, [...all].sort((a, b) => b - a));
  });

  test('filters: actor, action prefix, target, person, dates', async () => {
    const byActor = (await search('actor=aud.inspector')).body.items;
    assert.ok(byActor.length >= 1);
    assert.ok(byActor.every((x) => x.actorName === 'aud.inspector'));
    assert.ok((await search('actor=system')).body.items.some((x) => x.action === 'test.bulk'));
    const prefix = (await search('action=test.*')).body.items.map((x) => x.action);
    assert.deepEqual([...new Set(prefix)].sort(), ['test.bulk', 'test.capacity', 'test.person.read']);
    assert.deepEqual((await search('targetType=thing&targetId=t3')).body.items.map((x) => x.details), [{ i: 3 }]);
    assert.deepEqual((await search(`personId=${personId}`)).body.items.map((x) => x.action), ['test.person.read']);
    const today = todayIn(env.settings.timeZone);
    assert.ok((await search(`from=${today}&to=${today}&action=test.bulk`)).body.items.length === 5);
    const nextYear = addYears(today, 1);
    assert.equal((await search(`from=${nextYear}&action=test.bulk`)).body.items.length, 0);
  });

  test('keyset pages: following nextBefore visits every entry once', async () => {
    const all = (await search('action=test.bulk')).body.items.map((x) => x.id);
    const seen: number[] = [];
    let query = 'action=test.bulk&limit=2';
    for (;;) {
      const { body } = await search(query);
      seen.push(...body.items.map((x) => x.id));
      if (body.nextBefore === null) break;
      query = `action=test.bulk&limit=2&before=${body.nextBefore}`;
    }
    assert.deepEqual(seen, all);
    assert.equal(seen.length, 5);
  });

  test('each search is one audit entry, with its filters', async () => {
    const n = await searches();
    await search('action=test.bulk&limit=3');
    assert.equal(await searches(), n + 1);
    const entry = await env.state.db.selectFrom('audit_log').selectAll().where('action', '=', 'audit.search').orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.deepEqual(entry.details, { filters: { action: 'test.bulk', limit: 3 }, returned: 3 });
    assert.equal(entry.actor_name, 'aud.inspector');
  });

  test('bad filters: 400 for the shape, 422 for a range backwards; 403 without audit.read', async () => {
    for (const [q, status, path] of [
      ['limit=0', 400, 'limit'],
      ['limit=201', 400, 'limit'],
      ['from=2025-13-01', 400, 'from'],
      ['personId=nobody', 400, 'personId'],
      ['before=-4', 400, 'before'],
      ['from=2025-02-01&to=2025-01-01', 422, 'to'],
    ] as const) {
      const res = await search(q);
      assert.equal(res.status, status, q);
      assert.equal(res.body.error.fields[0]!.path, path, q);
    }
    assert.equal((await search('', statistician)).status, 403);
    assert.equal((await env.app.inject({ url: '/api/v1/audit/verification', headers: statistician })).statusCode, 403);
  });

  test('an auditor scoped to a centre sees only that centre\'s entries', async () => {
    const items = (await search('action=test.*', scopedAdmin)).body.items;
    assert.deepEqual(items.map((x) => x.facilityCode), ['PA-LJ']);
  });

  test('verification reports the chain', async () => {
    await sealPending(env.state.db, { key: env.state.keys.audit, checkpointFile: env.settings.auditCheckpointFile });
    const res = await env.app.inject({ url: '/api/v1/audit/verification', headers: inspector });
    assert.equal(res.statusCode, 200);
    const v = res.json();
    assert.equal(v.ok, true);
    assert.equal(v.problem, null);
    assert.ok(v.sealed >= 8);
    assert.equal(v.checkpoint.seq, v.sealed);
  });
});

describe('the audit page', () => {
  const page = (q = '') => env.app.inject({ url: `/audit${q}`, headers: { cookie: inspectorPage.cookie } });

  test('filters, a captioned table with before/after in <details>, the chain\'s status and a next-page link', async () => {
    const res = await page('?action=test.*&limit=1');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<caption/);
    assert.match(res.body, /<th scope="col"/);
    assert.match(res.body, /<details/);
    assert.match(res.body, /Íntegra/);
    assert.match(res.body, /name="action"[^>]*value="test\.\*"|value="test\.\*"[^>]*name="action"/);
    const next = /href="(\/audit\?[^"]*before=\d+[^"]*)"/.exec(res.body);
    assert.ok(next, 'a next-page link');
    const second = await page(next[1]!.replace('/audit', '').replace(/&amp;/g, '&'));
    assert.equal(second.statusCode, 200);
  });

  test('a malformed filter re-renders the form with an error summary', async () => {
    const res = await page('?from=yesterday');
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /govuk-error-summary/);
    assert.match(res.body, /href="#from"/);
    const backwards = await page('?from=2025-02-01&to=2025-01-01');
    assert.equal(backwards.statusCode, 422);
    assert.match(backwards.body, /href="#to"/);
  });
});
