// Sessions, sign-in and the security baseline: a new session id at every sign-in, idle and
// absolute expiry, CSRF, lockout that answers like a wrong password, revoked tokens, headers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerFor, createUser, signIn, sessionCookieOf, startTestApp, testPassword, type TestEnv, type TestUser } from './helpers/app.ts';
import { totpCode } from '../src/platform/auth/totp.ts';

let env: TestEnv;
let officer: TestUser;

before(async () => {
  env = await startTestApp({ loginLockThreshold: 3, loginLockMinutes: 15 });
  officer = await createUser(env, { username: 'ana.records', roles: ['records_officer'] });
});
after(() => env.close());

const login = (username: string, password: string, extra: Record<string, unknown> = {}) =>
  env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password, ...extra } });

describe('sign-in', () => {
  test('issues a new session id at every sign-in, even when a cookie was sent', async () => {
    const a = await signIn(env, officer);
    const res = await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { cookie: a.cookie }, payload: { username: officer.username, password: officer.password } });
    assert.equal(res.statusCode, 200);
    assert.notEqual(sessionCookieOf(res), a.cookie);
    const c = res.cookies.find((x) => x.name === 'custodia_sid')!;
    assert.equal(c.httpOnly, true);
    assert.equal(c.sameSite, 'Lax');
  });

  test('wrong password, unknown user and locked account give the same 401', async () => {
    const wrong = await login(officer.username, 'not the password at all');
    const unknown = await login('nobody.here', 'whatever password');
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.deepEqual(wrong.json(), unknown.json());
  });

  test('repeated failures lock the account; the lock answers like a wrong password and is visible', async () => {
    const victim = await createUser(env, { username: 'luis.lock', roles: ['duty_officer'] });
    const first = await login(victim.username, 'wrong password 1');
    for (let i = 2; i <= 3; i++) await login(victim.username, `wrong password ${i}`);
    const locked = await login(victim.username, victim.password); // right password, but locked
    assert.equal(locked.statusCode, 401);
    assert.deepEqual(locked.json(), first.json());
    const row = await env.state.db.selectFrom('users').select(['locked_until', 'failed_since_last_login']).where('id', '=', victim.id).executeTakeFirstOrThrow();
    assert.ok(row.locked_until && row.locked_until > new Date());
    assert.ok(row.failed_since_last_login >= 3);
    const audit = await env.state.db.selectFrom('audit_log').select('action').where('target_id', '=', victim.id).execute();
    assert.ok(audit.some((a) => a.action === 'auth.account.locked'));
    // Once the lock has passed, the user signs in and is told about the failures.
    await env.state.db.updateTable('users').set({ locked_until: new Date(Date.now() - 1000) }).where('id', '=', victim.id).execute();
    const s = await signIn(env, victim);
    const home = await env.app.inject({ url: '/', headers: { cookie: s.cookie } });
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /intento\(s\) fallido/);
  });

  test('a user with a second factor needs the current code', async () => {
    const u = await createUser(env, { username: 'dir.mfa', roles: ['director'] });
    const s = await signIn(env, u);
    const start = await env.app.inject({ method: 'POST', url: '/api/v1/account/mfa/enrolment', headers: s.headers });
    assert.equal(start.statusCode, 200);
    const { secret } = start.json() as { secret: string };
    const bad = await env.app.inject({ method: 'POST', url: '/api/v1/account/mfa/enrolment/confirm', headers: s.headers, payload: { code: '000000' } });
    assert.equal(bad.statusCode, 422);
    const ok = await env.app.inject({ method: 'POST', url: '/api/v1/account/mfa/enrolment/confirm', headers: s.headers, payload: { code: await totpCode(secret, Date.now() - 30_000) } });
    assert.equal(ok.statusCode, 204);
    assert.equal((await login(u.username, u.password)).statusCode, 401);
    const withCode = await login(u.username, u.password, { totp: await totpCode(secret) });
    assert.equal(withCode.statusCode, 200);
    // The same code cannot be used twice.
    assert.equal((await login(u.username, u.password, { totp: await totpCode(secret) })).statusCode, 401);
  });

  test('an administrator without a second factor is confined to enrolment', async () => {
    const admin = await createUser(env, { username: 'new.admin', roles: ['admin'] });
    const s = await signIn(env, admin);
    const users = await env.app.inject({ url: '/api/v1/users', headers: s.headers });
    assert.equal(users.statusCode, 403);
    assert.equal((users.json() as { error: { code: string } }).error.code, 'mfa_enrolment_required');
    const page = await env.app.inject({ url: '/account/mfa', headers: { cookie: s.cookie } });
    assert.equal(page.statusCode, 200);
  });
});

