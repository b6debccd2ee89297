// Occupancy on a date through the API, the CSV and the dashboard: the contract's shape and
// order, totals that add up, the counting rules (end of day, temporarily out, in transit,
// escaped, legal status "other"), past figures unchanged by later admissions and visibly
// corrected by late entries, scope, and refusals.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerFor, createUser, signIn, startTestApp, type TestEnv } from '../../../test/helpers/app.ts';
import { clerks, hold, panama, type Clerks } from './test-support.ts';
import { todayIn } from '../../platform/time.ts';
import { countFields } from './occupancy-rules.ts';

interface Figures {
  code: string;
  name: string;
  capacity: number | null;
  capacitySource: string | null;
  population: number;
  occupancyRate: number | null;
  unsentenced: number;
  women: number;
  foreign: number;
  other: number;
  youngAdults: number;
}
interface Report {
  date: string;
  national: Omit<Figures, 'code' | 'name' | 'capacitySource'>;
  facilities: Figures[];
}

let env: TestEnv;
let who: Clerks;
let stat: Record<string, string>;
let statLJ: Record<string, string>;

const D = '2025-03-10';
const get = async (url: string, headers = stat) => env.app.inject({ url, headers });
const report = async (date = D, headers = stat): Promise<Report> => {
  const res = await get(`/api/v1/statistics/occupancy?date=${date}`, headers);
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
};
const fac = (r: Report, code: string) => r.facilities.find((f) => f.code === code)!;

before(async () => {
  env = await startTestApp();
  who = await clerks(env);
  stat = await bearerFor(env, await createUser(env, { username: 'st.estadistica', roles: ['statistician'] }));
  statLJ = await bearerFor(env, await createUser(env, { username: 'st.director.lj', roles: ['director'], facilities: ['PA-LJ'] }));
  const db = env.state.db;
  // A baseline: two people at La Joya (one sentenced since before D), one woman at CEFERE (no
  // capacity without the demo), one foreign young adult at Colón, one "other" at Chiriquí.
  await hold(db, who, { stays: [['PA-LJ', panama('2024-01-05')]] });
  await hold(db, who, { stays: [['PA-LJ', panama('2024-02-01')]], statuses: [['pretrial', panama('2024-02-01'), panama('2024-09-01')], ['sentenced', panama('2024-09-01')]] });
  await hold(db, who, { stays: [['PA-CEF', panama('2024-06-01')]], sex: 'female' });
  await hold(db, who, { stays: [['CO-NES', panama('2024-07-01')]], nationality: 'CO', dateOfBirth: '2005-01-20' });
  await hold(db, who, { stays: [['CH-DAV', panama('2023-07-01')]], statuses: [['other', panama('2023-07-01')]] });
  // Released before D: not counted on D.
  await hold(db, who, { stays: [['PA-LJ', panama('2024-01-01'), panama('2025-01-15')]], releasedAt: panama('2025-01-15') });
});
after(() => env.close());

