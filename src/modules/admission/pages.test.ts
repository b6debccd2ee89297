// The guided admission form, end to end with plain form posts (no JavaScript): a new person
// with an order registered in the flow and verified by a second officer, then the same person
// returning; errors shown on the step with links to the fields; save and exit; conflicts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, type Session } from '../../../test/helpers/app.ts';
import { isoToLocal } from './local-time.ts';
import { api, counts, newPerson, setUpWorld, verifiedOrder, type World } from './test-support.ts';

let w: World;
let officer: Session;
before(async () => {
  w = await setUpWorld();
  officer = await signIn(w.env, w.users.officer);
});
after(() => w.env.close());

const tz = 'America/Panama';
const localHoursAgo = (h: number) => isoToLocal(new Date(Date.now() - h * 3600_000).toISOString(), tz);

async function get(url: string, s: Session = officer) {
  const res = await w.env.app.inject({ method: 'GET', url, headers: { cookie: s.cookie } });
  return { status: res.statusCode, body: res.body, location: String(res.headers.location ?? '') };
}

async function post(url: string, fields: Record<string, string>, s: Session = officer) {
  const payload = new URLSearchParams({ _csrf: s.csrf, ...fields }).toString();
  const res = await w.env.app.inject({ method: 'POST', url, headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload });
  return { status: res.statusCode, body: res.body, location: String(res.headers.location ?? '') };
}

async function postMultipart(url: string, fields: Record<string, string>, file: { name: string; filename: string; type: string; data: Buffer }, s: Session = officer) {
  const boundary = `----custodia${Date.now()}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries({ _csrf: s.csrf, ...fields })) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`), file.data, Buffer.from(`\r\n--${boundary}--\r\n`));
  const res = await w.env.app.inject({ method: 'POST', url, headers: { cookie: s.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: Buffer.concat(chunks) });
  return { status: res.statusCode, body: res.body, location: String(res.headers.location ?? '') };
}

const versionOf = (html: string): string => /name="version" value="(\d+)"/.exec(html)?.[1] ?? '';

/** Opens a step, then posts it with the version shown; expects the redirect to the next page. */
async function step(draftId: string, name: string, fields: Record<string, string>, expectNext: string | RegExp) {
  const page = await get(`/admissions/drafts/${draftId}/${name}`);
  assert.equal(page.status, 200, `${name}: ${page.body.slice(0, 300)}`);
  const r = await post(`/admissions/drafts/${draftId}/${name}`, { version: versionOf(page.body), action: 'continue', ...fields });
  assert.equal(r.status, 302, `${name}: ${r.status} ${r.body.slice(0, 2000)}`);
  if (typeof expectNext === 'string') assert.equal(r.location, expectNext);
  else assert.match(r.location, expectNext);
  return r;
}

async function newDraft(): Promise<string> {
  const r = await post('/admissions/new', { facilityCode: 'PA-LJ' });
  assert.equal(r.status, 302, r.body.slice(0, 500));
  const m = /^\/admissions\/drafts\/([0-9a-f-]{36})\/order$/.exec(r.location);
  assert.ok(m, r.location);
  return m[1]!;
}

function personFields(p: ReturnType<typeof newPerson>) {
  return {
    'person-givenNames': p.givenNames,
    'person-firstSurname': p.firstSurname,
    'person-secondSurname': p.secondSurname,
    'person-sex': p.sex,
    'person-dateOfBirth': p.dateOfBirth,
    'person-nationality': p.nationality,
    'person-languages': 'es',
    'person-literacy': 'literate',
    'person-documents-0-kind': 'cedula',
    'person-documents-0-number': p.documents[0]!.number,
    'person-documents-1-kind': 'cedula',
    'person-documents-1-number': '',
    'person-aliases-0-alias': '',
  };
}

