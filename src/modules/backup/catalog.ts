// What the database holds, read from its catalogue (the same queries on PGlite and PostgreSQL):
// tables and their columns, sequences, foreign keys, applied migrations.
import fs from 'node:fs';
import type { Settings } from '../../config.ts';
import { loadKeys } from '../../platform/audit/keys.ts';
import { ident, type Conn } from './connection.ts';
import type { SequenceValue } from './format.ts';

export async function listTables(conn: Conn): Promise<string[]> {
  const rows = await conn.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
     ORDER BY c.relname`,
  );
  return rows.map((r) => r.name);
}

/** Stored columns in table order (generated columns are computed again on load). */
export async function listColumns(conn: Conn, table: string): Promise<string[]> {
  const rows = await conn.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_attribute a
     WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
     ORDER BY a.attnum`,
    [`public.${ident(table)}`],
  );
  return rows.map((r) => r.name);
}

export async function countRows(conn: Conn, table: string): Promise<number> {
  const [r] = await conn.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.${ident(table)}`);
  return Number(r!.n);
}

export async function hasRows(conn: Conn, table: string): Promise<boolean> {
  const [r] = await conn.query<{ e: boolean }>(`SELECT EXISTS (SELECT 1 FROM public.${ident(table)}) AS e`);
  return Boolean(r!.e);
}

export async function readSequences(conn: Conn): Promise<SequenceValue[]> {
  const names = await conn.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'S' ORDER BY c.relname`,
  );
  const out: SequenceValue[] = [];
  for (const { name } of names) {
    const [r] = await conn.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text AS last_value, is_called FROM public.${ident(name)}`);
    out.push({ name, lastValue: r!.last_value, isCalled: Boolean(r!.is_called) });
  }
  return out;
}

export interface Constraint {
  table: string;
  name: string;
  definition: string;
}

/** Constraints of the given kinds: 'f' foreign key, 'p' primary key, 'u' unique, 'x' exclusion. */
export async function listConstraints(conn: Conn, kinds: ('f' | 'p' | 'u' | 'x')[]): Promise<Constraint[]> {
  return conn.query<Constraint>(
    `SELECT c.relname AS "table", con.conname AS name, pg_get_constraintdef(con.oid) AS definition
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE con.contype = ANY($1::"char"[]) AND n.nspname = 'public' AND c.relkind = 'r'
     ORDER BY c.relname, con.conname`,
    [kinds],
  );
}

export interface IndexDef {
  name: string;
  definition: string;
}

/** Indexes that back no constraint (dropped for a bulk load and built again after it). */
export async function listPlainIndexes(conn: Conn): Promise<IndexDef[]> {
  return conn.query<IndexDef>(
    `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
     WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
     ORDER BY ic.relname`,
  );
}

export async function appliedMigrations(conn: Conn): Promise<string[] | null> {
  const [t] = await conn.query<{ r: string | null }>(`SELECT to_regclass('public.schema_migrations')::text AS r`);
  if (!t?.r) return null;
  return (await conn.query<{ name: string }>(`SELECT name FROM schema_migrations ORDER BY name`)).map((r) => r.name);
}

export async function serverVersion(conn: Conn): Promise<string> {
  const [r] = await conn.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
  return r!.v;
}

/**
 * Tables that hold what people did: a database with a row in any of them is not empty, and
 * restoring over it is refused. The other tables hold reference data that migrations and the
 * first start write (centres, capacities, alert types…); a restore replaces their rows.
 */
export const recordTables = ['users', 'persons', 'audit_log', 'audit_chain', 'stored_files', 'judicial_orders', 'custody_episodes', 'sessions', 'api_tokens'];

/**
 * The audit key, when there is one, without creating a key file (loadKeys would create one:
 * a backup or restore must never invent a key).
 */
export function auditKeyIfAny(settings: Settings): Buffer | null {
  if (!settings.auditKey && !fs.existsSync(settings.auditKeyFile)) return null;
  return loadKeys(settings).audit;
}