describe('the contract', () => {
  test('shape, facilities ordered by code, every centre in scope, no timestamps', async () => {
    const res = await get(`/api/v1/statistics/occupancy?date=${D}`);
    assert.equal(res.statusCode, 200);
    const r = res.json() as Report;
    assert.deepEqual(Object.keys(r), ['date', 'national', 'facilities']);
    assert.equal(r.date, D);
    for (const k of ['capacity', 'population', 'occupancyRate', 'unsentenced', 'women', 'foreign']) assert.ok(k in r.national, k);
    const codes = r.facilities.map((f) => f.code);
    assert.deepEqual(codes, [...codes].sort());
    const all = await env.state.db.selectFrom('facilities').select('code').orderBy('code').execute();
    assert.deepEqual(codes, all.map((f) => f.code));
    for (const f of r.facilities) {
      assert.deepEqual(Object.keys(f).slice(0, 9), ['code', 'name', 'capacity', 'capacitySource', 'population', 'occupancyRate', 'unsentenced', 'women', 'foreign']);
      assert.ok(f.capacitySource === null || ['official', 'synthetic'].includes(f.capacitySource));
    }
    assert.doesNotMatch(res.body, /\d{4}-\d{2}-\d{2}T\d{2}:/, 'no timestamps in the body');
  });

  test('the same data gives the same bytes', async () => {
    const a = await get(`/api/v1/statistics/occupancy?date=${D}`);
    const b = await get(`/api/v1/statistics/occupancy?date=${D}`);
    assert.equal(a.body, b.body);
  });

  test('the facilities add up to national', async () => {
    const r = await report();
    for (const k of countFields) assert.equal(r.national[k], r.facilities.reduce((s, f) => s + f[k], 0), k);
    assert.equal(r.national.population, 5);
    assert.equal(r.national.unsentenced, 3);
    assert.equal(r.national.women, 1);
    assert.equal(r.national.foreign, 1);
    assert.equal(r.national.other, 1);
    assert.equal(r.national.youngAdults, 1);
  });

  test('occupancy rate = population ÷ capacity × 100 with one decimal; null without capacity', async () => {
    const r = await report();
    const lj = fac(r, 'PA-LJ');
    assert.equal(lj.capacity, 1568);
    assert.equal(lj.capacitySource, 'official');
    assert.equal(lj.population, 2);
    assert.equal(lj.occupancyRate, Math.round((2 / 1568) * 1000) / 10);
    const cef = fac(r, 'PA-CEF');
    assert.equal(cef.capacity, null, 'CEFERE has no published capacity');
    assert.equal(cef.capacitySource, null);
    assert.equal(cef.population, 1);
    assert.equal(cef.occupancyRate, null);
    // A centre without capacity leaves the total's capacity (and rate) unknown.
    assert.equal(r.national.capacity, null);
    assert.equal(r.national.occupancyRate, null);
  });

  test('default date is today in the configured time zone; a future date is 422 naming date; a malformed one 400', async () => {
    const today = todayIn(env.settings.timeZone);
    assert.equal(((await get('/api/v1/statistics/occupancy')).json() as Report).date, today);
    const future = await get('/api/v1/statistics/occupancy?date=2999-01-01');
    assert.equal(future.statusCode, 422);
    assert.deepEqual((future.json() as { error: { fields: { path: string }[] } }).error.fields.map((f) => f.path), ['date']);
    assert.equal((await get('/api/v1/statistics/occupancy?date=2025-02-30')).statusCode, 400);
    assert.equal((await get('/api/v1/statistics/occupancy?date=yesterday')).statusCode, 400);
    assert.equal((await get('/api/v1/statistics/occupancy/corrections?date=2999-01-01')).statusCode, 422);
  });

  test('statistics.read is needed; unauthenticated calls get 401', async () => {
    assert.equal((await env.app.inject({ url: '/api/v1/statistics/occupancy' })).statusCode, 401);
    const partner = await bearerFor(env, await createUser(env, { username: 'st.partner', roles: ['partner'] }));
    assert.equal((await get('/api/v1/statistics/occupancy', partner)).statusCode, 403);
  });
});

