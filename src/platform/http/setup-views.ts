// Server-rendered pages: Nunjucks with the GOV.UK Frontend and MoJ component macros.
// reply.page(name, data) renders a template with the caller's language, actor and CSRF token.
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import nunjucks from 'nunjucks';
import { formatDate, formatDateTime, formatNumber } from '../i18n/i18n.ts';

declare module 'fastify' {
  interface FastifyReply {
    page(template: string, data?: Record<string, unknown>): FastifyReply;
  }
}

const root = path.resolve(import.meta.dirname, '../../..');

export function createViewEnvironment(): nunjucks.Environment {
  const env = nunjucks.configure(
    [
      path.join(root, 'src/platform/views'),
      path.join(root, 'src/modules'),
      path.join(root, 'node_modules/govuk-frontend/dist'),
      path.join(root, 'node_modules/@ministryofjustice/frontend'),
    ],
    { autoescape: true, throwOnUndefined: false, noCache: process.env.NODE_ENV === 'development' },
  );
  return env;
}

export function setUpViews(app: FastifyInstance): void {
  const env = createViewEnvironment();
  app.decorateReply('page', function page(this: FastifyReply, template: string, data: Record<string, unknown> = {}) {
    const req = this.request;
    const tz = app.state.settings.timeZone;
    const lang = req.lang;
    const html = env.render(template, {
      ...data,
      lang,
      t: req.t,
      actor: req.actor,
      can: (permission: string) => req.actor?.permissions.has(permission as never) ?? false,
      csrfToken: req.session?.csrfToken ?? '',
      currentPath: req.url,
      demo: app.state.settings.demo,
      fmtDate: (d: string | null | undefined) => formatDate(lang, d),
      fmtDateTime: (d: Date | string | null | undefined) => formatDateTime(lang, d, tz),
      fmtNumber: (n: number | null | undefined, digits = 0) => formatNumber(lang, n, digits),
    });
    return this.type('text/html; charset=utf-8').send(html);
  });
}
