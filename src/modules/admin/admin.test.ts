// Administration of accounts, tokens and role policies: through the API, the pages and the
// command line, against a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, createUser, signIn, bearerFor, testPassword, type TestEnv, type TestUser, type Session } from '../../../test/helpers/app.ts';
import { encryptSecret } from '../../platform/audit/keys.ts';
import { newTotpSecret, totpCode } from '../../platform/auth/totp.ts';
import { createTokenFromCli, createUserFromCli } from './cli.ts';

const newPassword = 'Tortuga-marina-del-Pacifico-42';

let env: TestEnv;
let root: TestUser;
let rootBearer: Record<string, string>;

before(async () => {
  env = await startTestApp();
  root = await createUser(env, { username: 'root.admin', roles: ['admin'] });
  rootBearer = await bearerFor(env, root);
});
after(() => env.close());

type Json = Record<string, unknown> & { error?: { code: string; fields?: { path: string; message: string }[] } };

async function api(method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, headers: Record<string, string>, payload?: unknown) {
  const res = await env.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, body: (res.body ? res.json() : {}) as Json, headers: res.headers };
}

let counter = 0;
const uniqueName = (prefix: string) => `${prefix}.${++counter}`;

async function createViaApi(extra: Record<string, unknown> = {}) {
  const username = uniqueName('user');
  const r = await api('POST', '/api/v1/users', rootBearer, { username, displayName: 'María Pérez', roles: ['records_officer'], facilities: ['PA-LJ'], password: newPassword, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.id as string, username, password: newPassword, body: r.body };
}

/** Signs in as a user whose temporary password has been changed (so normal routes answer). */
async function activeSession(user: { id: string; username: string; password: string }): Promise<Session> {
  await env.state.db.updateTable('users').set({ must_change_password: false }).where('id', '=', user.id).execute();
  return signIn(env, user);
}

/** An administrator's page session needs a second factor: enrol one directly and sign in with it. */
async function adminSession(user: TestUser): Promise<Session> {
  const secret = newTotpSecret();
  await env.state.db.updateTable('users').set({ totp_secret_enc: encryptSecret(env.state.keys, secret), totp_enabled_at: new Date(), totp_last_step: null }).where('id', '=', user.id).execute();
  return signIn(env, user, await totpCode(secret));
}

async function auditActions(targetId: string): Promise<string[]> {
  const rows = await env.state.db.selectFrom('audit_log').select('action').where('target_id', '=', targetId).orderBy('id').execute();
  return rows.map((r) => r.action);
}

describe('accounts through the API', () => {
  test('an administrator creates a user, who can then sign in (and must change the password)', async () => {
    const u = await createViaApi();
    assert.deepEqual(u.body.roles, ['records_officer']);
    assert.deepEqual(u.body.facilities, ['PA-LJ']);
    assert.equal(u.body.national, false);
    assert.equal(u.body.mustChangePassword, true);
    assert.equal(u.body.version, 1);
    assert.ok(!('passwordHash' in u.body) && !JSON.stringify(u.body).includes('argon2'));
    const login = await api('POST', '/api/v1/auth/login', {}, { username: u.username, password: newPassword });
    assert.equal(login.status, 200);
    assert.equal((login.body.user as { mustChangePassword: boolean }).mustChangePassword, true);
    assert.deepEqual(await auditActions(u.id), ['user.created', 'auth.login.succeeded']);
  });

  test('reads are audited: one entry per account opened, one per list', async () => {
    const u = await createViaApi();
    const one = await api('GET', `/api/v1/users/${u.id}`, rootBearer);
    assert.equal(one.status, 200);
    assert.equal(one.body.username, u.username);
    assert.ok((await auditActions(u.id)).includes('user.read'));
    const before = await env.state.db.selectFrom('audit_log').select('id').where('action', '=', 'user.list').execute();
    const list = await api('GET', `/api/v1/users?q=${encodeURIComponent(u.username)}`, rootBearer);
    assert.equal(list.status, 200);
    assert.equal(list.body.total, 1);
    const afterList = await env.state.db.selectFrom('audit_log').select('id').where('action', '=', 'user.list').execute();
    assert.equal(afterList.length, before.length + 1);
  });

  test('an unknown id answers 404, a malformed one 400', async () => {
    assert.equal((await api('GET', '/api/v1/users/7d7f1f5e-4f0e-4c8e-9a55-4a1c0c1f0a11', rootBearer)).status, 404);
    assert.equal((await api('GET', '/api/v1/users/nope', rootBearer)).status, 400);
  });

  test('users without the permission get 403; an inspector reads but cannot change', async () => {
    const officer = await createUser(env, { username: uniqueName('officer'), roles: ['records_officer'] });
    const h = await bearerFor(env, officer);
    assert.equal((await api('GET', '/api/v1/users', h)).status, 403);
    assert.equal((await api('POST', '/api/v1/users', h, { username: 'x.y', displayName: 'X', roles: ['legal'], national: true, password: newPassword })).status, 403);
    assert.equal((await api('GET', `/api/v1/users/${root.id}/tokens`, h)).status, 403);
    assert.equal((await api('PUT', '/api/v1/roles/legal', h, { mfaRequired: true })).status, 403);
    const inspector = await createUser(env, { username: uniqueName('inspector'), roles: ['inspector'] });
    const ih = await bearerFor(env, inspector);
    assert.equal((await api('GET', '/api/v1/users', ih)).status, 200);
    assert.equal((await api('GET', '/api/v1/roles', ih)).status, 200);
    assert.equal((await api('POST', `/api/v1/users/${officer.id}/disable`, ih)).status, 403);
    assert.equal((await api('GET', '/api/v1/users', {})).status, 401);
  });

  test('a duplicate user name answers 409 naming the field', async () => {
    const u = await createViaApi();
    const r = await api('POST', '/api/v1/users', rootBearer, { username: u.username, displayName: 'Otra', roles: ['legal'], national: true, password: newPassword });
    assert.equal(r.status, 409);
    assert.equal(r.body.error?.fields?.[0]?.path, 'username');
  });

  test('a weak password answers 422 naming the field', async () => {
    for (const password of ['short', 'password1234567', 'aaaaaaaaaaaaaaaa']) {
      const r = await api('POST', '/api/v1/users', rootBearer, { username: uniqueName('weak'), displayName: 'Débil', roles: ['legal'], national: true, password });
      assert.equal(r.status, 422, password);
      assert.deepEqual(r.body.error?.fields?.map((f) => f.path), ['password']);
    }
  });

  test('bad roles and scopes are refused naming the field', async () => {
    const base = { displayName: 'Ana', password: newPassword };
    const badRole = await api('POST', '/api/v1/users', rootBearer, { ...base, username: uniqueName('r'), roles: ['legal', 'warden'], national: true });
    assert.equal(badRole.status, 400);
    assert.equal(badRole.body.error?.fields?.[0]?.path, 'roles[1]');
    const noScope = await api('POST', '/api/v1/users', rootBearer, { ...base, username: uniqueName('r'), roles: ['legal'] });
    assert.equal(noScope.status, 422);
    assert.equal(noScope.body.error?.fields?.[0]?.path, 'facilities');
    const both = await api('POST', '/api/v1/users', rootBearer, { ...base, username: uniqueName('r'), roles: ['legal'], national: true, facilities: ['PA-LJ'] });
    assert.equal(both.status, 422);
    const unknownCentre = await api('POST', '/api/v1/users', rootBearer, { ...base, username: uniqueName('r'), roles: ['legal'], facilities: ['PA-LJ', 'PA-ZZZ'] });
    assert.equal(unknownCentre.status, 422);
    assert.equal(unknownCentre.body.error?.fields?.[0]?.path, 'facilities[1]');
    const badName = await api('POST', '/api/v1/users', rootBearer, { ...base, username: 'Bad Name', roles: ['legal'], national: true });
    assert.equal(badName.status, 400);
    assert.equal(badName.body.error?.fields?.[0]?.path, 'username');
  });

  test('PATCH changes roles and scope with the version read; a stale version answers 409', async () => {
    const u = await createViaApi();
    const ok = await api('PATCH', `/api/v1/users/${u.id}`, rootBearer, { version: 1, roles: ['legal', 'director'], national: true, displayName: 'María Pérez de Gracia' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.roles, ['director', 'legal']);
    assert.equal(ok.body.national, true);
    assert.deepEqual(ok.body.facilities, []);
    assert.equal(ok.body.version, 2);
    const stale = await api('PATCH', `/api/v1/users/${u.id}`, rootBearer, { version: 1, displayName: 'Otra' });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error?.code, 'version_conflict');
    const scoped = await api('PATCH', `/api/v1/users/${u.id}`, rootBearer, { version: 2, facilities: ['PA-LJ', 'PA-CEF'] });
    assert.equal(scoped.status, 200);
    assert.deepEqual(scoped.body.facilities, ['PA-CEF', 'PA-LJ']);
    assert.equal(scoped.body.national, false);
    const bad = await api('PATCH', `/api/v1/users/${u.id}`, rootBearer, { version: 3, facilities: ['PA-XX'] });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error?.fields?.[0]?.path, 'facilities[0]');
    const entry = await env.state.db.selectFrom('audit_log').select(['before_value', 'after_value']).where('target_id', '=', u.id).where('action', '=', 'user.updated').orderBy('id').executeTakeFirstOrThrow();
    assert.deepEqual((entry.before_value as { roles: string[] }).roles, ['records_officer']);
    assert.deepEqual((entry.after_value as { roles: string[] }).roles, ['director', 'legal']);
  });

  test('an administrator cannot disable themselves or drop their own admin role', async () => {
    const self = await createUser(env, { username: uniqueName('admin'), roles: ['admin'] });
    const h = await bearerFor(env, self);
    assert.equal((await api('POST', `/api/v1/users/${self.id}/disable`, h)).status, 422);
    const r = await api('PATCH', `/api/v1/users/${self.id}`, h, { version: 1, roles: ['inspector'] });
    assert.equal(r.status, 422);
    assert.equal(r.body.error?.fields?.[0]?.path, 'roles');
  });

  test('disabling ends the sessions and refuses the tokens at once; enabling restores access', async () => {
    const u = await createViaApi();
    const session = await activeSession(u);
    const token = await api('POST', `/api/v1/users/${u.id}/tokens`, rootBearer, { label: 'script' });
    assert.equal(token.status, 201);
    const bearer = { authorization: `Bearer ${token.body.token as string}` };
    assert.equal((await api('GET', '/api/v1/account/sessions', session.headers)).status, 200);
    assert.equal((await api('GET', '/api/v1/auth/me', bearer)).status, 200);
    const disabled = await api('POST', `/api/v1/users/${u.id}/disable`, rootBearer);
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.disabled, true);
    assert.equal((await api('GET', '/api/v1/auth/me', session.headers)).status, 401);
    assert.equal((await api('GET', '/api/v1/auth/me', bearer)).status, 401);
    assert.equal((await api('POST', '/api/v1/auth/login', {}, { username: u.username, password: u.password })).status, 401);
    const refused = await api('POST', `/api/v1/users/${u.id}/tokens`, rootBearer, {});
    assert.equal(refused.status, 422);
    const enabled = await api('POST', `/api/v1/users/${u.id}/enable`, rootBearer);
    assert.equal(enabled.body.disabled, false);
    assert.equal((await api('POST', '/api/v1/auth/login', {}, { username: u.username, password: u.password })).status, 200);
    const actions = await auditActions(u.id);
    assert.ok(actions.includes('user.disabled') && actions.includes('user.enabled'));
  });

  test('a token created through the API works as Bearer until revoked, then 401 at once', async () => {
    const u = await createViaApi({ roles: ['legal'] });
    const created = await api('POST', `/api/v1/users/${u.id}/tokens`, rootBearer, { label: 'juzgado' });
    assert.equal(created.status, 201);
    const secret = created.body.token as string;
    assert.match(secret, /^cst_/);
    assert.equal(created.body.label, 'juzgado');
    assert.ok(secret.startsWith(created.body.prefix as string));
    const bearer = { authorization: `Bearer ${secret}` };
    const me = await api('GET', '/api/v1/auth/me', bearer);
    assert.equal(me.status, 200);
    assert.equal(me.body.username, u.username);
    const list = await api('GET', `/api/v1/users/${u.id}/tokens`, rootBearer);
    assert.equal((list.body.items as unknown[]).length, 1);
    assert.ok(!JSON.stringify(list.body).includes(secret));
    const revoked = await api('POST', `/api/v1/tokens/${created.body.id as string}/revoke`, rootBearer);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.active, false);
    assert.equal((await api('GET', '/api/v1/auth/me', bearer)).status, 401);
    assert.deepEqual(await auditActions(created.body.id as string), ['token.created', 'token.revoked']);
    const audit = await env.state.db.selectFrom('audit_log').select(['before_value', 'after_value', 'details']).where('target_id', '=', created.body.id as string).execute();
    assert.ok(!JSON.stringify(audit).includes(secret));
  });

  test('no token for an administrator', async () => {
    const r = await api('POST', `/api/v1/users/${root.id}/tokens`, rootBearer, { label: 'x' });
    assert.equal(r.status, 422);
    assert.equal((await api('GET', `/api/v1/users/${root.id}/tokens`, rootBearer)).body.items instanceof Array, true);
  });

  test('a replayed Idempotency-Key on token creation never shows the token again', async () => {
    const u = await createViaApi();
    const headers = { ...rootBearer, 'idempotency-key': `tok-${u.id}` };
    const first = await api('POST', `/api/v1/users/${u.id}/tokens`, headers, { label: 'once' });
    assert.equal(first.status, 201);
    const again = await api('POST', `/api/v1/users/${u.id}/tokens`, headers, { label: 'once' });
    assert.equal(again.status, 409);
    assert.ok(!JSON.stringify(again.body).includes(first.body.token as string));
    assert.equal((await api('GET', `/api/v1/users/${u.id}/tokens`, rootBearer)).body.items instanceof Array, true);
    const stored = await env.state.db.selectFrom('idempotency_keys').select('response_body').where('key', '=', `tok-${u.id}`).executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(stored.response_body).includes(first.body.token as string));
  });

  test('a password reset ends the sessions and forces a change before anything else', async () => {
    const u = await createViaApi();
    const old = await activeSession(u);
    const temporary = 'Colibri-de-Darien-temporal-7';
    const weak = await api('POST', `/api/v1/users/${u.id}/reset-password`, rootBearer, { password: '123456789012' });
    assert.equal(weak.status, 422);
    assert.equal(weak.body.error?.fields?.[0]?.path, 'password');
    const r = await api('POST', `/api/v1/users/${u.id}/reset-password`, rootBearer, { password: temporary });
    assert.equal(r.status, 200);
    assert.equal(r.body.mustChangePassword, true);
    assert.equal((await api('GET', '/api/v1/auth/me', old.headers)).status, 401);
    const s = await signIn(env, { username: u.username, password: temporary });
    const blocked = await api('GET', '/api/v1/account/sessions', s.headers);
    assert.equal(blocked.status, 403);
    assert.equal(blocked.body.error?.code, 'password_change_required');
    const changed = await api('PUT', '/api/v1/account/password', s.headers, { currentPassword: temporary, newPassword: 'Guacamaya-roja-de-Coiba-2026' });
    assert.equal(changed.status, 204);
    assert.equal((await api('GET', '/api/v1/account/sessions', s.headers)).status, 200);
    const entry = await env.state.db.selectFrom('audit_log').selectAll().where('target_id', '=', u.id).where('action', '=', 'user.password.reset').executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(entry).includes(temporary) && !JSON.stringify(entry).includes('argon2'));
  });

  test('unlock lifts a lock after failed sign-ins', async () => {
    const u = await createViaApi();
    await env.state.db.updateTable('users').set({ locked_until: new Date(Date.now() + 15 * 60_000), failed_logins: 0, last_failed_at: new Date() }).where('id', '=', u.id).execute();
    const locked = await api('GET', `/api/v1/users/${u.id}`, rootBearer);
    assert.equal(locked.body.locked, true);
    const lockedList = await api('GET', '/api/v1/users?status=locked', rootBearer);
    assert.ok((lockedList.body.items as { id: string }[]).some((x) => x.id === u.id));
    assert.equal((await api('POST', '/api/v1/auth/login', {}, { username: u.username, password: u.password })).status, 401);
    const r = await api('POST', `/api/v1/users/${u.id}/unlock`, rootBearer);
    assert.equal(r.status, 200);
    assert.equal(r.body.locked, false);
    assert.equal(r.body.lockedUntil, null);
    assert.equal((await api('POST', '/api/v1/auth/login', {}, { username: u.username, password: u.password })).status, 200);
    assert.ok((await auditActions(u.id)).includes('user.unlocked'));
  });

  test('Idempotency-Key: a repeated create returns the first response and creates one user', async () => {
    const username = uniqueName('idem');
    const headers = { ...rootBearer, 'idempotency-key': `create-${username}` };
    const body = { username, displayName: 'Idem Potente', roles: ['statistician'], national: true, password: newPassword };
    const first = await api('POST', '/api/v1/users', headers, body);
    const second = await api('POST', '/api/v1/users', headers, body);
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.deepEqual(second.body, first.body);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    const rows = await env.state.db.selectFrom('users').select('id').where('username', '=', username).execute();
    assert.equal(rows.length, 1);
    const reused = await api('POST', '/api/v1/users', headers, { ...body, displayName: 'Otro' });
    assert.equal(reused.status, 422);
  });

  test('a centre-scoped administrator reaches only accounts within their centres', async () => {
    const regional = await createUser(env, { username: uniqueName('regional'), roles: ['admin'], facilities: ['PA-LJ'] });
    const h = await bearerFor(env, regional);
    const inside = await createViaApi({ facilities: ['PA-LJ'] });
    const outside = await createViaApi({ facilities: ['PA-CEF'] });
    assert.equal((await api('GET', `/api/v1/users/${inside.id}`, h)).status, 200);
    assert.equal((await api('GET', `/api/v1/users/${outside.id}`, h)).status, 404);
    assert.equal((await api('GET', `/api/v1/users/${root.id}`, h)).status, 404);
    assert.equal((await api('POST', `/api/v1/users/${outside.id}/disable`, h)).status, 404);
    const list = await api('GET', '/api/v1/users?limit=200', h);
    assert.ok((list.body.items as { national: boolean; facilities: string[] }[]).every((x) => !x.national && x.facilities.every((f) => f === 'PA-LJ')));
    const national = await api('POST', '/api/v1/users', h, { username: uniqueName('n'), displayName: 'N', roles: ['legal'], national: true, password: newPassword });
    assert.equal(national.status, 422);
    assert.equal(national.body.error?.fields?.[0]?.path, 'national');
    const elsewhere = await api('POST', '/api/v1/users', h, { username: uniqueName('n'), displayName: 'N', roles: ['legal'], facilities: ['PA-CEF'], password: newPassword });
    assert.equal(elsewhere.status, 422);
    assert.equal(elsewhere.body.error?.fields?.[0]?.path, 'facilities[0]');
  });
});

