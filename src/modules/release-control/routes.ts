// Release control over HTTP: the JSON API (thin: each route calls one service function), the
// pages (pages.ts) and the section on the person's page.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { idempotent } from '../../platform/http/idempotency.ts';
import { errors } from '../../platform/http/schemas.ts';
import { registerPersonSection } from '../persons/sections.ts';
import { callerOf } from './caller.ts';
import { releaseControlPages } from './pages.ts';
import * as S from './schemas.ts';
import * as service from './service.ts';

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;
const codeOf = (req: FastifyRequest): string => (req.params as { code: string }).code;

export async function releaseControlRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = (): service.Deps => app.state;
  const tags = ['release control'];

  r.get(
    '/api/v1/release-control/rule-sets',
    { config: { access: 'legal.read' }, schema: { tags, summary: 'The control rule sets (pretrial thresholds, release order requirement, look-ahead days), each parameter with its legal basis', response: { 200: S.RuleSets, ...errors(401, 403) } } },
    async (req) => service.listControlRuleSets(req.actor!),
  );

  r.get(
    '/api/v1/facilities/:code/pretrial',
    {
      config: { access: 'legal.read' },
      schema: {
        tags,
        summary: 'Everyone held without sentence at the centre, longest in provisional detention first, with the open cases, the stored alert date and the thresholds reached (one audit entry per query)',
        params: S.CodeParams,
        querystring: S.PageQuery,
        response: { 200: S.PretrialList, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => service.pretrialList(deps(), callerOf(req), codeOf(req), req.query),
  );

  r.get(
    '/api/v1/facilities/:code/release-control',
    {
      config: { access: 'legal.read' },
      schema: {
        tags,
        summary: 'The centre\'s daily release control: the red list (held after the end date), releases due today and soon, and the Junta Técnica\'s two-thirds agenda (paged by limit/offset); one audit entry per query',
        params: S.CodeParams,
        querystring: S.PageQuery,
        response: { 200: S.ControlBoard, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => service.controlBoard(deps(), callerOf(req), codeOf(req), req.query),
  );

  r.get(
    '/api/v1/release-control/red-list',
    {
      config: { access: 'legal.read' },
      schema: { tags, summary: 'The red list across the caller\'s centres (headquarters: every centre): everyone held after the end date, with the explanation or the case holding them', response: { 200: S.RedList, ...errors(401, 403) } },
    },
    async (req) => service.redList(deps(), callerOf(req)),
  );

  r.get(
    '/api/v1/persons/:id/release-check',
    {
      config: { access: 'legal.read' },
      schema: {
        tags,
        summary: 'What a release of the person rests on: the current computation and its confirmation, who may not confirm it, the open cases, the overdue state and explanations (the read is audited)',
        params: S.IdParams,
        response: { 200: S.ReleaseCheck, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => service.releaseCheck(deps(), callerOf(req), idOf(req)),
  );

  r.post(
    '/api/v1/persons/:id/sentence-computation/confirm',
    {
      config: { access: 'sentence.verify' },
      schema: {
        tags,
        summary: 'Confirm the person\'s current sentence computation: a legal user who neither registered nor verified any of the person\'s sentence orders (422 confirmedBy). Send the computation id read: 409 once it was recomputed or confirmed. A recompute needs a new confirmation.',
        params: S.IdParams,
        body: S.ConfirmBody,
        response: { 200: S.Confirmation, ...errors(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (req) => service.confirmComputation(deps(), callerOf(req), idOf(req), req.body),
  );

  r.post(
    '/api/v1/persons/:id/overdue-explanations',
    {
      config: { access: 'release.explain' },
      schema: {
        tags,
        summary: 'Explain why a person past the end date is still held (at least 10 characters, 422 explanation); the red alert closes. 422 personId when the person is not overdue. Accepts Idempotency-Key.',
        headers: S.IdempotencyHeaders,
        params: S.IdParams,
        body: S.ExplainBody,
        response: { 201: S.ExplanationResult, ...errors(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (req, reply) => idempotent(req, reply, 201, (trx) => service.explainOverdue({ ...deps(), db: trx }, callerOf(req), idOf(req), req.body)),
  );

  registerPersonSection({
    id: 'release-control',
    titleKey: 'releaseControl.section.title',
    order: 40,
    permission: 'legal.read',
    template: 'release-control/views/_person-section.njk',
    load: async (state, req, person) => {
      const check = await service.releaseCheckIn(state.db, req.actor!, person.id, service.todayOf(state));
      return { check, personId: person.id, held: person.currentEpisodeId !== null };
    },
  });

  releaseControlPages(app);
}
