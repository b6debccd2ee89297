// Starting Custodia: /health answers 503 until migrations and the demo seed are done; a second
// start reuses the data; demo and real data never mix; one process per embedded data directory.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer } from '../src/server.ts';
import { testSettings, usingPostgres, createPostgresDatabase } from './helpers/app.ts';
import { acquireDataDirLock } from '../src/platform/db/lock.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodia-start-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const quiet = { listen: false, print: () => undefined };

async function database(name: string) {
  if (usingPostgres) {
    const pg = await createPostgresDatabase();
    return { databaseUrl: pg.url, dataDir: path.join(dir, name), drop: pg.drop };
  }
  return { databaseUrl: undefined, dataDir: path.join(dir, name), drop: async () => undefined };
}

test('health is 503 until ready, then reports the database; the demo is seeded once', async () => {
  const db = await database('demo');
  const settings = testSettings({ ...db, demo: true }, dir);
  const printed: string[] = [];
  const s1 = await startServer(settings, { listen: false, print: (l) => printed.push(l) });
  const early = await s1.app.inject({ url: '/health' });
  assert.equal(early.statusCode, 503);
  assert.equal((await s1.app.inject({ url: '/api/v1/facilities' })).statusCode, 503);
  await s1.ready;
  const ready = await s1.app.inject({ url: '/health' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(Object.keys(ready.json() as object).sort(), ['database', 'status', 'version']);
  assert.equal((ready.json() as { database: string }).database, usingPostgres ? 'postgresql' : 'pglite');
  assert.ok(printed.some((l) => l.includes('demo.inspector')));
  assert.ok(printed.some((l) => l.includes('cst_')), 'the partner token is printed on the first start');
  const users = await s1.state.db.selectFrom('users').select('username').execute();
  await s1.close();

  const printed2: string[] = [];
  const s2 = await startServer(settings, { listen: false, print: (l) => printed2.push(l) });
  await s2.ready;
  assert.equal((await s2.state.db.selectFrom('users').select('username').execute()).length, users.length);
  assert.ok(!printed2.some((l) => l.includes('cst_')), 'the token is shown on the first start only');
  assert.ok(printed2.some((l) => l.includes('second factor')), 'the admin secret is printed each start');
  const seeds = await s2.state.db.selectFrom('audit_log').select('action').where('action', '=', 'demo.seeded').execute();
  assert.equal(seeds.length, 1, 'one audit entry for the whole seed');
  await s2.close();
  await db.drop();
});

test('CUSTODIA_DEMO=1 is refused on a database that holds real data', async () => {
  const db = await database('real');
  const real = await startServer(testSettings({ ...db, demo: false }, dir), quiet);
  await real.ready;
  assert.equal((await real.state.db.selectFrom('users').select('id').execute()).length, 0, 'no demo users outside demo mode');
  await real.close();
  const demo = await startServer(testSettings({ ...db, demo: true }, dir), quiet);
  await assert.rejects(demo.ready, /CUSTODIA_DEMO=1 refused/);
  await demo.close();
  await db.drop();
});

test('the embedded data directory is held by one process; a stale lock is taken over', () => {
  const dataDir = path.join(dir, 'locked');
  const lock = acquireDataDirLock(dataDir);
  const r = spawnSync(process.execPath, ['src/main.ts', 'migrate'], { env: { ...process.env, CUSTODIA_DATA_DIR: dataDir, DATABASE_URL: '' }, encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr + r.stdout, /in use by another Custodia process/);
  lock.release();
  fs.writeFileSync(path.join(dataDir, 'custodia.lock'), '999999'); // a process that no longer exists
  const again = acquireDataDirLock(dataDir);
  again.release();
});
