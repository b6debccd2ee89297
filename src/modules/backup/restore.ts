// `npx custodia restore PATH`: into an empty database only. The file is read twice: first to
// check it whole (format, row counts, SHA-256, the HMAC under the audit key) before anything is
// touched; then, after migrating the empty database to the backup's schema, to load it in one
// transaction that either restores everything or nothing.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Settings } from '../../config.ts';
import type { Checkpoint } from '../../platform/audit/chain.ts';
import { migrationsDir } from '../../platform/db/migrator.ts';
import { appVersion, BackupError } from './backup.ts';
import { appliedMigrations, auditKeyIfAny, countRows, hasRows, listColumns, listConstraints, listPlainIndexes, listTables, recordTables } from './catalog.ts';
import { ident, openConn, sessionSettings, type Conn } from './connection.ts';
import { backupHmac, keyCheckOf, BackupFileError, BackupReader, countLines, formatVersion, magicLine, type BackupHeader, type BackupTable, type SequenceValue, type Trailer } from './format.ts';
import { Progress, type ProgressOutput } from './progress.ts';

export interface RestoreOptions {
  /** Restore even though the configured audit key is not the backup's (or there is none). */
  acceptDifferentKey?: boolean;
  out?: ProgressOutput;
}

export interface RestoreSummary {
  tables: number;
  rows: number;
  seconds: number;
  header: BackupHeader;
  /** Reference rows the target already had (from migrations or a first start), replaced. */
  replaced: string[];
  /** Migrations newer than the backup, left for the next start. */
  newerMigrations: string[];
  checkpointFile: string | null;
  previousCheckpointMovedTo: string | null;
}

interface Parsed {
  header: BackupHeader;
  sequences: SequenceValue[];
  trailer: Trailer;
}

type TableVisitor = (table: BackupTable, data: AsyncGenerator<Buffer>) => Promise<number>;

