// Administering accounts: users with their roles and scope, sign-in state, API tokens, and the
// second-factor policy of each role. Every use case checks access first, runs in one
// transaction and records its audit entry in that transaction; reads of accounts are audited
// too (a list is one entry for the query). Passwords, password hashes, second-factor secrets
// and tokens never reach an audit value.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Settings } from '../../config.ts';
import type { Actor } from '../../platform/access/actor.ts';
import type { Permission } from '../../platform/access/permissions.ts';
import { requireAccess } from '../../platform/access/require-access.ts';
import { apiOnlyRoles, defaultMfaRequired, isRole, rolePermissions, roles, type Role } from '../../platform/access/roles.ts';
import { recordAudit, type AuditActor } from '../../platform/audit/audit.ts';
import { hashPassword, passwordMaxLength, passwordMinLength, passwordProblem } from '../../platform/auth/passwords.ts';
import { endUserSessions } from '../../platform/auth/sessions.ts';
import { createApiToken } from '../../platform/auth/tokens.ts';
import { AppError, fieldRule, notFound, unprocessable, type FieldError } from '../../platform/http/errors.ts';
import { versionConflict } from '../../platform/http/idempotency.ts';

export interface Deps {
  /** May be a transaction (Idempotency-Key runs the create inside its own). */
  db: Kysely<Database>;
  settings: Settings;
}

/**
 * Who acts. `actor` is the signed-in user or token owner, checked against permissions and
 * facility scope; null is the command line, which runs with the server's own database and
 * keys, so a permission check there would prove nothing (it is still audited).
 */
export interface Caller {
  actor: Actor | null;
  audit: AuditActor;
}

export const usernamePattern = /^[a-z0-9][a-z0-9._-]{1,62}$/;
export const displayNameMaxLength = 100;
export const labelMaxLength = 100;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function check(caller: Caller, permission: Permission): void {
  if (caller.actor) requireAccess(caller.actor, permission);
}

function inTransaction<T>(db: Kysely<Database>, run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx));
}

/**
 * The accounts a caller reaches, as SQL: everyone for a national caller; for a caller scoped
 * to centres, only non-national accounts whose every centre is one of the caller's (so a
 * regional administrator can never widen or take over someone else's access).
 */
function reachable(caller: Caller) {
  const codes = caller.actor?.facilities ?? null;
  if (codes === null) return sql<boolean>`true`;
  const outside = codes.length ? sql`and f.facility_code not in (${sql.join(codes)})` : sql``;
  return sql<boolean>`(u.national_scope = false and not exists (select 1 from user_facilities f where f.user_id = u.id ${outside}))`;
}

// ---- reading ----

export interface UserView {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  national: boolean;
  facilities: string[];
  language: string;
  disabled: boolean;
  disabledAt: string | null;
  locked: boolean;
  lockedUntil: string | null;
  failedLogins: number;
  lastFailedAt: string | null;
  totpEnabled: boolean;
  mustChangePassword: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function usersQuery(db: Kysely<Database>, caller: Caller) {
  return db
    .selectFrom('users as u')
    .select([
      'u.id',
      'u.username',
      'u.display_name',
      'u.national_scope',
      'u.language',
      'u.disabled_at',
      'u.locked_until',
      'u.failed_logins',
      'u.last_failed_at',
      'u.totp_enabled_at',
      'u.must_change_password',
      'u.last_login_at',
      'u.created_at',
      'u.updated_at',
      'u.version',
    ])
    .select(sql<string[]>`coalesce((select json_agg(r.role order by r.role) from user_roles r where r.user_id = u.id), '[]'::json)`.as('roles'))
    .select(sql<string[]>`coalesce((select json_agg(f.facility_code order by f.facility_code) from user_facilities f where f.user_id = u.id), '[]'::json)`.as('facilities'))
    .where(reachable(caller));
}

type UserRow = Awaited<ReturnType<ReturnType<typeof usersQuery>['executeTakeFirstOrThrow']>>;

function toView(r: UserRow, now = new Date()): UserView {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    roles: r.roles,
    national: r.national_scope,
    facilities: r.facilities,
    language: r.language,
    disabled: r.disabled_at !== null,
    disabledAt: iso(r.disabled_at),
    locked: r.locked_until !== null && r.locked_until > now,
    lockedUntil: iso(r.locked_until),
    failedLogins: r.failed_logins,
    lastFailedAt: iso(r.last_failed_at),
    totpEnabled: r.totp_enabled_at !== null,
    mustChangePassword: r.must_change_password,
    lastLoginAt: iso(r.last_login_at),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    version: r.version,
  };
}

