// The judicial orders pages: register (multipart, with a scan), the error summary, the order
// page as its registrant and as a verifier, verification and rejection by the page forms.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startTestApp, createUser, signIn, type Session, type TestEnv, type TestUser } from '../../../test/helpers/app.ts';

let env: TestEnv;
let registrar: TestUser;
let verifier: TestUser;
let scopedLJ: TestUser;
let s: { registrar: Session; verifier: Session; scopedLJ: Session };

before(async () => {
  env = await startTestApp();
  registrar = await createUser(env, { username: 'registro.paginas', roles: ['records_officer'] });
  verifier = await createUser(env, { username: 'legal.paginas', roles: ['legal'] });
  scopedLJ = await createUser(env, { username: 'director.paginas', roles: ['director'], facilities: ['PA-LJ'] });
  s = { registrar: await signIn(env, registrar), verifier: await signIn(env, verifier), scopedLJ: await signIn(env, scopedLJ) };
});
after(() => env.close());

const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/** A multipart/form-data body as a browser sends it (an empty file part when no file is chosen). */
function multipart(fields: Record<string, string>, file?: { name: string; filename: string; type: string; data: Buffer }) {
  const boundary = `----custodia${crypto.randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  const f = file ?? { name: 'scan', filename: '', type: 'application/octet-stream', data: Buffer.alloc(0) };
  chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\ncontent-type: ${f.type}\r\n\r\n`), f.data, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

function form(fields: Record<string, string>) {
  return new URLSearchParams(fields).toString();
}

const validFields = (session: Session, extra: Record<string, string> = {}) => ({
  _csrf: session.csrf,
  kind: 'commitment',
  authorityKind: 'court',
  issuingAuthority: 'Juzgado Tercero de Circuito Penal de Panamá',
  caseNumber: `P-${crypto.randomBytes(3).toString('hex')}`,
  'orderDate-day': '3',
  'orderDate-month': '2',
  'orderDate-year': '2026',
  subjectName: 'María José Núñez de Castillo',
  personId: '',
  facilityCode: 'PA-LJ',
  legalStatus: 'pretrial',
  notes: 'Entregada por la Policía Nacional',
  ...extra,
});

async function page(session: Session, url: string) {
  return env.app.inject({ url, headers: { cookie: session.cookie } });
}

async function postMultipart(session: Session, url: string, fields: Record<string, string>, file?: Parameters<typeof multipart>[1]) {
  const m = multipart(fields, file);
  return env.app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': m.contentType }, payload: m.payload });
}

async function postForm(session: Session, url: string, fields: Record<string, string>) {
  return env.app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: session.csrf, ...fields }) });
}