/** Reads the whole file, handing each table's rows to `visit`; throws BackupFileError on any defect. */
async function readBackup(file: string, visit: { header?: (h: BackupHeader) => Promise<void>; table: TableVisitor }): Promise<Parsed> {
  const input = fs.createReadStream(file);
  const gunzip = zlib.createGunzip();
  input.on('error', (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  const reader = new BackupReader(gunzip);
  try {
    const first = await reader.line();
    if (first !== magicLine) {
      if (first.startsWith('CUSTODIA-BACKUP ')) throw new BackupFileError(`the backup is in format ${first.slice(16)}, which this version of Custodia (${appVersion}) cannot read: upgrade Custodia`);
      throw new BackupFileError('the file is not a Custodia backup');
    }
    const header = await reader.tagged<BackupHeader>('HEADER');
    if (header.application !== 'custodia' || header.format !== formatVersion || !Array.isArray(header.tables) || !Array.isArray(header.migrations)) {
      throw new BackupFileError('the backup header is not one this version of Custodia can read');
    }
    await visit.header?.(header);
    let rows = 0;
    for (const expected of header.tables) {
      const t = await reader.tagged<BackupTable>('TABLE');
      if (t.name !== expected.name || t.rows !== expected.rows || JSON.stringify(t.columns) !== JSON.stringify(expected.columns)) {
        throw new BackupFileError(`the backup file is inconsistent: table ${t.name} does not match the header`);
      }
      const data = reader.tableData();
      const n = await visit.table(t, data);
      for await (const _ of data) {
        /* drain what the visitor left (it consumes all) */
      }
      if (n !== t.rows) throw new BackupFileError(`the backup file is inconsistent: table ${t.name} holds ${n} rows, its header says ${t.rows}`);
      rows += n;
    }
    const sequences = await reader.tagged<SequenceValue[]>('SEQUENCES');
    const digest = reader.digest();
    const bytes = reader.bytes;
    const trailer = await reader.tagged<Trailer>('END');
    await reader.expectEnd();
    if (trailer.sha256 !== digest || trailer.bytes !== bytes) throw new BackupFileError('the backup file is corrupt: its SHA-256 checksum does not match its content');
    if (trailer.rows !== rows || trailer.tables !== header.tables.length) throw new BackupFileError('the backup file is inconsistent: its row count does not match its content');
    return { header, sequences, trailer };
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

async function* counted(data: AsyncGenerator<Buffer>, progress: Progress, total: { rows: number }): AsyncGenerator<Buffer> {
  for await (const chunk of data) {
    const n = countLines(chunk);
    total.rows += n;
    progress.add(n, chunk.length);
    yield chunk;
  }
}

function localMigrations(): string[] {
  return fs
    .readdirSync(migrationsDir)
    .filter((f) => /^\d{3,}_.+\.sql$/.test(f))
    .sort();
}

/** Applies the named migrations exactly as the migrator does (one transaction each, same lock). */
async function applyMigrations(conn: Conn, names: string[], progress: Progress): Promise<void> {
  await conn.exec('RESET ALL'); // migrations run with the server's defaults, as at a normal start
  await conn.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const name of names) {
    const body = fs.readFileSync(path.join(migrationsDir, name), 'utf8');
    await conn.exec('BEGIN');
    try {
      await conn.exec(`SELECT pg_advisory_xact_lock(727001);
DO $m$ BEGIN IF EXISTS (SELECT 1 FROM schema_migrations WHERE name = '${name}') THEN RAISE EXCEPTION 'custodia:already-applied'; END IF; END $m$;
${body}
;INSERT INTO schema_migrations (name) VALUES ('${name}');`);
      await conn.exec('COMMIT');
      progress.log(`migration applied: ${name}`);
    } catch (e) {
      await conn.exec('ROLLBACK').catch(() => undefined);
      throw new Error(`migration ${name} failed: ${(e as Error).message}`, { cause: e });
    }
  }
  await conn.exec(sessionSettings);
}

async function recordRows(conn: Conn, tables: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const t of recordTables) {
    if (tables.includes(t) && (await hasRows(conn, t))) found.push(`${t} (${(await countRows(conn, t)).toLocaleString('en-US')} rows)`);
  }
  return found;
}

function notEmpty(found: string[]): BackupError {
  return new BackupError(
    `the target database is not empty: it holds ${found.join(', ')}. Restore only into a new, empty database (a new CUSTODIA_DATA_DIR, or a database made with createdb); nothing was changed.`,
  );
}

function writeCheckpointFile(file: string, cp: Checkpoint | null): { moved: string | null } {
  let moved: string | null = null;
  if (fs.existsSync(file)) {
    moved = `${file}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(file, moved);
  }
  if (cp) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(cp) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, file);
  }
  return { moved };
}

export async function restoreBackup(settings: Settings, file: string, opts: RestoreOptions = {}): Promise<RestoreSummary> {
  const started = Date.now();
  const progress = new Progress(opts.out ?? process.stderr);
  const source = path.resolve(file);
  if (!fs.existsSync(source)) throw new BackupError(`${source} does not exist`);

  // 1. The whole file, checked before the database is touched; the key as soon as the header
  // is read.
  const key = auditKeyIfAny(settings);
  let keyProblem: string | null = null;
  const checked = await readBackup(source, {
    header: async (h) => {
      keyProblem = !h.keyCheck
        ? 'this backup was made without an audit key, so it cannot be authenticated'
        : !key
          ? `no audit key is configured (CUSTODIA_AUDIT_KEY, or the key file at ${settings.auditKeyFile})`
          : keyCheckOf(key) !== h.keyCheck
            ? 'the configured audit key is not the one this backup was made with'
            : null;
      if (keyProblem && !opts.acceptDifferentKey) {
        throw new BackupError(
          `${keyProblem}. With another key the restored audit trail cannot be verified and second factors cannot be read: set the key the backup was made with, or pass --accept-different-audit-key to restore anyway. Nothing was changed.`,
        );
      }
      if (keyProblem) progress.log(`warning: ${keyProblem}; restoring anyway as asked`);
      progress.start(`checking ${path.basename(source)}`, h.tables.reduce((s, t) => s + t.rows, 0));
    },
    table: async (_t, data) => {
      let n = 0;
      for await (const chunk of data) {
        const c = countLines(chunk);
        n += c;
        progress.add(c, chunk.length);
      }
      return n;
    },
  });
  progress.done();
  const { header } = checked;
  if (key && !keyProblem && checked.trailer.hmac !== backupHmac(key, checked.trailer.sha256)) {
    throw new BackupFileError('the backup file was altered: its HMAC under the audit key does not match its content');
  }
  const local = localMigrations();
  const unknown = header.migrations.filter((m) => !local.includes(m));
  if (unknown.length) {
    throw new BackupError(`the backup is from a newer schema (migration ${unknown.join(', ')} is unknown to this Custodia ${appVersion}): restore it with the Custodia version that made it (${header.appVersion}) or newer. Nothing was changed.`);
  }

  // 2. An empty database, migrated to the backup's schema.
  const conn = await openConn(settings);
  try {
    const before = await listTables(conn);
    const applied = await appliedMigrations(conn);
    if (!applied && before.length) throw new BackupError(`the target database holds tables that are not Custodia's (${before.slice(0, 5).join(', ')}…): restore only into a new, empty database; nothing was changed.`);
    const beyond = (applied ?? []).filter((m) => !header.migrations.includes(m));
    if (beyond.length) {
      throw new BackupError(`the target database was migrated beyond the backup's schema (${beyond.join(', ')}): restore into a new, empty database (the newer migrations are applied at the next start); nothing was changed.`);
    }
    const found = await recordRows(conn, before);
    if (found.length) throw notEmpty(found);
    await applyMigrations(
      conn,
      header.migrations.filter((m) => !(applied ?? []).includes(m)),
      progress,
    );

    // 3. Everything in one transaction.
    const replaced: string[] = [];
    let loadedRows = 0;
    await conn.exec('BEGIN');
    try {
      const tables = await listTables(conn);
      for (const t of header.tables) {
        if (!tables.includes(t.name)) throw new BackupError(`the backup holds table ${t.name}, which the migrated database lacks`);
        const cols = await listColumns(conn, t.name);
        const missing = t.columns.filter((c) => !cols.includes(c));
        if (missing.length) throw new BackupError(`table ${t.name}: the backup's columns ${missing.join(', ')} are not in the migrated database`);
        // Also takes each table's exclusive lock until the commit: nobody writes meanwhile.
        await conn.exec(`ALTER TABLE public.${ident(t.name)} DISABLE TRIGGER USER`);
      }
      const foundNow = await recordRows(conn, tables);
      if (foundNow.length) throw notEmpty(foundNow);
      // As pg_restore does: foreign keys are dropped for the load and added back (and so
      // checked) at the end, so that the order of tables and the cycles between them do not
      // matter; keys, exclusion constraints and indexes are built once after the load rather
      // than row by row during it.
      const fks = await listConstraints(conn, ['f']);
      for (const c of fks) await conn.exec(`ALTER TABLE public.${ident(c.table)} DROP CONSTRAINT ${ident(c.name)}`);
      const keys = await listConstraints(conn, ['p', 'u', 'x']);
      for (const c of keys) await conn.exec(`ALTER TABLE public.${ident(c.table)} DROP CONSTRAINT ${ident(c.name)}`);
      const indexes = await listPlainIndexes(conn);
      for (const ix of indexes) await conn.exec(`DROP INDEX public.${ident(ix.name)}`);
      for (const t of header.tables) {
        if (!(await hasRows(conn, t.name))) continue;
        const n = await countRows(conn, t.name);
        await conn.exec(`DELETE FROM public.${ident(t.name)}`);
        if (t.name !== 'schema_migrations') replaced.push(`${t.name} (${n})`);
      }
      if (replaced.length) progress.log(`replacing the reference rows written by migrations or a first start: ${replaced.join(', ')}`);

      const loaded = await readBackup(source, {
        table: async (t, data) => {
          progress.start(t.name, t.rows);
          const total = { rows: 0 };
          await conn.copyIn(t.name, t.columns, counted(data, progress, total));
          progress.done();
          loadedRows += total.rows;
          return total.rows;
        },
      });
      if (loaded.trailer.sha256 !== checked.trailer.sha256) throw new BackupFileError('the backup file changed while it was being restored');
      for (const s of loaded.sequences) {
        await conn.query(`SELECT setval($1::regclass, $2::bigint, $3::boolean)`, [`public.${ident(s.name)}`, s.lastValue, s.isCalled]);
      }
      progress.log(`${loaded.sequences.length} sequences set; building ${keys.length} keys and ${indexes.length} indexes…`);
      for (const c of keys) await conn.exec(`ALTER TABLE public.${ident(c.table)} ADD CONSTRAINT ${ident(c.name)} ${c.definition}`);
      for (const ix of indexes) await conn.exec(ix.definition);
      progress.log(`checking ${fks.length} foreign keys…`);
      for (const c of fks) await conn.exec(`ALTER TABLE public.${ident(c.table)} ADD CONSTRAINT ${ident(c.name)} ${c.definition}`);
      for (const t of header.tables) await conn.exec(`ALTER TABLE public.${ident(t.name)} ENABLE TRIGGER USER`);
      const details = { file: path.basename(source), sha256: checked.trailer.sha256, backupCreatedAt: header.createdAt, backupAppVersion: header.appVersion, source: header.source.kind, rows: loadedRows };
      await conn.query(
        `INSERT INTO audit_log (occurred_at, actor_name, action, target_type, target_id, details) VALUES (now(), 'cli', 'database.restore', 'database', NULL, $1::jsonb)`,
        [JSON.stringify(details)],
      );
      await conn.exec('COMMIT');
    } catch (e) {
      await conn.exec('ROLLBACK').catch(() => undefined);
      throw e;
    }

    // 4. After the commit: the checkpoint, and fresh planner statistics.
    const { moved } = writeCheckpointFile(settings.auditCheckpointFile, header.auditCheckpoint);
    progress.log('updating planner statistics (ANALYZE)…');
    await conn.exec('ANALYZE');
    return {
      tables: header.tables.length,
      rows: loadedRows,
      seconds: (Date.now() - started) / 1000,
      header,
      replaced,
      newerMigrations: local.filter((m) => !header.migrations.includes(m)),
      checkpointFile: header.auditCheckpoint ? settings.auditCheckpointFile : null,
      previousCheckpointMovedTo: moved,
    };
  } finally {
    await conn.close();
  }
}

export function describeRestore(s: RestoreSummary): string {
  const lines = [
    `restored ${s.tables} tables, ${s.rows.toLocaleString('en-US')} rows in ${s.seconds.toFixed(1)} s (backup of ${s.header.createdAt}, Custodia ${s.header.appVersion}, ${s.header.source.kind})`,
  ];
  if (s.header.auditCheckpoint) lines.push(`audit checkpoint written: seal ${s.header.auditCheckpoint.seq} (entry ${s.header.auditCheckpoint.entryId}) → ${s.checkpointFile}`);
  if (s.previousCheckpointMovedTo) lines.push(`the previous checkpoint file was kept as ${s.previousCheckpointMovedTo}`);
  if (s.header.unsealedAuditEntries) lines.push(`${s.header.unsealedAuditEntries} audit entries were not sealed yet when the backup was made: the server seals them at its next start`);
  if (s.newerMigrations.length) lines.push(`${s.newerMigrations.length} newer migration(s) will be applied at the next start (or by \`npx custodia migrate\`)`);
  lines.push('check the audit trail with `npx custodia audit verify`');
  return lines.join('\n');
}
