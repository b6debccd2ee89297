// Signing in and the user's own account: password, language, second factor, sessions.
// Failed sign-ins are slowed, then lock the account for a while; wrong password, unknown
// user and locked account are indistinguishable to the caller.
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { Settings } from '../../config.ts';
import { decryptSecret, encryptSecret, type Keys } from '../../platform/audit/keys.ts';
import { recordAudit, type AuditActor } from '../../platform/audit/audit.ts';
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from '../../platform/auth/passwords.ts';
import { checkTotp, newTotpSecret, totpUri } from '../../platform/auth/totp.ts';
import { createSession, endSession, endUserSessions } from '../../platform/auth/sessions.ts';
import { mfaRequiredFor } from '../../platform/auth/mfa-policy.ts';
import { isRole } from '../../platform/access/roles.ts';
import type { Actor } from '../../platform/access/actor.ts';
import { AppError, fieldRule } from '../../platform/http/errors.ts';
import type { Language } from '../../platform/i18n/i18n.ts';

export interface Deps {
  db: Kysely<Database>;
  settings: Settings;
  keys: Keys;
}

export interface Meta {
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}

export type SignInResult =
  | { kind: 'signed-in'; userId: string; token: string; csrfToken: string }
  | { kind: 'mfa-required'; userId: string; token: string }
  | { kind: 'rejected' };

const invalidCredentials = () => new AppError(401, 'invalid_credentials', 'auth.invalidCredentials');

function auditMeta(meta: Meta, actorId: string | null, actorName: string): AuditActor {
  return { actorId, actorName, requestId: meta.requestId, sourceIp: meta.ip ?? undefined };
}

/** Progressive delay after repeated failures: 0, 0, 0.5 s, 1 s, 2 s … at most 4 s. */
export function failureDelayMs(consecutiveFailures: number): number {
  return consecutiveFailures < 2 ? 0 : Math.min(4000, 250 * 2 ** (consecutiveFailures - 1));
}

export async function signIn(
  deps: Deps,
  input: { username: string; password: string; totp?: string | undefined; pageSignIn: boolean },
  meta: Meta,
): Promise<SignInResult> {
  const { db, settings } = deps;
  const username = input.username.trim().toLowerCase();
  const user = await db
    .selectFrom('users')
    .select(['id', 'username', 'password_hash', 'disabled_at', 'locked_until', 'failed_logins', 'totp_secret_enc', 'totp_enabled_at', 'totp_last_step', 'failed_since_last_login'])
    .where('username', '=', username)
    .executeTakeFirst();
  const cost = { memoryKiB: settings.argon2MemoryKiB, passes: settings.argon2Passes };
  if (!user || !user.password_hash || user.disabled_at) {
    await verifyPassword(input.password, await decoyHash(cost)); // same time as a real check
    await db.transaction().execute((trx) =>
      recordAudit(trx, auditMeta(meta, null, 'anonymous'), { action: 'auth.login.failed', targetType: 'user', details: { reason: user ? 'disabled' : 'unknown_user' } }),
    );
    return { kind: 'rejected' };
  }
  const now = new Date();
  if (user.locked_until && user.locked_until > now) {
    await verifyPassword(input.password, await decoyHash(cost));
    await db.transaction().execute((trx) =>
      recordAudit(trx, auditMeta(meta, null, 'anonymous'), { action: 'auth.login.failed', targetType: 'user', targetId: user.id, details: { reason: 'locked' } }),
    );
    return { kind: 'rejected' };
  }
  const passwordOk = await verifyPassword(input.password, user.password_hash);
  let totpStep: number | null = null;
  let mfaPending = false;
  if (passwordOk && user.totp_enabled_at && user.totp_secret_enc) {
    if (input.totp === undefined || input.totp === '') mfaPending = true;
    else totpStep = await checkTotp(decryptSecret(deps.keys, user.totp_secret_enc), input.totp, user.totp_last_step);
  }
  const secondFactorOk = !user.totp_enabled_at || totpStep !== null;
  if (!passwordOk || (!mfaPending && !secondFactorOk)) {
    const failures = user.failed_logins + 1;
    const lock = failures >= settings.loginLockThreshold;
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({
          failed_logins: lock ? 0 : failures,
          failed_since_last_login: sql`failed_since_last_login + 1`,
          last_failed_at: now,
          locked_until: lock ? new Date(now.getTime() + settings.loginLockMinutes * 60_000) : user.locked_until,
        })
        .where('id', '=', user.id)
        .execute();
      await recordAudit(trx, auditMeta(meta, null, 'anonymous'), {
        action: lock ? 'auth.account.locked' : 'auth.login.failed',
        targetType: 'user',
        targetId: user.id,
        details: { reason: passwordOk ? 'second_factor' : 'password', consecutiveFailures: failures },
      });
    });
    await sleep(failureDelayMs(failures));
    return { kind: 'rejected' };
  }
  if (mfaPending) {
    if (!input.pageSignIn) return { kind: 'rejected' };
    const s = await createSession(db, { userId: user.id, ip: meta.ip, userAgent: meta.userAgent, stage: 'mfa_pending' });
    return { kind: 'mfa-required', userId: user.id, token: s.token };
  }
  return db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ failed_logins: 0, failed_since_last_login: 0, last_login_at: now, ...(totpStep !== null ? { totp_last_step: totpStep } : {}) })
      .where('id', '=', user.id)
      .execute();
    const s = await createSession(trx, { userId: user.id, ip: meta.ip, userAgent: meta.userAgent, stage: 'active', failedBefore: user.failed_since_last_login });
    await recordAudit(trx, auditMeta(meta, user.id, user.username), { action: 'auth.login.succeeded', targetType: 'user', targetId: user.id, details: { secondFactor: totpStep !== null } });
    return { kind: 'signed-in' as const, userId: user.id, token: s.token, csrfToken: s.csrfToken };
  });
}

