// The command line: serve | migrate | compute-sentence | recompute-sentences | token | user | audit | demo | backup | restore.
// Every command that opens the database uses the same settings as the server.
// Only what every command needs is imported here; the rest is loaded by the command that uses
// it, so `compute-sentence` (no database) starts fast.
import { parseArgs } from 'node:util';
import { loadSettings, type Settings } from './config.ts';
import type { DatabaseHandle } from './platform/db/connection.ts';

const usage = `Usage: npx custodia <command>
  serve                                   start the server (npm start)
  migrate                                 apply database migrations
  compute-sentence                        input JSON on stdin → result JSON on stdout
  recompute-sentences [--as-of DATE]      recompute everyone held from the records (the daily run)
  user create --username NAME --role ROLE (--national | --facility CODE…) --password-stdin [--display-name TEXT]
  token create --username NAME [--label TEXT]
  audit verify                            check the audit trail's hash chain
  audit seal                              seal audit entries not yet sealed
  demo [--scale N]                        create the demo database (N times today's population; 0.02 for a quick one)
  backup PATH [--force]                   write a backup of the whole database to PATH (gzip; --force overwrites)
  restore PATH [--accept-different-audit-key]
                                          restore a backup into an empty database`;

/** Opens the configured database for a one-off command (refusing while a server holds it). */
async function withDatabase<T>(settings: Settings, run: (h: DatabaseHandle) => Promise<T>): Promise<T> {
  const { openDatabase } = await import('./platform/db/connection.ts');
  const { migrate } = await import('./platform/db/migrator.ts');
  const { acquireDataDirLock } = await import('./platform/db/lock.ts');
  const { loadKeys } = await import('./platform/audit/keys.ts');
  const { prepareDatabase } = await import('./platform/db/prepare.ts');
  const lock = settings.databaseUrl ? null : acquireDataDirLock(settings.dataDir);
  const handle = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, poolSize: 2 });
  try {
    await migrate(handle);
    const state = { db: handle.db, dbKind: handle.kind, settings, keys: loadKeys(settings), version: '', ready: true };
    await prepareDatabase(state, { print: () => undefined, log: () => undefined }, { seed: false });
    return await run(handle);
  } finally {
    await handle.close();
    lock?.release();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  const settings = loadSettings();
  switch (command) {
    case 'serve': {
      const { startServer } = await import('./server.ts');
      const server = await startServer(settings, { logger: { level: settings.logLevel } });
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      await server.ready;
      return -1; // keep running
    }
    case 'migrate': {
      const { migrate } = await import('./platform/db/migrator.ts');
      await withDatabase(settings, async (h) => {
        const applied = await migrate(h, (m) => console.log(m));
        console.log(applied.length ? `${applied.length} migration(s) applied` : 'database is up to date');
      });
      return 0;
    }
    case 'compute-sentence': {
      const { runComputeSentence } = await import('./modules/sentence/cli.ts');
      const r = await runComputeSentence(await readStdin());
      process.stdout.write(r.stdout.endsWith('\n') ? r.stdout : r.stdout + '\n');
      return r.exitCode;
    }
    case 'recompute-sentences': {
      const { recomputeSentencesCommand } = await import('./modules/legal-time/cli.ts');
      return withDatabase(settings, (h) => recomputeSentencesCommand(h.db, settings.timeZone, argv.slice(1)));
    }
    case 'user': {
      if (sub !== 'create') break;
      const { values } = parseArgs({
        args: rest,
        options: { username: { type: 'string' }, role: { type: 'string', multiple: true }, national: { type: 'boolean' }, facility: { type: 'string', multiple: true }, 'password-stdin': { type: 'boolean' }, 'display-name': { type: 'string' } },
        allowPositionals: false,
      });
      const { createUserFromCli } = await import('./modules/admin/cli.ts');
      const password = values['password-stdin'] ? (await readStdin()).replace(/\r?\n$/, '') : undefined;
      const { loadKeys } = await import('./platform/audit/keys.ts');
      return withDatabase(settings, (h) => createUserFromCli({ db: h.db, settings, keys: loadKeys(settings) }, { ...values, password }));
    }
    case 'token': {
      if (sub !== 'create') break;
      const { values } = parseArgs({ args: rest, options: { username: { type: 'string' }, label: { type: 'string' } }, allowPositionals: false });
      const { createTokenFromCli } = await import('./modules/admin/cli.ts');
      const { loadKeys } = await import('./platform/audit/keys.ts');
      return withDatabase(settings, (h) => createTokenFromCli({ db: h.db, settings, keys: loadKeys(settings) }, values));
    }
    case 'audit': {
      const { verifyChain, sealPending } = await import('./platform/audit/chain.ts');
      const { loadKeys } = await import('./platform/audit/keys.ts');
      const keys = loadKeys(settings);
      if (sub === 'seal') {
        return withDatabase(settings, async (h) => {
          let total = 0;
          for (let n = 1; n > 0; total += n) n = await sealPending(h.db, { key: keys.audit, checkpointFile: settings.auditCheckpointFile });
          console.log(`${total} audit entries sealed`);
          return 0;
        });
      }
      if (sub !== 'verify') break;
      return withDatabase(settings, async (h) => {
        const r = await verifyChain(h.db, { key: keys.audit, checkpointFile: settings.auditCheckpointFile });
        if (!r.ok) {
          console.log(`AUDIT CHAIN BROKEN: ${r.problem}`);
          console.log(`${r.sealed} entries verified before the problem.`);
          return 1;
        }
        console.log(`audit chain intact: ${r.sealed} entries sealed and verified; ${r.unsealed} not yet sealed.`);
        console.log(r.checkpoint ? `checkpoint: seal ${r.checkpoint.seq} (entry ${r.checkpoint.entryId}) matches.` : 'no checkpoint file found: truncation of the newest entries cannot be ruled out.');
        return 0;
      });
    }
    case 'demo': {
      const { values } = parseArgs({ args: [sub ?? '', ...rest].filter((a) => a !== ''), options: { scale: { type: 'string' } }, allowPositionals: false });
      const scale = values.scale === undefined ? settings.demoScale : Number(values.scale);
      if (!(scale > 0 && scale <= 100)) {
        console.error('--scale must be a number in (0, 100]');
        return 2;
      }
      const demoSettings = { ...settings, demo: true, demoScale: scale };
      const { loadKeys } = await import('./platform/audit/keys.ts');
      const { prepareDatabase } = await import('./platform/db/prepare.ts');
      return withDatabase({ ...demoSettings }, async (h) => {
        const started = Date.now();
        const state = { db: h.db, dbKind: h.kind, settings: demoSettings, keys: loadKeys(demoSettings), version: '', ready: false };
        await prepareDatabase(state, { print: (l) => console.log(l), log: (l) => console.log(l) });
        console.log(`demo ready (scale ${scale}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return 0;
      });
    }
    case 'backup': {
      const { backupCommand } = await import('./modules/backup/cli.ts');
      return backupCommand(settings, argv.slice(1));
    }
    case 'restore': {
      const { restoreCommand } = await import('./modules/backup/cli.ts');
      return restoreCommand(settings, argv.slice(1));
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(usage);
      return 0;
  }
  console.error(usage);
  return 2;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (e: unknown) => {
      console.error(`custodia: ${(e as Error).message}`);
      process.exitCode = 1;
    },
  );
}
