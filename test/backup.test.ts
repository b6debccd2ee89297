// Backup and restore: the demo at a small scale (with photos, scans, sealed and unsealed audit
// entries, text that looks like the file's own framing) is backed up and restored into an empty
// database; every table, every sequence and the audit chain come back the same. Restoring over
// data, a truncated or corrupt file, and a different audit key are refused with nothing changed.
// The key is never in the file.
//
// On PGlite by default (data directories on disk); on PostgreSQL when TEST_DATABASE_URL is set,
// where the PostgreSQL backup is also restored into an embedded data directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { sql } from 'kysely';
import type { Settings } from '../src/config.ts';
import { openDatabase } from '../src/platform/db/connection.ts';
import { migrate } from '../src/platform/db/migrator.ts';
import { prepareDatabase } from '../src/platform/db/prepare.ts';
import { loadKeys } from '../src/platform/audit/keys.ts';
import { recordAudit, systemActor } from '../src/platform/audit/audit.ts';
import { sealPending, verifyChain } from '../src/platform/audit/chain.ts';
import { insertPerson } from '../src/modules/persons/repository.ts';
import { restoreBackup } from '../src/modules/backup/restore.ts';
import { BackupFileError } from '../src/modules/backup/format.ts';
import { createPostgresDatabase, testSettings, usingPostgres } from './helpers/app.ts';

const root = path.resolve(import.meta.dirname, '..');
const auditKey = 'backup-test-audit-key-0123456789abcdef-0123';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodia-backup-'));
const drops: (() => Promise<void>)[] = [];
after(async () => {
  for (const d of drops) await d();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A new, empty database (and its own checkpoint file) of the given kind. */
async function emptyDatabase(name: string, kind: 'pglite' | 'postgresql', overrides: Partial<Settings> = {}): Promise<Settings> {
  let databaseUrl: string | undefined;
  if (kind === 'postgresql') {
    const pg = await createPostgresDatabase();
    drops.push(pg.drop);
    databaseUrl = pg.url;
  }
  return testSettings({ databaseUrl, dataDir: path.join(dir, name), auditKey, auditCheckpointFile: path.join(dir, `${name}.checkpoint.json`), ...overrides }, dir);
}

type Db = Awaited<ReturnType<typeof openDatabase>>['db'];

async function withDb<T>(settings: Settings, run: (db: Db) => Promise<T>): Promise<T> {
  const h = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, poolSize: 2 });
  try {
    return await run(h.db);
  } finally {
    await h.close();
  }
}

