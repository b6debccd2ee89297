// Facilities: scope in SQL, capacity as of a date, effective-dated changes that never
// overwrite, bad input named by field, and the audit entry written with the change.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { bearerFor, createUser, signIn, startTestApp, type Session, type TestEnv } from '../../../test/helpers/app.ts';
import { addYears, todayIn } from '../../platform/time.ts';

let env: TestEnv;
let admin: Record<string, string>; // Bearer token of a national administrator
let adminPage: Session; // the same administrator signed in to pages
let statistician: Record<string, string>; // reads, manages nothing
let scoped: Record<string, string>; // reads PA-LJ only
let unitP: string; // a unit of PA-LJ with two cells
let cellP1: string;
let cellP2: string;
let unitOther: string; // a unit of CO-NES

const action = 'facility.capacity.recorded';

// Response bodies as the tests read them (one type for every endpoint's fields).
interface Capacity { capacity: number | null; capacitySource: string | null; capacityEffectiveFrom: string | null }
interface Facility extends Capacity { code: string; province: string; populationGroup: string; date: string; units: (Capacity & { id: string; code: string; cellCount: number })[] }
interface Unit extends Capacity { facility: { code: string }; cells: (Capacity & { code: string })[] }
interface Entry { level: string; source: string; reason: string; recordedBy: string | null; unitId: string | null; cellCode: string | null }
interface ErrorBody { error: { code: string; message: string; fields?: { path: string }[] } }
type Body = Facility & Unit & Entry & ErrorBody & { items: (Facility & Entry)[] };

async function get(url: string, headers = admin) {
  const res = await env.app.inject({ url, headers });
  return { status: res.statusCode, body: res.json() as Body };
}

async function post(code: string, payload: unknown, headers: Record<string, string> = admin) {
  const res = await env.app.inject({ method: 'POST', url: `/api/v1/facilities/${code}/capacity`, headers, payload: payload as object });
  return { status: res.statusCode, body: res.json() as Body, headers: res.headers };
}

const capacityOn = async (code: string, date: string) => (await get(`/api/v1/facilities?date=${date}`)).body.items.find((f) => f.code === code)!;
const count = async (table: 'capacity_history' | 'audit_log') => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(env.state.db)).rows[0]!.n);
const auditCount = async () => Number((await env.state.db.selectFrom('audit_log').select(sql<string>`count(*)`.as('n')).where('action', '=', action).executeTakeFirstOrThrow()).n);

before(async () => {
  env = await startTestApp();
  const db = env.state.db;
  // Pages for an administrator need a second factor by default; these tests are about facilities.
  await db.insertInto('role_policies').values({ role: 'admin', mfa_required: false }).execute();
  const adminUser = await createUser(env, { username: 'fac.admin', roles: ['admin'] });
  admin = await bearerFor(env, adminUser);
  adminPage = await signIn(env, adminUser);
  statistician = await bearerFor(env, await createUser(env, { username: 'fac.stats', roles: ['statistician'] }));
  scoped = await bearerFor(env, await createUser(env, { username: 'fac.director', roles: ['director'], facilities: ['PA-LJ'] }));

  const unit = await db.insertInto('units').values({ facility_code: 'PA-LJ', code: 'P', name: 'Pabellón P', kind: 'pretrial' }).returning('id').executeTakeFirstOrThrow();
  unitP = unit.id;
  const cells = await db.insertInto('cells').values([{ unit_id: unitP, code: 'P-001' }, { unit_id: unitP, code: 'P-002' }]).returning('id').execute();
  cellP1 = cells[0]!.id;
  cellP2 = cells[1]!.id;
  await db
    .insertInto('capacity_history')
    .values([
      { facility_code: 'PA-LJ', unit_id: unitP, capacity: 12, source: 'operational', effective_from: '2014-01-01', reason: 'test unit' },
      { facility_code: 'PA-LJ', unit_id: unitP, cell_id: cellP1, capacity: 6, source: 'operational', effective_from: '2014-01-01', reason: 'test cell' },
    ])
    .execute();
  unitOther = (await db.insertInto('units').values({ facility_code: 'CO-NES', code: 'X', name: 'Pabellón X', kind: 'general' }).returning('id').executeTakeFirstOrThrow()).id;
});
after(() => env.close());