const count = async () => Number((await env.state.db.selectFrom('judicial_orders').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

async function registerByPage(extra: Record<string, string> = {}, file?: Parameters<typeof multipart>[1]): Promise<string> {
  const res = await postMultipart(s.registrar, '/orders', validFields(s.registrar, extra), file);
  assert.equal(res.statusCode, 302, res.body.slice(0, 2000));
  const m = /^\/orders\/([0-9a-f-]{36})\?done=registered$/.exec(String(res.headers.location));
  assert.ok(m, String(res.headers.location));
  return m[1]!;
}

describe('registering by the page', () => {
  test('GET /orders/new shows the form (multipart, with the CSRF token)', async () => {
    const res = await page(s.registrar, '/orders/new');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /enctype="multipart\/form-data"/);
    assert.ok(res.body.includes(`name="_csrf" value="${s.registrar.csrf}"`));
    assert.match(res.body, /Boleta de libertad/);
    assert.match(res.body, /name="scan"/);
  });

  test('a form with mistakes comes back with the error summary, the values kept, and nothing stored', async () => {
    const before = await count();
    const res = await postMultipart(s.registrar, '/orders', validFields(s.registrar, { caseNumber: '', 'orderDate-day': '1', 'orderDate-month': '1', 'orderDate-year': '2999', legalStatus: '' }));
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /govuk-error-summary/);
    assert.match(res.body, /Hay un problema/);
    assert.match(res.body, /href="#caseNumber"/);
    assert.match(res.body, /href="#orderDate-day"/);
    assert.match(res.body, /La fecha de la orden no puede ser futura/);
    assert.match(res.body, /href="#legalStatus"/);
    assert.match(res.body, /María José Núñez de Castillo/);
    assert.equal(await count(), before);
  });

  test('junk bytes as the scan are refused on the form', async () => {
    const before = await count();
    const res = await postMultipart(s.registrar, '/orders', validFields(s.registrar), { name: 'scan', filename: 'orden.pdf', type: 'application/pdf', data: Buffer.from('not really a pdf') });
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /href="#scan"/);
    assert.match(res.body, /Tipo de archivo no admitido/);
    assert.equal(await count(), before);
  });

  test('a form without the CSRF token is refused', async () => {
    const { _csrf: _omit, ...fields } = validFields(s.registrar);
    const res = await postMultipart(s.registrar, '/orders', fields);
    assert.equal(res.statusCode, 403);
  });

  test('a valid form registers the order with its scan; the registrant is told another officer must verify it', async () => {
    const id = await registerByPage({}, { name: 'scan', filename: 'orden.pdf', type: 'application/pdf', data: pdf });
    const stored = await env.state.db.selectFrom('judicial_orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(stored.order_date, '2026-02-03');
    assert.equal(stored.registered_by, registrar.id);
    assert.ok(stored.scan_file_id);

    const res = await page(s.registrar, `/orders/${id}?done=registered`);
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Orden registrada/);
    assert.match(res.body, /Pendiente de verificación/);
    assert.match(res.body, /data-testid="awaiting-other"/);
    assert.doesNotMatch(res.body, /action="\/orders\/[^"]+\/verify"/);
    assert.match(res.body, new RegExp(`href="/orders/${id}/scan"`));

    const scan = await page(s.registrar, `/orders/${id}/scan`);
    assert.equal(scan.statusCode, 200);
    assert.equal(scan.headers['content-type'], 'application/pdf');
    assert.deepEqual(scan.rawPayload, pdf);
  });
});