/** Second step of a page sign-in: the code from the authenticator for a pending session. */
export async function completeMfa(deps: Deps, pendingIdHash: string, userId: string, code: string, meta: Meta): Promise<SignInResult> {
  const { db } = deps;
  const user = await db.selectFrom('users').select(['id', 'username', 'password_hash', 'totp_secret_enc', 'totp_last_step', 'failed_since_last_login', 'locked_until']).where('id', '=', userId).executeTakeFirst();
  if (!user?.totp_secret_enc || (user.locked_until && user.locked_until > new Date())) return { kind: 'rejected' };
  const step = await checkTotp(decryptSecret(deps.keys, user.totp_secret_enc), code.trim(), user.totp_last_step);
  await endSession(db, pendingIdHash, step === null ? 'mfa_failed' : 'mfa_completed');
  if (step === null) {
    // Counts as a failed sign-in; the user starts again from the password.
    await signIn(deps, { username: user.username, password: '', pageSignIn: false }, meta);
    return { kind: 'rejected' };
  }
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ failed_logins: 0, failed_since_last_login: 0, last_login_at: new Date(), totp_last_step: step }).where('id', '=', user.id).execute();
    const s = await createSession(trx, { userId: user.id, ip: meta.ip, userAgent: meta.userAgent, stage: 'active', failedBefore: user.failed_since_last_login });
    await recordAudit(trx, auditMeta(meta, user.id, user.username), { action: 'auth.login.succeeded', targetType: 'user', targetId: user.id, details: { secondFactor: true } });
    return { kind: 'signed-in' as const, userId: user.id, token: s.token, csrfToken: s.csrfToken };
  });
}

export async function signOut(deps: Deps, actor: Actor, sessionIdHash: string, meta: Meta): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    await endSession(trx, sessionIdHash, 'signed_out');
    await recordAudit(trx, auditMeta(meta, actor.userId, actor.username), { action: 'auth.logout', targetType: 'user', targetId: actor.userId });
  });
}

export async function changePassword(deps: Deps, actor: Actor, input: { currentPassword: string; newPassword: string }, currentSession: string | null, meta: Meta): Promise<void> {
  const { db, settings } = deps;
  const user = await db.selectFrom('users').select(['password_hash', 'username']).where('id', '=', actor.userId).executeTakeFirstOrThrow();
  if (!user.password_hash || !(await verifyPassword(input.currentPassword, user.password_hash))) throw fieldRule('currentPassword', 'auth.password.currentWrong');
  const problem = passwordProblem(input.newPassword, user.username);
  if (problem) throw fieldRule('newPassword', problem, { min: 12 });
  if (input.newPassword === input.currentPassword) throw fieldRule('newPassword', 'auth.password.same');
  const hash = await hashPassword(input.newPassword, { memoryKiB: settings.argon2MemoryKiB, passes: settings.argon2Passes });
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: hash, must_change_password: false, updated_at: new Date(), version: sql`version + 1` }).where('id', '=', actor.userId).execute();
    // Other sessions may belong to whoever knew the old password.
    const ended = await endUserSessions(trx, actor.userId, 'password_changed', currentSession ?? undefined);
    await recordAudit(trx, auditMeta(meta, actor.userId, actor.username), { action: 'account.password.changed', targetType: 'user', targetId: actor.userId, details: { otherSessionsEnded: ended } });
  });
}

