// The audit trail over HTTP: search and verification under /api/v1/audit, and the /audit page
// for inspectors and administrators.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { auditActorOf } from '../../platform/http/context.ts';
import { AppError, type FieldError } from '../../platform/http/errors.ts';
import { formErrors } from '../../platform/http/forms.ts';
import { errors } from '../../platform/http/schemas.ts';
import { filtersFromForm, filtersQuery } from './filters.ts';
import * as S from './schemas.ts';
import * as service from './service.ts';

const pretty = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v, null, 2));
const compact = (v: unknown, max = 60): string => {
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

export async function auditRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = (): service.Deps => app.state;
  const tags = ['audit'];

  r.get(
    '/api/v1/audit',
    {
      config: { access: 'audit.read' },
      schema: {
        tags,
        summary: 'Search the audit trail, newest first, in keyset pages (this search is itself audited)',
        querystring: S.AuditQuery,
        response: { 200: S.AuditPage, ...errors(400, 401, 403, 422) },
      },
    },
    async (req) => service.searchAudit(deps(), { actor: req.actor!, audit: auditActorOf(req) }, { ...req.query, limit: req.query.limit ?? S.defaultLimit }),
  );

  r.get(
    '/api/v1/audit/verification',
    {
      config: { access: 'audit.read' },
      schema: { tags, summary: 'Verify the audit trail\'s hash chain and checkpoint (as `custodia audit verify`)', response: { 200: S.Verification, ...errors(401, 403) } },
    },
    async (req) => service.verifyAudit(deps(), req.actor!),
  );

  app.get('/audit', { config: { access: 'audit.read' } }, async (req, reply) => {
    const { filters, values, errors: formProblems } = filtersFromForm(req.query);
    let fieldErrors: FieldError[] = formProblems;
    let page: Awaited<ReturnType<typeof service.searchAudit>> = { items: [], nextBefore: null };
    if (!fieldErrors.length) {
      try {
        page = await service.searchAudit(deps(), { actor: req.actor!, audit: auditActorOf(req) }, filters);
      } catch (e) {
        if (!(e instanceof AppError) || e.status !== 422) throw e;
        fieldErrors = e.fields;
      }
    }
    if (fieldErrors.length) reply.code(fieldErrors === formProblems ? 400 : 422);
    const verification = await service.recentVerification(deps(), req.actor!);
    const rows = page.items.map((e) => ({
      ...e,
      summary: e.after !== null ? compact(e.after) : e.details !== null ? compact(e.details) : e.before !== null ? compact(e.before) : null,
      beforeJson: pretty(e.before),
      afterJson: pretty(e.after),
      detailsJson: pretty(e.details),
    }));
    return reply.page('audit/views/audit.njk', {
      pageTitle: req.t('audit.title'),
      values,
      rows,
      verification,
      nextHref: page.nextBefore !== null ? `/audit?${filtersQuery(filters, { before: page.nextBefore })}` : null,
      firstHref: filters.before !== undefined ? `/audit?${filtersQuery({ ...filters, before: undefined })}` : null,
      errors: fieldErrors.length ? formErrors(req, fieldErrors) : null,
    });
  });
}
