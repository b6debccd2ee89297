// The movements pages, in Spanish, through their HTML forms (no JavaScript): a transfer from
// request to arrival, an absence and its return from the centre's page, an escape, a release
// confirmed by a second officer with the official copy offered, and a death's checklist.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, type Session } from '../../../test/helpers/app.ts';
import { api, admitPerson, setUpMovementWorld, verifiedReleaseOrder, type MovementWorld } from './test-support.ts';

let w: MovementWorld;
const s: Record<string, Session> = {};
before(async () => {
  w = await setUpMovementWorld();
  for (const k of ['officer', 'officer2', 'director', 'officerLJT', 'officerColon', 'health', 'duty'] as const) s[k] = await signIn(w.env, w.users[k]);
});
after(() => w.env.close());

async function page(who: string, url: string) {
  return w.env.app.inject({ url, headers: { cookie: s[who]!.cookie } });
}

async function post(who: string, url: string, fields: Record<string, string>) {
  return w.env.app.inject({
    method: 'POST',
    url,
    headers: { cookie: s[who]!.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: s[who]!.csrf, ...fields }).toString(),
  });
}

/** Now as a datetime-local value in Panama. */
const localNow = (minutesBack = 0): string => new Date(Date.now() - minutesBack * 60_000).toLocaleString('sv-SE', { timeZone: 'America/Panama' }).slice(0, 16).replace(' ', 'T');

const versionIn = (html: string, action: string): string => {
  const i = html.indexOf(`action="${action}"`);
  assert.ok(i >= 0, `no form for ${action}`);
  const m = /name="version" value="(\d+)"/.exec(html.slice(i));
  return m![1]!;
};

describe('a transfer through the pages', () => {
  test('request, authorize by a second officer, depart, arrive', async () => {
    const { personId } = await admitPerson(w);
    const form = await page('officer', `/transfers/new?personId=${personId}`);
    assert.equal(form.statusCode, 200, form.body.slice(0, 500));
    assert.match(form.body, /Solicitar un traslado/);
    assert.match(form.body, /PA-LJT/);
    assert.doesNotMatch(form.body, /value="PA-LJ"/);

    // A women's centre without an override: the form again, with the error naming the destination.
    const refused = await post('officer', '/transfers', { personId, toFacilityCode: 'PA-CEF', reason: 'Acercamiento familiar', orderId: '' });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /govuk-error-summary/);
    assert.match(refused.body, /href="#toFacilityCode"/);
    assert.match(refused.body, /centro para mujeres/);

    const created = await post('officer', '/transfers', { personId, toFacilityCode: 'PA-LJT', reason: 'Acercamiento familiar', orderId: '' });
    assert.equal(created.statusCode, 302, created.body.slice(0, 500));
    const m = /^\/transfers\/([0-9a-f-]{36})\?done=requested$/.exec(String(created.headers.location));
    assert.ok(m, String(created.headers.location));
    const url = `/transfers/${m[1]}`;

    const asRequester = await page('officer', url);
    assert.equal(asRequester.statusCode, 200);
    assert.match(asRequester.body, /data-testid="awaiting-other"/);
    assert.doesNotMatch(asRequester.body, /\/authorize"/);
    const list = await page('officer', '/transfers');
    assert.match(list.body, new RegExp(m[1]!));

    const asDirector = await page('director', url);
    assert.match(asDirector.body, /Autorizar el traslado/);
    const blank = await post('director', `${url}/authorize`, { note: '', version: versionIn(asDirector.body, `${url}/authorize`) });
    assert.equal(blank.statusCode, 422);
    assert.match(blank.body, /href="#note"/);
    const ok = await post('director', `${url}/authorize`, { note: 'Conforme con la resolución 45-2026', version: versionIn(asDirector.body, `${url}/authorize`) });
    assert.equal(ok.statusCode, 302);
    assert.equal(ok.headers.location, `${url}?done=authorized`);

    const toDepart = await page('officer', `${url}?done=authorized`);
    assert.match(toDepart.body, /Traslado autorizado/);
    const departed = await post('officer', `${url}/depart`, { at: '', version: versionIn(toDepart.body, `${url}/depart`) });
    assert.equal(departed.statusCode, 302, departed.body.slice(0, 800));

    const toArrive = await page('officerLJT', url);
    assert.match(toArrive.body, /Registrar la llegada/);
    assert.match(toArrive.body, /sigue contando en/);
    const arrived = await post('officerLJT', `${url}/arrive`, { at: '', unitId: '', version: versionIn(toArrive.body, `${url}/arrive`) });
    assert.equal(arrived.statusCode, 302, arrived.body.slice(0, 800));
    const final = await page('officerLJT', `${url}?done=arrived`);
    assert.match(final.body, /Llegada registrada/);
    assert.match(final.body, /Salida registrada/);
  });
});