describe('counting rules', () => {
  test('a date means the end of that day in the configured time zone', async () => {
    // Admitted at 23:30 in Panama on 2025-04-01 (04:30 UTC on the 2nd): held at the end of the 1st.
    await hold(env.state.db, who, { stays: [['HE-CHI', panama('2025-04-01', '23:30')]] });
    // Admitted at 00:10 in Panama on 2025-04-03: not yet held at the end of the 2nd.
    await hold(env.state.db, who, { stays: [['HE-CHI', panama('2025-04-03', '00:10')]] });
    assert.equal(fac(await report('2025-03-31'), 'HE-CHI').population, 0);
    assert.equal(fac(await report('2025-04-01'), 'HE-CHI').population, 1);
    assert.equal(fac(await report('2025-04-02'), 'HE-CHI').population, 1);
    assert.equal(fac(await report('2025-04-03'), 'HE-CHI').population, 2);
  });

  test('people temporarily out (court, hospital, leave) count at their centre', async () => {
    const at = '2025-05-10';
    await hold(env.state.db, who, { stays: [['LS-LTA', panama('2025-01-01')]], absences: [{ kind: 'court', out: panama(at, '08:00') }] });
    await hold(env.state.db, who, { stays: [['LS-LTA', panama('2025-01-01')]], absences: [{ kind: 'hospital', out: panama(at, '09:00'), back: panama('2025-05-12') }] });
    await hold(env.state.db, who, { stays: [['LS-LTA', panama('2025-01-01')]], absences: [{ kind: 'leave', out: panama(at, '10:00'), back: panama('2025-05-11') }] });
    assert.equal(fac(await report(at), 'LS-LTA').population, 3);
  });

  test('people in transit count at the centre they left until the arrival is recorded', async () => {
    const db = env.state.db;
    // Departed from Santiago on 2025-06-01; the arrival at Penonomé is recorded on the 3rd:
    // the stay at Santiago runs until the arrival.
    await hold(db, who, { stays: [['VE-SAN', panama('2025-01-01'), panama('2025-06-03', '10:00')], ['CC-PEN', panama('2025-06-03', '10:00')]] });
    // Another one still on the road (departed on the 1st, no arrival yet): still Santiago's.
    const road = await hold(db, who, { stays: [['VE-SAN', panama('2025-01-01')]] });
    await db.insertInto('movements').values({ episode_id: road.episodeId, person_id: road.personId, kind: 'transfer_out', occurred_at: panama('2025-06-01', '07:00'), from_facility_code: 'VE-SAN', to_facility_code: 'CC-PEN' }).execute();
    const d1 = await report('2025-06-01');
    assert.equal(fac(d1, 'VE-SAN').population, 2);
    assert.equal(fac(d1, 'CC-PEN').population, 0);
    const d3 = await report('2025-06-03');
    assert.equal(fac(d3, 'VE-SAN').population, 1);
    assert.equal(fac(d3, 'CC-PEN').population, 1);
  });

  test('escaped people are not held from the escape until the recapture', async () => {
    await hold(env.state.db, who, { stays: [['BT-CHA', panama('2025-01-01')]], absences: [{ kind: 'escape', out: panama('2025-07-01', '03:00'), back: panama('2025-07-05', '16:00') }] });
    await hold(env.state.db, who, { stays: [['BT-CHA', panama('2025-01-01')]], absences: [{ kind: 'escape', out: panama('2025-07-02', '03:00') }] });
    assert.equal(fac(await report('2025-06-30'), 'BT-CHA').population, 2);
    assert.equal(fac(await report('2025-07-01'), 'BT-CHA').population, 1);
    assert.equal(fac(await report('2025-07-03'), 'BT-CHA').population, 0);
    assert.equal(fac(await report('2025-07-05'), 'BT-CHA').population, 1);
  });

  test('legal status on the date: pretrial is unsentenced, "other" is held and shown apart', async () => {
    const r1 = await report('2024-08-01');
    assert.equal(fac(r1, 'PA-LJ').unsentenced, 3, 'the later-sentenced person was still pretrial');
    const r2 = await report(D);
    assert.equal(fac(r2, 'PA-LJ').unsentenced, 1);
    assert.equal(fac(r2, 'CH-DAV').other, 1);
    assert.equal(fac(r2, 'CH-DAV').unsentenced, 0);
    assert.equal(fac(r2, 'CH-DAV').population, 1);
  });
});

