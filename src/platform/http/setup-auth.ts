// Resolves who is calling (session cookie or Bearer token) and enforces each route's declared
// access before its handler runs. CSRF: cookie-authenticated state-changing calls must carry
// the session's token (X-CSRF-Token header, or the _csrf form field).
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiOnlyRoles } from '../access/roles.ts';
import { loadSession, sessionCookie } from '../auth/sessions.ts';
import { findTokenActor } from '../auth/tokens.ts';
import { defaultLanguage, isLanguage, translator } from '../i18n/i18n.ts';
import { AppError, forbidden, unauthenticated } from './errors.ts';
import { isApiPath, type RouteAccess } from './context.ts';
import { mfaRequiredFor } from '../auth/mfa-policy.ts';

export const languageCookie = 'custodia_lang';

export interface RouteEntry {
  method: string;
  url: string;
  access: RouteAccess | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteEntry[];
  }
}
const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export function setUpAuth(app: FastifyInstance): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('session', null);
  app.decorateRequest('tokenId', null);
  app.decorateRequest('lang', defaultLanguage);
  app.decorateRequest('t', null as never);

  // Static assets are public; every other route declares its access itself. The route table
  // is kept for the test that checks every route's access.
  app.decorate('routeTable', [] as RouteEntry[]);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/assets/')) route.config = { ...route.config, access: 'public' };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) if (method !== 'HEAD') app.routeTable.push({ method, url: route.url, access: route.config?.access });
  });

  app.addHook('onRequest', async (req) => {
    const cookieLang = req.cookies[languageCookie];
    req.lang = isLanguage(cookieLang) ? cookieLang : defaultLanguage;
    req.t = translator(req.lang);
    const access = req.routeOptions.config.access;
    if (!app.state.ready) {
      if (req.url === '/health' || req.url.startsWith('/assets/')) return;
      throw new AppError(503, 'starting', 'errors.starting');
    }
    if (access === 'public' && !req.cookies[sessionCookie]) return;
    await identify(app, req);
    if (req.actor) {
      req.lang = req.actor.language;
      req.t = translator(req.lang);
    }
  });

  // preValidation: access is decided before the body is validated, so an unauthenticated
  // call gets 401 (not 400) whatever it sends.
  app.addHook('preValidation', async (req) => {
    const config = req.routeOptions.config;
    const access = config.access;
    // The not-found handler has no route of its own: an unknown address answers 404.
    if (access === undefined && req.is404) return;
    if (access === undefined) throw new AppError(500, 'internal_error', 'errors.internal'); // every route must declare it
    if (access === 'public') return;
    const actor = req.actor;
    if (!actor || !req.session && !req.tokenId) throw unauthenticated();
    if (req.session && req.session.stage !== 'active') throw unauthenticated();
    if (req.session && unsafeMethods.has(req.method)) {
      const sent = (req.headers['x-csrf-token'] as string | undefined) ?? (req.body as { _csrf?: unknown } | undefined)?._csrf;
      if (typeof sent !== 'string' || !safeEqual(sent, req.session.csrfToken)) throw new AppError(403, 'csrf', 'errors.csrf');
    }
    // A pending password change or second-factor enrolment confines the user to those pages.
    if (!config.allowPending && req.session) {
      if (actor.mustChangePassword) throw new AppError(403, 'password_change_required', 'auth.passwordChangeRequired');
      if (!actor.totpEnabled && (await mfaRequiredFor(app.state.db, actor.roles))) throw new AppError(403, 'mfa_enrolment_required', 'auth.mfaEnrolmentRequired');
    }
    if (access !== 'signed-in' && !actor.permissions.has(access)) throw forbidden();
  });
}

async function identify(app: FastifyInstance, req: FastifyRequest): Promise<void> {
  const { db, settings } = app.state;
  const auth = req.headers.authorization;
  if (auth && isApiPath(req.url)) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const found = m ? await findTokenActor(db, m[1]!) : null;
    if (!found) throw unauthenticated();
    req.tokenId = found.tokenId;
    req.actor = found.actor;
    return;
  }
  const token = req.cookies[sessionCookie];
  if (!token) return;
  const session = await loadSession(db, token, { idleMinutes: settings.sessionIdleMinutes, absoluteHours: settings.sessionAbsoluteHours });
  // A session waiting for its second factor identifies nobody yet.
  if (!session || session.stage !== 'active') return;
  const actor = session.actor;
  // API-only roles (partner systems) never use pages.
  if (actor.roles.length > 0 && actor.roles.every((r) => apiOnlyRoles.includes(r))) return;
  req.session = session;
  req.actor = actor;
}
