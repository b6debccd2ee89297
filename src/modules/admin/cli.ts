// `npx custodia user create` and `npx custodia token create`: the same use cases as the API
// (service.ts), run by whoever operates the server. Audited with no user id and the name
// 'cli'. Bad arguments exit 2 with a message on stderr; a new token is printed on stdout only,
// as the last line, so scripts can take it with `tail -n 1`.
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Settings } from '../../config.ts';
import type { Keys } from '../../platform/audit/keys.ts';
import { isRole, roles } from '../../platform/access/roles.ts';
import { AppError, type FieldError } from '../../platform/http/errors.ts';
import { translator } from '../../platform/i18n/i18n.ts';
import * as admin from './service.ts';

export interface CliDeps {
  db: Kysely<Database>;
  settings: Settings;
  keys: Keys;
}

export interface UserCreateOptions {
  username?: string | undefined;
  role?: string[] | undefined;
  national?: boolean | undefined;
  facility?: string[] | undefined;
  password?: string | undefined;
  'display-name'?: string | undefined;
}

const cli: admin.Caller = { actor: null, audit: { actorId: null, actorName: 'cli' } };
const t = translator('en');

/** The command-line option that a service field path stands for. */
function option(path: string): string {
  if (path.startsWith('roles')) return '--role';
  if (path.startsWith('facilities[')) return '--facility';
  if (path === 'facilities' || path === 'national') return '--national / --facility';
  if (path === 'password') return '--password-stdin';
  if (path === 'displayName') return '--display-name';
  return `--${path}`;
}

function usageError(message: string): number {
  console.error(`custodia: ${message}`);
  return 2;
}

/** A refusal from the service, in words; anything else is a real failure and propagates. */
function reportRefusal(e: unknown): number {
  if (!(e instanceof AppError) || e.status >= 500) throw e;
  if (!e.fields.length) return usageError(t(e.key, e.params));
  for (const f of e.fields as FieldError[]) console.error(`custodia: ${option(f.path)}: ${t(f.key, f.params)}`);
  return 2;
}

export async function createUserFromCli(deps: CliDeps, opts: UserCreateOptions): Promise<number> {
  const username = opts.username?.trim() ?? '';
  const userRoles = opts.role ?? [];
  const facilities = opts.facility ?? [];
  if (!username) return usageError('--username is required');
  if (userRoles.length === 0) return usageError(`--role is required (one of: ${roles.join(', ')})`);
  const unknown = userRoles.find((r) => !isRole(r));
  if (unknown !== undefined) return usageError(`--role: unknown role "${unknown}" (one of: ${roles.join(', ')})`);
  if (opts.national && facilities.length) return usageError('give either --national or --facility, not both');
  if (!opts.national && facilities.length === 0) return usageError('a scope is required: --national, or --facility CODE (repeatable)');
  if (opts.password === undefined) return usageError('--password-stdin is required: pipe the password on standard input');
  try {
    // The operator chose this password themselves, so no change is forced at first sign-in.
    const user = await admin.createUser(
      deps,
      cli,
      { username, displayName: opts['display-name'] ?? username, roles: userRoles, national: Boolean(opts.national), facilities, password: opts.password },
      { mustChangePassword: false },
    );
    console.log(`user ${user.username} created (${user.roles.join(', ')}; ${user.national ? 'national scope' : `scope ${user.facilities.join(', ')}`})`);
    return 0;
  } catch (e) {
    return reportRefusal(e);
  }
}

export async function createTokenFromCli(deps: CliDeps, opts: { username?: string | undefined; label?: string | undefined }): Promise<number> {
  const username = opts.username?.trim().toLowerCase() ?? '';
  if (!username) return usageError('--username is required');
  const user = await deps.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
  if (!user) return usageError(`no user named "${username}"`);
  try {
    const { token, secret } = await admin.createToken(deps, cli, user.id, opts.label ?? '');
    console.log(`token ${token.prefix}… created for ${username}${token.label ? ` (${token.label})` : ''}; it is shown only this once:`);
    console.log(secret);
    return 0;
  } catch (e) {
    return reportRefusal(e);
  }
}
