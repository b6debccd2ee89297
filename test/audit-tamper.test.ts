// Audit tamper tests: the database refuses to change the trail; and someone who gets past
// that refusal as the database owner (triggers disabled) is caught by `audit verify`, which
// names what was done and where: an entry changed, an entry deleted, the newest entries cut
// off, seals reordered.
//
// Each in-database tampering runs inside a transaction that is verified and then rolled back,
// so every scenario starts from the same intact chain. The command-line test commits its
// tampering for real, on a data directory of its own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { createUser, signIn, startTestApp, usingPostgres, type TestEnv } from './helpers/app.ts';
import { recordAudit, systemActor } from '../src/platform/audit/audit.ts';
import { sealPending, verifyChain, type VerifyReport } from '../src/platform/audit/chain.ts';
import { loadKeys } from '../src/platform/audit/keys.ts';
import { openDatabase } from '../src/platform/db/connection.ts';
import { migrate } from '../src/platform/db/migrator.ts';
import type { Database } from '../src/platform/db/schema.ts';

const root = path.resolve(import.meta.dirname, '..');
let env: TestEnv;
/** The sealed chain as it stood before any tampering: seq → entry id. */
let seals: { seq: number; entry_id: number }[];

const chainOpts = () => ({ key: env.state.keys.audit, checkpointFile: env.settings.auditCheckpointFile });

/** Disables the append-only triggers for this transaction only, as the tables' owner may. */
async function bypassAsOwner(trx: Kysely<Database>): Promise<void> {
  for (const t of ['audit_log', 'audit_chain']) await sql`ALTER TABLE ${sql.table(t)} DISABLE TRIGGER USER`.execute(trx);
}

const rollback = new Error('rollback');

/** Tampers, verifies what the tampering left, and undoes it all. */
async function tampered(change: (trx: Kysely<Database>) => Promise<void>): Promise<VerifyReport> {
  let report: VerifyReport | undefined;
  await env.state.db
    .transaction()
    .execute(async (trx) => {
      await change(trx);
      report = await verifyChain(trx, chainOpts());
      throw rollback;
    })
    .catch((e: unknown) => {
      if (e !== rollback) throw e;
    });
  return report!;
}

before(async () => {
  env = await startTestApp();
  // Several kinds of entries: sign-ins through the API, a capacity change with before and
  // after, and entries written directly.
  const user = await createUser(env, { username: 'tamper.user', roles: ['inspector'] });
  await signIn(env, user);
  await signIn(env, user);
  await env.state.db.transaction().execute(async (trx) => {
    for (let i = 1; i <= 6; i++) {
      await recordAudit(trx, systemActor, { action: 'test.capacity.changed', targetType: 'facility', targetId: 'PA-LJ', facilityCode: 'PA-LJ', before: { capacity: 1500 + i }, after: { capacity: 1600 + i } });
    }
  });
  assert.ok((await sealPending(env.state.db, chainOpts())) >= 8);
  seals = await env.state.db.selectFrom('audit_chain').select(['seq', 'entry_id']).orderBy('seq').execute();
});
after(() => env.close());

describe('the database refuses to change the audit trail', () => {
  for (const table of ['audit_log', 'audit_chain'] as const) {
    for (const [what, statement] of [
      ['UPDATE', sql`UPDATE ${sql.table(table)} SET ${sql.ref(table === 'audit_log' ? 'action' : 'hash')} = 'x'`],
      ['DELETE', sql`DELETE FROM ${sql.table(table)}`],
      ['TRUNCATE', sql`TRUNCATE ${sql.table(table)} CASCADE`],
    ] as const) {
      test(`${what} on ${table}`, async () => {
        await assert.rejects(statement.execute(env.state.db), /append-only/);
      });
    }
  }
  test('TRUNCATE without CASCADE is refused too', async () => {
    await assert.rejects(sql`TRUNCATE audit_log`.execute(env.state.db));
  });
});