describe('deciding by the page', () => {
  test('a verifier sees the verify and reject forms, and verifies with the method and who confirmed it', async () => {
    const id = await registerByPage();
    const view = await page(s.verifier, `/orders/${id}`);
    assert.equal(view.statusCode, 200);
    assert.match(view.body, new RegExp(`action="/orders/${id}/verify"`));
    assert.match(view.body, new RegExp(`action="/orders/${id}/reject"`));
    assert.match(view.body, /name="version" value="1"/);
    assert.match(view.body, /Por teléfono, con el despacho que la emitió/);

    const missing = await postForm(s.verifier, `/orders/${id}/verify`, { method: 'telephone', note: '', version: '1' });
    assert.equal(missing.statusCode, 422);
    assert.match(missing.body, /govuk-error-summary/);
    assert.match(missing.body, /href="#note"/);

    const res = await postForm(s.verifier, `/orders/${id}/verify`, { method: 'telephone', note: 'Confirmado por teléfono con la secretaria del Juzgado 3.º', version: '1' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/orders/${id}?done=verified`);
    const after = await env.state.db.selectFrom('judicial_orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(after.status, 'verified');
    assert.equal(after.verified_by, verifier.id);
    assert.equal(after.verification_method, 'telephone');

    const done = await page(s.verifier, `/orders/${id}?done=verified`);
    assert.match(done.body, /Orden verificada/);
    assert.match(done.body, /Confirmado por teléfono con la secretaria del Juzgado 3.º/);
    assert.doesNotMatch(done.body, /action="\/orders\/[^"]+\/verify"/);

    // A second submission of the same form (an old tab) is a conflict shown on the page.
    const twice = await postForm(s.verifier, `/orders/${id}/verify`, { method: 'telephone', note: 'otra vez', version: '1' });
    assert.equal(twice.statusCode, 409);
    assert.match(twice.body, /La orden ya fue verificada/);
  });

  test('the registrant posting the verify form anyway gets the error on the page, and nothing changes', async () => {
    const id = await registerByPage();
    const res = await postForm(s.registrar, `/orders/${id}/verify`, { method: 'telephone', note: 'yo mismo', version: '1' });
    // records_officer lacks order.verify altogether: refused before the form is read.
    assert.equal(res.statusCode, 403);
    // A legal user who registered it has the permission but is the registrant.
    const own = await env.app.inject({
      method: 'POST',
      url: '/orders',
      headers: { cookie: s.verifier.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form(validFields(s.verifier)),
    });
    assert.equal(own.statusCode, 302, own.body.slice(0, 500));
    const ownId = String(own.headers.location).split('/')[2]!.split('?')[0]!;
    const self = await postForm(s.verifier, `/orders/${ownId}/verify`, { method: 'telephone', note: 'yo mismo', version: '1' });
    assert.equal(self.statusCode, 422);
    assert.match(self.body, /govuk-error-summary/);
    assert.match(self.body, /Usted registró esta orden/);
    assert.equal((await env.state.db.selectFrom('judicial_orders').select('status').where('id', '=', ownId).executeTakeFirstOrThrow()).status, 'registered');
    assert.equal((await env.state.db.selectFrom('judicial_orders').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status, 'registered');
  });

  test('rejecting by the page records the reason and shows who rejected it', async () => {
    const id = await registerByPage();
    const res = await postForm(s.verifier, `/orders/${id}/reject`, { reason: 'El juzgado no reconoce el número de causa', version: '1' });
    assert.equal(res.statusCode, 302);
    const view = await page(s.verifier, `/orders/${id}?done=rejected`);
    assert.match(view.body, /Orden rechazada/);
    assert.match(view.body, /El juzgado no reconoce el número de causa/);
    assert.match(view.body, /legal\.paginas/);
  });
});

describe('the list page', () => {
  test('verifiers land on the orders awaiting verification; others see every status; filters apply', async () => {
    const waiting = await registerByPage({ caseNumber: 'ESPERA-001' });
    const verifiedId = await registerByPage({ caseNumber: 'VERIF-001' });
    assert.equal((await postForm(s.verifier, `/orders/${verifiedId}/verify`, { method: 'in_person', note: 'Cotejada en el despacho', version: '1' })).statusCode, 302);

    const forVerifier = await page(s.verifier, '/orders');
    assert.equal(forVerifier.statusCode, 200);
    assert.match(forVerifier.body, /ESPERA-001/);
    assert.doesNotMatch(forVerifier.body, /VERIF-001/);
    assert.match(forVerifier.body, /<option value="registered" selected>/);

    const forOfficer = await page(s.registrar, '/orders');
    assert.match(forOfficer.body, /ESPERA-001/);
    assert.match(forOfficer.body, /VERIF-001/);
    assert.match(forOfficer.body, /govuk-tag--yellow/);
    assert.match(forOfficer.body, /govuk-tag--green/);

    const all = await page(s.verifier, '/orders?status=all&kind=commitment&facility=PA-LJ');
    assert.match(all.body, /VERIF-001/);
    const releases = await page(s.verifier, '/orders?status=all&kind=release');
    assert.doesNotMatch(releases.body, /ESPERA-001/);
    assert.ok(waiting);
  });

  test('a centre-scoped user sees only that centre\'s orders and gets 404 for another\'s', async () => {
    const colon = await registerByPage({ caseNumber: 'COLON-001', facilityCode: 'CO-NES' });
    const list = await page(s.scopedLJ, '/orders?status=all');
    assert.doesNotMatch(list.body, /COLON-001/);
    assert.equal((await page(s.scopedLJ, `/orders/${colon}`)).statusCode, 404);
    assert.equal((await page(s.scopedLJ, `/orders/${colon}/scan`)).statusCode, 404);
    const verify = await postForm(s.scopedLJ, `/orders/${colon}/verify`, { method: 'telephone', note: 'x', version: '1' });
    assert.equal(verify.statusCode, 404);
  });

  test('signed-out visitors are sent to sign in', async () => {
    const res = await env.app.inject({ url: '/orders' });
    assert.equal(res.statusCode, 302);
    assert.match(String(res.headers.location), /^\/login/);
  });
});