describe('reading centres', () => {
  test('every centre in national scope, ordered by code, with today\'s official capacity', async () => {
    const { status, body } = await get('/api/v1/facilities', statistician);
    assert.equal(status, 200);
    const codes = body.items.map((f) => f.code);
    assert.deepEqual(codes, [...codes].sort());
    assert.ok(codes.length >= 20);
    const lj = body.items.find((f) => f.code === 'PA-LJ')!;
    assert.deepEqual(
      { code: lj.code, province: lj.province, populationGroup: lj.populationGroup, capacity: lj.capacity, capacitySource: lj.capacitySource, capacityEffectiveFrom: lj.capacityEffectiveFrom },
      { code: 'PA-LJ', province: 'Panamá', populationGroup: 'men', capacity: 1568, capacitySource: 'official', capacityEffectiveFrom: '2014-01-01' },
    );
    // Without a published figure (and outside the demo) the capacity is unknown, not zero.
    assert.equal(body.items.find((f) => f.code === 'PA-TIN')!.capacity, null);
  });

  test('a user scoped to PA-LJ sees only PA-LJ, and 404 for another centre', async () => {
    const { body } = await get('/api/v1/facilities', scoped);
    assert.deepEqual(body.items.map((f) => f.code), ['PA-LJ']);
    assert.equal((await get('/api/v1/facilities/PA-LJ', scoped)).status, 200);
    for (const url of ['/api/v1/facilities/CO-NES', `/api/v1/facilities/CO-NES/units/${unitOther}`, '/api/v1/facilities/CO-NES/capacity-history']) {
      const res = await get(url, scoped);
      assert.equal(res.status, 404, url);
      assert.equal(res.body.error.code, 'not_found');
    }
    assert.equal((await get('/api/v1/facilities/XX-NONE', scoped)).status, 404);
  });

  test('a centre with its units, capacities and cell counts; a unit with its cells', async () => {
    const { body } = await get('/api/v1/facilities/PA-LJ?date=2020-01-01');
    assert.equal(body.date, '2020-01-01');
    assert.equal(body.capacity, 1568);
    assert.deepEqual(
      body.units.map((u) => ({ id: u.id, code: u.code, capacity: u.capacity, cellCount: u.cellCount })),
      [{ id: unitP, code: 'P', capacity: 12, cellCount: 2 }],
    );
    const unit = (await get(`/api/v1/facilities/PA-LJ/units/${unitP}?date=2020-01-01`)).body;
    assert.equal(unit.facility.code, 'PA-LJ');
    assert.deepEqual(
      unit.cells.map((c) => [c.code, c.capacity]),
      [['P-001', 6], ['P-002', null]],
    );
    // A unit that exists, asked for under another centre, does not exist there.
    assert.equal((await get(`/api/v1/facilities/PA-LJ/units/${unitOther}`)).status, 404);
    assert.equal((await get('/api/v1/facilities/PA-LJ/units/not-a-uuid')).status, 400);
  });

  test('before the first entry the capacity is unknown; a malformed date is a 400 naming it', async () => {
    assert.equal((await capacityOn('PA-LJ', '2013-12-31')).capacity, null);
    const bad = await get('/api/v1/facilities?date=2025-02-30');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.fields![0]!.path, 'date');
  });
});

