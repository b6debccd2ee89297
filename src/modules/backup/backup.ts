// `npx custodia backup PATH`: every table, every sequence and the audit checkpoint of the
// configured database, read in one snapshot, streamed through gzip into PATH.
//
// PostgreSQL: one REPEATABLE READ READ ONLY transaction on one connection; each table is read
// with COPY … TO STDOUT and piped chunk by chunk to the file, so memory stays flat whatever the
// size of the data, and the server keeps serving while the backup runs.
// PGlite: the data directory is locked (the server must be stopped); each table is read in
// ranges of pages of about 8 MB (PGlite answers a COPY with one blob in memory).
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../../config.ts';
import { readCheckpoint, type Checkpoint } from '../../platform/audit/chain.ts';
import { appliedMigrations, auditKeyIfAny, countRows, listColumns, listTables, readSequences, serverVersion } from './catalog.ts';
import { openConn, type Conn } from './connection.ts';
import { backupHmac, keyCheckOf, BackupWriter, countLines, formatVersion, magicLine, type BackupHeader, type BackupTable, type Trailer } from './format.ts';
import { formatBytes, Progress, type ProgressOutput } from './progress.ts';

/** A refusal or failure to report to the user as is (exit code 1, no stack). */
export class BackupError extends Error {}

export const appVersion: string = (JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../../package.json'), 'utf8')) as { version: string }).version;

export interface BackupSummary {
  file: string;
  tables: number;
  rows: number;
  bytes: number;
  fileBytes: number;
  sha256: string;
  seconds: number;
}

async function auditTail(conn: Conn, checkpointFile: string, progress: Progress): Promise<{ checkpoint: Checkpoint | null; unsealed: number }> {
  const [tail] = await conn.query<{ seq: string; entry_id: string; hash: string; sealed_at: string }>(
    `SELECT seq::text AS seq, entry_id::text AS entry_id, hash, to_char(sealed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS sealed_at
     FROM audit_chain ORDER BY seq DESC LIMIT 1`,
  );
  const [u] = await conn.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_log a WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = a.id)`);
  const checkpoint = tail ? { seq: Number(tail.seq), entryId: Number(tail.entry_id), hash: tail.hash, sealedAt: tail.sealed_at } : null;
  // The checkpoint file should name a seal of this chain (or, on a running server, a newer one).
  let file: Checkpoint | null = null;
  try {
    file = readCheckpoint(checkpointFile);
  } catch {
    progress.log(`warning: the audit checkpoint file ${checkpointFile} is unreadable`);
  }
  if (file) {
    const [atFile] = await conn.query<{ hash: string }>(`SELECT hash FROM audit_chain WHERE seq = $1`, [file.seq]);
    if (atFile && atFile.hash !== file.hash) progress.log(`warning: seal ${file.seq} differs from the audit checkpoint file: run \`npx custodia audit verify\``);
    if (!atFile && (!checkpoint || file.seq > checkpoint.seq) && conn.kind === 'pglite') {
      progress.log(`warning: the audit checkpoint file names seal ${file.seq} but the chain ends at ${checkpoint?.seq ?? 0}: run \`npx custodia audit verify\``);
    }
  }
  return { checkpoint, unsealed: Number(u!.n) };
}