describe('sessions', () => {
  test('expire after the idle limit', async () => {
    const s = await signIn(env, officer);
    await env.state.db.updateTable('sessions').set({ last_seen_at: new Date(Date.now() - 31 * 60_000) }).where('user_id', '=', officer.id).where('ended_at', 'is', null).execute();
    const res = await env.app.inject({ url: '/api/v1/auth/me', headers: { cookie: s.cookie } });
    assert.equal(res.statusCode, 401);
    const page = await env.app.inject({ url: '/', headers: { cookie: s.cookie } });
    assert.equal(page.statusCode, 302);
    assert.match(String(page.headers.location), /^\/login/);
  });

  test('expire after the absolute limit, however active', async () => {
    const s = await signIn(env, officer);
    await env.state.db.updateTable('sessions').set({ created_at: new Date(Date.now() - 13 * 3_600_000), last_seen_at: new Date() }).where('user_id', '=', officer.id).where('ended_at', 'is', null).execute();
    assert.equal((await env.app.inject({ url: '/api/v1/auth/me', headers: { cookie: s.cookie } })).statusCode, 401);
  });

  test('sign-out ends the session at once', async () => {
    const s = await signIn(env, officer);
    assert.equal((await env.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: s.headers })).statusCode, 204);
    assert.equal((await env.app.inject({ url: '/api/v1/auth/me', headers: { cookie: s.cookie } })).statusCode, 401);
  });

  test('a user lists and ends their own sessions', async () => {
    const a = await signIn(env, officer);
    const b = await signIn(env, officer);
    const list = (await env.app.inject({ url: '/api/v1/account/sessions', headers: a.headers })).json() as { items: { id: string; current: boolean }[] };
    const other = list.items.find((i) => !i.current)!;
    assert.ok(other);
    assert.equal((await env.app.inject({ method: 'DELETE', url: `/api/v1/account/sessions/${other.id}`, headers: a.headers })).statusCode, 204);
    const stillA = await env.app.inject({ url: '/api/v1/auth/me', headers: { cookie: a.cookie } });
    assert.equal(stillA.statusCode, 200);
    void b;
  });

  test('a state-changing call without the CSRF token is refused', async () => {
    const s = await signIn(env, officer);
    const res = await env.app.inject({ method: 'PUT', url: '/api/v1/account/language', headers: { cookie: s.cookie }, payload: { language: 'en' } });
    assert.equal(res.statusCode, 403);
    assert.equal((res.json() as { error: { code: string } }).error.code, 'csrf');
    const form = await env.app.inject({ method: 'POST', url: '/account/password', headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'currentPassword=x&newPassword=y&confirmPassword=y' });
    assert.equal(form.statusCode, 403);
    const ok = await env.app.inject({ method: 'PUT', url: '/api/v1/account/language', headers: s.headers, payload: { language: 'en' } });
    assert.equal(ok.statusCode, 204);
  });
});

describe('language and password', () => {
  test('the language is remembered per user and used for messages', async () => {
    const u = await createUser(env, { username: 'eva.lang', roles: ['statistician'] });
    const s = await signIn(env, u);
    const es = await env.app.inject({ url: '/api/v1/users', headers: s.headers });
    assert.equal((es.json() as { error: { message: string } }).error.message, 'No tiene permiso para esta acción.');
    await env.app.inject({ method: 'PUT', url: '/api/v1/account/language', headers: s.headers, payload: { language: 'en' } });
    const s2 = await signIn(env, u);
    const en = await env.app.inject({ url: '/api/v1/users', headers: s2.headers });
    assert.equal((en.json() as { error: { message: string } }).error.message, 'You do not have permission for this action.');
    const page = await env.app.inject({ url: '/', headers: { cookie: s2.cookie } });
    assert.match(page.body, /<html lang="en"/);
  });

  test('password change checks the policy and ends the other sessions', async () => {
    const u = await createUser(env, { username: 'pablo.pw', roles: ['programmes'] });
    const a = await signIn(env, u);
    const b = await signIn(env, u);
    const weak = await env.app.inject({ method: 'PUT', url: '/api/v1/account/password', headers: a.headers, payload: { currentPassword: testPassword, newPassword: 'password1234' } });
    assert.equal(weak.statusCode, 422);
    assert.equal((weak.json() as { error: { fields: { path: string }[] } }).error.fields[0]!.path, 'newPassword');
    const short = await env.app.inject({ method: 'PUT', url: '/api/v1/account/password', headers: a.headers, payload: { currentPassword: testPassword, newPassword: 'short' } });
    assert.equal(short.statusCode, 422);
    const ok = await env.app.inject({ method: 'PUT', url: '/api/v1/account/password', headers: a.headers, payload: { currentPassword: testPassword, newPassword: 'un río tranquilo de noche' } });
    assert.equal(ok.statusCode, 204);
    assert.equal((await env.app.inject({ url: '/api/v1/auth/me', headers: { cookie: b.cookie } })).statusCode, 401);
    assert.equal((await env.app.inject({ url: '/api/v1/auth/me', headers: { cookie: a.cookie } })).statusCode, 200);
    assert.equal((await login(u.username, 'un río tranquilo de noche')).statusCode, 200);
  });
});

describe('tokens and headers', () => {
  test('a revoked token is rejected at once', async () => {
    const partner = await createUser(env, { username: 'court.system', roles: ['partner'] });
    const headers = await bearerFor(env, partner);
    assert.equal((await env.app.inject({ url: '/api/v1/auth/me', headers })).statusCode, 200);
    await env.state.db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('user_id', '=', partner.id).execute();
    assert.equal((await env.app.inject({ url: '/api/v1/auth/me', headers })).statusCode, 401);
  });

  test('a partner cannot use pages', async () => {
    const partner = await createUser(env, { username: 'fiscalia.api', roles: ['partner'] });
    const page = await env.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `username=${partner.username}&password=${encodeURIComponent(partner.password)}` });
    const cookie = page.cookies.find((c) => c.name === 'custodia_sid');
    const home = await env.app.inject({ url: '/', headers: cookie ? { cookie: `custodia_sid=${cookie.value}` } : {} });
    assert.equal(home.statusCode, 302);
  });

  test('security headers are present on pages and API', async () => {
    for (const url of ['/login', '/api/v1/auth/me', '/health']) {
      const res = await env.app.inject({ url });
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.ok(res.headers['strict-transport-security']);
      assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
    }
  });

  test('the API accepts only JSON bodies', async () => {
    const res = await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'username=a&password=b' });
    assert.equal(res.statusCode, 415);
  });

  test('malformed JSON is a 400 error object, not a 500', async () => {
    const res = await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"username": ' });
    assert.equal(res.statusCode, 400);
    assert.equal(typeof (res.json() as { error: { message: string } }).error.message, 'string');
  });
});
