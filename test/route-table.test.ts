// Every registered route declares who may call it, and the declaration holds: signed-out
// callers get 401 (API) or the sign-in page (pages); a user without the permission gets 403;
// a user scoped to another centre gets 404 for that centre's records.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerFor, createUser, signIn, startTestApp, type Session, type TestEnv } from './helpers/app.ts';
import { roles, rolePermissions, apiOnlyRoles, type Role } from '../src/platform/access/roles.ts';
import type { Permission } from '../src/platform/access/permissions.ts';

let env: TestEnv;
const sessions = new Map<Role, Session>();
const tokens = new Map<Role, Record<string, string>>();
const scopedElsewhere = new Map<Role, Session>();

before(async () => {
  env = await startTestApp();
  for (const role of roles) {
    const u = await createUser(env, { username: `rt.${role}`, roles: [role] });
    tokens.set(role, await bearerFor(env, u));
    if (!apiOnlyRoles.includes(role)) {
      if (role === 'admin') continue; // an administrator needs a second factor first; its token is enough here
      sessions.set(role, await signIn(env, u));
      const other = await createUser(env, { username: `rt.colon.${role}`, roles: [role], facilities: ['CO-NES'] });
      scopedElsewhere.set(role, await signIn(env, other));
    }
  }
});
after(() => env.close());

const sampleParams: Record<string, string> = {
  code: 'PA-LJ',
  role: 'inspector',
};
const anyUuid = '00000000-0000-4000-8000-000000000000';

function fill(url: string): string {
  return url.replace(/:(\w+)/g, (_, name: string) => sampleParams[name] ?? (name === 'id' && url.includes('/sessions/') ? 'a'.repeat(64) : anyUuid));
}

const isApi = (url: string) => url.startsWith('/api/');
const withBody = (method: string) => ['POST', 'PUT', 'PATCH'].includes(method);

function request(method: string, url: string, headers: Record<string, string> = {}) {
  const body = withBody(method) ? (isApi(url) ? { payload: {} } : { payload: '', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } }) : {};
  return env.app.inject({ method: method as 'GET', url, headers, ...body });
}

test('every route declares its access', () => {
  const undeclared = env.app.routeTable.filter((r) => r.access === undefined);
  assert.deepEqual(undeclared, []);
  assert.ok(env.app.routeTable.length > 20);
});

test('signed-out callers get 401 (API) or are sent to sign in (pages)', async () => {
  for (const r of env.app.routeTable.filter((x) => x.access !== 'public')) {
    const res = await request(r.method, fill(r.url));
    if (isApi(r.url)) assert.equal(res.statusCode, 401, `${r.method} ${r.url}`);
    else {
      assert.equal(res.statusCode, 302, `${r.method} ${r.url}`);
      assert.match(String(res.headers.location), /^\/login/, `${r.method} ${r.url}`);
    }
  }
});

test('users without the route\'s permission get 403', async () => {
  let checked = 0;
  for (const r of env.app.routeTable.filter((x) => x.access !== 'public' && x.access !== 'signed-in')) {
    const permission = r.access as Permission;
    const lacking = roles.filter((role) => !rolePermissions[role].includes(permission));
    for (const role of lacking) {
      const headers = isApi(r.url) ? tokens.get(role)! : sessions.get(role) ? { cookie: sessions.get(role)!.cookie, 'x-csrf-token': sessions.get(role)!.csrf } : null;
      if (!headers) continue;
      const h = isApi(r.url) || !withBody(r.method) ? headers : headers;
      const res = withBody(r.method) && !isApi(r.url)
        ? await env.app.inject({ method: r.method as 'POST', url: fill(r.url), headers: { ...h, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${sessions.get(role)!.csrf}` })
        : await request(r.method, fill(r.url), h);
      assert.equal(res.statusCode, 403, `${role} → ${r.method} ${r.url}: ${res.body.slice(0, 200)}`);
      checked++;
    }
  }
  assert.ok(checked > 20, `only ${checked} checks`);
});

test('the inspector changes nothing: every write route answers 403', async () => {
  const headers = tokens.get('inspector')!;
  for (const r of env.app.routeTable.filter((x) => isApi(x.url) && x.method !== 'GET' && x.access !== 'public' && x.access !== 'signed-in')) {
    const res = await request(r.method, fill(r.url), headers);
    assert.equal(res.statusCode, 403, `${r.method} ${r.url}`);
  }
});

test('users scoped to another centre get 404 for that centre\'s records', async () => {
  let checked = 0;
  for (const r of env.app.routeTable.filter((x) => x.method === 'GET' && x.url.includes(':code') && x.access !== 'public')) {
    const permission = r.access as Permission;
    const role = [...scopedElsewhere.keys()].find((x) => r.access === 'signed-in' || rolePermissions[x].includes(permission));
    if (!role) continue;
    const s = scopedElsewhere.get(role)!;
    // A record that exists (PA-LJ's own, for the units route one of PA-LJ's units) …
    const unit = await env.state.db.selectFrom('units').select('id').where('facility_code', '=', 'PA-LJ').executeTakeFirst();
    const url = r.url.replace(':code', 'PA-LJ').replace(':unitId', unit?.id ?? anyUuid);
    const res = await env.app.inject({ url, headers: { cookie: s.cookie } });
    assert.equal(res.statusCode, 404, `${role} (CO-NES) → GET ${url}`);
    checked++;
  }
  assert.ok(checked >= 2, `only ${checked} scoped routes checked`);
});
