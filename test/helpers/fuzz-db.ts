// The fuzzer's view of the database: a per-table change counter kept by row triggers (so that a
// rejected request that changed a domain table is caught, request by request), a cheap checksum
// of every domain table (row count + sum of the row versions' xmin, or of a row hash where
// bookkeeping columns are ignored) to cross-check the counters batch by batch, and pools of
// existing ids and codes for the generators. Test-only: the triggers live in the test database.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/platform/db/schema.ts';
import { roles } from '../../src/platform/access/roles.ts';
import type { Pools } from './fuzz-schema.ts';

/** Tables a rejected request may write: sign-in bookkeeping, the audit trail, replay keys. */
export const exemptTables = new Set(['sessions', 'audit_log', 'audit_chain', 'idempotency_keys', 'schema_migrations', 'fuzz_changes']);
/** Columns that count failed sign-ins and token use (written on rejected requests by design). */
export const exemptColumns: Record<string, string[]> = {
  users: ['failed_logins', 'last_failed_at', 'locked_until', 'failed_since_last_login', 'last_login_at', 'updated_at'],
  api_tokens: ['last_used_at'],
};

type Db = Kysely<Database>;
const any = (db: Db) => db as unknown as Kysely<Record<string, Record<string, unknown>>>;

export async function domainTables(db: Db): Promise<string[]> {
  const rows = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`.execute(db);
  return rows.rows.map((r) => r.table_name).filter((t) => !exemptTables.has(t));
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const textArray = (cols: string[]): string => `ARRAY[${cols.map((c) => `'${c}'`).join(',')}]::text[]`;

/** Row triggers on every domain table that count committed changes per table. */
export async function installChangeCounters(db: Db): Promise<string[]> {
  const tables = await domainTables(db);
  const statements = [
    'CREATE TABLE IF NOT EXISTS fuzz_changes (tbl text PRIMARY KEY, n bigint NOT NULL)',
    `CREATE OR REPLACE FUNCTION fuzz_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       INSERT INTO fuzz_changes (tbl, n) VALUES (TG_TABLE_NAME, 1) ON CONFLICT (tbl) DO UPDATE SET n = fuzz_changes.n + 1;
       RETURN NULL;
     END $$`,
  ];
  for (const t of tables) {
    const ignored = exemptColumns[t];
    const changed = ignored ? `(to_jsonb(OLD) - ${textArray(ignored)}) IS DISTINCT FROM (to_jsonb(NEW) - ${textArray(ignored)})` : 'OLD.* IS DISTINCT FROM NEW.*';
    statements.push(
      `DROP TRIGGER IF EXISTS fuzz_changes_iud ON ${ident(t)}`,
      `DROP TRIGGER IF EXISTS fuzz_changes_u ON ${ident(t)}`,
      `CREATE TRIGGER fuzz_changes_iud AFTER INSERT OR DELETE ON ${ident(t)} FOR EACH ROW EXECUTE FUNCTION fuzz_count_change()`,
      `CREATE TRIGGER fuzz_changes_u AFTER UPDATE ON ${ident(t)} FOR EACH ROW WHEN (${changed}) EXECUTE FUNCTION fuzz_count_change()`,
    );
  }
  for (const s of statements) await sql.raw(s).execute(db);
  return tables;
}

/** Committed changes so far, per domain table. */
export async function changeCounts(db: Db): Promise<Map<string, number>> {
  const rows = await sql<{ tbl: string; n: number }>`select tbl, n::int as n from fuzz_changes`.execute(db);
  return new Map(rows.rows.map((r) => [r.tbl, r.n]));
}

export function changedTables(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after].filter(([t, n]) => (before.get(t) ?? 0) !== n).map(([t]) => t);
}

/** Row count and a cheap content checksum of every domain table. */
export async function checksum(db: Db, tables: string[]): Promise<Record<string, string>> {
  const cols = tables.map((t) => {
    const ignored = exemptColumns[t];
    const content = ignored ? `sum(hashtext((to_jsonb(x) - ${textArray(ignored)})::text)::bigint)` : 'sum(xmin::text::bigint)';
    return `(select count(*)::text || ':' || coalesce(${content}, 0)::text from ${ident(t)} x) as ${ident(t)}`;
  });
  const r = await sql.raw<Record<string, string>>(`select ${cols.join(', ')}`).execute(db);
  return r.rows[0]!;
}

export function checksumDiff(a: Record<string, string>, b: Record<string, string>): string[] {
  return Object.keys({ ...a, ...b }).filter((t) => a[t] !== b[t]).map((t) => `${t} ${a[t]} → ${b[t]}`);
}

const snake = (s: string): string => s.replace(/-/g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** Existing ids (by table) and known codes, refreshed as the fuzzer creates records. */
export class DbPools implements Pools {
  known: string[] = [];
  private byTable = new Map<string, string[]>();
  private tables: string[] = [];
  private readonly db: Db;
  private readonly exclude: Set<string>;

  constructor(db: Db, exclude: string[]) {
    this.db = db;
    this.exclude = new Set(exclude);
  }

  async refresh(): Promise<void> {
    const withId = await sql<{ table_name: string }>`
      select table_name from information_schema.columns
      where table_schema = 'public' and column_name = 'id' and data_type = 'uuid' order by table_name`.execute(this.db);
    this.tables = withId.rows.map((r) => r.table_name);
    this.byTable.clear();
    // One round trip: 30 ids of every table that has uuid ids.
    const union = this.tables.map((t) => `(select '${t}' as t, id::text as id from ${ident(t)} order by random() limit 30)`).join(' union all ');
    const rows = union ? (await sql.raw<{ t: string; id: string }>(union).execute(this.db)).rows : [];
    for (const r of rows) {
      if (this.exclude.has(r.id)) continue;
      if (!this.byTable.has(r.t)) this.byTable.set(r.t, []);
      this.byTable.get(r.t)!.push(r.id);
    }
    // People in custody first: most actions need one.
    const held = await any(this.db).selectFrom('persons').select('id').where('custody_status', '=', 'in_custody').orderBy(sql`random()`).limit(20).execute();
    this.byTable.set('persons', [...held.map((r) => String(r.id)), ...(this.byTable.get('persons') ?? [])]);
    const codes = async (table: string, col: string) =>
      (await sql<{ v: string }>`select ${sql.ref(col)}::text as v from ${sql.table(table)} limit 50`.execute(this.db).catch(() => ({ rows: [] as { v: string }[] }))).rows.map((r) => r.v);
    this.known = [...new Set([...(await codes('facilities', 'code')), ...(await codes('alert_types', 'code')), ...roles, ...(await codes('units', 'code')).slice(0, 5), 'es', 'en', 'PA'])];
  }

  ids(name: string, segment?: string): string[] {
    if (name === 'any') return [...this.byTable.values()].flatMap((ids) => ids.slice(0, 2));
    const words: string[] = [];
    if ((name === 'id' || /^item(Id)?$/.test(name)) && segment) words.push(snake(segment));
    const base = snake(name.replace(/Ids?$/, ''));
    if (base && base !== 'id') words.push(base, base.split('_').pop()!);
    const found = new Set<string>();
    for (const w of words) {
      const forms = [w, `${w}s`, `${w}es`, w.replace(/s$/, ''), w.replace(/ies$/, 'y')];
      for (const t of this.tables) if (forms.some((f) => t === f || t.endsWith(`_${f}`))) found.add(t);
    }
    const ids = [...found].flatMap((t) => this.byTable.get(t) ?? []);
    return ids.length ? ids : this.ids('any');
  }
}