describe('role policies', () => {
  test('roles list their permissions and second-factor policy', async () => {
    const r = await api('GET', '/api/v1/roles', rootBearer);
    assert.equal(r.status, 200);
    const items = r.body.items as { role: string; permissions: string[]; mfaRequired: boolean; apiOnly: boolean }[];
    assert.equal(items.length, 12);
    const adminRole = items.find((x) => x.role === 'admin')!;
    assert.equal(adminRole.mfaRequired, true);
    assert.ok(adminRole.permissions.includes('user.manage'));
    assert.equal(items.find((x) => x.role === 'partner')!.apiOnly, true);
  });

  test('requiring a second factor for a role confines its users to enrolment; admins always need one', async () => {
    const stat = await createUser(env, { username: uniqueName('stat'), roles: ['statistician'] });
    const s = await signIn(env, stat);
    assert.equal((await api('GET', '/api/v1/account/sessions', s.headers)).status, 200);
    const set = await api('PUT', '/api/v1/roles/statistician', rootBearer, { mfaRequired: true, version: 0 });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.mfaRequired, true);
    assert.equal(set.body.version, 1);
    const blocked = await api('GET', '/api/v1/account/sessions', s.headers);
    assert.equal(blocked.status, 403);
    assert.equal(blocked.body.error?.code, 'mfa_enrolment_required');
    assert.equal((await api('PUT', '/api/v1/roles/statistician', rootBearer, { mfaRequired: false, version: 0 })).status, 409);
    assert.equal((await api('PUT', '/api/v1/roles/statistician', rootBearer, { mfaRequired: false, version: 1 })).status, 200);
    assert.equal((await api('GET', '/api/v1/account/sessions', s.headers)).status, 200);
    assert.equal((await api('PUT', '/api/v1/roles/admin', rootBearer, { mfaRequired: false })).status, 422);
    assert.equal((await api('PUT', '/api/v1/roles/warden', rootBearer, { mfaRequired: true })).status, 404);
    assert.deepEqual(await auditActions('statistician'), ['role.policy.updated', 'role.policy.updated']);
  });
});