export async function setLanguage(deps: Deps, actor: Actor, language: Language, meta: Meta): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ language, updated_at: new Date() }).where('id', '=', actor.userId).execute();
    await recordAudit(trx, auditMeta(meta, actor.userId, actor.username), { action: 'account.language.changed', targetType: 'user', targetId: actor.userId, before: { language: actor.language }, after: { language } });
  });
}

/** Starts (or restarts) enrolment: a new secret, stored encrypted, not active until confirmed. */
export async function beginMfaEnrolment(deps: Deps, actor: Actor): Promise<{ secret: string; otpauthUri: string }> {
  if (actor.totpEnabled) throw new AppError(409, 'conflict', 'auth.mfa.alreadyEnabled');
  const secret = newTotpSecret();
  await deps.db.updateTable('users').set({ totp_secret_enc: encryptSecret(deps.keys, secret) }).where('id', '=', actor.userId).where('totp_enabled_at', 'is', null).execute();
  return { secret, otpauthUri: totpUri(secret, actor.username) };
}

export async function pendingMfaSecret(deps: Deps, actor: Actor): Promise<{ secret: string; otpauthUri: string } | null> {
  const row = await deps.db.selectFrom('users').select(['totp_secret_enc', 'totp_enabled_at']).where('id', '=', actor.userId).executeTakeFirstOrThrow();
  if (!row.totp_secret_enc || row.totp_enabled_at) return null;
  const secret = decryptSecret(deps.keys, row.totp_secret_enc);
  return { secret, otpauthUri: totpUri(secret, actor.username) };
}

export async function confirmMfaEnrolment(deps: Deps, actor: Actor, code: string, meta: Meta): Promise<void> {
  const row = await deps.db.selectFrom('users').select(['totp_secret_enc', 'totp_enabled_at']).where('id', '=', actor.userId).executeTakeFirstOrThrow();
  if (row.totp_enabled_at) throw new AppError(409, 'conflict', 'auth.mfa.alreadyEnabled');
  if (!row.totp_secret_enc) throw fieldRule('code', 'auth.mfa.notStarted');
  const step = await checkTotp(decryptSecret(deps.keys, row.totp_secret_enc), code.trim(), null);
  if (step === null) throw fieldRule('code', 'auth.mfa.wrongCode');
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ totp_enabled_at: new Date(), totp_last_step: step }).where('id', '=', actor.userId).execute();
    await recordAudit(trx, auditMeta(meta, actor.userId, actor.username), { action: 'account.mfa.enrolled', targetType: 'user', targetId: actor.userId });
  });
}

export async function disableMfa(deps: Deps, actor: Actor, code: string, meta: Meta): Promise<void> {
  if (await mfaRequiredFor(deps.db, actor.roles.filter(isRole))) throw fieldRule('code', 'auth.mfa.requiredByRole');
  const row = await deps.db.selectFrom('users').select(['totp_secret_enc', 'totp_enabled_at', 'totp_last_step']).where('id', '=', actor.userId).executeTakeFirstOrThrow();
  if (!row.totp_enabled_at || !row.totp_secret_enc) throw new AppError(409, 'conflict', 'auth.mfa.notEnabled');
  const step = await checkTotp(decryptSecret(deps.keys, row.totp_secret_enc), code.trim(), row.totp_last_step);
  if (step === null) throw fieldRule('code', 'auth.mfa.wrongCode');
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ totp_enabled_at: null, totp_secret_enc: null, totp_last_step: null }).where('id', '=', actor.userId).execute();
    await recordAudit(trx, auditMeta(meta, actor.userId, actor.username), { action: 'account.mfa.disabled', targetType: 'user', targetId: actor.userId });
  });
}

export async function listOwnSessions(deps: Deps, actor: Actor) {
  return deps.db
    .selectFrom('sessions')
    .select(['id_hash as id', 'created_at', 'last_seen_at', 'ip', 'user_agent'])
    .where('user_id', '=', actor.userId)
    .where('ended_at', 'is', null)
    .where('stage', '=', 'active')
    .orderBy('last_seen_at', 'desc')
    .execute();
}

export async function endOwnSession(deps: Deps, actor: Actor, id: string, meta: Meta): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('sessions')
      .set({ ended_at: new Date(), end_reason: 'ended_by_user' })
      .where('id_hash', '=', id)
      .where('user_id', '=', actor.userId)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new AppError(404, 'not_found', 'errors.notFound');
    await recordAudit(trx, auditMeta(meta, actor.userId, actor.username), { action: 'account.session.ended', targetType: 'session', targetId: id.slice(0, 16) });
  });
}

export async function failedSignInsNotice(deps: Deps, userId: string) {
  return deps.db.selectFrom('users').select(['last_failed_at', 'locked_until']).where('id', '=', userId).executeTakeFirst();
}

export { invalidCredentials };
