// Sign-in, sign-out and the user's own account, as JSON API and as pages.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import QRCode from 'qrcode';
import { loadSession, sessionCookie, sha256 } from '../../platform/auth/sessions.ts';
import { languageCookie } from '../../platform/http/setup-auth.ts';
import { AppError } from '../../platform/http/errors.ts';
import { errors } from '../../platform/http/schemas.ts';
import { isLanguage } from '../../platform/i18n/i18n.ts';
import { loadActor, type Actor } from '../../platform/access/actor.ts';
import { mfaRequiredFor } from '../../platform/auth/mfa-policy.ts';
import { formErrors } from '../../platform/http/forms.ts';
import * as account from './service.ts';
import * as S from './schemas.ts';

function meta(req: FastifyRequest): account.Meta {
  return { ip: req.ip, userAgent: req.headers['user-agent'] ?? null, requestId: req.id };
}

function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  reply.setCookie(sessionCookie, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: req.protocol === 'https', maxAge: maxAgeSeconds });
}

export function currentUserBody(actor: Actor) {
  return {
    id: actor.userId,
    username: actor.username,
    displayName: actor.displayName,
    roles: actor.roles,
    permissions: [...actor.permissions].sort(),
    facilities: actor.facilities,
    language: actor.language,
    mustChangePassword: actor.mustChangePassword,
    totpEnabled: actor.totpEnabled,
  };
}