describe('pages', () => {
  let s: Session;
  before(async () => {
    const pageAdmin = await createUser(env, { username: uniqueName('pageadmin'), roles: ['admin'] });
    s = await adminSession(pageAdmin);
  });

  const page = (url: string) => env.app.inject({ method: 'GET', url, headers: { cookie: s.cookie } });
  const form = (url: string, fields: Record<string, string | string[]>, csrf = true) => {
    const body = new URLSearchParams();
    if (csrf) body.append('_csrf', s.csrf);
    for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
    return env.app.inject({ method: 'POST', url, headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
  };

  test('the list, the new-user form and the roles page render', async () => {
    const list = await page('/admin/users?q=root');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /<caption/);
    assert.match(list.body, /root\.admin/);
    assert.match(list.body, /scope="col"/);
    const fresh = await page('/admin/users/new');
    assert.equal(fresh.statusCode, 200);
    assert.match(fresh.body, /name="_csrf"/);
    assert.match(fresh.body, /PA-LJ/);
    const roles = await page('/admin/roles');
    assert.equal(roles.statusCode, 200);
    assert.match(roles.body, /<code>user\.manage<\/code>/);
  });

  test('creating a user through the form: errors first, then success', async () => {
    assert.equal((await form('/admin/users', { username: 'sin.csrf' }, false)).statusCode, 403);
    const bad = await form('/admin/users', { username: 'Mal Nombre', displayName: '', roles: ['legal'], scope: 'facilities', password: 'corta' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /govuk-error-summary/);
    assert.match(bad.body, /href="#username"/);
    assert.match(bad.body, /href="#facilities"/);
    assert.match(bad.body, /href="#password"/);
    const username = uniqueName('form');
    const ok = await form('/admin/users', { username, displayName: 'José Núñez', roles: ['legal', 'director'], scope: 'facilities', facilities: ['PA-LJ', 'PA-CEF'], password: newPassword });
    assert.equal(ok.statusCode, 302, ok.body.slice(0, 500));
    const detail = await page(ok.headers.location as string);
    assert.equal(detail.statusCode, 200);
    assert.match(detail.body, /José Núñez/);
    assert.match(detail.body, /PA-CEF, PA-LJ/);
  });

  test('a user page: edit, stale edit, lock, token shown once, revoke, disable', async () => {
    const u = await createViaApi();
    const url = `/admin/users/${u.id}`;
    const edited = await form(url, { version: '1', displayName: 'Nombre Nuevo', roles: ['legal'], scope: 'national' });
    assert.equal(edited.statusCode, 302);
    assert.equal(edited.headers.location, `${url}?done=updated`);
    const stale = await form(url, { version: '1', displayName: 'Otro', roles: ['legal'], scope: 'national' });
    assert.equal(stale.statusCode, 409);
    assert.match(stale.body, /govuk-error-summary/);
    assert.match(stale.body, /name="version" value="2"/);
    await env.state.db.updateTable('users').set({ locked_until: new Date(Date.now() + 600_000) }).where('id', '=', u.id).execute();
    assert.match((await page(url)).body, /data-testid="locked-tag"/);
    assert.equal((await form(`${url}/unlock`, {})).statusCode, 302);
    assert.doesNotMatch((await page(url)).body, /data-testid="locked-tag"/);
    const created = await form(`${url}/tokens`, { label: 'Órgano Judicial' });
    assert.equal(created.statusCode, 200);
    const secret = /data-testid="new-token">([^<]+)</.exec(created.body)?.[1];
    assert.ok(secret?.startsWith('cst_'));
    assert.equal((await api('GET', '/api/v1/auth/me', { authorization: `Bearer ${secret!}` })).status, 200);
    const detail = await page(url);
    assert.ok(!detail.body.includes(secret!));
    const tokenId = (await env.state.db.selectFrom('api_tokens').select('id').where('user_id', '=', u.id).executeTakeFirstOrThrow()).id;
    assert.equal((await form(`/admin/tokens/${tokenId}/revoke`, {})).headers.location, `${url}?done=revoked`);
    assert.equal((await api('GET', '/api/v1/auth/me', { authorization: `Bearer ${secret!}` })).status, 401);
    const weak = await form(`${url}/reset-password`, { password: 'abc' });
    assert.equal(weak.statusCode, 422);
    assert.match(weak.body, /href="#password"/);
    assert.equal((await form(`${url}/disable`, {})).statusCode, 302);
    assert.match((await page(url)).body, /govuk-tag--red/);
    assert.deepEqual((await auditActions(u.id)).filter((a) => a !== 'user.read' && a !== 'token.list'), ['user.created', 'user.updated', 'user.unlocked', 'user.disabled']);
  });

  test('an unknown user page is a 404 page', async () => {
    assert.equal((await page('/admin/users/2b0c7a8e-1b7e-4a43-9a0e-6f0a0b0c0d0e')).statusCode, 404);
    assert.equal((await page('/admin/users/not-an-id')).statusCode, 404);
  });

  test('the second-factor policy form saves all roles together', async () => {
    const r = await form('/admin/roles', { mfa: ['health'], version_health: '0' });
    assert.equal(r.statusCode, 302);
    const roles = (await api('GET', '/api/v1/roles', rootBearer)).body.items as { role: string; mfaRequired: boolean }[];
    assert.equal(roles.find((x) => x.role === 'health')!.mfaRequired, true);
    assert.equal(roles.find((x) => x.role === 'admin')!.mfaRequired, true);
    const back = await form('/admin/roles', { version_health: '1' });
    assert.equal(back.statusCode, 302);
  });
});

describe('command line', () => {
  const deps = () => ({ db: env.state.db, settings: env.state.settings, keys: env.state.keys });

  test('user create: bad arguments exit 2 with a message', async (t) => {
    const errors = t.mock.method(console, 'error', () => undefined);
    t.mock.method(console, 'log', () => undefined);
    const ok = { username: uniqueName('cli'), role: ['legal'], national: true, password: newPassword };
    assert.equal(await createUserFromCli(deps(), { ...ok, username: undefined }), 2);
    assert.equal(await createUserFromCli(deps(), { ...ok, role: [] }), 2);
    assert.equal(await createUserFromCli(deps(), { ...ok, role: ['warden'] }), 2);
    assert.equal(await createUserFromCli(deps(), { ...ok, national: undefined }), 2);
    assert.equal(await createUserFromCli(deps(), { ...ok, facility: ['PA-LJ'] }), 2);
    assert.equal(await createUserFromCli(deps(), { ...ok, national: undefined, facility: ['PA-NOPE'] }), 2);
    assert.equal(await createUserFromCli(deps(), { ...ok, password: 'password123' }), 2);
    assert.equal(await createUserFromCli(deps(), { ...ok, password: undefined }), 2);
    assert.equal(await createUserFromCli(deps(), { ...ok, username: 'root.admin' }), 2);
    const messages = errors.mock.calls.map((c) => String(c.arguments[0]));
    assert.ok(messages.some((m) => m.includes('--role') && m.includes('warden')));
    assert.ok(messages.some((m) => m.includes('--facility') && m.includes('PA-NOPE')));
    assert.ok(messages.some((m) => m.includes('--password-stdin')));
    assert.equal(await env.state.db.selectFrom('users').select('id').where('username', '=', ok.username).executeTakeFirst(), undefined);
  });

  test('user create: the user can sign in without a forced change; audited as cli', async (t) => {
    t.mock.method(console, 'log', () => undefined);
    const username = uniqueName('cli');
    const code = await createUserFromCli(deps(), { username, role: ['admin'], facility: ['PA-LJ', 'PA-CEF'], password: newPassword, 'display-name': 'Primera Administradora' });
    assert.equal(code, 0);
    const user = await env.state.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirstOrThrow();
    assert.equal(user.must_change_password, false);
    assert.equal(user.display_name, 'Primera Administradora');
    const audit = await env.state.db.selectFrom('audit_log').selectAll().where('target_id', '=', user.id).executeTakeFirstOrThrow();
    assert.equal(audit.action, 'user.created');
    assert.equal(audit.actor_id, null);
    assert.equal(audit.actor_name, 'cli');
    const login = await api('POST', '/api/v1/auth/login', {}, { username, password: newPassword });
    assert.equal(login.status, 200);
  });

  test('token create: prints the token as the last line, refuses administrators and unknown users', async (t) => {
    const logs = t.mock.method(console, 'log', () => undefined);
    const errors = t.mock.method(console, 'error', () => undefined);
    const partner = await createUser(env, { username: uniqueName('partner'), roles: ['partner'], password: testPassword });
    assert.equal(await createTokenFromCli(deps(), { username: partner.username, label: 'Órgano Judicial' }), 0);
    const lines = logs.mock.calls.map((c) => String(c.arguments[0]));
    const secret = lines.at(-1)!;
    assert.match(secret, /^cst_[A-Za-z0-9_-]+$/);
    assert.equal(lines.filter((l) => l.includes(secret)).length, 1);
    assert.ok(!errors.mock.calls.some((c) => String(c.arguments[0]).includes(secret)));
    assert.equal((await api('GET', '/api/v1/auth/me', { authorization: `Bearer ${secret}` })).status, 200);
    const audit = await env.state.db.selectFrom('audit_log').selectAll().where('action', '=', 'token.created').where('actor_name', '=', 'cli').execute();
    assert.equal(audit.length, 1);
    assert.ok(!JSON.stringify(audit).includes(secret));

    logs.mock.resetCalls();
    assert.equal(await createTokenFromCli(deps(), { username: 'root.admin' }), 2);
    assert.equal(await createTokenFromCli(deps(), { username: 'nobody.here' }), 2);
    assert.equal(await createTokenFromCli(deps(), {}), 2);
    await env.state.db.updateTable('users').set({ disabled_at: new Date() }).where('id', '=', partner.id).execute();
    assert.equal(await createTokenFromCli(deps(), { username: partner.username }), 2);
    assert.equal(logs.mock.callCount(), 0);
    assert.ok(errors.mock.calls.some((c) => /administrator/i.test(String(c.arguments[0]))));
  });
});

describe('API documentation', () => {
  test('every admin route is in the OpenAPI document with its error responses', async () => {
    const doc = env.app.swagger() as unknown as { paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown> }>> };
    const expected: [string, string][] = [
      ['/api/v1/users', 'get'],
      ['/api/v1/users', 'post'],
      ['/api/v1/users/{id}', 'get'],
      ['/api/v1/users/{id}', 'patch'],
      ['/api/v1/users/{id}/disable', 'post'],
      ['/api/v1/users/{id}/enable', 'post'],
      ['/api/v1/users/{id}/reset-password', 'post'],
      ['/api/v1/users/{id}/unlock', 'post'],
      ['/api/v1/users/{id}/tokens', 'get'],
      ['/api/v1/users/{id}/tokens', 'post'],
      ['/api/v1/tokens/{id}/revoke', 'post'],
      ['/api/v1/roles', 'get'],
      ['/api/v1/roles/{role}', 'put'],
    ];
    for (const [path, method] of expected) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method} ${path}`);
      assert.deepEqual(op.tags, ['admin']);
      assert.ok(op.responses['401'] && op.responses['403'], `${method} ${path} errors`);
    }
  });
});
