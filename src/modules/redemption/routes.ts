// The redemption ledger over HTTP: the JSON API (thin: each route calls one service function),
// the person page's section, and the pages (pages.ts). Creates accept an Idempotency-Key;
// evaluations and decisions send the version they read (409 when it changed).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { idempotent } from '../../platform/http/idempotency.ts';
import { errors } from '../../platform/http/schemas.ts';
import { todayIn } from '../../platform/time.ts';
import { registerPersonSection } from '../persons/sections.ts';
import { allProgrammes, callerOf, kindItems, redemptionPages } from './pages.ts';
import * as S from './schemas.ts';
import * as service from './service.ts';

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;

export async function redemptionRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = (): service.Deps => app.state;
  const tags = ['redemption'];

  r.get(
    '/api/v1/persons/:id/redemption-records',
    {
      config: { access: 'person.read' },
      schema: {
        tags,
        summary: 'A person\'s redemption ledger (work, study, teaching), newest period first, with approved and projected totals and what the current sentence computation counts. Needs legal.read or a redemption permission (403). The read is audited.',
        params: S.IdParams,
        response: { 200: S.PersonLedger, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => service.personLedger(deps(), callerOf(req), idOf(req)),
  );

  r.post(
    '/api/v1/redemption-records',
    {
      config: { access: 'redemption.write' },
      schema: {
        tags,
        summary:
          'Enter one period of work, study (days) or teaching (hours) for a person held in the caller\'s centres, certified by the caller. 422 naming the field, nothing stored: days beyond the period\'s length (hours beyond 24 a day), a period ending after today, outside the person\'s custody (from), overlapping another non-refused record (from). Recomputes the sentence (projected redemption). Accepts Idempotency-Key.',
        headers: S.IdempotencyHeaders,
        body: S.CreateBody,
        response: { 201: S.RedemptionRecord, ...errors(400, 401, 403, 409, 415, 422) },
      },
    },
    async (req, reply) => idempotent(req, reply, 201, (trx) => service.createRecord({ ...deps(), db: trx }, callerOf(req), req.body)),
  );

  r.post(
    '/api/v1/redemption-records/bulk',
    {
      config: { access: 'redemption.write' },
      schema: {
        tags,
        summary:
          'A programme\'s month at one centre: one row per person held there (prisoner number) with days or hours, optionally a shorter period inside the month. All or nothing: any problem answers 422 with every row and field at fault (rows[3].days) and stores nothing. Accepts Idempotency-Key.',
        headers: S.IdempotencyHeaders,
        body: S.BulkBody,
        response: { 201: S.BulkResult, ...errors(400, 401, 403, 409, 415, 422) },
      },
    },
    async (req, reply) => idempotent(req, reply, 201, (trx) => service.bulkCreate({ ...deps(), db: trx }, callerOf(req), req.body)),
  );

  r.get(
    '/api/v1/redemption-records/:id',
    {
      config: { access: 'person.read' },
      schema: { tags, summary: 'One redemption record (the read is audited); needs legal.read or a redemption permission', params: S.IdParams, response: { 200: S.RedemptionRecord, ...errors(400, 401, 403, 404) } },
    },
    async (req) => service.getRecord(deps(), callerOf(req), idOf(req)),
  );

  r.post(
    '/api/v1/redemption-records/:id/evaluate',
    {
      config: { access: 'redemption.evaluate' },
      schema: {
        tags,
        summary: 'The Junta Técnica\'s evaluation of a certified record: favourable or unfavourable, with a note; send the version read (409 when it changed or the record is no longer certified)',
        params: S.IdParams,
        body: S.EvaluateBody,
        response: { 200: S.RedemptionRecord, ...errors(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (req) => service.evaluateRecord(deps(), callerOf(req), idOf(req), req.body),
  );

  r.post(
    '/api/v1/redemption-records/evaluations',
    {
      config: { access: 'redemption.evaluate' },
      schema: {
        tags,
        summary: 'The same evaluation for several certified records (a centre\'s pending list), all or nothing: 422/409 naming items[i] when any cannot be evaluated',
        body: S.EvaluateManyBody,
        response: { 200: S.RecordList, ...errors(400, 401, 403, 409, 415, 422) },
      },
    },
    async (req) => service.evaluateRecords(deps(), callerOf(req), req.body),
  );

  r.post(
    '/api/v1/redemption-records/:id/decide',
    {
      config: { access: 'redemption.decide' },
      schema: {
        tags,
        summary:
          'Record the Juez de Cumplimiento\'s decision on an evaluated record: approved or refused, with the court\'s reference and date. Needs a prior evaluation (422 evaluation); not by whoever certified the record (422 decidedBy); send the version read (409). Recomputes the sentence in the same transaction: an approval moves the end date.',
        params: S.IdParams,
        body: S.DecideBody,
        response: { 200: S.RedemptionRecord, ...errors(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (req) => service.decideRecord(deps(), callerOf(req), idOf(req), req.body),
  );

  r.post(
    '/api/v1/redemption-records/decisions',
    {
      config: { access: 'redemption.decide' },
      schema: {
        tags,
        summary: 'One court resolution for several evaluated records, all or nothing (same rules as a single decision, errors naming items[i])',
        body: S.DecideManyBody,
        response: { 200: S.RecordList, ...errors(400, 401, 403, 409, 415, 422) },
      },
    },
    async (req) => service.decideRecords(deps(), callerOf(req), req.body),
  );

  r.get(
    '/api/v1/facilities/:code/redemption-records/pending',
    {
      config: { access: 'person.read' },
      schema: {
        tags,
        summary: 'A centre\'s pending redemption records, oldest period first: certified (to evaluate) and evaluated (to decide). Needs legal.read or a redemption permission; a centre outside the caller\'s scope answers 404. One audit entry per query.',
        params: S.CodeParams,
        querystring: S.PendingQuery,
        response: { 200: S.PendingList, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => service.pendingOfFacility(deps(), callerOf(req), (req.params as { code: string }).code, req.query),
  );

  registerPersonSection({
    id: 'redemption',
    titleKey: 'redemption.section.title',
    order: 30,
    permission: 'legal.read',
    template: 'redemption/views/_section.njk',
    async load(state, req, person) {
      const ledger = await service.personLedger(state, callerOf(req), person.id, { audit: false });
      return {
        ledger,
        latest: ledger.items.slice(0, 6),
        canWrite: req.actor!.permissions.has('redemption.write') && ledger.episodeId !== null,
        kindItems: kindItems(req, 'work'),
        programmes: allProgrammes,
        today: todayIn(state.settings.timeZone),
      };
    },
  });

  redemptionPages(app);
}