// Binary content with every byte value, and sizes from tiny to a few megabytes.
const jpeg = (n: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(n), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
const pdf = (n: number) => Buffer.concat([Buffer.from('%PDF-1.7\n\\.\n\t\r\n'), crypto.randomBytes(n)]);
const framingLike = 'line one\n\\.\nline three\twith a tab \\ and a backslash\r\nEND {"sha256":"x"}';

/** The demo at scale 0.02, plus photos, scans, awkward text, audit entries and a used-up prisoner number. */
async function seedSource(settings: Settings): Promise<{ files: Map<string, string> }> {
  const h = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, poolSize: 2 });
  const files = new Map<string, string>();
  try {
    await migrate(h);
    const state = { db: h.db, dbKind: h.kind, settings: { ...settings, demo: true, demoScale: 0.02 }, keys: loadKeys(settings), version: '', ready: false };
    await prepareDatabase(state, { print: () => undefined, log: () => undefined });
    const db = h.db;
    const people = await db.selectFrom('persons').select('id').orderBy('prisoner_number').limit(5).execute();
    const orders = await db.selectFrom('judicial_orders').select('id').orderBy('id').limit(3).execute();
    const contents = [jpeg(10), jpeg(50_000), jpeg(3_000_000), jpeg(1_000), jpeg(200)];
    for (const [i, p] of people.entries()) {
      const data = contents[i]!;
      const sha = crypto.createHash('sha256').update(data).digest('hex');
      const f = await db.insertInto('stored_files').values({ content_type: 'image/jpeg', size_bytes: data.length, sha256: sha, data, created_by: null }).returning('id').executeTakeFirstOrThrow();
      await db.updateTable('persons').set({ photo_file_id: f.id, distinguishing_marks: i === 0 ? framingLike : null }).where('id', '=', p.id).execute();
      files.set(f.id, sha);
    }
    for (const [i, o] of orders.entries()) {
      const data = pdf(i * 400_000 + 7);
      const sha = crypto.createHash('sha256').update(data).digest('hex');
      const f = await db.insertInto('stored_files').values({ content_type: 'application/pdf', size_bytes: data.length, sha256: sha, data, created_by: null }).returning('id').executeTakeFirstOrThrow();
      await db.updateTable('judicial_orders').set({ scan_file_id: f.id }).where('id', '=', o.id).execute();
      files.set(f.id, sha);
    }
    // A prisoner number taken and never used (an admission rolled back): it must not be issued later.
    await sql`select nextval('prisoner_number_seq')`.execute(db);
    const keys = loadKeys(settings);
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < 5; i++) await recordAudit(trx, systemActor, { action: 'test.backup', targetType: 'thing', targetId: `s${i}`, details: { text: framingLike, n: i } });
    });
    assert.ok((await sealPending(db, { key: keys.audit, checkpointFile: settings.auditCheckpointFile })) >= 5);
    // Committed but not sealed yet when the backup is made: sealed after the restore.
    await recordAudit(db, systemActor, { action: 'test.backup.unsealed', targetType: 'thing', targetId: 'u1' });
  } finally {
    await h.close();
  }
  return { files };
}

interface Snapshot {
  tables: Map<string, { rows: number; digest: string }>;
  sequences: Map<string, string>;
  prisonerNumbers: Set<string>;
}

/** Row count and a digest of every table's content; every sequence's state. */
async function snapshot(db: Db): Promise<Snapshot> {
  return db.transaction().execute(async (trx) => {
      await sql`SET LOCAL TimeZone = 'UTC'`.execute(trx);
      const names = (await sql<{ name: string }>`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`.execute(trx)).rows.map((r) => r.name);
      const tables = new Map<string, { rows: number; digest: string }>();
      for (const name of names) {
        // The backup's and the restore's own audit entries are written after the snapshot.
        const where = name === 'audit_log' ? sql`WHERE t.action NOT IN ('database.backup', 'database.restore')` : sql``;
        const r = (await sql<{ n: number; d: string }>`SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) AS d FROM ${sql.table(name)} AS t ${where}`.execute(trx)).rows[0]!;
        tables.set(name, { rows: r.n, digest: r.d });
      }
      const seqNames = (await sql<{ name: string }>`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'S' ORDER BY 1`.execute(trx)).rows.map((r) => r.name);
      const sequences = new Map<string, string>();
      for (const s of seqNames) {
        const r = (await sql<{ v: string }>`SELECT last_value::text || '/' || is_called::text AS v FROM ${sql.table(s)}`.execute(trx)).rows[0]!;
        sequences.set(s, r.v);
      }
      const prisonerNumbers = new Set((await trx.selectFrom('persons').select('prisoner_number').execute()).map((r) => r.prisoner_number));
      return { tables, sequences, prisonerNumbers };
    });
}

function assertSame(source: Snapshot, target: Snapshot): void {
  assert.deepEqual([...target.tables.keys()], [...source.tables.keys()], 'the same tables');
  for (const [name, s] of source.tables) assert.deepEqual(target.tables.get(name), s, `table ${name}: same row count and content`);
  for (const [name, v] of source.sequences) {
    // audit_log's identity moved on in both: the backup's entry in the source, the restore's in the target.
    if (name === 'audit_log_id_seq') continue;
    assert.equal(target.sequences.get(name), v, `sequence ${name}`);
  }
}

async function storedFiles(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom('stored_files').select(['id', 'data', 'sha256']).execute();
  return new Map(rows.map((r) => [r.id, crypto.createHash('sha256').update(r.data).digest('hex')]));
}