/** The steps after the person: arrest, family, health, property, rights, to the review. */
async function restOfSteps(id: string, opts: { injuries?: string } = {}) {
  const base = `/admissions/drafts/${id}`;
  await step(id, 'arrest', { 'arrest-at': localHoursAgo(6), 'arrest-place': 'Avenida Central, Santa Ana', admittedAt: localHoursAgo(2) }, `${base}/family`);
  await step(
    id,
    'family',
    {
      'contacts-0-name': 'Rosa Núñez',
      'contacts-0-relationship': 'madre',
      'contacts-0-phone': '6123-4567',
      'contacts-0-isEmergency': 'yes',
      'contacts-1-name': '',
      'contacts-1-relationship': '',
      'children-0-name': 'Camila',
      'children-0-ageYears': '6',
      'children-0-whereabouts': 'Con su abuela en San Miguelito',
      'children-0-caregiver': 'Rosa Núñez',
      'children-1-name': '',
    },
    `${base}/health`,
  );
  await step(id, 'health', { 'health-pregnant': 'no', 'health-breastfeeding': 'yes', 'injuries-visible': opts.injuries ?? '', 'injuries-illTreatmentComplaint': '' }, `${base}/property`);
  await step(
    id,
    'property',
    { 'property-0-description': 'Reloj de pulsera', 'property-0-quantity': '1', 'property-0-condition': 'usado', 'property-0-storageLocation': 'Casillero 4', 'property-1-description': '', 'property-1-quantity': '', propertySignedOff: 'yes' },
    `${base}/rights`,
  );
  await step(id, 'rights', { 'rightsInformation-given': 'yes', 'rightsInformation-language': 'es', 'rightsInformation-givenAt': localHoursAgo(1) }, `${base}/review`);
}

