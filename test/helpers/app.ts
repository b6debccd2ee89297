// Test harness: a fresh database per test file (in-memory PGlite, or a new database on the
// PostgreSQL server named by TEST_DATABASE_URL), migrated, with the reference centres loaded,
// and helpers to create users and sign in.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { LightMyRequestResponse } from 'fastify';
import { loadSettings, type Settings } from '../../src/config.ts';
import { buildApp, appVersion, type App } from '../../src/app.ts';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/connection.ts';
import { migrate } from '../../src/platform/db/migrator.ts';
import { loadKeys } from '../../src/platform/audit/keys.ts';
import { prepareDatabase } from '../../src/platform/db/prepare.ts';
import type { AppState } from '../../src/platform/http/context.ts';
import { hashPassword } from '../../src/platform/auth/passwords.ts';
import { createApiToken } from '../../src/platform/auth/tokens.ts';
import type { Role } from '../../src/platform/access/roles.ts';

export const testPassword = 'correct horse battery staple';
export const usingPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** Creates an empty database on the test server and returns its URL. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = new URL(process.env.TEST_DATABASE_URL!);
  const name = `custodia_t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestEnv {
  app: App;
  state: AppState;
  handle: DatabaseHandle;
  settings: Settings;
  dir: string;
  close(): Promise<void>;
}

export function testSettings(overrides: Partial<Settings> = {}, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodia-test-'))): Settings {
  return {
    ...loadSettings({}),
    dataDir: 'memory://',
    demo: false,
    auditKey: 'test-audit-key-0123456789abcdef-0123456789',
    auditKeyFile: path.join(dir, 'audit.key'),
    auditCheckpointFile: path.join(dir, 'audit-checkpoint.json'),
    demoScale: 0.02,
    argon2MemoryKiB: 64,
    argon2Passes: 1,
    loginRateLimitPerMinute: 10_000,
    tokenRateLimitPerMinute: 10_000,
    ...overrides,
  };
}

export async function startTestApp(overrides: Partial<Settings> = {}): Promise<TestEnv> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodia-test-'));
  const pgdb = usingPostgres ? await createPostgresDatabase() : null;
  const settings = testSettings({ databaseUrl: pgdb?.url, ...overrides }, dir);
  const handle = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, poolSize: 10 });
  await migrate(handle);
  const state: AppState = { db: handle.db, dbKind: handle.kind, settings, keys: loadKeys(settings), version: appVersion, ready: false };
  await prepareDatabase(state, { print: () => undefined, log: () => undefined });
  state.ready = true;
  const app = await buildApp(state);
  await app.ready();
  return {
    app,
    state,
    handle,
    settings,
    dir,
    async close() {
      await app.close();
      await handle.close();
      await pgdb?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestUser {
  id: string;
  username: string;
  password: string;
}

export async function createUser(
  env: TestEnv,
  opts: { username: string; roles: Role[]; facilities?: string[]; national?: boolean; password?: string; mustChangePassword?: boolean },
): Promise<TestUser> {
  const password = opts.password ?? testPassword;
  const { db, settings } = env.state;
  const user = await db
    .insertInto('users')
    .values({
      username: opts.username,
      display_name: opts.username,
      password_hash: await hashPassword(password, { memoryKiB: settings.argon2MemoryKiB, passes: settings.argon2Passes }),
      national_scope: opts.national ?? !opts.facilities,
      must_change_password: opts.mustChangePassword ?? false,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const role of opts.roles) await db.insertInto('user_roles').values({ user_id: user.id, role }).execute();
  for (const code of opts.facilities ?? []) await db.insertInto('user_facilities').values({ user_id: user.id, facility_code: code }).execute();
  return { id: user.id, username: opts.username, password };
}

export interface Session {
  cookie: string;
  csrf: string;
  /** Headers for a cookie-authenticated API call (with the CSRF token). */
  headers: Record<string, string>;
}

export function sessionCookieOf(res: LightMyRequestResponse): string {
  const c = res.cookies.find((x) => x.name === 'custodia_sid');
  if (!c) throw new Error(`no session cookie (status ${res.statusCode}: ${res.body.slice(0, 200)})`);
  return `custodia_sid=${c.value}`;
}

export async function signIn(env: TestEnv, user: { username: string; password: string }, totp?: string): Promise<Session> {
  const res = await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user.username, password: user.password, ...(totp ? { totp } : {}) } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const cookie = sessionCookieOf(res);
  const csrf = (res.json() as { csrfToken: string }).csrfToken;
  return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } };
}

export async function bearerFor(env: TestEnv, user: TestUser): Promise<Record<string, string>> {
  const { token } = await createApiToken(env.state.db, { userId: user.id, label: 'test', createdBy: null });
  return { authorization: `Bearer ${token}` };
}
