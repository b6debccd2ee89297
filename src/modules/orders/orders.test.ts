// Judicial orders through the API, and the verified-order check admission and release use,
// against a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, createUser, bearerFor, type TestEnv, type TestUser } from '../../../test/helpers/app.ts';
import { AppError } from '../../platform/http/errors.ts';
import { translator } from '../../platform/i18n/i18n.ts';
import { todayIn } from '../../platform/time.ts';
import { awaitingVerificationCount, requireVerifiedOrder } from './service.ts';
import { loadActor } from '../../platform/access/actor.ts';

let env: TestEnv;
let legal1: TestUser;
let legal2: TestUser;
let officerLJ: TestUser;
let directorLJ: TestUser;
let inspector: TestUser;
const h: Record<string, Record<string, string>> = {};

before(async () => {
  env = await startTestApp();
  legal1 = await createUser(env, { username: 'legal.uno', roles: ['legal'] });
  legal2 = await createUser(env, { username: 'legal.dos', roles: ['legal'] });
  officerLJ = await createUser(env, { username: 'registro.lj', roles: ['records_officer'], facilities: ['PA-LJ'] });
  directorLJ = await createUser(env, { username: 'director.lj', roles: ['director'], facilities: ['PA-LJ'] });
  inspector = await createUser(env, { username: 'inspector.uno', roles: ['inspector'] });
  for (const u of [legal1, legal2, officerLJ, directorLJ, inspector]) h[u.username] = await bearerFor(env, u);
});
after(() => env.close());

type Json = Record<string, unknown> & { error?: { code: string; message: string; fields?: { path: string; message: string }[] } };

async function api(method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: unknown) {
  const res = await env.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  const isJson = String(res.headers['content-type'] ?? '').startsWith('application/json');
  return { status: res.statusCode, body: (isJson && res.body ? res.json() : {}) as Json, raw: res.rawPayload, headers: res.headers };
}

const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR-synthetic')]);

let seq = 0;
function orderBody(extra: Record<string, unknown> = {}) {
  seq++;
  return {
    kind: 'commitment',
    authorityKind: 'court',
    issuingAuthority: 'Juzgado de Garantías del Primer Circuito Judicial de Panamá',
    caseNumber: `2026-00${seq}-JG`,
    orderDate: '2026-01-15',
    subjectName: 'José Pérez Rodríguez',
    facilityCode: 'PA-LJ',
    legalStatus: 'pretrial',
    ...extra,
  };
}

async function register(by: TestUser, extra: Record<string, unknown> = {}) {
  const r = await api('POST', '/api/v1/orders', h[by.username]!, orderBody(extra));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as Json & { id: string; version: number };
}

async function verify(by: TestUser, id: string, version: number) {
  return api('POST', `/api/v1/orders/${id}/verify`, h[by.username]!, { method: 'telephone', note: 'Confirmado por teléfono con la secretaria del Juzgado 3.º', version });
}