describe('the past', () => {
  test('a past figure is unchanged by later admissions', async () => {
    const before = await get(`/api/v1/statistics/occupancy?date=${D}`);
    await hold(env.state.db, who, { stays: [['PA-LJ', new Date()]] });
    const afterIt = await get(`/api/v1/statistics/occupancy?date=${D}`);
    assert.equal(afterIt.body, before.body);
    const corr = (await get(`/api/v1/statistics/occupancy/corrections?date=${D}`)).json() as { national: { lateEntries: number } };
    assert.equal(corr.national.lateEntries, 0);
  });

  test('a late entry dated in the past changes the past figure, visibly (corrections)', async () => {
    // Through the real admission: an order registered and verified by two people, then an
    // admission whose date is before D, recorded now.
    const db = env.state.db;
    await db.insertInto('units').values({ facility_code: 'PA-LJT', code: 'R', name: 'Recepción', kind: 'reception' }).execute();
    const legal1 = await bearerFor(env, await createUser(env, { username: 'st.legal1', roles: ['legal'] }));
    const legal2 = await bearerFor(env, await createUser(env, { username: 'st.legal2', roles: ['legal'] }));
    const officer = await bearerFor(env, await createUser(env, { username: 'st.registro', roles: ['records_officer'] }));
    const order = await env.app.inject({ method: 'POST', url: '/api/v1/orders', headers: legal1, payload: { kind: 'commitment', authorityKind: 'court', issuingAuthority: 'Juzgado de Garantías del Primer Circuito Judicial de Panamá', caseNumber: '2025-77001', orderDate: '2025-03-01', subjectName: 'Marta Tardía', facilityCode: 'PA-LJT', legalStatus: 'pretrial' } });
    assert.equal(order.statusCode, 201, order.body);
    const o = order.json() as { id: string; version: number };
    const v = await env.app.inject({ method: 'POST', url: `/api/v1/orders/${o.id}/verify`, headers: legal2, payload: { method: 'telephone', note: 'Confirmado con el juzgado', version: o.version } });
    assert.equal(v.statusCode, 200, v.body);
    const before = await report(D);
    const lateBefore = (await get(`/api/v1/statistics/occupancy/corrections?date=${D}`)).json() as { facilities: { code: string; lateEntries: number }[] };
    assert.equal(lateBefore.facilities.find((f) => f.code === 'PA-LJT')!.lateEntries, 0);
    const adm = await env.app.inject({
      method: 'POST',
      url: '/api/v1/admissions',
      headers: officer,
      payload: {
        facilityCode: 'PA-LJT',
        orderId: o.id,
        person: { givenNames: 'Marta', firstSurname: 'Tardía', secondSurname: 'Ríos', sex: 'female', dateOfBirth: '1990-04-02', nationality: 'PA', documents: [{ kind: 'cedula', number: '8-812-4411' }] },
        arrest: { at: panama('2025-03-02', '09:00').toISOString(), place: 'Calle 50, Bella Vista' },
        admittedAt: panama('2025-03-02', '15:00').toISOString(),
      },
    });
    assert.equal(adm.statusCode, 201, adm.body);
    const afterIt = await report(D);
    assert.equal(fac(afterIt, 'PA-LJT').population, fac(before, 'PA-LJT').population + 1, 'the late admission counts on D');
    assert.equal(afterIt.national.population, before.national.population + 1);
    const corr = (await get(`/api/v1/statistics/occupancy/corrections?date=${D}`)).json() as { date: string; national: { lateEntries: number }; facilities: { code: string; lateEntries: number; movements: number; lastRecordedOn: string | null }[] };
    const ljt = corr.facilities.find((f) => f.code === 'PA-LJT')!;
    assert.equal(ljt.lateEntries, 1);
    assert.equal(ljt.movements, 1);
    assert.equal(ljt.lastRecordedOn, todayIn(env.settings.timeZone));
    assert.equal(corr.national.lateEntries, 1);
    // The day before the admission is untouched, and shows no correction.
    const dayBefore = (await get('/api/v1/statistics/occupancy/corrections?date=2025-03-01')).json() as { national: { lateEntries: number } };
    assert.equal(dayBefore.national.lateEntries, 0);
    // The dashboard says so.
    const cookie = await pageSession();
    const page = await env.app.inject({ url: `/statistics/occupancy?date=${D}`, headers: { cookie } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /data-testid="late-entries"/);
    assert.match(page.body, /1 anotación tardía/);
  });

  test('a late legal-status change and a late capacity entry are corrections too', async () => {
    const db = env.state.db;
    const d = '2025-02-01';
    const { episodeId } = await hold(db, who, { stays: [['DA-LPA', panama('2024-10-01')]], statuses: [['pretrial', panama('2024-10-01')]] });
    assert.equal(fac(await report(d), 'DA-LPA').unsentenced, 1);
    await db.updateTable('legal_status_periods').set({ valid_to: panama('2025-01-20') }).where('episode_id', '=', episodeId).execute();
    await db.insertInto('legal_status_periods').values({ episode_id: episodeId, status: 'sentenced', valid_from: panama('2025-01-20'), reason: 'sentencia', recorded_at: new Date() }).execute();
    await db.insertInto('capacity_history').values({ facility_code: 'DA-LPA', capacity: 20, source: 'official', effective_from: '2025-01-01', reason: 'corrección', recorded_by: who.registrar }).execute();
    const r = fac(await report(d), 'DA-LPA');
    assert.equal(r.unsentenced, 0);
    assert.equal(r.capacity, 20);
    const corr = (await get(`/api/v1/statistics/occupancy/corrections?date=${d}`)).json() as { facilities: { code: string; lateEntries: number; legalStatus: number; capacity: number }[] };
    const lpa = corr.facilities.find((f) => f.code === 'DA-LPA')!;
    assert.deepEqual({ late: lpa.lateEntries, status: lpa.legalStatus, capacity: lpa.capacity }, { late: 2, status: 1, capacity: 1 });
  });
});

test('scope: a PA-LJ user sees only PA-LJ, and "national" is PA-LJ', async () => {
  const r = await report(D, statLJ);
  assert.deepEqual(r.facilities.map((f) => f.code), ['PA-LJ']);
  const lj = r.facilities[0]!;
  assert.equal(r.national.population, lj.population);
  assert.equal(r.national.capacity, lj.capacity);
  assert.equal(r.national.occupancyRate, lj.occupancyRate);
  const corr = (await get(`/api/v1/statistics/occupancy/corrections?date=${D}`, statLJ)).json() as { facilities: { code: string }[] };
  assert.deepEqual(corr.facilities.map((f) => f.code), ['PA-LJ']);
});

let cookieCache: string | null = null;
async function pageSession(): Promise<string> {
  if (cookieCache) return cookieCache;
  const u = await createUser(env, { username: 'st.pagina', roles: ['statistician'] });
  cookieCache = (await signIn(env, u)).cookie;
  return cookieCache;
}

describe('the dashboard and the CSV', () => {
  test('the CSV has a header row in the reader\'s language and the same figures', async () => {
    const cookie = await pageSession();
    const res = await env.app.inject({ url: `/statistics/occupancy.csv?date=${D}`, headers: { cookie } });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    assert.match(String(res.headers['content-disposition']), /attachment; filename="ocupacion-2025-03-10\.csv"/);
    const lines = res.body.trim().split('\r\n');
    assert.equal(lines[0], 'fecha,nivel,codigo,nombre,provincia,capacidad_oficial,fuente_capacidad,personas_privadas_de_libertad,ocupacion_porcentaje,sin_condena,otra_situacion_juridica,mujeres,extranjeros,de_18_a_20_anos');
    const r = await report(D);
    const lj = lines.find((l) => l.includes(',PA-LJ,'))!.split(',');
    assert.equal(Number(lj[7]), fac(r, 'PA-LJ').population);
    assert.equal(Number(lj[8]), fac(r, 'PA-LJ').occupancyRate);
    const cef = lines.find((l) => l.includes(',PA-CEF,'))!;
    assert.match(cef, /,,,1,,/, 'unknown capacity, source and rate are empty cells');
    const national = lines[lines.length - 1]!.split(',');
    assert.equal(national[1], 'nacional');
    assert.equal(Number(national[7]), r.national.population);
    // English headers for an English reader.
    const en = await createUser(env, { username: 'st.english', roles: ['statistician'] });
    await env.state.db.updateTable('users').set({ language: 'en' }).where('id', '=', en.id).execute();
    const s = await signIn(env, en);
    const res2 = await env.app.inject({ url: `/statistics/occupancy.csv?date=${D}`, headers: { cookie: s.cookie } });
    assert.match(res2.body, /^date,level,code,name,province,official_capacity,capacity_source,people_held,occupancy_percent,unsentenced,/);
    assert.equal((await env.app.inject({ url: '/statistics/occupancy.csv?date=2999-01-01', headers: { cookie } })).statusCode, 422);
  });

  test('the page: SVG chart with title and description, the data table, synthetic capacities tagged, "—" for no rate, CSV link, province filter', async () => {
    const db = env.state.db;
    await db.insertInto('capacity_history').values({ facility_code: 'PA-TIN', capacity: 300, source: 'synthetic', effective_from: '2014-01-01', reason: 'prueba: sintético' }).execute();
    const cookie = await pageSession();
    const res = await env.app.inject({ url: `/statistics/occupancy?date=${D}`, headers: { cookie } });
    assert.equal(res.statusCode, 200);
    const html = res.body;
    assert.match(html, /<svg[^>]*role="img"[^>]*aria-labelledby="occupancy-chart-title occupancy-chart-desc"/);
    assert.match(html, /<title id="occupancy-chart-title">/);
    assert.match(html, /<desc id="occupancy-chart-desc">/);
    assert.match(html, /<caption class="govuk-table__caption[^"]*">Ocupación por centro al/);
    assert.match(html, /<th scope="col"/);
    assert.match(html, /sintético/);
    assert.match(html, /<span aria-hidden="true">—<\/span>/);
    assert.match(html, /href="\/statistics\/occupancy.csv\?date=2025-03-10"/);
    assert.doesNotMatch(html, /style="/, 'no inline styles (CSP)');
    const chiriqui = await env.app.inject({ url: `/statistics/occupancy?date=${D}&province=Chiriqu%C3%AD`, headers: { cookie } });
    assert.equal(chiriqui.statusCode, 200);
    assert.match(chiriqui.body, /CH-DAV/);
    assert.doesNotMatch(chiriqui.body, />PA-LJ</);
    const future = await env.app.inject({ url: '/statistics/occupancy?date=2999-01-01', headers: { cookie } });
    assert.equal(future.statusCode, 422);
    assert.match(future.body, /govuk-error-summary/);
    const bad = await env.app.inject({ url: '/statistics/occupancy?date=nope', headers: { cookie } });
    assert.equal(bad.statusCode, 400);
  });
});