describe('audit verify catches tampering by the database owner', () => {
  test('the untouched chain verifies, and matches the checkpoint', async () => {
    const r = await verifyChain(env.state.db, chainOpts());
    assert.equal(r.ok, true, r.problem);
    assert.equal(r.sealed, seals.length);
    assert.equal(r.checkpoint?.seq, seals.length);
  });

  test('one entry altered: fails naming that entry', async () => {
    const { seq, entry_id } = seals[4]!;
    const r = await tampered(async (trx) => {
      await bypassAsOwner(trx);
      await sql`UPDATE audit_log SET after_value = '{"capacity": 9999}' WHERE id = ${entry_id}`.execute(trx);
    });
    assert.equal(r.ok, false);
    assert.match(r.problem!, new RegExp(`entry ${entry_id} \\(seal ${seq}\\) was changed`));
    assert.equal(r.sealed, seq - 1); // everything before it still verifies
  });

  test('one entry deleted (its seal left behind): fails naming the entry', async () => {
    const { seq, entry_id } = seals[3]!;
    const r = await tampered(async (trx) => {
      // Replica mode skips every trigger, the foreign key from its seal included.
      await sql`SET LOCAL session_replication_role = replica`.execute(trx);
      await sql`DELETE FROM audit_log WHERE id = ${entry_id}`.execute(trx);
    });
    assert.equal(r.ok, false);
    assert.match(r.problem!, new RegExp(`entry ${entry_id} \\(seal ${seq}\\) is missing`));
  });

  test('one entry deleted with its seal: fails naming the missing seal', async () => {
    const { seq, entry_id } = seals[2]!;
    const r = await tampered(async (trx) => {
      await bypassAsOwner(trx);
      await sql`DELETE FROM audit_chain WHERE entry_id = ${entry_id}`.execute(trx);
      await sql`DELETE FROM audit_log WHERE id = ${entry_id}`.execute(trx);
    });
    assert.equal(r.ok, false);
    assert.match(r.problem!, new RegExp(`seal ${seq} is missing`));
  });

  test('the newest entries and their seals dropped: fails because the checkpoint names a later seal', async () => {
    const kept = seals.length - 3;
    const r = await tampered(async (trx) => {
      await bypassAsOwner(trx);
      const gone = seals.slice(kept).map((s) => s.entry_id);
      await trx.deleteFrom('audit_chain').where('seq', '>', kept).execute();
      await trx.deleteFrom('audit_log').where('id', 'in', gone).execute();
    });
    assert.equal(r.ok, false);
    assert.match(r.problem!, new RegExp(`chain ends at seal ${kept} but the checkpoint names seal ${seals.length}`));
  });

  test('two seals swapped (reordering): fails at the first of them', async () => {
    const a = seals[1]!;
    const b = seals[2]!;
    const r = await tampered(async (trx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(trx);
      // Through a placeholder: entry_id is unique.
      await sql`UPDATE audit_chain SET entry_id = -1 WHERE seq = ${a.seq}`.execute(trx);
      await sql`UPDATE audit_chain SET entry_id = ${a.entry_id} WHERE seq = ${b.seq}`.execute(trx);
      await sql`UPDATE audit_chain SET entry_id = ${b.entry_id} WHERE seq = ${a.seq}`.execute(trx);
    });
    assert.equal(r.ok, false);
    assert.match(r.problem!, new RegExp(`entry ${b.entry_id} \\(seal ${a.seq}\\)`));
  });

  test('after every scenario was rolled back, the chain verifies again', async () => {
    const r = await verifyChain(env.state.db, chainOpts());
    assert.equal(r.ok, true, r.problem);
    assert.equal(r.sealed, seals.length);
  });
});

/** Runs `custodia audit verify` as a user would, with the same Node as this test run. */
function auditVerify(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/main.ts', 'audit', 'verify'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: '', CUSTODIA_AUDIT_KEY_FILE: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('npx custodia audit verify', () => {
  test('on a data directory: exit 0 when intact, exit 1 naming the entry once one was altered', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custodia-audit-cli-'));
    try {
      const settings = {
        CUSTODIA_DATA_DIR: path.join(dir, 'data'),
        CUSTODIA_AUDIT_KEY: 'cli-test-audit-key-0123456789abcdef-0123',
        CUSTODIA_AUDIT_CHECKPOINT: path.join(dir, 'audit-checkpoint.json'),
      };
      const key = loadKeys({ auditKey: settings.CUSTODIA_AUDIT_KEY, auditKeyFile: path.join(dir, 'unused.key') }).audit;
      let handle = await openDatabase({ dataDir: settings.CUSTODIA_DATA_DIR });
      let victim: number;
      try {
        await migrate(handle);
        await handle.db.transaction().execute(async (trx) => {
          for (let i = 0; i < 5; i++) await recordAudit(trx, systemActor, { action: 'test.cli', targetType: 'thing', targetId: `c${i}`, after: { n: i } });
        });
        assert.equal(await sealPending(handle.db, { key, checkpointFile: settings.CUSTODIA_AUDIT_CHECKPOINT }), 5);
        victim = (await handle.db.selectFrom('audit_log').select('id').where('target_id', '=', 'c2').executeTakeFirstOrThrow()).id;
      } finally {
        await handle.close();
      }

      const intact = await auditVerify(settings);
      assert.equal(intact.code, 0, intact.out);
      assert.match(intact.out, /intact/);

      handle = await openDatabase({ dataDir: settings.CUSTODIA_DATA_DIR });
      try {
        await handle.db.transaction().execute(async (trx) => {
          await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`.execute(trx);
          await sql`UPDATE audit_log SET after_value = '{"n": 42}' WHERE id = ${victim}`.execute(trx);
          await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`.execute(trx);
        });
      } finally {
        await handle.close();
      }

      const broken = await auditVerify(settings);
      assert.equal(broken.code, 1, broken.out);
      assert.match(broken.out, new RegExp(`BROKEN: entry ${victim} \\(seal 3\\) was changed`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // On the PostgreSQL run, the same command against the server database (last: it commits).
  if (usingPostgres) {
    test('on a PostgreSQL server: exit 0 when intact, exit 1 after the newest entries are dropped', async () => {
      const settings = { DATABASE_URL: env.settings.databaseUrl!, CUSTODIA_AUDIT_KEY: env.settings.auditKey!, CUSTODIA_AUDIT_CHECKPOINT: env.settings.auditCheckpointFile };
      await sealPending(env.state.db, chainOpts());
      const intact = await auditVerify(settings);
      assert.equal(intact.code, 0, intact.out);
      assert.match(intact.out, /intact/);
      const last = await env.state.db.selectFrom('audit_chain').select(['seq', 'entry_id']).orderBy('seq', 'desc').executeTakeFirstOrThrow();
      await env.state.db.transaction().execute(async (trx) => {
        await bypassAsOwner(trx);
        await trx.deleteFrom('audit_chain').where('seq', '=', last.seq).execute();
        await trx.deleteFrom('audit_log').where('id', '=', last.entry_id).execute();
        for (const t of ['audit_log', 'audit_chain']) await sql`ALTER TABLE ${sql.table(t)} ENABLE TRIGGER USER`.execute(trx);
      });
      const broken = await auditVerify(settings);
      assert.equal(broken.code, 1, broken.out);
      assert.match(broken.out, new RegExp(`checkpoint names seal ${last.seq}`));
    });
  }
});
