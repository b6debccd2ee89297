// The `backup` and `restore` commands. Progress goes to standard error (a bar on a terminal),
// the summary to standard output. Exit 0 on success, 1 when refused or failed (the message says
// why and that nothing was changed), 2 on wrong usage.
import { parseArgs } from 'node:util';
import type { Settings } from '../../config.ts';
import { BackupError, createBackup, describeBackup } from './backup.ts';
import { BackupFileError } from './format.ts';
import { describeRestore, restoreBackup } from './restore.ts';

export const backupUsage = `  backup PATH [--force]                   write a backup of the database to PATH (gzip; --force overwrites)
  restore PATH [--accept-different-audit-key]
                                          restore a backup into an empty database`;

function fail(e: unknown, what: string): number {
  if (e instanceof BackupFileError) {
    console.error(`custodia ${what}: cannot restore: ${e.message}. Nothing was changed.`);
    return 1;
  }
  if (e instanceof BackupError) {
    console.error(`custodia ${what}: ${e.message}`);
    return 1;
  }
  // A database error (unreachable server, data directory in use, a row refused…): restore
  // loads in one transaction, so a failure leaves nothing behind.
  const message = (e as Error).message;
  const hint = /must be owner/.test(message) ? ' (restore as the role that owns the tables: the one that runs migrations)' : '';
  console.error(`custodia ${what} failed: ${message}${hint}`);
  return 1;
}

export async function backupCommand(settings: Settings, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { force: { type: 'boolean' } }, allowPositionals: true });
  if (positionals.length !== 1) {
    console.error(`Usage: npx custodia\n${backupUsage}`);
    return 2;
  }
  try {
    console.log(describeBackup(await createBackup(settings, positionals[0]!, { force: values.force ?? false })));
    return 0;
  } catch (e) {
    return fail(e, 'backup');
  }
}

export async function restoreCommand(settings: Settings, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { 'accept-different-audit-key': { type: 'boolean' } }, allowPositionals: true });
  if (positionals.length !== 1) {
    console.error(`Usage: npx custodia\n${backupUsage}`);
    return 2;
  }
  try {
    console.log(describeRestore(await restoreBackup(settings, positionals[0]!, { acceptDifferentKey: values['accept-different-audit-key'] ?? false })));
    return 0;
  } catch (e) {
    return fail(e, 'restore');
  }
}