describe('recording capacity', () => {
  test('a change effective 2025-01-01 leaves the past as it was, and both entries stay in the history', async () => {
    const auditBefore = await auditCount();
    const res = await post('PA-LJ', { capacity: 1800, effectiveFrom: '2025-01-01', reason: 'Resolución 12/2024: nuevo pabellón' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.capacity, 1800);
    assert.equal(res.body.level, 'facility');
    assert.equal(res.body.source, 'official');
    assert.equal(res.body.recordedBy, 'fac.admin');

    assert.equal((await capacityOn('PA-LJ', '2024-12-31')).capacity, 1568);
    const after = await capacityOn('PA-LJ', '2025-01-02');
    assert.equal(after.capacity, 1800);
    assert.equal(after.capacityEffectiveFrom, '2025-01-01');

    const history = (await get('/api/v1/facilities/PA-LJ/capacity-history')).body.items.filter((h) => h.level === 'facility');
    assert.deepEqual(history.map((h) => h.capacity), [1800, 1568]); // newest first
    assert.equal(history[0]!.reason, 'Resolución 12/2024: nuevo pabellón');
    assert.equal(history[1]!.recordedBy, null); // reference data

    // Audited in the same transaction, with what was in force on that date before.
    assert.equal(await auditCount(), auditBefore + 1);
    const entry = await env.state.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.equal(entry.facility_code, 'PA-LJ');
    assert.equal(entry.actor_name, 'fac.admin');
    assert.deepEqual([(entry.before_value as { capacity: number }).capacity, (entry.after_value as { capacity: number }).capacity], [1568, 1800]);
  });

  test('a correction of the past is a new entry: it changes that period only', async () => {
    const res = await post('PA-LJ', { capacity: 1500, effectiveFrom: '2020-06-01', reason: 'corrección: cifra de 2020 mal transcrita', source: 'operational' });
    assert.equal(res.status, 201);
    assert.equal((await capacityOn('PA-LJ', '2020-05-31')).capacity, 1568);
    const corrected = await capacityOn('PA-LJ', '2021-01-01');
    assert.deepEqual([corrected.capacity, corrected.capacitySource], [1500, 'operational']);
    assert.equal((await capacityOn('PA-LJ', '2025-01-02')).capacity, 1800);
  });

  test('the same effective date twice: the later recording wins, the earlier stays in the history', async () => {
    await post('PA-REN', { capacity: 400, effectiveFrom: '2024-03-01', reason: 'first figure' });
    await post('PA-REN', { capacity: 410, effectiveFrom: '2024-03-01', reason: 'second figure, same day' });
    assert.equal((await capacityOn('PA-REN', '2024-03-01')).capacity, 410);
    const history = (await get('/api/v1/facilities/PA-REN/capacity-history')).body.items;
    assert.deepEqual(history.map((h) => h.capacity), [410, 400, 436]);
  });

  test('a unit or a cell of the centre; the cell\'s unit is found by itself', async () => {
    assert.equal((await post('PA-LJ', { capacity: 20, effectiveFrom: '2024-01-01', reason: 'unit enlarged', unitId: unitP })).status, 201);
    const cell = await post('PA-LJ', { capacity: 8, effectiveFrom: '2024-01-01', reason: 'bunks added', cellId: cellP2 });
    assert.equal(cell.status, 201);
    assert.deepEqual([cell.body.level, cell.body.unitId, cell.body.cellCode], ['cell', unitP, 'P-002']);
    const detail = (await get('/api/v1/facilities/PA-LJ?date=2024-06-01')).body;
    assert.equal(detail.units[0]!.capacity, 20);
    const unit = (await get(`/api/v1/facilities/PA-LJ/units/${unitP}?date=2024-06-01`)).body;
    assert.deepEqual(unit.cells.map((c) => c.capacity), [6, 8]);
    assert.equal((await get(`/api/v1/facilities/PA-LJ/capacity-history?unitId=${unitP}`)).body.items.length, 4);
  });

  test('capacity null records an unknown figure from that date', async () => {
    assert.equal((await post('DA-LPA', { capacity: null, effectiveFrom: '2025-06-01', reason: 'figure withdrawn pending inspection' })).status, 201);
    assert.equal((await capacityOn('DA-LPA', '2025-06-02')).capacity, null);
    assert.equal((await capacityOn('DA-LPA', '2025-05-31')).capacity, 18);
  });

  test('Idempotency-Key: the repeat returns the first response and records nothing new', async () => {
    const headers = { ...admin, 'idempotency-key': 'capacity-test-1' };
    const payload = { capacity: 300, effectiveFrom: '2024-02-01', reason: 'idempotent change' };
    const first = await post('HE-CHI', payload, headers);
    const rows = await count('capacity_history');
    const audits = await auditCount();
    const again = await post('HE-CHI', payload, headers);
    assert.equal(again.status, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, first.body);
    assert.equal(await count('capacity_history'), rows);
    assert.equal(await auditCount(), audits);
  });

  test('only managers record capacity (403); outside the scope it is a 404', async () => {
    assert.equal((await post('PA-LJ', { capacity: 1, effectiveFrom: '2024-01-01', reason: 'not allowed' }, statistician)).status, 403);
    assert.equal((await post('PA-LJ', { capacity: 1, effectiveFrom: '2024-01-01', reason: 'not allowed' }, scoped)).status, 403);
    assert.equal((await post('XX-NONE', { capacity: 1, effectiveFrom: '2024-01-01', reason: 'no such centre' })).status, 404);
  });

  test('bad input: 400 for the shape, 422 for the rules, each naming the field; nothing written', async () => {
    const rows = await count('capacity_history');
    const audits = await auditCount();
    const ok = { capacity: 10, effectiveFrom: '2024-01-01', reason: 'a fine reason' };
    const tooLate = addYears(addYears(todayIn(env.settings.timeZone), 1), 1);
    const cases: [unknown, number, string][] = [
      [{ ...ok, capacity: -1 }, 400, 'capacity'],
      [{ ...ok, capacity: 2.5 }, 400, 'capacity'],
      [{ ...ok, capacity: 'many' }, 400, 'capacity'],
      [{ effectiveFrom: ok.effectiveFrom, reason: ok.reason }, 400, 'capacity'],
      [{ ...ok, reason: undefined }, 400, 'reason'],
      [{ ...ok, reason: 'x' }, 400, 'reason'],
      [{ ...ok, reason: 'x'.repeat(501) }, 400, 'reason'],
      [{ ...ok, effectiveFrom: '2025-02-30' }, 400, 'effectiveFrom'],
      [{ ...ok, effectiveFrom: 'yesterday' }, 400, 'effectiveFrom'],
      [{ ...ok, source: 'synthetic' }, 400, 'source'],
      [{ ...ok, unitId: 'nope' }, 400, 'unitId'],
      [{ ...ok, colour: 'blue' }, 400, 'colour'],
      [{ ...ok, reason: '    ' }, 422, 'reason'],
      [{ ...ok, effectiveFrom: tooLate }, 422, 'effectiveFrom'],
      [{ ...ok, effectiveFrom: '1850-01-01' }, 422, 'effectiveFrom'],
      [{ ...ok, unitId: unitOther }, 422, 'unitId'],
      [{ ...ok, cellId: '00000000-0000-4000-8000-000000000000' }, 422, 'cellId'],
      [{ ...ok, unitId: unitOther, cellId: cellP1 }, 422, 'cellId'],
    ];
    for (const [payload, status, path] of cases) {
      const res = await post('PA-LJ', payload);
      assert.equal(res.status, status, `${JSON.stringify(payload).slice(0, 80)} → ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.fields?.[0]?.path, path, JSON.stringify(res.body));
      assert.ok(res.body.error.message.length > 0);
    }
    const malformed = await env.app.inject({ method: 'POST', url: '/api/v1/facilities/PA-LJ/capacity', headers: { ...admin, 'content-type': 'application/json' }, payload: '{"capacity": ' });
    assert.equal(malformed.statusCode, 400);
    assert.equal(await count('capacity_history'), rows);
    assert.equal(await auditCount(), audits);
  });

  test('an effective date exactly one year ahead is accepted', async () => {
    const res = await post('LS-LTA', { capacity: 120, effectiveFrom: addYears(todayIn(env.settings.timeZone), 1), reason: 'new wing planned' });
    assert.equal(res.status, 201);
  });
});

describe('pages', () => {
  const page = (url: string) => env.app.inject({ url, headers: { cookie: adminPage.cookie } });

  test('the list: a captioned table with the capacity, synthetic figures tagged, and a date picker', async () => {
    await env.state.db.insertInto('capacity_history').values({ facility_code: 'PA-TIN', capacity: 300, source: 'synthetic', effective_from: '2014-01-01', reason: 'test: synthetic' }).execute();
    const res = await page('/facilities?date=2024-12-31');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<caption[^>]*>[^<]*2024/);
    assert.match(res.body, /<th scope="col"/);
    assert.match(res.body, /href="\/facilities\/PA-LJ\?date=2024-12-31"/);
    assert.match(res.body, /1[.,\u00a0]?500/); // PA-LJ as corrected for 2020 onwards
    assert.match(res.body, /sintético/);
    assert.match(res.body, /name="date"[^>]*value="2024-12-31"|value="2024-12-31"[^>]*name="date"/);
    const bad = await page('/facilities?date=31/12/2024');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /govuk-error-summary/);
    assert.match(bad.body, /href="#date"/);
  });

  test('a centre: details, units, history and the form to record a capacity', async () => {
    const res = await page('/facilities/PA-LJ');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Centro Penitenciario La Joya/);
    assert.match(res.body, new RegExp(`href="/facilities/PA-LJ/units/${unitP}"`));
    assert.match(res.body, /Resolución 12\/2024/);
    assert.match(res.body, new RegExp(`name="_csrf" value="${adminPage.csrf}"`));
    assert.match(res.body, /action="\/facilities\/PA-LJ\/capacity"/);
    const reader = await signIn(env, await createUser(env, { username: 'fac.reader', roles: ['statistician'] }));
    const readOnly = await env.app.inject({ url: '/facilities/PA-LJ', headers: { cookie: reader.cookie } });
    assert.equal(readOnly.statusCode, 200);
    assert.doesNotMatch(readOnly.body, /action="\/facilities\/PA-LJ\/capacity"/);
  });

  test('the form: errors re-render the page with a summary; a valid entry redirects', async () => {
    const submit = (form: Record<string, string>) =>
      env.app.inject({
        method: 'POST',
        url: '/facilities/CC-AGU/capacity',
        headers: { cookie: adminPage.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: adminPage.csrf, ...form }).toString(),
      });
    const bad = await submit({ capacity: 'forty', effectiveFrom: '2024-01-01', reason: 'ok reason' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /govuk-error-summary/);
    assert.match(bad.body, /href="#capacity"/);
    const rule = await submit({ capacity: '45', effectiveFrom: '2024-01-01', reason: '  ' });
    assert.equal(rule.statusCode, 422);
    assert.match(rule.body, /href="#reason"/);
    assert.match(rule.body, /value="45"/); // what was typed is kept
    const good = await submit({ capacity: '45', effectiveFrom: '2024-01-01', reason: 'nueva celda habilitada', unitId: '' });
    assert.equal(good.statusCode, 303);
    assert.equal(good.headers.location, '/facilities/CC-AGU?recorded=1');
    assert.equal((await capacityOn('CC-AGU', '2024-01-02')).capacity, 45);
  });

  test('a unit: its cells and their capacities', async () => {
    const res = await page(`/facilities/PA-LJ/units/${unitP}?date=2024-06-01`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /P-001/);
    assert.match(res.body, /P-002/);
    assert.match(res.body, /<caption/);
    assert.equal((await page('/facilities/PA-LJ/units/not-a-uuid')).statusCode, 404);
  });
});