/** What the audit trail keeps of an account: who it is and what it may do, never secrets. */
function auditView(u: UserView) {
  return { username: u.username, displayName: u.displayName, roles: u.roles, national: u.national, facilities: u.facilities, disabled: u.disabled, mustChangePassword: u.mustChangePassword, version: u.version };
}

/** An account the caller reaches, or 404 (also for ids outside the caller's scope). */
async function findUser(db: Kysely<Database>, caller: Caller, id: string): Promise<UserView> {
  if (!uuidPattern.test(id)) throw notFound();
  const row = await usersQuery(db, caller).where('u.id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  return toView(row);
}

export interface UserFilter {
  q?: string | undefined;
  status?: 'active' | 'disabled' | 'locked' | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export async function listUsers(deps: Deps, caller: Caller, filter: UserFilter): Promise<{ items: UserView[]; total: number }> {
  check(caller, 'user.read');
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  const offset = Math.max(filter.offset ?? 0, 0);
  const q = filter.q?.trim() ?? '';
  return inTransaction(deps.db, async (trx) => {
    let query = usersQuery(trx, caller);
    if (q) {
      const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where(sql<boolean>`(u.username ilike ${like} or unaccent(u.display_name) ilike unaccent(${like}))`);
    }
    if (filter.status === 'active') query = query.where('u.disabled_at', 'is', null);
    if (filter.status === 'disabled') query = query.where('u.disabled_at', 'is not', null);
    if (filter.status === 'locked') query = query.where('u.locked_until', '>', new Date());
    const rows = await query.orderBy('u.username').limit(limit).offset(offset).execute();
    const count = await trx.selectFrom(query.as('x')).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
    const total = Number(count.n);
    await recordAudit(trx, caller.audit, { action: 'user.list', targetType: 'user', details: { q: q || null, status: filter.status ?? null, limit, offset, total } });
    return { items: rows.map((r) => toView(r)), total };
  });
}

export async function getUser(deps: Deps, caller: Caller, id: string): Promise<UserView> {
  check(caller, 'user.read');
  return inTransaction(deps.db, async (trx) => {
    const user = await findUser(trx, caller, id);
    await recordAudit(trx, caller.audit, { action: 'user.read', targetType: 'user', targetId: id });
    return user;
  });
}

/** The centres an administrator may assign: those in their own scope. Reference data, not audited. */
export async function facilityChoices(deps: Deps, caller: Caller): Promise<{ code: string; name: string }[]> {
  check(caller, 'user.read');
  let q = deps.db.selectFrom('facilities').select(['code', 'name']).orderBy('code');
  const codes = caller.actor?.facilities ?? null;
  if (codes !== null) q = q.where('code', 'in', codes.length ? codes : ['']);
  return q.execute();
}

// ---- creating and changing accounts ----

export interface Assignment {
  roles: string[];
  national: boolean;
  facilities: string[];
}

/** Field errors of a role and scope assignment (roles known, scope national or ≥1 reachable centre). */
async function assignmentProblems(db: Kysely<Database>, caller: Caller, a: Assignment): Promise<FieldError[]> {
  const fields: FieldError[] = [];
  if (a.roles.length === 0) fields.push({ path: 'roles', key: 'admin.errors.rolesRequired' });
  a.roles.forEach((role, i) => {
    if (!isRole(role)) fields.push({ path: `roles[${i}]`, key: 'admin.errors.unknownRole', params: { role } });
  });
  const callerScope = caller.actor?.facilities ?? null;
  if (a.national && a.facilities.length) fields.push({ path: 'facilities', key: 'admin.errors.scopeBoth' });
  else if (!a.national && a.facilities.length === 0) fields.push({ path: 'facilities', key: 'admin.errors.scopeRequired' });
  if (a.national && callerScope !== null) fields.push({ path: 'national', key: 'admin.errors.nationalOutsideScope' });
  if (a.facilities.length) {
    const known = new Set((await db.selectFrom('facilities').select('code').where('code', 'in', a.facilities).execute()).map((f) => f.code));
    a.facilities.forEach((code, i) => {
      if (!known.has(code)) fields.push({ path: `facilities[${i}]`, key: 'admin.errors.unknownFacility', params: { code } });
      else if (callerScope !== null && !callerScope.includes(code)) fields.push({ path: `facilities[${i}]`, key: 'admin.errors.facilityOutsideScope', params: { code } });
    });
  }
  return fields;
}

function displayNameProblem(name: string): FieldError | null {
  if (!name) return { path: 'displayName', key: 'admin.errors.displayNameRequired' };
  if (name.length > displayNameMaxLength) return { path: 'displayName', key: 'admin.errors.displayNameTooLong', params: { max: displayNameMaxLength } };
  return null;
}

function passwordField(password: string, username: string): FieldError | null {
  const key = passwordProblem(password, username);
  return key ? { path: 'password', key, params: { min: passwordMinLength, max: passwordMaxLength } } : null;
}

async function writeAssignment(trx: Kysely<Database>, userId: string, a: Assignment): Promise<void> {
  await trx.deleteFrom('user_roles').where('user_id', '=', userId).execute();
  await trx.deleteFrom('user_facilities').where('user_id', '=', userId).execute();
  if (a.roles.length) await trx.insertInto('user_roles').values(a.roles.map((role) => ({ user_id: userId, role }))).execute();
  if (!a.national && a.facilities.length) await trx.insertInto('user_facilities').values(a.facilities.map((facility_code) => ({ user_id: userId, facility_code }))).execute();
}

const unique = (xs: string[]): string[] => [...new Set(xs)];
const invalid = (fields: FieldError[]) => unprocessable('errors.validation', fields);
const usernameTaken = () => new AppError(409, 'conflict', 'admin.errors.usernameTaken', {}, [{ path: 'username', key: 'admin.errors.usernameTaken' }]);

export interface NewUser extends Assignment {
  username: string;
  displayName: string;
  password: string;
}

/**
 * Creates an account. A password set by an administrator is temporary (changed at first
 * sign-in); the command line's first administrator sets their own, so it is not.
 */
export async function createUser(deps: Deps, caller: Caller, input: NewUser, opts: { mustChangePassword?: boolean } = {}): Promise<UserView> {
  check(caller, 'user.manage');
  const username = input.username.trim().toLowerCase();
  const displayName = input.displayName.trim() || username;
  const a: Assignment = { roles: unique(input.roles), national: input.national, facilities: unique(input.facilities) };
  const fields: FieldError[] = [];
  if (!usernamePattern.test(username)) fields.push({ path: 'username', key: 'admin.errors.usernameFormat' });
  const nameProblem = displayNameProblem(displayName);
  if (nameProblem) fields.push(nameProblem);
  fields.push(...(await assignmentProblems(deps.db, caller, a)));
  const pw = passwordField(input.password, username);
  if (pw) fields.push(pw);
  if (fields.length) throw invalid(fields);
  if (await deps.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst()) throw usernameTaken();
  const hash = await hashPassword(input.password, { memoryKiB: deps.settings.argon2MemoryKiB, passes: deps.settings.argon2Passes });
  return inTransaction(deps.db, async (trx) => {
    const row = await trx
      .insertInto('users')
      .values({ username, display_name: displayName, password_hash: hash, must_change_password: opts.mustChangePassword ?? true, national_scope: a.national })
      .returning('id')
      .executeTakeFirstOrThrow();
    await writeAssignment(trx, row.id, a);
    const user = await findUser(trx, { ...caller, actor: null }, row.id);
    await recordAudit(trx, caller.audit, { action: 'user.created', targetType: 'user', targetId: row.id, after: auditView(user) });
    return user;
  });
}

export interface UserChange {
  version: number;
  displayName?: string | undefined;
  roles?: string[] | undefined;
  national?: boolean | undefined;
  facilities?: string[] | undefined;
}

/** Changes name, roles or scope. Optimistic: the caller sends the version it read. */
export async function updateUser(deps: Deps, caller: Caller, id: string, change: UserChange): Promise<UserView> {
  check(caller, 'user.manage');
  return inTransaction(deps.db, async (trx) => {
    const before = await findUser(trx, caller, id);
    // Sending facilities alone means "scoped to these centres".
    const national = change.national ?? (change.facilities !== undefined ? false : before.national);
    const a: Assignment = {
      roles: unique(change.roles ?? before.roles),
      national,
      facilities: national ? unique(change.facilities ?? []) : unique(change.facilities ?? before.facilities),
    };
    const displayName = change.displayName?.trim() ?? before.displayName;
    const fields: FieldError[] = [];
    const nameProblem = displayNameProblem(displayName);
    if (nameProblem) fields.push(nameProblem);
    fields.push(...(await assignmentProblems(trx, caller, a)));
    // An administrator cannot take away their own administration (nobody would be left to undo it).
    if (caller.actor?.userId === id && before.roles.includes('admin') && !a.roles.includes('admin')) fields.push({ path: 'roles', key: 'admin.errors.ownAdminRole' });
    if (fields.length) throw invalid(fields);
    const r = await trx
      .updateTable('users')
      .set({ display_name: displayName, national_scope: a.national, updated_at: new Date(), version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', change.version)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw versionConflict();
    await writeAssignment(trx, id, a);
    const after = await findUser(trx, { ...caller, actor: null }, id);
    await recordAudit(trx, caller.audit, { action: 'user.updated', targetType: 'user', targetId: id, before: auditView(before), after: auditView(after) });
    return after;
  });
}

/**
 * Disables or enables an account. Disabling ends every session at once, and the user's
 * tokens stop working (they are checked against the account on every call).
 */
export async function setDisabled(deps: Deps, caller: Caller, id: string, disabled: boolean): Promise<UserView> {
  check(caller, 'user.manage');
  if (disabled && caller.actor?.userId === id) throw unprocessable('admin.errors.disableSelf');
  return inTransaction(deps.db, async (trx) => {
    const before = await findUser(trx, caller, id);
    if (before.disabled === disabled) return before;
    await trx
      .updateTable('users')
      .set({ disabled_at: disabled ? new Date() : null, updated_at: new Date(), version: sql`version + 1` })
      .where('id', '=', id)
      .execute();
    const sessionsEnded = disabled ? await endUserSessions(trx, id, 'user_disabled') : 0;
    const after = await findUser(trx, { ...caller, actor: null }, id);
    await recordAudit(trx, caller.audit, {
      action: disabled ? 'user.disabled' : 'user.enabled',
      targetType: 'user',
      targetId: id,
      before: { disabled: before.disabled },
      after: { disabled: after.disabled },
      details: { sessionsEnded },
    });
    return after;
  });
}

/**
 * An administrator sets a temporary password: the user must change it at next sign-in, every
 * open session ends (whoever held them may have known the old one), and a lock is lifted so
 * the user can sign in with it straight away.
 */
export async function resetPassword(deps: Deps, caller: Caller, id: string, password: string): Promise<UserView> {
  check(caller, 'user.manage');
  const target = await findUser(deps.db, caller, id);
  const problem = passwordField(password, target.username);
  if (problem) throw invalid([problem]);
  const hash = await hashPassword(password, { memoryKiB: deps.settings.argon2MemoryKiB, passes: deps.settings.argon2Passes });
  return inTransaction(deps.db, async (trx) => {
    const before = await findUser(trx, caller, id);
    await trx
      .updateTable('users')
      .set({ password_hash: hash, must_change_password: true, locked_until: null, failed_logins: 0, updated_at: new Date(), version: sql`version + 1` })
      .where('id', '=', id)
      .execute();
    const sessionsEnded = await endUserSessions(trx, id, 'password_reset');
    const after = await findUser(trx, { ...caller, actor: null }, id);
    await recordAudit(trx, caller.audit, {
      action: 'user.password.reset',
      targetType: 'user',
      targetId: id,
      before: { mustChangePassword: before.mustChangePassword, lockedUntil: before.lockedUntil },
      after: { mustChangePassword: true, lockedUntil: null },
      details: { sessionsEnded },
    });
    return after;
  });
}

/** Lifts a temporary lock after repeated failed sign-ins. */
export async function unlockUser(deps: Deps, caller: Caller, id: string): Promise<UserView> {
  check(caller, 'user.manage');
  return inTransaction(deps.db, async (trx) => {
    const before = await findUser(trx, caller, id);
    await trx.updateTable('users').set({ locked_until: null, failed_logins: 0, updated_at: new Date(), version: sql`version + 1` }).where('id', '=', id).execute();
    const after = await findUser(trx, { ...caller, actor: null }, id);
    await recordAudit(trx, caller.audit, {
      action: 'user.unlocked',
      targetType: 'user',
      targetId: id,
      before: { lockedUntil: before.lockedUntil, failedLogins: before.failedLogins },
      after: { lockedUntil: null, failedLogins: 0 },
    });
    return after;
  });
}

// ---- API tokens ----

export interface TokenView {
  id: string;
  userId: string;
  label: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  active: boolean;
}

function tokensQuery(db: Kysely<Database>) {
  return db.selectFrom('api_tokens').select(['id', 'user_id', 'label', 'token_prefix', 'created_at', 'last_used_at', 'revoked_at']);
}

function toTokenView(r: Awaited<ReturnType<ReturnType<typeof tokensQuery>['executeTakeFirstOrThrow']>>): TokenView {
  return { id: r.id, userId: r.user_id, label: r.label, prefix: r.token_prefix, createdAt: r.created_at.toISOString(), lastUsedAt: iso(r.last_used_at), revokedAt: iso(r.revoked_at), active: r.revoked_at === null };
}

export async function listTokens(deps: Deps, caller: Caller, userId: string): Promise<TokenView[]> {
  check(caller, 'token.manage');
  return inTransaction(deps.db, async (trx) => {
    await findUser(trx, caller, userId);
    const rows = await tokensQuery(trx).where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
    await recordAudit(trx, caller.audit, { action: 'token.list', targetType: 'user', targetId: userId, details: { total: rows.length } });
    return rows.map(toTokenView);
  });
}

/**
 * Creates a token for a user; the secret is returned once and stored only as a hash.
 * Administrators get none: an administrator's power must stay behind a second factor.
 */
export async function createToken(deps: Deps, caller: Caller, userId: string, label: string): Promise<{ token: TokenView; secret: string }> {
  check(caller, 'token.manage');
  const cleanLabel = label.trim();
  if (cleanLabel.length > labelMaxLength) throw fieldRule('label', 'admin.errors.labelTooLong', { max: labelMaxLength });
  return inTransaction(deps.db, async (trx) => {
    const user = await findUser(trx, caller, userId);
    if (user.roles.includes('admin')) throw unprocessable('admin.tokens.adminRefused');
    if (user.disabled) throw unprocessable('admin.tokens.disabledRefused');
    const created = await createApiToken(trx, { userId, label: cleanLabel, createdBy: caller.actor?.userId ?? null });
    const token = toTokenView(await tokensQuery(trx).where('id', '=', created.id).executeTakeFirstOrThrow());
    await recordAudit(trx, caller.audit, {
      action: 'token.created',
      targetType: 'api_token',
      targetId: created.id,
      after: { userId, username: user.username, label: token.label, prefix: token.prefix },
    });
    return { token, secret: created.token };
  });
}

/** Revokes a token; the next call with it is refused. Revoking twice changes nothing. */
export async function revokeToken(deps: Deps, caller: Caller, tokenId: string): Promise<TokenView> {
  check(caller, 'token.manage');
  if (!uuidPattern.test(tokenId)) throw notFound();
  return inTransaction(deps.db, async (trx) => {
    const row = await tokensQuery(trx).where('id', '=', tokenId).executeTakeFirst();
    if (!row) throw notFound();
    await findUser(trx, caller, row.user_id); // 404 when the owner is outside the caller's scope
    if (row.revoked_at) return toTokenView(row);
    await trx.updateTable('api_tokens').set({ revoked_at: new Date(), revoked_by: caller.actor?.userId ?? null }).where('id', '=', tokenId).execute();
    const after = toTokenView(await tokensQuery(trx).where('id', '=', tokenId).executeTakeFirstOrThrow());
    await recordAudit(trx, caller.audit, { action: 'token.revoked', targetType: 'api_token', targetId: tokenId, before: { revoked: false }, after: { revoked: true, userId: row.user_id, prefix: row.token_prefix } });
    return after;
  });
}

// ---- roles and their second-factor policy ----

export interface RoleView {
  role: Role;
  permissions: string[];
  mfaRequired: boolean;
  apiOnly: boolean;
  /** 0 while the role still follows the built-in default (no stored policy). */
  version: number;
}

async function roleViews(db: Kysely<Database>): Promise<RoleView[]> {
  const stored = new Map((await db.selectFrom('role_policies').select(['role', 'mfa_required', 'version']).execute()).map((r) => [r.role, r]));
  return roles.map((role) => ({
    role,
    permissions: [...rolePermissions[role]],
    mfaRequired: stored.get(role)?.mfa_required ?? defaultMfaRequired[role] ?? false,
    apiOnly: apiOnlyRoles.includes(role),
    version: stored.get(role)?.version ?? 0,
  }));
}

export async function listRoles(deps: Deps, caller: Caller): Promise<RoleView[]> {
  check(caller, 'user.read');
  return roleViews(deps.db);
}

/** Sets whether a role requires a second factor. Administrators always do (security baseline). */
export async function setRoleMfa(deps: Deps, caller: Caller, role: string, mfaRequired: boolean, version?: number): Promise<RoleView> {
  check(caller, 'role.manage');
  if (!isRole(role)) throw notFound();
  if (role === 'admin' && !mfaRequired) throw fieldRule('mfaRequired', 'admin.roles.adminMfaRequired');
  return inTransaction(deps.db, async (trx) => {
    const before = (await roleViews(trx)).find((r) => r.role === role)!;
    if (version !== undefined && version !== before.version) throw versionConflict();
    if (before.mfaRequired === mfaRequired) return before; // nothing changes, nothing to record
    const r = await trx
      .insertInto('role_policies')
      .values({ role, mfa_required: mfaRequired })
      .onConflict((oc) => {
        const up = oc.column('role').doUpdateSet({ mfa_required: mfaRequired, version: sql`role_policies.version + 1`, updated_at: new Date() });
        return before.version > 0 ? up.where('role_policies.version', '=', before.version) : up;
      })
      .returning('role')
      .executeTakeFirst();
    if (!r) throw versionConflict();
    const after = (await roleViews(trx)).find((x) => x.role === role)!;
    await recordAudit(trx, caller.audit, { action: 'role.policy.updated', targetType: 'role', targetId: role, before: { mfaRequired: before.mfaRequired }, after: { mfaRequired: after.mfaRequired } });
    return after;
  });
}
