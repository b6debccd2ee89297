// The keyed hash chain over the audit trail. Entries are sealed shortly after commit (so an
// audited read costs one INSERT, not a lock on the chain's tail); each seal is
// HMAC(key, previous hash + the entry's canonical form). The newest seal is also written to
// a checkpoint file outside the database, so that cutting off the newest entries is
// detectable too.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export const genesisHash = '0'.repeat(64);
const SEALER_LOCK = 727002;
/** How far below the newest sealed entry the sealer looks for late commits. */
const LATE_COMMIT_WINDOW = 10_000;

interface EntryRow {
  id: number;
  occurred_at: Date;
  actor_id: string | null;
  actor_name: string;
  action: string;
  target_type: string;
  target_id: string | null;
  facility_code: string | null;
  person_id: string | null;
  before_value: unknown;
  after_value: unknown;
  details: unknown;
  request_id: string | null;
  source_ip: string | null;
}

/** JSON with keys sorted at every level: the same entry always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function entryHash(key: Buffer, prevHash: string, entry: EntryRow): string {
  return crypto.createHmac('sha256', key).update(prevHash).update('\n').update(canonicalJson(entry)).digest('hex');
}

export interface Checkpoint {
  seq: number;
  entryId: number;
  hash: string;
  sealedAt: string;
}

export function readCheckpoint(file: string): Checkpoint | null {
  if (!fs.existsSync(file)) return null;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Checkpoint;
}

function writeCheckpoint(file: string, cp: Checkpoint): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(cp) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

const entryColumns = [
  'a.id',
  'a.occurred_at',
  'a.actor_id',
  'a.actor_name',
  'a.action',
  'a.target_type',
  'a.target_id',
  'a.facility_code',
  'a.person_id',
  'a.before_value',
  'a.after_value',
  'a.details',
  'a.request_id',
  'a.source_ip',
] as const;

/**
 * Seals every committed, unsealed entry (up to `limit`) onto the chain. Safe to call from
 * several processes: an advisory lock lets one sealer at a time extend the chain.
 */
export async function sealPending(
  db: Kysely<Database>,
  opts: { key: Buffer; checkpointFile: string; limit?: number; log?: (msg: string) => void },
): Promise<number> {
  const limit = opts.limit ?? 5000;
  const result = await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${SEALER_LOCK})`.execute(trx);
    const tail = await trx.selectFrom('audit_chain').select(['seq', 'hash', 'entry_id']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const floor = Math.max(0, (await trx.selectFrom('audit_chain').select(sql<number>`coalesce(max(entry_id), 0)`.as('m')).executeTakeFirstOrThrow()).m - LATE_COMMIT_WINDOW);
    const rows = (await trx
      .selectFrom('audit_log as a')
      .select(entryColumns)
      .where('a.id', '>', floor)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('audit_chain as c').select('c.seq').whereRef('c.entry_id', '=', 'a.id'))))
      .orderBy('a.id')
      .limit(limit)
      .execute()) as EntryRow[];
    if (rows.length === 0) return null;
    let seq = tail?.seq ?? 0;
    let prev = tail?.hash ?? genesisHash;
    const values = rows.map((row) => {
      const hash = entryHash(opts.key, prev, row);
      const v = { seq: ++seq, entry_id: row.id, prev_hash: prev, hash };
      prev = hash;
      return v;
    });
    await trx.insertInto('audit_chain').values(values).execute();
    const last = values[values.length - 1]!;
    return { count: values.length, checkpoint: { seq: last.seq, entryId: last.entry_id, hash: last.hash, sealedAt: new Date().toISOString() } };
  });
  if (!result) return 0;
  // Only after the commit: a checkpoint must never name a seal that was rolled back.
  writeCheckpoint(opts.checkpointFile, result.checkpoint);
  opts.log?.(`audit checkpoint seq=${result.checkpoint.seq} entry=${result.checkpoint.entryId} hash=${result.checkpoint.hash}`);
  return result.count;
}

export interface VerifyReport {
  ok: boolean;
  sealed: number;
  unsealed: number;
  checkpoint: Checkpoint | null;
  /** The first problem found, naming the entry. */
  problem?: string;
}

/** Walks the whole chain in order and recomputes every seal. */
export async function verifyChain(db: Kysely<Database>, opts: { key: Buffer; checkpointFile: string; batch?: number }): Promise<VerifyReport> {
  const batch = opts.batch ?? 5000;
  const checkpoint = readCheckpoint(opts.checkpointFile);
  let expectedSeq = 1;
  let prev = genesisHash;
  let checkpointSeen = false;
  const fail = (problem: string, sealed: number): VerifyReport => ({ ok: false, sealed, unsealed: 0, checkpoint, problem });
  for (;;) {
    const rows = await db
      .selectFrom('audit_chain as c')
      .leftJoin('audit_log as a', 'a.id', 'c.entry_id')
      .select(['c.seq', 'c.entry_id', 'c.prev_hash', 'c.hash', ...entryColumns])
      .where('c.seq', '>=', expectedSeq)
      .orderBy('c.seq')
      .limit(batch)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r.seq !== expectedSeq) return fail(`seal ${expectedSeq} is missing (chain jumps to seal ${r.seq}, entry ${r.entry_id}): entries were deleted`, expectedSeq - 1);
      if (r.prev_hash !== prev) return fail(`seal ${r.seq} (entry ${r.entry_id}) does not follow seal ${r.seq - 1}: the chain was reordered or cut`, r.seq - 1);
      if (r.id === null) return fail(`entry ${r.entry_id} (seal ${r.seq}) is missing: it was deleted`, r.seq - 1);
      const { seq: _s, entry_id: _e, prev_hash: _p, hash, ...entry } = r;
      if (entryHash(opts.key, prev, entry as EntryRow) !== hash) return fail(`entry ${r.entry_id} (seal ${r.seq}) was changed after it was sealed`, r.seq - 1);
      if (checkpoint && r.seq === checkpoint.seq) {
        if (hash !== checkpoint.hash) return fail(`seal ${r.seq} differs from the checkpoint: the chain was rewritten`, r.seq - 1);
        checkpointSeen = true;
      }
      prev = hash;
      expectedSeq++;
    }
  }
  const sealed = expectedSeq - 1;
  if (checkpoint && !checkpointSeen) {
    return fail(`the chain ends at seal ${sealed} but the checkpoint names seal ${checkpoint.seq} (entry ${checkpoint.entryId}): the newest entries were removed`, sealed);
  }
  const unsealed = (
    await db
      .selectFrom('audit_log as a')
      .select(sql<number>`count(*)`.as('n'))
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('audit_chain as c').select('c.seq').whereRef('c.entry_id', '=', 'a.id'))))
      .executeTakeFirstOrThrow()
  ).n;
  return { ok: true, sealed, unsealed, checkpoint };
}