function quiet() {
  const lines: string[] = [];
  return { out: { write: (t: string) => lines.push(t), isTTY: false }, lines };
}

/** Runs `custodia` as a user would, with the same Node as this test run. */
function cli(args: string[], settings: Settings, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/main.ts', ...args], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: settings.databaseUrl ?? '',
        CUSTODIA_DATA_DIR: settings.dataDir,
        CUSTODIA_AUDIT_KEY: settings.auditKey ?? '',
        CUSTODIA_AUDIT_KEY_FILE: settings.auditKeyFile,
        CUSTODIA_AUDIT_CHECKPOINT: settings.auditCheckpointFile,
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Whether the database was left untouched: no tables (PostgreSQL), no data directory (PGlite). */
async function untouched(settings: Settings): Promise<boolean> {
  if (!settings.databaseUrl) return !fs.existsSync(settings.dataDir);
  return withDb(settings, async (db) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'`.execute(db)).rows[0]!.n === 0);
}

const kind = usingPostgres ? 'postgresql' : 'pglite';

describe(`backup and restore (${kind})`, () => {
  let source: Settings;
  let files: Map<string, string>;
  let original: Snapshot;
  const backupFile = path.join(dir, 'custodia.backup.gz');

  before(async () => {
    source = await emptyDatabase('source', kind);
    ({ files } = await seedSource(source));
    original = await withDb(source, snapshot);
  });

  test('the backup command writes the file and reports what it holds', async () => {
    const r = await cli(['backup', backupFile], source);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /backup written: .*custodia\.backup\.gz\n\s+\d+ tables, [\d,]+ rows/);
    assert.match(r.stderr, /^persons: [\d,]+ rows/m, 'plain progress lines when standard error is not a terminal');
    assert.equal(fs.statSync(backupFile).mode & 0o077, 0, 'readable by its owner only');
    assert.equal(fs.existsSync(`${backupFile}.partial`), false);
    const again = await cli(['backup', backupFile], source);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
    // The backup is itself audited, after its snapshot.
    const entry = await withDb(source, (db) => db.selectFrom('audit_log').select('details').where('action', '=', 'database.backup').executeTakeFirst());
    assert.ok(entry);
  });

  test('the file never contains the audit key, in any form', () => {
    const content = zlib.gunzipSync(fs.readFileSync(backupFile)).toString('latin1');
    const keys = loadKeys(source);
    const material = [auditKey, ...[keys.audit, keys.secrets].flatMap((k) => [k.toString('hex'), k.toString('base64'), k.toString('base64url')])];
    for (const m of material) assert.equal(content.includes(m), false, 'key material found in the backup');
    assert.ok(content.includes('"auditCheckpoint":{"seq":'), 'it carries the audit checkpoint');
    assert.ok(content.startsWith('CUSTODIA-BACKUP 1\nHEADER {'));
  });

  test('restore into an empty database reproduces every table, file, sequence and the audit chain', async () => {
    const target = await emptyDatabase('target', kind);
    const { out, lines } = quiet();
    const summary = await restoreBackup(target, backupFile, { out });
    assert.ok(lines.some((l) => l.startsWith('persons: ')));
    assert.equal(summary.tables, original.tables.size);
    const key = loadKeys(target).audit;
    await withDb(target, async (db) => {
      assertSame(original, await snapshot(db));
      assert.deepEqual(await storedFiles(db), files, 'photos and scans byte for byte');
      // The next prisoner number is new, also past the one taken and never used in the source.
      const next = await db.transaction().execute((trx) => insertPerson(trx, { givenNames: 'Nueva', firstSurname: 'Persona', sex: 'female', nationality: 'PA' }, null));
      assert.equal(original.prisonerNumbers.has(next.prisonerNumber), false);
      const seq = Number(original.sequences.get('prisoner_number_seq')!.split('/')[0]);
      assert.equal(next.prisonerNumber, `PPL-${String(seq + 1).padStart(6, '0')}`);
      // The chain verifies with the same key against the restored checkpoint; the entries that
      // were not sealed yet (and the restore's own) are sealed afterwards and verify too.
      const v = await verifyChain(db, { key, checkpointFile: target.auditCheckpointFile });
      assert.equal(v.ok, true, v.problem);
      assert.equal(v.checkpoint?.seq, v.sealed);
      assert.ok(v.sealed >= 5);
      assert.equal(v.unsealed, 2, 'the unsealed entry and the restore entry');
      assert.equal(await sealPending(db, { key, checkpointFile: target.auditCheckpointFile }), 2);
    });
    const r = await cli(['audit', 'verify'], target);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /audit chain intact: \d+ entries sealed and verified; 0 not yet sealed/);
  });

  test('restore refuses a database that is not empty (exit 1), and changes nothing', async () => {
    const r = await cli(['restore', backupFile], source);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the target database is not empty: it holds users \(\d+ rows\), persons \([\d,]+ rows\)/);
    assertSame(original, await withDb(source, snapshot));
  });

  test('restore accepts a database that Custodia only migrated and started (reference rows are replaced)', async () => {
    const target = await emptyDatabase('prepared', kind);
    const h = await openDatabase({ databaseUrl: target.databaseUrl, dataDir: target.dataDir, poolSize: 2 });
    try {
      await migrate(h);
      await prepareDatabase({ db: h.db, dbKind: h.kind, settings: target, keys: loadKeys(target), version: '', ready: false }, { print: () => undefined, log: () => undefined }, { seed: false });
    } finally {
      await h.close();
    }
    const { out, lines } = quiet();
    await restoreBackup(target, backupFile, { out });
    assert.ok(lines.some((l) => /replacing the reference rows .*facilities \(\d+\)/.test(l)));
    assertSame(original, await withDb(target, snapshot));
  });

  test('a truncated or corrupt file is refused before the database is touched', async () => {
    const whole = fs.readFileSync(backupFile);
    const truncated = path.join(dir, 'truncated.gz');
    fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const flipped = path.join(dir, 'flipped.gz');
    const f = Buffer.from(whole);
    f[Math.floor(f.length / 2)]! ^= 0x5a;
    fs.writeFileSync(flipped, f);
    // Valid gzip, one character of one row changed: only the SHA-256 can tell.
    const plain = zlib.gunzipSync(whole).toString('latin1');
    const at = plain.indexOf('Persona') === -1 ? plain.indexOf('\ncapacity') : plain.indexOf('Persona');
    assert.ok(at > 0);
    const edited = path.join(dir, 'edited.gz');
    fs.writeFileSync(edited, zlib.gzipSync(Buffer.from(plain.slice(0, at + 3) + (plain[at + 3] === 'x' ? 'y' : 'x') + plain.slice(at + 4), 'latin1')));
    // The same edit with the SHA-256 recomputed, as someone altering the file would: only the
    // HMAC under the audit key can tell.
    const body = plain.slice(0, plain.lastIndexOf('END {'));
    const forgedBody = body.slice(0, at + 3) + (body[at + 3] === 'x' ? 'y' : 'x') + body.slice(at + 4);
    const trailer = JSON.parse(plain.slice(plain.lastIndexOf('END {') + 4)) as Record<string, unknown>;
    const forgedTrailer = { ...trailer, sha256: crypto.createHash('sha256').update(Buffer.from(forgedBody, 'latin1')).digest('hex') };
    const forged = path.join(dir, 'forged.gz');
    fs.writeFileSync(forged, zlib.gzipSync(Buffer.from(`${forgedBody}END ${JSON.stringify(forgedTrailer)}\n`, 'latin1')));
    const notBackup = path.join(dir, 'not-a-backup.gz');
    fs.writeFileSync(notBackup, zlib.gzipSync('hello\n'));

    const target = await emptyDatabase('corrupt', kind);
    for (const [file, message] of [
      [truncated, /truncated/],
      [flipped, /corrupt|truncated/],
      [edited, /SHA-256 checksum does not match/],
      [forged, /altered: its HMAC/],
      [notBackup, /not a Custodia backup/],
    ] as const) {
      await assert.rejects(restoreBackup(target, file, quiet()), (e: Error) => e instanceof BackupFileError && message.test(e.message), path.basename(file));
    }
    const r = await cli(['restore', truncated], target);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot restore: the backup file is truncated.*Nothing was changed/);
    assert.ok(await untouched(target), 'the target was not even migrated');
  });

  test('a backup from a newer schema is refused', async () => {
    // A backup naming a migration this version does not have (made without a key, so accepted
    // only with the explicit flag).
    const plain = zlib.gunzipSync(fs.readFileSync(backupFile)).toString('latin1');
    const body = plain
      .slice(0, plain.lastIndexOf('END {'))
      .replace(/"migrations":\[([^\]]*)\]/, '"migrations":[$1,"999_from_the_future.sql"]')
      .replace(/"keyCheck":"[0-9a-f]+"/, '"keyCheck":null');
    const trailer = { ...(JSON.parse(plain.slice(plain.lastIndexOf('END {') + 4)) as Record<string, unknown>), sha256: crypto.createHash('sha256').update(Buffer.from(body, 'latin1')).digest('hex'), bytes: body.length, hmac: null };
    const future = path.join(dir, 'future.gz');
    fs.writeFileSync(future, zlib.gzipSync(Buffer.from(`${body}END ${JSON.stringify(trailer)}\n`, 'latin1')));
    const target = await emptyDatabase('future', kind);
    await assert.rejects(restoreBackup(target, future, quiet()), /without an audit key/);
    await assert.rejects(restoreBackup(target, future, { ...quiet(), acceptDifferentKey: true }), /newer schema \(migration 999_from_the_future\.sql/);
    assert.ok(await untouched(target));
  });

  test('a restore that fails while loading leaves nothing loaded', async () => {
    // A row no database accepts (an id that is not a UUID) in the first table: the load stops
    // there and the transaction is rolled back.
    const plain = zlib.gunzipSync(fs.readFileSync(backupFile)).toString('latin1');
    const first = plain.indexOf('\n', plain.indexOf('TABLE {"name":"absences"')) + 1;
    const body = (plain.slice(0, first) + 'g' + plain.slice(first + 1, plain.lastIndexOf('END {'))).replace(/"keyCheck":"[0-9a-f]+"/, '"keyCheck":null');
    const trailer = { ...(JSON.parse(plain.slice(plain.lastIndexOf('END {') + 4)) as Record<string, unknown>), sha256: crypto.createHash('sha256').update(Buffer.from(body, 'latin1')).digest('hex'), bytes: body.length, hmac: null };
    const bad = path.join(dir, 'bad-row.gz');
    fs.writeFileSync(bad, zlib.gzipSync(Buffer.from(`${body}END ${JSON.stringify(trailer)}\n`, 'latin1')));
    const target = await emptyDatabase('badrow', kind);
    await assert.rejects(restoreBackup(target, bad, { ...quiet(), acceptDifferentKey: true }), /uuid/);
    await withDb(target, async (db) => {
      for (const t of ['absences', 'users', 'persons', 'audit_log', 'stored_files'] as const) {
        assert.equal((await db.selectFrom(t).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n, 0, t);
      }
    });
    assert.equal(fs.existsSync(target.auditCheckpointFile), false);
  });

  test('a different audit key is refused unless accepted explicitly', async () => {
    const target = await emptyDatabase('otherkey', kind, { auditKey: 'another-audit-key-0123456789abcdef-0123456' });
    await assert.rejects(restoreBackup(target, backupFile, quiet()), /not the one this backup was made with/);
    assert.ok(await untouched(target));
  });

  if (usingPostgres) {
    test('a PostgreSQL backup restores into an embedded (PGlite) data directory', async () => {
      const target = await emptyDatabase('embedded', 'pglite');
      await restoreBackup(target, backupFile, quiet());
      await withDb(target, async (db) => {
        assertSame(original, await snapshot(db));
        assert.deepEqual(await storedFiles(db), files);
        const v = await verifyChain(db, { key: loadKeys(target).audit, checkpointFile: target.auditCheckpointFile });
        assert.equal(v.ok, true, v.problem);
      });
    });
  }
});