async function row(id: string) {
  return env.state.db.selectFrom('judicial_orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function auditOf(id: string) {
  return env.state.db.selectFrom('audit_log').selectAll().where('target_id', '=', id).orderBy('id').execute();
}

const count = async (table: 'judicial_orders' | 'stored_files') => Number((await env.state.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

/** The 422 a check throws: its field path and its Spanish message. */
async function refusal(run: () => Promise<unknown>): Promise<{ path: string; message: string }> {
  try {
    await run();
  } catch (e) {
    assert.ok(e instanceof AppError, String(e));
    assert.equal(e.status, 422);
    const f = e.fields[0]!;
    return { path: f.path, message: translator('es')(f.key, f.params) };
  }
  assert.fail('the check accepted the order');
}

describe('registering and verifying (four eyes)', () => {
  test('registered by one user, verified by another: only then effective, with the trail and audit', async () => {
    const o = await register(legal1);
    assert.equal(o.status, 'registered');
    assert.equal(o.effective, false);
    assert.equal(o.version, 1);
    assert.equal((o.registeredBy as { username: string }).username, 'legal.uno');
    assert.equal(o.verifiedBy, null);
    assert.equal(o.facilityName !== undefined, true);

    const v = await verify(legal2, o.id, 1);
    assert.equal(v.status, 200, JSON.stringify(v.body));
    assert.equal(v.body.status, 'verified');
    assert.equal(v.body.effective, true);
    assert.equal(v.body.version, 2);
    assert.equal((v.body.verifiedBy as { username: string }).username, 'legal.dos');
    assert.equal(v.body.verificationMethod, 'telephone');
    assert.match(String(v.body.verificationNote), /Juzgado 3/);

    const r = await row(o.id);
    assert.equal(r.verified_by, legal2.id);
    assert.ok(r.verified_at);
    const entries = await auditOf(o.id);
    const register_ = entries.find((e) => e.action === 'order.register')!;
    const verify_ = entries.find((e) => e.action === 'order.verify')!;
    assert.equal(register_.actor_id, legal1.id);
    assert.equal(register_.facility_code, 'PA-LJ');
    assert.equal(verify_.actor_id, legal2.id);
    assert.deepEqual((verify_.before_value as { status: string }).status, 'registered');
    assert.deepEqual((verify_.after_value as { status: string }).status, 'verified');
  });

  test('a director (scoped to the centre) may verify; a records officer may register but not verify', async () => {
    const o = await register(officerLJ);
    assert.equal((await verify(officerLJ, o.id, 1)).status, 403);
    const v = await verify(directorLJ, o.id, 1);
    assert.equal(v.status, 200, JSON.stringify(v.body));
  });

  test('the registrant cannot verify their own order: 422 naming verifiedBy, and nothing changes', async () => {
    const o = await register(legal1);
    const auditBefore = (await auditOf(o.id)).length;
    const r = await verify(legal1, o.id, 1);
    assert.equal(r.status, 422);
    assert.equal(r.body.error?.fields?.[0]?.path, 'verifiedBy');
    assert.match(r.body.error!.fields![0]!.message, /otro funcionario/);
    const after = await row(o.id);
    assert.equal(after.status, 'registered');
    assert.equal(after.verified_by, null);
    assert.equal(after.version, 1);
    assert.equal((await auditOf(o.id)).length, auditBefore);
  });

  test('the database refuses it too (CHECK verified_by <> registered_by)', async () => {
    const o = await register(legal1);
    await assert.rejects(
      env.state.db.updateTable('judicial_orders').set({ status: 'verified', verified_by: legal1.id, verified_at: new Date() }).where('id', '=', o.id).execute(),
    );
    assert.equal((await row(o.id)).status, 'registered');
  });

  test('verifying twice answers 409; so does a stale or wrong version', async () => {
    const o = await register(legal1);
    // Two verifiers opened version 1; the first verifies, the second is told it changed.
    assert.equal((await verify(legal2, o.id, 1)).status, 200);
    const again = await verify(directorLJ, o.id, 1);
    assert.equal(again.status, 409);
    assert.equal((await verify(legal2, o.id, 2)).status, 409);
    assert.equal((await row(o.id)).verified_by, legal2.id);

    const other = await register(legal1);
    const wrong = await verify(legal2, other.id, 5);
    assert.equal(wrong.status, 409);
    assert.equal(wrong.body.error?.code, 'version_conflict');
    assert.equal((await row(other.id)).status, 'registered');
  });

  test('verification needs the method and a note saying who confirmed it', async () => {
    const o = await register(legal1);
    const noNote = await api('POST', `/api/v1/orders/${o.id}/verify`, h['legal.dos']!, { method: 'telephone', version: 1 });
    assert.equal(noNote.status, 400);
    assert.equal(noNote.body.error?.fields?.[0]?.path, 'note');
    const blank = await api('POST', `/api/v1/orders/${o.id}/verify`, h['legal.dos']!, { method: 'telephone', note: '   ', version: 1 });
    assert.equal(blank.status, 422);
    assert.equal(blank.body.error?.fields?.[0]?.path, 'note');
    const badMethod = await api('POST', `/api/v1/orders/${o.id}/verify`, h['legal.dos']!, { method: 'fax', note: 'x', version: 1 });
    assert.equal(badMethod.status, 400);
    assert.equal(badMethod.body.error?.fields?.[0]?.path, 'method');
    assert.equal((await row(o.id)).status, 'registered');
  });

  test('rejecting: a second officer, with a reason; a rejected order cannot then be verified', async () => {
    const o = await register(legal1);
    const own = await api('POST', `/api/v1/orders/${o.id}/reject`, h['legal.uno']!, { reason: 'No coincide', version: 1 });
    assert.equal(own.status, 422);
    assert.equal(own.body.error?.fields?.[0]?.path, 'rejectedBy');
    const noReason = await api('POST', `/api/v1/orders/${o.id}/reject`, h['legal.dos']!, { version: 1 });
    assert.equal(noReason.status, 400);
    assert.equal(noReason.body.error?.fields?.[0]?.path, 'reason');
    const blank = await api('POST', `/api/v1/orders/${o.id}/reject`, h['legal.dos']!, { reason: '  ', version: 1 });
    assert.equal(blank.status, 422);
    assert.equal(blank.body.error?.fields?.[0]?.path, 'reason');

    const r = await api('POST', `/api/v1/orders/${o.id}/reject`, h['legal.dos']!, { reason: 'El Juzgado 3.º no reconoce la orden', version: 1 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'rejected');
    assert.equal(r.body.effective, false);
    assert.equal(r.body.rejectionReason, 'El Juzgado 3.º no reconoce la orden');
    assert.equal((r.body.rejectedBy as { username: string }).username, 'legal.dos');
    assert.ok(r.body.rejectedAt);
    assert.equal(r.body.verifiedBy, null);

    assert.equal((await verify(directorLJ, o.id, 2)).status, 409);
    assert.equal((await api('POST', `/api/v1/orders/${o.id}/reject`, h['legal.dos']!, { reason: 'otra vez', version: 2 })).status, 409);
    const entries = await auditOf(o.id);
    assert.equal(entries.filter((e) => e.action === 'order.reject').length, 1);
    assert.equal(entries.find((e) => e.action === 'order.reject')!.actor_id, legal2.id);
  });
});

describe('reading, scope and audit', () => {
  test('an unverified order is visible to readers, clearly marked; the read is audited', async () => {
    const o = await register(legal1);
    const r = await api('GET', `/api/v1/orders/${o.id}`, h['inspector.uno']!);
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'registered');
    assert.equal(r.body.effective, false);
    const read = (await auditOf(o.id)).filter((e) => e.action === 'order.read');
    assert.equal(read.length, 1);
    assert.equal(read[0]!.actor_id, inspector.id);
  });

  test('the inspector reads but cannot register or verify', async () => {
    assert.equal((await api('POST', '/api/v1/orders', h['inspector.uno']!, orderBody())).status, 403);
    const o = await register(legal1);
    assert.equal((await verify(inspector, o.id, 1)).status, 403);
  });

  test('a PA-LJ user gets 404 for a CO-NES order, cannot register one, and never lists it', async () => {
    const colon = await register(legal1, { facilityCode: 'CO-NES', scan: { contentBase64: pdf.toString('base64') } });
    assert.equal((await api('GET', `/api/v1/orders/${colon.id}`, h['registro.lj']!)).status, 404);
    assert.equal((await api('GET', `/api/v1/orders/${colon.id}/scan`, h['registro.lj']!)).status, 404);
    assert.equal((await verify(directorLJ, colon.id, 1)).status, 404);
    assert.equal((await row(colon.id)).status, 'registered');

    const before = await count('judicial_orders');
    const r = await api('POST', '/api/v1/orders', h['registro.lj']!, orderBody({ facilityCode: 'CO-NES' }));
    assert.equal(r.status, 422);
    assert.deepEqual(r.body.error?.fields?.map((f) => f.path), ['facilityCode']);
    assert.equal(await count('judicial_orders'), before);

    const list = await api('GET', '/api/v1/orders?limit=200', h['registro.lj']!);
    assert.equal(list.status, 200);
    const items = list.body.items as { id: string; facilityCode: string }[];
    assert.ok(items.length > 0);
    assert.ok(items.every((i) => i.facilityCode === 'PA-LJ'));
    const asked = await api('GET', '/api/v1/orders?facility=CO-NES', h['registro.lj']!);
    assert.deepEqual(asked.body.items, []);
    const national = await api('GET', '/api/v1/orders?facility=CO-NES', h['legal.dos']!);
    assert.ok((national.body.items as { id: string }[]).some((i) => i.id === colon.id));
  });

  test('the list filters by status and kind, pages with nextBefore, and is one audit entry per query', async () => {
    const release = await register(legal1, { kind: 'release', legalStatus: undefined, facilityCode: 'PA-LJ' });
    const listsBefore = (await env.state.db.selectFrom('audit_log').select('id').where('action', '=', 'order.list').execute()).length;
    const r = await api('GET', '/api/v1/orders?kind=release&status=registered', h['legal.dos']!);
    assert.equal(r.status, 200);
    const items = r.body.items as { id: string; kind: string; status: string }[];
    assert.ok(items.some((i) => i.id === release.id));
    assert.ok(items.every((i) => i.kind === 'release' && i.status === 'registered'));
    const listsAfter = (await env.state.db.selectFrom('audit_log').select('id').where('action', '=', 'order.list').execute()).length;
    assert.equal(listsAfter, listsBefore + 1);

    const all: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof api>> = await api('GET', `/api/v1/orders?limit=3${before ? `&before=${before}` : ''}`, h['legal.dos']!);
      assert.equal(page.status, 200);
      all.push(...(page.body.items as { id: string }[]).map((i) => i.id));
      before = page.body.nextBefore as string | null;
      pages++;
    } while (before && pages < 100);
    assert.equal(new Set(all).size, all.length, 'no order twice');
    assert.equal(all.length, await count('judicial_orders'));
    assert.ok(pages > 1);
  });

  test('the count awaiting a verifier leaves out their own orders and other centres\' orders', async () => {
    const callerOf = async (u: TestUser) => ({ actor: (await loadActor(env.state.db, u.id, 'token'))!, audit: { actorId: u.id, actorName: u.username } });
    const director = await callerOf(directorLJ);
    const legal = await callerOf(legal1);
    const before = { director: await awaitingVerificationCount(env.state, director), legal: await awaitingVerificationCount(env.state, legal) };
    await register(legal1);
    await register(legal1, { facilityCode: 'CO-NES' });
    assert.equal(await awaitingVerificationCount(env.state, director), before.director + 1);
    assert.equal(await awaitingVerificationCount(env.state, legal), before.legal);
    assert.equal(await awaitingVerificationCount(env.state, await callerOf(officerLJ)), 0);
  });

  test('bad filters answer 400', async () => {
    assert.equal((await api('GET', '/api/v1/orders?status=maybe', h['legal.dos']!)).status, 400);
    assert.equal((await api('GET', '/api/v1/orders?limit=0', h['legal.dos']!)).status, 400);
    assert.equal((await api('GET', '/api/v1/orders/not-a-uuid', h['legal.dos']!)).status, 400);
    assert.equal((await api('GET', '/api/v1/orders/00000000-0000-4000-8000-000000000000', h['legal.dos']!)).status, 404);
  });
});

describe('bad input stores nothing', () => {
  test('a future date, a date before 1950, a missing case number, a blank name', async () => {
    const orders = await count('judicial_orders');
    const files = await count('stored_files');
    const scan = { contentBase64: pdf.toString('base64') };

    const future = await api('POST', '/api/v1/orders', h['legal.uno']!, orderBody({ orderDate: '2999-01-01', scan }));
    assert.equal(future.status, 422);
    assert.equal(future.body.error?.fields?.[0]?.path, 'orderDate');
    assert.match(future.body.error!.fields![0]!.message, /futura/);

    const old = await api('POST', '/api/v1/orders', h['legal.uno']!, orderBody({ orderDate: '1949-12-31' }));
    assert.equal(old.status, 422);
    assert.equal(old.body.error?.fields?.[0]?.path, 'orderDate');

    const impossible = await api('POST', '/api/v1/orders', h['legal.uno']!, orderBody({ orderDate: '2025-02-30' }));
    assert.equal(impossible.status, 400);
    assert.equal(impossible.body.error?.fields?.[0]?.path, 'orderDate');

    const { caseNumber: _omit, ...noCase } = orderBody({ scan });
    const missing = await api('POST', '/api/v1/orders', h['legal.uno']!, noCase);
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error?.fields?.[0]?.path, 'caseNumber');

    const blank = await api('POST', '/api/v1/orders', h['legal.uno']!, orderBody({ subjectName: '   ', caseNumber: ' ' }));
    assert.equal(blank.status, 422);
    assert.deepEqual(blank.body.error?.fields?.map((f) => f.path).sort(), ['caseNumber', 'subjectName']);

    const noStatus = await api('POST', '/api/v1/orders', h['legal.uno']!, orderBody({ legalStatus: undefined }));
    assert.equal(noStatus.status, 422);
    assert.equal(noStatus.body.error?.fields?.[0]?.path, 'legalStatus');

    const releaseWithStatus = await api('POST', '/api/v1/orders', h['legal.uno']!, orderBody({ kind: 'release', legalStatus: 'sentenced' }));
    assert.equal(releaseWithStatus.status, 422);
    assert.equal(releaseWithStatus.body.error?.fields?.[0]?.path, 'legalStatus');

    const unknownPerson = await api('POST', '/api/v1/orders', h['legal.uno']!, orderBody({ personId: '00000000-0000-4000-8000-000000000000' }));
    assert.equal(unknownPerson.status, 422);
    assert.equal(unknownPerson.body.error?.fields?.[0]?.path, 'personId');

    const extra = await api('POST', '/api/v1/orders', h['legal.uno']!, orderBody({ status: 'verified' }));
    assert.equal(extra.status, 400);
    assert.equal(extra.body.error?.fields?.[0]?.path, 'status');

    assert.equal(await count('judicial_orders'), orders);
    assert.equal(await count('stored_files'), files);
  });

  test('today is accepted (today where the centres are)', async () => {
    await register(legal1, { orderDate: todayIn(env.settings.timeZone) });
  });
});

describe('the scanned copy', () => {
  test('a PDF is stored and served with its content type; the read is audited', async () => {
    const o = await register(legal1, { scan: { contentBase64: pdf.toString('base64') } });
    assert.deepEqual(o.scan, { contentType: 'application/pdf', sizeBytes: pdf.length, url: `/api/v1/orders/${o.id}/scan` });
    const r = await api('GET', `/api/v1/orders/${o.id}/scan`, h['inspector.uno']!);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/pdf');
    assert.deepEqual(r.raw, pdf);
    const reads = (await auditOf(o.id)).filter((e) => e.action === 'order.scan.read');
    assert.equal(reads.length, 1);
    assert.equal(reads[0]!.actor_id, inspector.id);
  });

  test('a PNG is served as image/png; an order without a scan answers 404', async () => {
    const o = await register(legal1, { scan: { contentBase64: png.toString('base64') } });
    const r = await api('GET', `/api/v1/orders/${o.id}/scan`, h['legal.dos']!);
    assert.equal(r.headers['content-type'], 'image/png');
    const none = await register(legal1);
    assert.equal((await api('GET', `/api/v1/orders/${none.id}/scan`, h['legal.dos']!)).status, 404);
  });

  test('junk bytes (or not base64 at all) are refused with 422 naming the scan, and nothing is stored', async () => {
    const orders = await count('judicial_orders');
    const files = await count('stored_files');
    const junk = await api('POST', '/api/v1/orders', h['legal.uno']!, orderBody({ scan: { contentBase64: Buffer.from('MZ\x90\x00 this is not a scan').toString('base64') } }));
    assert.equal(junk.status, 422);
    assert.equal(junk.body.error?.fields?.[0]?.path, 'scan.contentBase64');
    const notBase64 = await api('POST', '/api/v1/orders', h['legal.uno']!, orderBody({ scan: { contentBase64: '<script>alert(1)</script>' } }));
    assert.equal(notBase64.status, 422);
    assert.equal(notBase64.body.error?.fields?.[0]?.path, 'scan.contentBase64');
    assert.equal(await count('judicial_orders'), orders);
    assert.equal(await count('stored_files'), files);
  });
});

describe('Idempotency-Key', () => {
  test('a repeated registration with the same key returns the first response and creates one order', async () => {
    const body = orderBody({ scan: { contentBase64: pdf.toString('base64') } });
    const headers = { ...h['legal.uno']!, 'idempotency-key': 'orden-2026-0001' };
    const orders = await count('judicial_orders');
    const first = await api('POST', '/api/v1/orders', headers, body);
    assert.equal(first.status, 201);
    const second = await api('POST', '/api/v1/orders', headers, body);
    assert.equal(second.status, 201);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(second.body.id, first.body.id);
    assert.equal(await count('judicial_orders'), orders + 1);
    assert.equal((await auditOf(first.body.id as string)).filter((e) => e.action === 'order.register').length, 1);
    const other = await api('POST', '/api/v1/orders', headers, { ...body, caseNumber: 'otro' });
    assert.equal(other.status, 422);
  });
});

describe('requireVerifiedOrder (used by admission and release)', () => {
  const db = () => env.state.db;

  async function verified(extra: Record<string, unknown> = {}) {
    const o = await register(legal1, extra);
    assert.equal((await verify(legal2, o.id, 1)).status, 200);
    return o.id;
  }

  test('a verified commitment order for the centre passes and is returned', async () => {
    const id = await verified();
    const order = await db().transaction().execute((trx) => requireVerifiedOrder(trx, id, { kind: 'commitment', facilityCode: 'PA-LJ' }));
    assert.equal(order.id, id);
    assert.equal(order.status, 'verified');
    assert.equal(order.legal_status, 'pretrial');
  });

  test('unverified, rejected, wrong kind, other centre, unknown: 422 naming the path, in Spanish', async () => {
    const unverified = (await register(legal1)).id;
    let r = await refusal(() => requireVerifiedOrder(db(), unverified, { kind: 'commitment' }));
    assert.deepEqual(r, { path: 'orderId', message: 'La orden aún no ha sido verificada por un segundo funcionario.' });

    const rejected = (await register(legal1)).id;
    assert.equal((await api('POST', `/api/v1/orders/${rejected}/reject`, h['legal.dos']!, { reason: 'No reconocida', version: 1 })).status, 200);
    r = await refusal(() => requireVerifiedOrder(db(), rejected, { kind: 'commitment', path: 'order' }));
    assert.equal(r.path, 'order');
    assert.match(r.message, /rechazada/);

    const release = await verified({ kind: 'release', legalStatus: undefined });
    r = await refusal(() => requireVerifiedOrder(db(), release, { kind: 'commitment' }));
    assert.match(r.message, /no es una orden de detención/);
    const commitment = await verified();
    r = await refusal(() => requireVerifiedOrder(db(), commitment, { kind: 'release', path: 'releaseOrderId' }));
    assert.equal(r.path, 'releaseOrderId');
    assert.match(r.message, /no es una boleta de libertad/);

    r = await refusal(() => requireVerifiedOrder(db(), commitment, { kind: 'commitment', facilityCode: 'CO-NES' }));
    assert.match(r.message, /otro centro \(PA-LJ\)/);

    r = await refusal(() => requireVerifiedOrder(db(), '00000000-0000-4000-8000-000000000000', { kind: 'commitment' }));
    assert.match(r.message, /No existe/);
    r = await refusal(() => requireVerifiedOrder(db(), 'not-a-uuid', { kind: 'commitment' }));
    assert.match(r.message, /No existe/);
  });

  test('a commitment order admits once; a release order releases once', async () => {
    const id = await verified();
    const person = await db()
      .insertInto('persons')
      .values({ prisoner_number: 'PPL-900001', given_names: 'José', first_surname: 'Pérez', second_surname: 'Rodríguez', sex: 'male', nationality: 'PA' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const episode = await db()
      .insertInto('custody_episodes')
      .values({ person_id: person.id, facility_code: 'PA-LJ', admission_order_id: id, arrested_at: '2026-01-14T10:00:00Z', arrest_place: 'Ciudad de Panamá', admitted_at: '2026-01-15T10:00:00Z' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const r = await refusal(() => requireVerifiedOrder(db(), id, { kind: 'commitment', facilityCode: 'PA-LJ' }));
    assert.equal(r.path, 'orderId');
    assert.match(r.message, /ya se usó para un ingreso/);
    const detail = await api('GET', `/api/v1/orders/${id}`, h['legal.dos']!);
    assert.equal(detail.body.usedByEpisodeId, episode.id);

    const release = await verified({ kind: 'release', legalStatus: undefined });
    await requireVerifiedOrder(db(), release, { kind: 'release' });
    await db().updateTable('custody_episodes').set({ released_at: '2026-02-01T10:00:00Z', release_order_id: release, release_reason: 'boleta de libertad' }).where('id', '=', episode.id).execute();
    const again = await refusal(() => requireVerifiedOrder(db(), release, { kind: 'release' }));
    assert.match(again.message, /ya se usó para una libertad/);
  });
});
