// Applies the numbered SQL files in migrations/ once each, in order, each in its own
// transaction. Migrations are never edited after they land: a fix is a new file.
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { DatabaseHandle } from './connection.ts';

export const migrationsDir = path.resolve(import.meta.dirname, '../../../migrations');

export async function migrate(handle: DatabaseHandle, log: (m: string) => void = () => undefined): Promise<string[]> {
  const { db } = handle;
  await sql`CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`.execute(db);
  const files = fs.readdirSync(migrationsDir).filter((f) => /^\d{3,}_.+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  for (const file of files) {
    const body = fs.readFileSync(path.join(migrationsDir, file), 'utf8');
    // The advisory lock serializes servers starting at once against the same database;
    // the check inside the lock makes a second starter skip what the first applied.
    const script = `SELECT pg_advisory_xact_lock(727001);
DO $m$ BEGIN IF EXISTS (SELECT 1 FROM schema_migrations WHERE name = '${file}') THEN RAISE EXCEPTION 'custodia:already-applied'; END IF; END $m$;
${body}
;INSERT INTO schema_migrations (name) VALUES ('${file}');`;
    try {
      await handle.runScript(script);
      applied.push(file);
      log(`migration applied: ${file}`);
    } catch (e) {
      if (e instanceof Error && e.message.includes('custodia:already-applied')) continue;
      throw new Error(`migration ${file} failed: ${(e as Error).message}`, { cause: e });
    }
  }
  return applied;
}
