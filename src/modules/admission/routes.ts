// Admission: the JSON API (thin: each route calls one service function) and the guided form
// (pages.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditActorOf } from '../../platform/http/context.ts';
import { idempotent } from '../../platform/http/idempotency.ts';
import { errors } from '../../platform/http/schemas.ts';
import * as admission from './service.ts';
import * as S from './schemas.ts';
import { admissionPages } from './pages.ts';

const tags = ['admission'];

export function callerOf(req: FastifyRequest): admission.Caller {
  return { actor: req.actor!, audit: auditActorOf(req) };
}

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;

export async function admissionRoutes(app: FastifyInstance): Promise<void> {
  const deps = (): admission.Deps => app.state;
  const access = 'admission.create' as const;

  app.post(
    '/api/v1/admissions',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Admit a person on a verified commitment order (accepts Idempotency-Key)',
        description:
          'Creates the person (person) or links a returning person\'s file (personId), the custody episode, the first legal-status period from the order, the placement in the ' +
          'reception unit, the admission movement, property, contacts, children and the health declaration, and raises the admission alerts (health screening due; injuries or an ' +
          'ill-treatment complaint; foreign national) — in one transaction: a refused admission writes nothing. 422 (path order…) without an order; 422 (orderId) for an order ' +
          'not verified, of another kind or centre, rejected or used; 409 (personId) for someone already in custody; 404 for a centre outside the caller\'s scope.',
        body: S.AdmissionBody,
        response: { 201: S.AdmissionCreated, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => idempotent(req, reply, 201, (trx) => admission.admit({ ...deps(), db: trx }, callerOf(req), req.body as S.AdmissionInput)),
  );

  app.post(
    '/api/v1/admission-drafts',
    {
      config: { access },
      schema: { tags, summary: 'Start an admission draft for a centre (accepts Idempotency-Key)', body: S.CreateDraftBody, response: { 201: S.Draft, ...errors(400, 401, 403, 404, 409, 422) } },
    },
    async (req, reply) => {
      const b = req.body as { facilityCode: string; data?: S.DraftData };
      return idempotent(req, reply, 201, (trx) => admission.createDraft({ ...deps(), db: trx }, callerOf(req), b));
    },
  );

  app.get(
    '/api/v1/admission-drafts',
    { config: { access }, schema: { tags, summary: 'Open admission drafts of the caller\'s centres (or of one)', querystring: S.DraftQuery, response: { 200: S.DraftList, ...errors(400, 401, 403, 404) } } },
    async (req) => ({ items: await admission.listDrafts(deps(), callerOf(req), req.query as { facility?: string }) }),
  );

  app.get(
    '/api/v1/admission-drafts/:id',
    { config: { access }, schema: { tags, summary: 'One admission draft (the read is audited)', params: S.DraftParams, response: { 200: S.Draft, ...errors(400, 401, 403, 404) } } },
    async (req) => admission.getDraft(deps(), callerOf(req), idOf(req)),
  );

  app.put(
    '/api/v1/admission-drafts/:id',
    {
      config: { access },
      schema: { tags, summary: 'Save part of a draft (send the version read; 409 when stale)', params: S.DraftParams, body: S.UpdateDraftBody, response: { 200: S.Draft, ...errors(400, 401, 403, 404, 409, 422) } },
    },
    async (req) => {
      const b = req.body as { version: number; data: Record<string, unknown> };
      return admission.updateDraft(deps(), callerOf(req), idOf(req), b);
    },
  );

  app.post(
    '/api/v1/admission-drafts/:id/discard',
    { config: { access }, schema: { tags, summary: 'Discard an open draft (kept, marked discarded)', params: S.DraftParams, response: { 200: S.Draft, ...errors(400, 401, 403, 404, 409) } } },
    async (req) => admission.discardDraft(deps(), callerOf(req), idOf(req)),
  );

  admissionPages(app);
}