/** Where to go after signing in: only local paths, never another site. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?!\/)[^\s\\]*$/.test(next) && !next.startsWith('/login') ? next : '/';
}

export async function accountRoutes(app: FastifyInstance): Promise<void> {
  const deps = (): account.Deps => app.state;
  const sessionSeconds = () => app.state.settings.sessionAbsoluteHours * 3600;
  const loginLimit = () => ({ max: app.state.settings.loginRateLimitPerMinute, timeWindow: 60_000 });

  // ---- API ----
  app.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public', rateLimit: loginLimit() },
      schema: { tags: ['auth'], summary: 'Sign in; returns the user and a CSRF token, and sets the session cookie', body: S.LoginBody, response: { 200: S.LoginResponse, ...errors(400, 401, 429) } },
    },
    async (req, reply) => {
      const body = req.body as { username: string; password: string; totp?: string };
      const r = await account.signIn(deps(), { ...body, pageSignIn: false }, meta(req));
      if (r.kind !== 'signed-in') throw account.invalidCredentials();
      const actor = await loadActor(app.state.db, r.userId, 'session');
      if (!actor) throw account.invalidCredentials();
      setSessionCookie(req, reply, r.token, sessionSeconds());
      return { user: currentUserBody(actor), csrfToken: r.csrfToken };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { config: { access: 'signed-in', allowPending: true }, schema: { tags: ['auth'], summary: 'End the current session', response: { 204: Type.Null(), ...errors(401, 403) } } },
    async (req, reply) => {
      if (req.session) await account.signOut(deps(), req.actor!, req.session.idHash, meta(req));
      reply.clearCookie(sessionCookie, { path: '/' });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/auth/me',
    { config: { access: 'signed-in', allowPending: true }, schema: { tags: ['auth'], summary: 'The signed-in user or token owner', response: { 200: S.CurrentUser, ...errors(401) } } },
    async (req) => currentUserBody(req.actor!),
  );

  app.put(
    '/api/v1/account/password',
    { config: { access: 'signed-in', allowPending: true }, schema: { tags: ['account'], summary: 'Change the own password', body: S.PasswordBody, response: { 204: Type.Null(), ...errors(400, 401, 403, 422) } } },
    async (req, reply) => {
      await account.changePassword(deps(), req.actor!, req.body as { currentPassword: string; newPassword: string }, req.session?.idHash ?? null, meta(req));
      return reply.code(204).send();
    },
  );

  app.put(
    '/api/v1/account/language',
    { config: { access: 'signed-in', allowPending: true }, schema: { tags: ['account'], summary: 'Set the own language (remembered)', body: S.LanguageBody, response: { 204: Type.Null(), ...errors(400, 401, 403) } } },
    async (req, reply) => {
      await account.setLanguage(deps(), req.actor!, (req.body as { language: 'es' | 'en' }).language, meta(req));
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/account/mfa/enrolment',
    { config: { access: 'signed-in', allowPending: true }, schema: { tags: ['account'], summary: 'Start second-factor enrolment: a new TOTP secret', response: { 200: S.MfaEnrolment, ...errors(401, 403, 409) } } },
    async (req) => account.beginMfaEnrolment(deps(), req.actor!),
  );

  app.post(
    '/api/v1/account/mfa/enrolment/confirm',
    { config: { access: 'signed-in', allowPending: true }, schema: { tags: ['account'], summary: 'Confirm enrolment with a current code', body: S.CodeBody, response: { 204: Type.Null(), ...errors(400, 401, 403, 409, 422) } } },
    async (req, reply) => {
      await account.confirmMfaEnrolment(deps(), req.actor!, (req.body as { code: string }).code, meta(req));
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/account/mfa/disable',
    { config: { access: 'signed-in' }, schema: { tags: ['account'], summary: 'Remove the second factor (not where the role requires it)', body: S.CodeBody, response: { 204: Type.Null(), ...errors(400, 401, 403, 409, 422) } } },
    async (req, reply) => {
      await account.disableMfa(deps(), req.actor!, (req.body as { code: string }).code, meta(req));
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/account/sessions',
    { config: { access: 'signed-in' }, schema: { tags: ['account'], summary: 'The own open sessions', response: { 200: S.SessionList, ...errors(401, 403) } } },
    async (req) => {
      const rows = await account.listOwnSessions(deps(), req.actor!);
      return {
        items: rows.map((r) => ({ id: r.id, createdAt: r.created_at.toISOString(), lastSeenAt: r.last_seen_at.toISOString(), ip: r.ip, userAgent: r.user_agent, current: r.id === req.session?.idHash })),
      };
    },
  );

  app.delete(
    '/api/v1/account/sessions/:id',
    {
      config: { access: 'signed-in' },
      schema: { tags: ['account'], summary: 'End one of the own sessions', params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{64}$' }) }), response: { 204: Type.Null(), ...errors(400, 401, 403, 404) } },
    },
    async (req, reply) => {
      await account.endOwnSession(deps(), req.actor!, (req.params as { id: string }).id, meta(req));
      return reply.code(204).send();
    },
  );

  // ---- Pages ----
  app.get('/login', { config: { access: 'public' } }, async (req, reply) => {
    if (req.actor && req.session?.stage === 'active') return reply.redirect('/');
    return reply.page('account/views/login.njk', { next: safeNext((req.query as { next?: string }).next) });
  });

  app.post('/login', { config: { access: 'public', rateLimit: loginLimit() } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const next = safeNext(body.next);
    if (!username || !password) {
      reply.code(400);
      return reply.page('account/views/login.njk', { next, username, errors: formErrors(req, [...(!username ? [{ path: 'username', key: 'auth.usernameRequired' }] : []), ...(!password ? [{ path: 'password', key: 'auth.passwordRequired' }] : [])]) });
    }
    const r = await account.signIn(deps(), { username, password, pageSignIn: true }, meta(req));
    if (r.kind === 'rejected') {
      reply.code(401);
      return reply.page('account/views/login.njk', { next, username, errors: formErrors(req, [{ path: 'username', key: 'auth.invalidCredentials' }]) });
    }
    setSessionCookie(req, reply, r.token, r.kind === 'mfa-required' ? 300 : sessionSeconds());
    if (r.kind === 'mfa-required') return reply.redirect(`/login/mfa?next=${encodeURIComponent(next)}`);
    return reply.redirect(next);
  });

  app.get('/login/mfa', { config: { access: 'public' } }, async (req, reply) => {
    return reply.page('account/views/login-mfa.njk', { next: safeNext((req.query as { next?: string }).next) });
  });

  app.post('/login/mfa', { config: { access: 'public', rateLimit: loginLimit() } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    const token = req.cookies[sessionCookie];
    const pending = token ? await loadSession(app.state.db, token, { idleMinutes: 5, absoluteHours: 1 }) : null;
    if (!pending || pending.stage !== 'mfa_pending') return reply.redirect('/login');
    const code = typeof body.code === 'string' ? body.code : '';
    const r = await account.completeMfa(deps(), sha256(token!), pending.userId, code, meta(req));
    if (r.kind !== 'signed-in') {
      reply.clearCookie(sessionCookie, { path: '/' });
      reply.code(401);
      return reply.page('account/views/login.njk', { next, errors: formErrors(req, [{ path: 'username', key: 'auth.invalidCredentials' }]) });
    }
    setSessionCookie(req, reply, r.token, sessionSeconds());
    return reply.redirect(next);
  });

  app.post('/logout', { config: { access: 'signed-in', allowPending: true } }, async (req, reply) => {
    if (req.session) await account.signOut(deps(), req.actor!, req.session.idHash, meta(req));
    reply.clearCookie(sessionCookie, { path: '/' });
    return reply.redirect('/login');
  });

  // The language switch works signed in (remembered per user) and signed out (a cookie).
  app.post('/language', { config: { access: 'public' } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const lang = isLanguage(body.lang) ? body.lang : 'es';
    if (req.actor && req.session) {
      if (body._csrf !== req.session.csrfToken) throw new AppError(403, 'csrf', 'errors.csrf');
      await account.setLanguage(deps(), req.actor, lang, meta(req));
    }
    reply.setCookie(languageCookie, lang, { path: '/', httpOnly: true, sameSite: 'lax', secure: req.protocol === 'https', maxAge: 365 * 86400 });
    return reply.redirect(safeNext(body.next));
  });

  app.get('/account', { config: { access: 'signed-in', allowPending: true } }, async (req, reply) => {
    const actor = req.actor!;
    const mfaRequired = await mfaRequiredFor(app.state.db, actor.roles);
    return reply.page('account/views/account.njk', { pageTitle: req.t('account.title'), mfaRequired, failedBefore: req.session?.failedBefore ?? 0 });
  });

  app.get('/account/password', { config: { access: 'signed-in', allowPending: true } }, async (req, reply) => reply.page('account/views/password.njk', { pageTitle: req.t('account.password.title') }));

  app.post('/account/password', { config: { access: 'signed-in', allowPending: true } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const currentPassword = typeof body.currentPassword === 'string' ? body.currentPassword : '';
    const newPassword = typeof body.newPassword === 'string' ? body.newPassword : '';
    const confirm = typeof body.confirmPassword === 'string' ? body.confirmPassword : '';
    try {
      if (newPassword !== confirm) throw new AppError(422, 'rule_violation', 'auth.password.mismatch', {}, [{ path: 'confirmPassword', key: 'auth.password.mismatch' }]);
      await account.changePassword(deps(), req.actor!, { currentPassword, newPassword }, req.session?.idHash ?? null, meta(req));
    } catch (e) {
      if (!(e instanceof AppError) || e.status !== 422) throw e;
      reply.code(422);
      return reply.page('account/views/password.njk', { pageTitle: req.t('account.password.title'), errors: formErrors(req, e.fields) });
    }
    return reply.redirect('/account?changed=password');
  });

  app.get('/account/mfa', { config: { access: 'signed-in', allowPending: true } }, async (req, reply) => {
    const actor = req.actor!;
    let enrolment = actor.totpEnabled ? null : await account.pendingMfaSecret(deps(), actor);
    if (!actor.totpEnabled && !enrolment) enrolment = await account.beginMfaEnrolment(deps(), actor);
    const qrSvg = enrolment ? await QRCode.toString(enrolment.otpauthUri, { type: 'svg', margin: 1 }) : null;
    const mfaRequired = await mfaRequiredFor(app.state.db, actor.roles);
    return reply.page('account/views/mfa.njk', { pageTitle: req.t('account.mfa.title'), enrolment, qrSvg, mfaRequired });
  });

  app.post('/account/mfa', { config: { access: 'signed-in', allowPending: true } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const code = typeof body.code === 'string' ? body.code : '';
    const actor = req.actor!;
    try {
      if (actor.totpEnabled) await account.disableMfa(deps(), actor, code, meta(req));
      else await account.confirmMfaEnrolment(deps(), actor, code, meta(req));
    } catch (e) {
      if (!(e instanceof AppError) || e.status !== 422) throw e;
      const enrolment = actor.totpEnabled ? null : await account.pendingMfaSecret(deps(), actor);
      const qrSvg = enrolment ? await QRCode.toString(enrolment.otpauthUri, { type: 'svg', margin: 1 }) : null;
      reply.code(422);
      return reply.page('account/views/mfa.njk', { pageTitle: req.t('account.mfa.title'), enrolment, qrSvg, mfaRequired: await mfaRequiredFor(app.state.db, actor.roles), errors: formErrors(req, e.fields) });
    }
    return reply.redirect(`/account?changed=${actor.totpEnabled ? 'mfa-disabled' : 'mfa-enabled'}`);
  });

  app.get('/account/sessions', { config: { access: 'signed-in' } }, async (req, reply) => {
    const sessions = await account.listOwnSessions(deps(), req.actor!);
    return reply.page('account/views/sessions.njk', { pageTitle: req.t('account.sessions.title'), sessions, currentId: req.session?.idHash });
  });

  app.post('/account/sessions/:id/end', { config: { access: 'signed-in' }, schema: { params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{64}$' }) }) } }, async (req, reply) => {
    await account.endOwnSession(deps(), req.actor!, (req.params as { id: string }).id, meta(req));
    return reply.redirect('/account/sessions');
  });
}