describe('absences through the pages', () => {
  test('out from the person\'s page, back from the centre\'s page; an escape and its recapture', async () => {
    const { personId, prisonerNumber } = await admitPerson(w);
    const mv = await page('officer', `/persons/${personId}/movements`);
    assert.equal(mv.statusCode, 200);
    assert.match(mv.body, /Registrar una salida del centro/);
    assert.match(mv.body, /Ingreso/);

    const missing = await post('officer', `/persons/${personId}/movements/absence`, { kind: 'court', destination: '', reason: 'Audiencia', outAt: '', expectedBackAt: '' });
    assert.equal(missing.statusCode, 422);
    assert.match(missing.body, /href="#destination"/);
    const out = await post('officer', `/persons/${personId}/movements/absence`, { kind: 'court', destination: 'Juzgado Tercero de Circuito Penal', reason: 'Audiencia preliminar', outAt: localNow(20), expectedBackAt: '' });
    assert.equal(out.statusCode, 302, out.body.slice(0, 800));

    const centre = await page('duty', '/facilities/PA-LJ/absences');
    assert.equal(centre.statusCode, 200);
    assert.match(centre.body, new RegExp(prisonerNumber));
    assert.match(centre.body, /Juzgado Tercero de Circuito Penal/);
    assert.equal((await page('officerColon', '/facilities/PA-LJ/absences')).statusCode, 404);

    const row = await w.env.state.db.selectFrom('absences').select(['id', 'version']).where('person_id', '=', personId).executeTakeFirstOrThrow();
    const back = await post('duty', `/absences/${row.id}/return`, { at: localNow(10), version: String(row.version), back: '/facilities/PA-LJ/absences' });
    assert.equal(back.statusCode, 302);
    assert.equal(back.headers.location, '/facilities/PA-LJ/absences?done=returned');

    const noTime = await post('officer', `/persons/${personId}/movements/escape`, { escapeAt: '', circumstances: 'Se evadió durante la visita familiar' });
    assert.equal(noTime.statusCode, 422);
    assert.match(noTime.body, /href="#escapeAt"/);
    const escape = await post('officer', `/persons/${personId}/movements/escape`, { escapeAt: localNow(), circumstances: 'Se evadió durante la visita familiar' });
    assert.equal(escape.statusCode, 302, escape.body.slice(0, 800));
    const escaped = await page('officer', `/persons/${personId}/movements?done=escape`);
    assert.match(escaped.body, /Evadida desde/);
    assert.match(escaped.body, /Registrar la recaptura/);
    const e = await w.env.state.db.selectFrom('absences').select(['id', 'version']).where('person_id', '=', personId).where('kind', '=', 'escape').executeTakeFirstOrThrow();
    const recaptured = await post('officer', `/absences/${e.id}/recapture`, { at: '', version: String(e.version), back: `/persons/${personId}/movements` });
    assert.equal(recaptured.statusCode, 302);
    const timeline = await page('officer', `/persons/${personId}/movements`);
    for (const label of ['Salida a diligencia judicial', 'Regreso de diligencia judicial', 'Evasión', 'Recaptura']) assert.match(timeline.body, new RegExp(label));
  });
});