describe('the guided admission form', () => {
  test('a first admission, with the order registered in the flow and verified by a second officer, reaches the person page', async () => {
    assert.equal((await get('/admissions')).status, 200);
    const id = await newDraft();
    const base = `/admissions/drafts/${id}`;

    // the order: registered here, it waits for a second officer
    const orderPage = await get(`${base}/order`);
    assert.equal(orderPage.status, 200);
    assert.match(orderPage.body, /name="_csrf"/);
    const reg = await post(`${base}/order`, {
      action: 'register',
      version: versionOf(orderPage.body),
      'order-authorityKind': 'court',
      'order-issuingAuthority': 'Juzgado Segundo de Garantías de Panamá',
      'order-caseNumber': `PAG-${Date.now()}`,
      'order-orderDate': '2026-02-10',
      'order-subjectName': 'María Ríos',
      'order-legalStatus': 'pretrial',
      'order-notes': '',
    });
    assert.equal(reg.status, 302, reg.body.slice(0, 1000));
    assert.equal(reg.location, `${base}/order`);
    const waiting = await get(`${base}/order`);
    assert.match(waiting.body, /data-testid="order-awaiting"/);
    const draft = await api(w, 'GET', `/api/v1/admission-drafts/${id}`, w.h.officer!);
    const orderId = (draft.body.data as { orderId: string }).orderId;
    assert.ok(orderId);
    assert.match(waiting.body, new RegExp(`href="/orders/${orderId}"`));

    // the same officer cannot verify it; a legal officer can
    const legal = await signIn(w.env, w.users.legal1);
    const order = await api(w, 'GET', `/api/v1/orders/${orderId}`, w.h.legal1!);
    const v = await api(w, 'POST', `/api/v1/orders/${orderId}/verify`, { cookie: legal.cookie, 'x-csrf-token': legal.csrf }, { method: 'telephone', note: 'Confirmado con la secretaría del juzgado', version: order.body.version });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    const ready = await get(`${base}/order`);
    assert.match(ready.body, /data-testid="order-chosen"/);
    await step(id, 'order', { orderId }, `${base}/person`);

    // the person, then the likely matches (none for a new name)
    const p = newPerson();
    await step(id, 'person', personFields(p), `${base}/person/matches`);
    const matches = await get(`${base}/person/matches`);
    assert.equal(matches.status, 200);
    assert.match(matches.body, /data-testid="no-matches"/);
    const chosen = await post(`${base}/person/matches`, { choice: 'new', version: versionOf(matches.body), action: 'continue' });
    assert.equal(chosen.location, `${base}/arrest`);

    await restOfSteps(id, { injuries: 'Raspones en ambas rodillas' });
    const review = await get(`${base}/review`);
    assert.equal(review.status, 200);
    assert.doesNotMatch(review.body, /data-testid="review-blocking"/);
    assert.match(review.body, new RegExp(p.firstSurname));

    const before = await counts(w);
    const done = await post(`${base}/review`, { action: 'complete', version: versionOf(review.body) });
    assert.equal(done.status, 302, done.body.slice(0, 2000));
    const m = /^\/persons\/([0-9a-f-]{36})$/.exec(done.location);
    assert.ok(m, done.location);
    const personId = m[1]!;
    const after = await counts(w);
    assert.equal(after.persons, before.persons + 1);
    assert.equal(after.custody_episodes, before.custody_episodes + 1);
    assert.equal(after.person_contacts, before.person_contacts + 1);
    assert.equal(after.person_children, before.person_children + 1);
    assert.equal(after.property_items, before.property_items + 1);
    assert.equal(after.health_declarations, before.health_declarations + 1);
    const db = w.env.state.db;
    const e = await db.selectFrom('custody_episodes').selectAll().where('person_id', '=', personId).executeTakeFirstOrThrow();
    assert.equal(e.admission_order_id, orderId);
    assert.equal(e.visible_injuries, 'Raspones en ambas rodillas');
    assert.equal(isoToLocal(e.arrested_at.toISOString(), tz).slice(0, 13), localHoursAgo(6).slice(0, 13));
    const alerts = await db.selectFrom('alerts').select(['type_code', 'recipient_role']).where('person_id', '=', personId).orderBy('type_code').orderBy('recipient_role').execute();
    assert.deepEqual(alerts.map((a) => `${a.type_code}:${a.recipient_role}`), ['health_screening_due:health', 'injuries_on_admission:director', 'injuries_on_admission:health']);
    const d = await api(w, 'GET', `/api/v1/admission-drafts/${id}`, w.h.officer!);
    assert.equal(d.body.status, 'completed');

    const personPage = await get(done.location);
    assert.equal(personPage.status, 200, personPage.body.slice(0, 500));
    // a second submit of the finished form leads to the person again, admitting nobody twice
    const twice = await post(`${base}/review`, { action: 'complete', version: versionOf(review.body) });
    assert.equal(twice.status, 302);
    assert.equal(twice.location, done.location);
    assert.equal((await counts(w)).custody_episodes, after.custody_episodes);
  });

  test('a returning person: the match by cédula is shown, linked, and the file keeps its prisoner number', async () => {
    // first stay (through the API), then release
    const p = newPerson();
    const first = await api(w, 'POST', '/api/v1/admissions', w.h.officerNational!, {
      facilityCode: 'PA-LJ',
      person: p,
      orderId: await verifiedOrder(w),
      arrest: { at: new Date(Date.now() - 400 * 86400_000).toISOString(), place: 'Colón' },
      admittedAt: new Date(Date.now() - 399 * 86400_000).toISOString(),
    });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const personId = first.body.personId as string;
    await w.env.state.db.updateTable('custody_episodes').set({ released_at: new Date(Date.now() - 100 * 86400_000) }).where('person_id', '=', personId).execute();
    await w.env.state.db.updateTable('persons').set({ custody_status: 'released' }).where('id', '=', personId).execute();

    const orderId = await verifiedOrder(w);
    const id = await newDraft();
    const base = `/admissions/drafts/${id}`;
    await step(id, 'order', { orderId }, `${base}/person`);
    // typed differently: no accents, surname misspelled — the cédula finds the file anyway
    await step(id, 'person', { ...personFields(p), 'person-givenNames': p.givenNames.normalize('NFD').replace(/\p{M}/gu, ''), 'person-firstSurname': `${p.firstSurname}x` }, `${base}/person/matches`);
    const matches = await get(`${base}/person/matches`);
    assert.match(matches.body, /data-testid="matches-table"/);
    assert.match(matches.body, new RegExp(first.body.prisonerNumber as string));
    const audit = await w.env.state.db.selectFrom('audit_log').select('id').where('action', '=', 'person.match').execute();
    assert.ok(audit.length >= 1);
    const linked = await post(`${base}/person/matches`, { choice: personId, version: versionOf(matches.body), action: 'continue' });
    assert.equal(linked.status, 302, linked.body.slice(0, 1000));
    const personPage = await get(`${base}/person`);
    assert.match(personPage.body, /data-testid="person-linked"/);
    await restOfSteps(id);
    const review = await get(`${base}/review`);
    assert.doesNotMatch(review.body, /data-testid="review-blocking"/);
    const done = await post(`${base}/review`, { action: 'complete', version: versionOf(review.body) });
    assert.equal(done.status, 302, done.body.slice(0, 2000));
    assert.equal(done.location, `/persons/${personId}`);
    const episodes = await w.env.state.db.selectFrom('custody_episodes').select('id').where('person_id', '=', personId).execute();
    assert.equal(episodes.length, 2);
    const person = await w.env.state.db.selectFrom('persons').select(['prisoner_number', 'custody_status']).where('id', '=', personId).executeTakeFirstOrThrow();
    assert.equal(person.prisoner_number, first.body.prisonerNumber);
    assert.equal(person.custody_status, 'in_custody');
  });

  test('a broken rule is shown on its step with an error summary linking to the field; nothing typed is lost', async () => {
    const id = await newDraft();
    const base = `/admissions/drafts/${id}`;
    const page = await get(`${base}/arrest`);
    const future = isoToLocal(new Date(Date.now() + 3 * 3600_000).toISOString(), tz);
    const r = await post(`${base}/arrest`, { version: versionOf(page.body), action: 'continue', 'arrest-at': future, 'arrest-place': 'Chorrera', admittedAt: localHoursAgo(1) });
    assert.equal(r.status, 422);
    assert.match(r.body, /govuk-error-summary/);
    assert.match(r.body, /href="#arrest-at"/);
    assert.match(r.body, /La aprehensión no puede ser posterior/);
    assert.match(r.body, /value="Chorrera"/);
    const bad = await post(`${base}/person`, { version: versionOf(r.body), action: 'continue', ...personFields(newPerson()), 'person-documents-0-number': '15-123-4567' });
    assert.equal(bad.status, 422, bad.body.slice(0, 300));
    assert.match(bad.body, /href="#person-documents-0-number"/);
    assert.match(bad.body, /id="person-documents-0-number-error"/);
    // the review lists what still blocks, each linking to its step
    const review = await get(`${base}/review`);
    assert.match(review.body, /data-testid="review-blocking"/);
    assert.match(review.body, new RegExp(`href="${base}/order#order"`));
    assert.match(review.body, new RegExp(`href="${base}/arrest#arrest-at"`));
    const before = await counts(w);
    const refused = await post(`${base}/review`, { action: 'complete', version: versionOf(review.body) });
    assert.ok(refused.status >= 400 && refused.status < 500, String(refused.status));
    assert.deepEqual(await counts(w), before);
  });

  test('the review refuses while the order awaits verification, and nothing is written', async () => {
    const id = await newDraft();
    const base = `/admissions/drafts/${id}`;
    const page = await get(`${base}/order`);
    const reg = await post(`${base}/order`, { action: 'register', version: versionOf(page.body), 'order-authorityKind': 'prosecutor', 'order-issuingAuthority': 'Fiscalía Metropolitana', 'order-caseNumber': `F-${Date.now()}`, 'order-orderDate': '2026-02-11', 'order-subjectName': 'Juan Pérez', 'order-legalStatus': 'pretrial' });
    assert.equal(reg.status, 302, reg.body.slice(0, 1000));
    const next = await post(`${base}/order`, { version: versionOf((await get(`${base}/order`)).body), action: 'continue' });
    assert.equal(next.location, `${base}/person`);
    await step(id, 'person', personFields(newPerson()), `${base}/person/matches`);
    const m = await get(`${base}/person/matches`);
    await post(`${base}/person/matches`, { choice: 'new', version: versionOf(m.body), action: 'continue' });
    await restOfSteps(id);
    const review = await get(`${base}/review`);
    assert.match(review.body, /data-testid="review-blocking"/);
    assert.match(review.body, /espera la verificación/);
    const before = await counts(w);
    const r = await post(`${base}/review`, { action: 'complete', version: versionOf(review.body) });
    assert.equal(r.status, 422);
    assert.match(r.body, /govuk-error-summary/);
    assert.deepEqual(await counts(w), before);
  });

  test('"Guardar y salir" keeps the draft, listed to resume; a stale form answers 409 without overwriting', async () => {
    const id = await newDraft();
    const base = `/admissions/drafts/${id}`;
    const page = await get(`${base}/arrest`);
    const v = versionOf(page.body);
    const exit = await post(`${base}/arrest`, { version: v, action: 'exit', 'arrest-place': 'Penonomé', 'arrest-at': '', admittedAt: '' });
    assert.equal(exit.status, 302);
    assert.equal(exit.location, '/admissions?done=saved');
    const list = await get('/admissions');
    assert.match(list.body, new RegExp(`href="/admissions/drafts/${id}"`));
    const resumed = await get(`${base}/arrest`);
    assert.match(resumed.body, /value="Penonomé"/);
    // the same (old) form sent again: someone saved since
    const stale = await post(`${base}/arrest`, { version: v, action: 'continue', 'arrest-place': 'Aguadulce', 'arrest-at': localHoursAgo(3), admittedAt: localHoursAgo(2) });
    assert.equal(stale.status, 409);
    assert.match(stale.body, /Otra persona modificó este registro/);
    const d = await api(w, 'GET', `/api/v1/admission-drafts/${id}`, w.h.officer!);
    assert.equal((d.body.data as { arrest: { place: string } }).arrest.place, 'Penonomé');
    // discarded from the list
    const gone = await post(`/admissions/drafts/${id}/discard`, {});
    assert.equal(gone.location, '/admissions?done=discarded');
    assert.doesNotMatch((await get('/admissions')).body, new RegExp(`/admissions/drafts/${id}"`));
  });

  test('a photo uploaded on the person step is stored (images only)', async () => {
    const id = await newDraft();
    const base = `/admissions/drafts/${id}`;
    const page = await get(`${base}/person`);
    assert.match(page.body, /enctype="multipart\/form-data"/);
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const ok = await postMultipart(`${base}/person`, { version: versionOf(page.body), action: 'continue', ...personFields(newPerson()) }, { name: 'person-photo', filename: 'foto.png', type: 'image/png', data: png });
    assert.equal(ok.status, 302, ok.body.slice(0, 1000));
    const d = await api(w, 'GET', `/api/v1/admission-drafts/${id}`, w.h.officer!);
    const photoFileId = (d.body.data as { person: { photoFileId: string } }).person.photoFileId;
    assert.ok(photoFileId);
    const again = await get(`${base}/person`);
    assert.match(again.body, /data-testid="photo-on-file"/);
    const bad = await postMultipart(`${base}/person`, { version: versionOf(again.body), action: 'continue', ...personFields(newPerson()) }, { name: 'person-photo', filename: 'foto.png', type: 'image/png', data: Buffer.from('%PDF-1.4 no es una foto') });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /href="#person-photo"/);
  });

  test('children are asked only of users who may see them; other centres\' drafts answer 404', async () => {
    const id = await newDraft();
    const family = await get(`/admissions/drafts/${id}/family`);
    assert.match(family.body, /name="children-0-name"/);
    const colon = await signIn(w.env, w.users.officerColon);
    assert.equal((await get(`/admissions/drafts/${id}/family`, colon)).status, 404);
    assert.equal((await get('/admissions/new', colon)).status, 200);
    const out = await post('/admissions/new', { facilityCode: 'PA-LJ' }, colon);
    assert.equal(out.status, 404);
    const duty = await signIn(w.env, w.users.duty);
    assert.equal((await get('/admissions', duty)).status, 403);
  });
});
