// Legal time over HTTP: the person's stored computation (the contract endpoint), the history of
// its dates, recomputation on request, and the person page's section (start, term, credits,
// one third, two thirds, end date, the trace, the history, the order forms).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '../../platform/http/errors.ts';
import { errors } from '../../platform/http/schemas.ts';
import { registerPersonSection } from '../persons/sections.ts';
import { callerOf } from './caller.ts';
import * as S from './schemas.ts';
import * as service from './service.ts';
import { sectionModel } from './section-model.ts';

export async function legalTimeRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = (): service.Deps => app.state;
  const tags = ['legal-time'];

  r.get(
    '/api/v1/persons/:id/sentence-computation',
    {
      config: { access: 'legal.read' },
      schema: {
        tags,
        summary:
          'The person\'s stored sentence computation: {input, result} — the engine input built from the records (custody of the current episode and credited earlier custody, verified sentences, measures and reductions, redemption records) and the stored result, exactly as `npx custodia compute-sentence` returns it for that input. 404 when the person has no verified sentence or is outside the caller\'s scope. The read is audited.',
        params: S.PersonParams,
        response: { 200: S.StoredComputation, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => service.getSentenceComputation(deps(), callerOf(req), req.params.id),
  );

  r.get(
    '/api/v1/persons/:id/sentence-date-changes',
    {
      config: { access: 'legal.read' },
      schema: {
        tags,
        summary: 'Every move of the person\'s dates (start, one third, two thirds, end, pretrial alert), newest first, with its cause and who caused it. The read is audited.',
        params: S.PersonParams,
        querystring: S.DateChangeQuery,
        response: { 200: S.DateChangeList, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => service.getDateChanges(deps(), callerOf(req), req.params.id, req.query),
  );

  r.post(
    '/api/v1/persons/:id/sentence-computation/recompute',
    {
      config: { access: 'legal.write' },
      schema: {
        tags,
        summary: 'Recompute the person\'s computation from the records now (stores a new computation only if something changed; moved dates are logged and audited). 422 when the person is not held.',
        params: S.PersonParams,
        response: { 200: S.RecomputeResponse, ...errors(400, 401, 403, 404, 415, 422) },
      },
    },
    async (req) => service.recomputeNow(deps(), callerOf(req), req.params.id),
  );

  // The page's button: back to the section (post/redirect/get).
  app.post('/persons/:id/sentence-computation/recompute', { config: { access: 'legal.write' } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    try {
      await service.recomputeNow(deps(), callerOf(req), id);
    } catch (e) {
      if (e instanceof AppError && e.status === 422) return reply.redirect(`/persons/${id}?legalTime=notHeld#legal-time`);
      throw e;
    }
    return reply.redirect(`/persons/${id}?legalTime=recomputed#legal-time`);
  });

  registerPersonSection({
    id: 'legal-time',
    titleKey: 'legalTime.section.title',
    order: 20,
    permission: 'legal.read',
    template: 'legal-time/views/_section.njk',
    async load(state, req, person) {
      return sectionModel(req, await service.sectionData(state, person.id, person.currentEpisodeId));
    },
  });
}