describe('a release through the pages', () => {
  test('recorded by one officer, waiting for a second, confirmed with the property returned; the official copy offered', async () => {
    const { personId, episodeId } = await admitPerson(w, { property: true });
    // The boleta must name the case that holds the person (a release leaves no case open).
    const held = await w.env.state.db.selectFrom('criminal_cases').select(['case_number', 'authority_kind']).where('episode_id', '=', episodeId).executeTakeFirstOrThrow();
    const orderId = await verifiedReleaseOrder(w, { caseNumber: held.case_number, authorityKind: held.authority_kind });
    const form = await page('officer', `/releases/new?personId=${personId}`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, new RegExp(`value="${orderId}"`));
    const created = await post('officer', '/releases', { personId, orderId, reason: 'court_order', plannedAt: '', notes: '' });
    assert.equal(created.statusCode, 302, created.body.slice(0, 800));
    const url = String(created.headers.location).replace(/\?.*$/, '');

    const asRecorder = await page('officer', url);
    assert.match(asRecorder.body, /data-testid="awaiting-other"/);
    assert.match(asRecorder.body, /esperando la confirmación de un segundo funcionario/);
    assert.doesNotMatch(asRecorder.body, /\/confirm"/);
    assert.match(asRecorder.body, /Reloj de pulsera/);
    const pending = await page('director', '/releases');
    assert.match(pending.body, /data-testid="pending-PA-LJ"/);

    const asSecond = await page('officer2', url);
    assert.match(asSecond.body, /Confirmar la excarcelación/);
    const version = versionIn(asSecond.body, `${url}/confirm`);
    const noProperty = await post('officer2', `${url}/confirm`, { version, releasedAt: '' });
    assert.equal(noProperty.statusCode, 422);
    assert.match(noProperty.body, /href="#propertyReturned"/);
    const ok = await post('officer2', `${url}/confirm`, { version, releasedAt: '', propertyReturned: 'yes' });
    assert.equal(ok.statusCode, 302, ok.body.slice(0, 800));
    const done = await page('officer', `${url}?done=confirmed`);
    assert.match(done.body, /Copia oficial del expediente/);
    assert.match(done.body, new RegExp(`/persons/${personId}/file-copy.pdf`));
    const state = await w.env.state.db.selectFrom('persons').select('custody_status').where('id', '=', personId).executeTakeFirstOrThrow();
    assert.equal(state.custody_status, 'released');
  });

  test('a release form without a verified order says so', async () => {
    const { personId } = await admitPerson(w);
    const form = await page('officer', `/releases/new?personId=${personId}`);
    assert.match(form.body, /Sin boleta verificada no se puede excarcelar/);
  });
});

describe('a death in custody through the pages', () => {
  test('recorded from the person\'s page; items completed by their owners', async () => {
    const { personId } = await admitPerson(w);
    const diedAt = localNow(30);
    const bad = await post('officer', `/persons/${personId}/movements/death`, { diedAt: '', place: '', deathCircumstances: '', causeCategory: '' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /href="#diedAt"/);
    const recorded = await post('officer', `/persons/${personId}/movements/death`, { diedAt, place: 'Enfermería del centro', deathCircumstances: 'Paro cardiorrespiratorio durante la noche', causeCategory: 'natural' });
    assert.equal(recorded.statusCode, 302, recorded.body.slice(0, 800));
    const url = String(recorded.headers.location).replace(/[?#].*$/, '');
    const asDirector = await page('director', `${url}?done=recorded`);
    assert.equal(asDirector.statusCode, 200);
    assert.match(asDirector.body, /Preservar las evidencias/);
    assert.match(asDirector.body, /Defensoría del Pueblo/);
    assert.match(asDirector.body, /Abierta/);
    // The director completes the director's items, not health's.
    assert.match(asDirector.body, /items\/preserve_evidence\/complete/);
    assert.doesNotMatch(asDirector.body, /items\/medical_report\/complete/);
    const empty = await post('director', `${url}/items/preserve_evidence/complete`, { evidence: ' ', version: '1' });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /href="#evidence-preserve_evidence"/);
    const done = await post('director', `${url}/items/preserve_evidence/complete`, { evidence: 'Celda precintada, grabaciones copiadas (acta 12-2026)', version: '1' });
    assert.equal(done.statusCode, 302);
    assert.match(String(done.headers.location), /done=completed/);
    const asHealth = await page('health', url);
    assert.match(asHealth.body, /items\/medical_report\/complete/);
    const list = await page('director', '/death-cases');
    assert.match(list.body, /1 de 5/);
  });
});

describe('access', () => {
  test('pages answer 404 outside the scope and 403 without the permission', async () => {
    const { personId } = await admitPerson(w);
    assert.equal((await page('officerColon', `/persons/${personId}/movements`)).statusCode, 404);
    assert.equal((await page('duty', `/releases/new?personId=${personId}`)).statusCode, 403);
    const r = await api(w, 'GET', '/api/v1/transfers', w.h.inspector!);
    assert.equal(r.status, 200);
  });
});
