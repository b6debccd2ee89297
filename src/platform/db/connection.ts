// Opens the database: the embedded PGlite (a data directory) or a PostgreSQL server.
// Both run the same SQL and migrations; nothing above this file knows which one it is,
// except /health, which reports it.
import fs from 'node:fs';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type DatabaseKind = 'pglite' | 'postgresql';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** Runs a multi-statement SQL script in one transaction (migrations, test resets). */
  runScript(sqlText: string): Promise<void>;
  close(): Promise<void>;
}

// Dates stay 'YYYY-MM-DD' strings (a JS Date would shift them by the time zone);
// 64-bit integers become numbers (counts and ids here stay far below 2^53).
const DATE_OID = 1082;
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const parsers: Record<number, (v: string) => unknown> = {
  [DATE_OID]: (v) => v,
  [INT8_OID]: (v) => Number(v),
  [NUMERIC_OID]: (v) => Number(v),
};

export async function openDatabase(opts: { databaseUrl?: string | undefined; dataDir: string; poolSize?: number }): Promise<DatabaseHandle> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 20);
  return openPglite(opts.dataDir);
}

async function openPostgres(url: string, max: number): Promise<DatabaseHandle> {
  const types = {
    getTypeParser: ((oid: number, format?: string) => parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
  // JIT off for Custodia's sessions (docs/decisions/009): its statements are short, and on a
  // plan costed above jit_above_cost (the roll of a large centre) compiling took 30–50 ms of a
  // 40 ms query, on every execution.
  const pool = new pg.Pool({ connectionString: url, max, types, application_name: 'custodia', options: '-c jit=off' });
  pool.on('error', () => {
    /* an idle client lost its connection: the pool replaces it */
  });
  const client = await pool.connect(); // fail fast with a clear error when the server is unreachable
  client.release();
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'postgresql',
    async runScript(sqlText) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query(sqlText);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    },
    close: () => db.destroy(),
  };
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { unaccent } = await import('@electric-sql/pglite/contrib/unaccent');
  const { btree_gist } = await import('@electric-sql/pglite/contrib/btree_gist');
  // 'memory://' keeps the database in memory (tests).
  if (!dataDir.startsWith('memory://')) fs.mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create({ dataDir, extensions: { pg_trgm, unaccent, btree_gist }, parsers });
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: 'pglite',
    async runScript(sqlText) {
      await pglite.transaction(async (tx) => {
        await tx.exec(sqlText);
      });
    },
    close: () => db.destroy(),
  };
}
