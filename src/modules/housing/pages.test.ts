// The housing pages in Spanish: a centre's units and cells with overcrowding tagged, a unit's
// occupants with a move form per person, the placement form (refusal with the rules broken,
// the override section for directors only), and people who cannot be moved.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Session } from '../../../test/helpers/app.ts';
import { hold, HOUR, openPlacement, releaseAt, sessionOf, setUpWorld, type Held, type World } from './test-support.ts';

let w: World;
let officer: Session;
let director: Session;
let inspector: Session;
let crowded: Held;

before(async () => {
  w = await setUpWorld();
  officer = await sessionOf(w, 'officer');
  director = await sessionOf(w, 'director');
  inspector = await sessionOf(w, 'inspector');
  crowded = await hold(w, { unit: w.lj.C, cell: 'C-01', legalStatus: 'sentenced', givenNames: 'Ramón' });
  await hold(w, { unit: w.lj.C, cell: 'C-01', legalStatus: 'sentenced', givenNames: 'Saúl' });
});
after(() => w.env.close());

const page = (s: Session, url: string) => w.env.app.inject({ url, headers: { cookie: s.cookie } });
const post = (s: Session, url: string, fields: Record<string, string>) =>
  w.env.app.inject({ method: 'POST', url, headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: s.csrf, ...fields }).toString() });

describe('a centre\'s housing', () => {
  test('units and cells with capacity and occupants, overcrowding tagged, in Spanish', async () => {
    const res = await page(officer, '/facilities/PA-LJ/housing');
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    assert.match(res.body, /<html lang="es"/);
    assert.match(res.body, /Alojamiento: Centro Penitenciario La Joya/);
    assert.match(res.body, /Sobreocupada \(\+1\)/);
    assert.match(res.body, /Hay sobreocupación/);
    assert.match(res.body, /C-01/);
    assert.match(res.body, new RegExp(`href="/units/${w.lj.C.id}"`));
    // A centre out of scope: not found.
    assert.equal((await page(await sessionOf(w, 'officerColon'), '/facilities/PA-LJ/housing')).statusCode, 404);
  });
});

describe('a unit\'s occupants', () => {
  test('each person with a move form (for those who may move people), none for an inspector', async () => {
    const res = await page(officer, `/units/${w.lj.C.id}`);
    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    assert.match(res.body, /Ramón Prueba/);
    assert.match(res.body, new RegExp(`action="/persons/${crowded.personId}/placement"`));
    assert.match(res.body, /Mover/);
    const ro = await page(inspector, `/units/${w.lj.C.id}`);
    assert.equal(ro.statusCode, 200);
    assert.match(ro.body, /Ramón Prueba/);
    assert.doesNotMatch(ro.body, /\/placement"/);
  });

  test('the quick form moves by cell code and returns to the unit', async () => {
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial', givenNames: 'Tomás' });
    const res = await post(officer, `/persons/${p.personId}/placement`, { unitId: w.lj.P.id, cellCode: 'p-02', reason: 'Clasificación inicial', back: `/units/${w.lj.R.id}` });
    assert.equal(res.statusCode, 303, res.body.slice(0, 1000));
    assert.equal(res.headers.location, `/units/${w.lj.R.id}?done=moved`);
    assert.equal((await openPlacement(w, p.episodeId)).cell_id, w.lj.P.cells['P-02']);
    const back = await page(officer, String(res.headers.location));
    assert.match(back.body, /Ubicación registrada/);
  });

  test('an unknown cell code comes back on the full form with the error', async () => {
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial' });
    const res = await post(officer, `/persons/${p.personId}/placement`, { unitId: w.lj.P.id, cellCode: 'Z-99', reason: 'Clasificación', back: `/units/${w.lj.R.id}` });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /govuk-error-summary/);
    assert.match(res.body, /No hay ninguna celda «Z-99» en esa unidad/);
    assert.match(res.body, /href="#cellId"/);
  });
});

describe('the placement form', () => {
  test('a refusal names the rules; an officer is told only the director may override', async () => {
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial', givenNames: 'Ulises' });
    const form = await page(officer, `/persons/${p.personId}/placement?unitId=${w.lj.C.id}`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Ubicación de Ulises Prueba/);
    assert.match(form.body, /C-02 – 0 de 4 plazas/);
    assert.doesNotMatch(form.body, /data-testid="override-section"/);
    const res = await post(officer, `/persons/${p.personId}/placement`, { unitId: w.lj.C.id, cellId: w.lj.C.cells['C-02']!, reason: 'Traslado interno' });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /La ubicación incumple reglas de separación/);
    assert.match(res.body, /La unidad es para personas condenadas/);
    assert.match(res.body, /Solo la dirección del centro puede autorizarla/);
    assert.doesNotMatch(res.body, /name="overrideReason"/);
    assert.equal((await openPlacement(w, p.episodeId)).unit_id, w.lj.R.id);
  });

  test('a director sees the rules broken and records an override with its reason', async () => {
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'pretrial', givenNames: 'Víctor' });
    const refused = await post(director, `/persons/${p.personId}/placement`, { unitId: w.lj.C.id, cellId: w.lj.C.cells['C-02']!, reason: 'Protección' });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /data-testid="override-section"/);
    assert.match(refused.body, /data-testid="separation-problems"/);
    assert.match(refused.body, /name="overrideReason"/);
    const res = await post(director, `/persons/${p.personId}/placement`, { unitId: w.lj.C.id, cellId: w.lj.C.cells['C-02']!, reason: 'Protección', overrideReason: 'Amenazas en la unidad de detención provisional' });
    assert.equal(res.statusCode, 303, res.body.slice(0, 1000));
    const row = await openPlacement(w, p.episodeId);
    assert.equal(row.override_rule, 'legal_status');
    assert.equal(row.override_by, w.users.director.id);
    const shown = await page(director, String(res.headers.location));
    assert.match(shown.body, /Ubicación registrada/);
    assert.match(shown.body, /Con excepción a la separación/);
  });

  test('a move into an overcrowded cell succeeds and says so', async () => {
    const p = await hold(w, { unit: w.lj.R, legalStatus: 'sentenced' });
    const res = await post(officer, `/persons/${p.personId}/placement`, { unitId: w.lj.C.id, cellId: w.lj.C.cells['C-01']!, reason: 'Condena firme' });
    assert.equal(res.statusCode, 303);
    assert.match(String(res.headers.location), /overcrowded=1/);
    assert.match((await page(officer, String(res.headers.location))).body, /queda sobreocupado/);
  });

  test('a released person cannot be moved: the page says why and shows no form', async () => {
    const p = await hold(w, { unit: w.lj.R });
    await releaseAt(w, p, new Date(Date.now() - HOUR));
    const res = await page(officer, `/persons/${p.personId}/placement`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /data-testid="placement-blocked"/);
    assert.doesNotMatch(res.body, /data-testid="placement-form"/);
  });

  test('a form without its CSRF token is refused', async () => {
    const p = await hold(w, { unit: w.lj.R });
    const res = await w.env.app.inject({ method: 'POST', url: `/persons/${p.personId}/placement`, headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `unitId=${w.lj.P.id}&reason=x` });
    assert.equal(res.statusCode, 403);
  });
});
