// The offence catalogue through the API, on both databases: seeded from migration 005, searched
// without accents, maintained by administrators only (add, edit with the version read,
// deactivate and reactivate), every change audited; a deactivated entry cannot be charged.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, auditActions, counts, paths, personWithCase, setUpCaseWorld, type CaseWorld, type Json } from './test-support.ts';

let w: CaseWorld;
before(async () => {
  w = await setUpCaseWorld();
});
after(() => w.env.close());

type Offence = { code: string; article: string; nameEs: string; nameEn: string; category: string; active: boolean; version: number };
const items = (b: Json) => b.items as Offence[];

describe('the seeded catalogue', () => {
  test('about sixty real offences of the Código Penal, each with its article, both names and a category', async () => {
    const r = await api(w, 'GET', '/api/v1/offences?limit=500', w.h.officer!);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const all = items(r.body);
    assert.ok(all.length >= 55, `${all.length} entries`);
    const byCode = new Map(all.map((o) => [o.code, o]));
    assert.equal(byCode.get('HOM-SIMPLE')?.article, '131');
    assert.equal(byCode.get('ROBO-AGR')?.article, '219');
    assert.equal(byCode.get('BLANQUEO')?.category, 'economic');
    assert.equal(byCode.get('PANDILLERISMO')?.category, 'public_security');
    assert.equal(byCode.get('VIOLENCIA-DOMESTICA')?.article, '200');
    for (const code of ['HURTO', 'ESTAFA', 'VIOLACION', 'DROGAS-TRAFICO', 'DROGAS-POSESION-AGR', 'ARMA-POSESION', 'PECULADO', 'CORRUPCION', 'LESIONES']) assert.ok(byCode.has(code), code);
    for (const o of all) {
      assert.ok(o.nameEs && o.nameEn && o.article, o.code);
      assert.ok(o.active, o.code);
    }
    // Everyone signed in reads it (charges name its entries); the partner system too.
    assert.equal((await api(w, 'GET', '/api/v1/offences', w.h.partner!)).status, 200);
  });

  test('search by words of the name, accents ignored, by article and by category', async () => {
    const violacion = items((await api(w, 'GET', '/api/v1/offences?q=violacion', w.h.officer!)).body).map((o) => o.code);
    assert.ok(violacion.includes('VIOLACION'), violacion.join());
    assert.ok(!violacion.includes('ROBO'));
    const art = items((await api(w, 'GET', '/api/v1/offences?q=219', w.h.officer!)).body).map((o) => o.code);
    assert.deepEqual(art, ['ROBO-AGR']);
    const drugs = items((await api(w, 'GET', '/api/v1/offences?category=drugs', w.h.officer!)).body);
    assert.ok(drugs.length >= 4 && drugs.every((o) => o.category === 'drugs'));
    const english = items((await api(w, 'GET', '/api/v1/offences?q=money%20laundering', w.h.officer!)).body).map((o) => o.code);
    assert.deepEqual(english, ['BLANQUEO']);
    assert.equal((await api(w, 'GET', '/api/v1/offences/ROBO', w.h.officer!)).body.nameEn, 'Robbery');
    assert.equal((await api(w, 'GET', '/api/v1/offences/NO-EXISTE', w.h.officer!)).status, 404);
  });
});

describe('administrators maintain it', () => {
  test('add, edit with the version read (409 when stale), deactivate and reactivate; audited', async () => {
    const body = { code: 'SICARIATO-X', article: '132', nameEs: 'Homicidio por encargo (prueba)', nameEn: 'Contract killing (test)', category: 'life_and_integrity' };
    const created = await api(w, 'POST', '/api/v1/offences', w.h.admin!, body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.version, 1);
    const twice = await api(w, 'POST', '/api/v1/offences', w.h.admin!, body);
    assert.equal(twice.status, 409);
    assert.deepEqual(paths(twice.body), ['code']);

    const edited = await api(w, 'PUT', '/api/v1/offences/SICARIATO-X', w.h.admin!, { ...body, code: undefined, nameEs: 'Homicidio por encargo', version: 1 });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.nameEs, 'Homicidio por encargo');
    assert.equal(edited.body.version, 2);
    const before = await counts(w);
    const stale = await api(w, 'PUT', '/api/v1/offences/SICARIATO-X', w.h.admin!, { article: '132', nameEs: 'Otro nombre', nameEn: 'Other', category: 'life_and_integrity', version: 1 });
    assert.equal(stale.status, 409);
    assert.deepEqual(await counts(w), before);
    assert.equal((await api(w, 'GET', '/api/v1/offences/SICARIATO-X', w.h.officer!)).body.nameEs, 'Homicidio por encargo');

    const off = await api(w, 'POST', '/api/v1/offences/SICARIATO-X/deactivate', w.h.admin!, { version: 2 });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.equal(off.body.active, false);
    assert.equal((await api(w, 'POST', '/api/v1/offences/SICARIATO-X/deactivate', w.h.admin!, { version: 3 })).status, 409);
    // A deactivated entry cannot be charged anew.
    const { caseId } = await personWithCase(w);
    const charge = await api(w, 'POST', `/api/v1/cases/${caseId}/charges`, w.h.officer!, { offenceCode: 'SICARIATO-X' });
    assert.equal(charge.status, 422);
    assert.deepEqual(paths(charge.body), ['offenceCode']);
    const on = await api(w, 'POST', '/api/v1/offences/SICARIATO-X/activate', w.h.admin!, { version: 3 });
    assert.equal(on.status, 200);
    assert.equal((await api(w, 'POST', `/api/v1/cases/${caseId}/charges`, w.h.officer!, { offenceCode: 'SICARIATO-X' })).status, 201);
    assert.deepEqual(await auditActions(w, 'SICARIATO-X'), ['offence.created', 'offence.updated', 'offence.deactivated', 'offence.activated']);
  });

  test('bad input: 4xx naming the field, nothing stored', async () => {
    const before = await counts(w);
    const good = { code: 'PRUEBA-1', article: '999', nameEs: 'Prueba', nameEn: 'Test', category: 'other' };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...good, code: 'minúsculas' }, 400, 'code'],
      [{ ...good, article: 'abc' }, 422, 'article'],
      [{ ...good, nameEs: '   ' }, 422, 'nameEs'],
      [{ ...good, category: 'piracy' }, 400, 'category'],
      [{ ...good, nameEn: undefined }, 400, 'nameEn'],
    ];
    for (const [body, status, path] of cases) {
      const r = await api(w, 'POST', '/api/v1/offences', w.h.admin!, body);
      assert.equal(r.status, status, `${path}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(paths(r.body), [path]);
    }
    assert.deepEqual(await counts(w), before);
  });

  test('only offence.manage changes the catalogue', async () => {
    const body = { code: 'PRUEBA-2', article: '1', nameEs: 'Prueba', nameEn: 'Test', category: 'other' };
    for (const who of ['officer', 'legal1', 'director', 'inspector']) {
      assert.equal((await api(w, 'POST', '/api/v1/offences', w.h[who]!, body)).status, 403, who);
      assert.equal((await api(w, 'PUT', '/api/v1/offences/ROBO', w.h[who]!, { ...body, code: undefined, version: 1 })).status, 403, who);
    }
  });
});
