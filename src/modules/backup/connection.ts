// One raw connection to the configured database for backup and restore: COPY needs what the
// query builder does not offer (a COPY stream on PostgreSQL, a COPY blob on PGlite), and a
// backup must run on one connection so that it reads one snapshot.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { PGlite } from '@electric-sql/pglite';
import type { Settings } from '../../config.ts';
import { acquireDataDirLock } from '../../platform/db/lock.ts';

export interface Conn {
  kind: 'pglite' | 'postgresql';
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  /** One or more statements, no parameters. */
  exec(text: string): Promise<void>;
  /** Streams the table's rows as COPY text to `sink`, in the order they come. */
  copyOut(table: string, columns: string[], sink: (chunk: Buffer) => Promise<void>): Promise<void>;
  /** Loads COPY text into the table. */
  copyIn(table: string, columns: string[], data: AsyncIterable<Buffer>): Promise<void>;
  close(): Promise<void>;
}

export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function copyTarget(table: string, columns: string[]): string {
  return `public.${ident(table)} (${columns.map(ident).join(', ')})`;
}

/** Session settings that make COPY text exact and the same on every server. */
export const sessionSettings = `SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET TimeZone = 'UTC'; SET extra_float_digits = 3; SET bytea_output = 'hex'`;

export async function openConn(settings: Settings): Promise<Conn> {
  if (settings.databaseUrl) return openPostgres(settings.databaseUrl);
  return openPglite(settings.dataDir);
}

async function openPostgres(url: string): Promise<Conn> {
  const client = new pg.Client({ connectionString: url, application_name: 'custodia backup' });
  await client.connect();
  client.on('error', () => undefined); // reported by the pending query
  await client.query(sessionSettings);
  return {
    kind: 'postgresql',
    async query<T>(text: string, params?: unknown[]) {
      return (await client.query(text, params)).rows as T[];
    },
    async exec(text) {
      await client.query(text);
    },
    async copyOut(table, columns, sink) {
      const stream = client.query(copyTo(`COPY ${copyTarget(table, columns)} TO STDOUT`));
      for await (const chunk of stream) await sink(chunk as Buffer);
    },
    async copyIn(table, columns, data) {
      const stream = client.query(copyFrom(`COPY ${copyTarget(table, columns)} FROM STDIN`));
      await pipeline(Readable.from(data, { objectMode: false }), stream);
    },
    close: () => client.end(),
  };
}

/** Table data per PGlite COPY (held in memory once in the database and once here). */
const pgliteBatchBytes = 8 * 1024 * 1024;

async function openPglite(dataDir: string): Promise<Conn> {
  if (dataDir.startsWith('memory://')) throw new Error('backup and restore need a data directory on disk (CUSTODIA_DATA_DIR), not an in-memory database');
  const lock = acquireDataDirLock(dataDir);
  let db: PGlite;
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    // The same extensions as src/platform/db/connection.ts opens the data directory with.
    const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
    const { unaccent } = await import('@electric-sql/pglite/contrib/unaccent');
    const { btree_gist } = await import('@electric-sql/pglite/contrib/btree_gist');
    fs.mkdirSync(dataDir, { recursive: true });
    db = await PGlite.create({ dataDir, extensions: { pg_trgm, unaccent, btree_gist } });
    await db.exec(sessionSettings);
  } catch (e) {
    lock.release();
    throw e;
  }
  return {
    kind: 'pglite',
    async query<T>(text: string, params?: unknown[]) {
      return (await db.query<T>(text, params)).rows;
    },
    async exec(text) {
      await db.exec(text);
    },
    async copyOut(table, columns, sink) {
      // PGlite answers a COPY with one blob: read the table in ranges of pages (a TID range
      // scan) sized so that each range holds about pgliteBatchBytes of data.
      const [size] = await db.query<{ pages: number; bytes: number }>(
        `SELECT (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS pages, (pg_total_relation_size(c.oid) - pg_indexes_size(c.oid))::float8 AS bytes
         FROM pg_class c WHERE c.oid = $1::regclass`,
        [`public.${ident(table)}`],
      ).then((r) => r.rows);
      const pages = size?.pages ?? 0;
      const perPage = pages > 0 ? size!.bytes / pages : 0;
      const step = Math.max(1, Math.floor(pgliteBatchBytes / Math.max(perPage, 1)));
      const cols = columns.map(ident).join(', ');
      for (let from = 0; ; from += step) {
        const last = from + step >= pages;
        const range = last ? `ctid >= '(${from},0)'::tid` : `ctid >= '(${from},0)'::tid AND ctid < '(${from + step},0)'::tid`;
        const r = await db.query(`COPY (SELECT ${cols} FROM public.${ident(table)} WHERE ${range}) TO '/dev/blob'`);
        if (r.blob && r.blob.size > 0) await sink(Buffer.from(await r.blob.arrayBuffer()));
        if (last) break;
      }
    },
    async copyIn(table, columns, data) {
      const sql = `COPY ${copyTarget(table, columns)} FROM '/dev/blob'`;
      let parts: Buffer[] = [];
      let size = 0;
      const flush = async (b: Buffer) => {
        if (b.length) await db.query(sql, [], { blob: new Blob([new Uint8Array(b)]) });
      };
      for await (const chunk of data) {
        parts.push(chunk);
        size += chunk.length;
        // Cut only where a line ends (a row can be larger than a batch: a scanned document).
        if (size < pgliteBatchBytes || chunk.indexOf(0x0a) === -1) continue;
        // Whole lines only: the rest waits for the next batch.
        const all = Buffer.concat(parts);
        const cut = all.lastIndexOf(0x0a) + 1;
        await flush(all.subarray(0, cut));
        parts = [all.subarray(cut)];
        size = parts[0]!.length;
      }
      await flush(Buffer.concat(parts));
    },
    async close() {
      try {
        await db.close();
      } finally {
        lock.release();
      }
    },
  };
}