export async function createBackup(settings: Settings, file: string, opts: { force?: boolean; out?: ProgressOutput } = {}): Promise<BackupSummary> {
  const started = Date.now();
  const progress = new Progress(opts.out ?? process.stderr);
  const target = path.resolve(file);
  if (fs.existsSync(target) && !opts.force) throw new BackupError(`${target} already exists: choose another name (or pass --force to overwrite it)`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const key = auditKeyIfAny(settings);
  if (!key) progress.log('warning: no audit key (CUSTODIA_AUDIT_KEY or key file) found: the backup is not bound to a key, and the restored audit chain cannot be verified without it');
  const conn = await openConn(settings);
  const partial = `${target}.partial`;
  let writer: BackupWriter | null = null;
  let inTransaction = false;
  try {
    await conn.exec('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    inTransaction = true;
    const migrations = await appliedMigrations(conn);
    if (!migrations) throw new BackupError('this database has no Custodia schema (no schema_migrations table): nothing to back up');
    const tables: BackupTable[] = [];
    for (const name of await listTables(conn)) tables.push({ name, columns: await listColumns(conn, name), rows: await countRows(conn, name) });
    const audit = await auditTail(conn, settings.auditCheckpointFile, progress);
    const header: BackupHeader = {
      format: formatVersion,
      application: 'custodia',
      appVersion,
      createdAt: new Date().toISOString(),
      source: { kind: conn.kind, serverVersion: await serverVersion(conn) },
      migrations,
      auditCheckpoint: audit.checkpoint,
      keyCheck: key ? keyCheckOf(key) : null,
      unsealedAuditEntries: audit.unsealed,
      tables,
    };
    const out = fs.createWriteStream(partial, { mode: 0o600 });
    writer = new BackupWriter(out);
    const w = writer;
    await w.line(magicLine);
    await w.line('HEADER', header);
    for (const t of tables) {
      await w.line('TABLE', t);
      progress.start(t.name, t.rows);
      let rows = 0;
      let tail = 0x0a;
      await conn.copyOut(t.name, t.columns, async (chunk) => {
        const n = countLines(chunk);
        rows += n;
        tail = chunk[chunk.length - 1]!;
        progress.add(n, chunk.length);
        await w.write(chunk);
      });
      if (tail !== 0x0a) throw new Error(`table ${t.name}: the COPY data does not end with a newline`);
      if (rows !== t.rows) throw new Error(`table ${t.name}: ${rows} rows read but ${t.rows} counted in the same snapshot`);
      await w.write('\\.\n');
      progress.done();
    }
    // Read last: a sequence is never rolled back, so its value now is at least every value
    // that the rows above hold.
    await w.line('SEQUENCES', await readSequences(conn));
    await conn.exec('COMMIT');
    inTransaction = false;
    const totalRows = tables.reduce((s, t) => s + t.rows, 0);
    const trailer: Trailer = await w.finish((sha256, bytes) => ({ tables: tables.length, rows: totalRows, bytes, sha256, hmac: key ? backupHmac(key, sha256) : null }));
    const fd = fs.openSync(partial, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(partial, target);
    const summary: BackupSummary = {
      file: target,
      tables: tables.length,
      rows: totalRows,
      bytes: trailer.bytes,
      fileBytes: fs.statSync(target).size,
      sha256: trailer.sha256,
      seconds: (Date.now() - started) / 1000,
    };
    await recordBackupInAudit(conn, summary, progress);
    return summary;
  } catch (e) {
    writer?.abort(e as Error);
    if (inTransaction) await conn.exec('ROLLBACK').catch(() => undefined);
    fs.rmSync(partial, { force: true });
    throw e;
  } finally {
    await conn.close();
  }
}

/** An export of the whole database is itself an audited act (after the snapshot, so not in it). */
async function recordBackupInAudit(conn: Conn, s: BackupSummary, progress: Progress): Promise<void> {
  try {
    const details = { file: path.basename(s.file), sha256: s.sha256, tables: s.tables, rows: s.rows, bytes: s.bytes };
    await conn.query(
      `INSERT INTO audit_log (occurred_at, actor_name, action, target_type, target_id, details) VALUES (now(), 'cli', 'database.backup', 'database', NULL, $1::jsonb)`,
      [JSON.stringify(details)],
    );
  } catch (e) {
    progress.log(`warning: the backup was not recorded in the audit trail: ${(e as Error).message}`);
  }
}

export function describeBackup(s: BackupSummary): string {
  return `backup written: ${s.file}\n  ${s.tables} tables, ${s.rows.toLocaleString('en-US')} rows, ${formatBytes(s.bytes)} of data in ${formatBytes(s.fileBytes)} (gzip), ${s.seconds.toFixed(1)} s\n  sha256 ${s.sha256}`;
}
