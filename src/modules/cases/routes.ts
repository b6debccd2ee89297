// Cases over HTTP: the JSON API (thin: each route calls one service function), the pages
// (pages.ts) and the person page's "Cases" section. Creates accept an Idempotency-Key; changes
// send the version they read (409 when newer).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { idempotent } from '../../platform/http/idempotency.ts';
import { errors } from '../../platform/http/schemas.ts';
import { registerPersonSection } from '../persons/sections.ts';
import { callerOf } from './common.ts';
import { casePages, loadCasesSection } from './pages.ts';
import * as S from './schemas.ts';
import * as service from './service.ts';

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;
const codeOf = (req: FastifyRequest): string => (req.params as { offenceCode: string }).offenceCode;

export async function caseRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = (): service.Deps => app.state;

  // ---- the offence catalogue ----
  {
    const tags = ['offences'];
    r.get(
      '/api/v1/offences',
      {
        config: { access: 'signed-in' },
        schema: { tags, summary: 'The offence catalogue (Código Penal): search by words of the code, article or name; by category; active or not', querystring: S.OffenceQuery, response: { 200: S.OffenceList, ...errors(400, 401) } },
      },
      async (req) => service.listOffences(deps(), callerOf(req), req.query),
    );

    r.get(
      '/api/v1/offences/:offenceCode',
      { config: { access: 'signed-in' }, schema: { tags, summary: 'One catalogue entry', params: S.OffenceParams, response: { 200: S.Offence, ...errors(400, 401, 404) } } },
      async (req) => service.getOffence(deps(), callerOf(req), codeOf(req)),
    );

    r.post(
      '/api/v1/offences',
      {
        config: { access: 'offence.manage' },
        schema: { tags, summary: 'Add an entry (its code is fixed for ever; 409 when taken). Accepts Idempotency-Key.', headers: S.IdempotencyHeaders, body: S.CreateOffenceBody, response: { 201: S.Offence, ...errors(400, 401, 403, 409, 415, 422) } },
      },
      async (req, reply) => idempotent(req, reply, 201, (trx) => service.createOffence({ ...deps(), db: trx }, callerOf(req), req.body)),
    );

    r.put(
      '/api/v1/offences/:offenceCode',
      {
        config: { access: 'offence.manage' },
        schema: { tags, summary: 'Edit an entry\'s article, names and category; send the version read', params: S.OffenceParams, body: S.UpdateOffenceBody, response: { 200: S.Offence, ...errors(400, 401, 403, 404, 409, 415, 422) } },
      },
      async (req) => service.updateOffence(deps(), callerOf(req), codeOf(req), req.body),
    );

    r.post(
      '/api/v1/offences/:offenceCode/deactivate',
      {
        config: { access: 'offence.manage' },
        schema: { tags, summary: 'Deactivate an entry: it stays on the charges naming it but cannot be charged anew', params: S.OffenceParams, body: S.OffenceStateBody, response: { 200: S.Offence, ...errors(400, 401, 403, 404, 409, 415) } },
      },
      async (req) => service.setOffenceActive(deps(), callerOf(req), codeOf(req), req.body, false),
    );

    r.post(
      '/api/v1/offences/:offenceCode/activate',
      {
        config: { access: 'offence.manage' },
        schema: { tags, summary: 'Reactivate an entry', params: S.OffenceParams, body: S.OffenceStateBody, response: { 200: S.Offence, ...errors(400, 401, 403, 404, 409, 415) } },
      },
      async (req) => service.setOffenceActive(deps(), callerOf(req), codeOf(req), req.body, true),
    );
  }

  // ---- criminal cases and charges ----
  {
    const tags = ['cases'];
    r.get(
      '/api/v1/persons/:id/cases',
      {
        config: { access: 'legal.read' },
        schema: { tags, summary: 'A person\'s criminal cases with their charges, the current episode first (the read is audited)', params: S.IdParams, response: { 200: S.CaseList, ...errors(400, 401, 403, 404) } },
      },
      async (req) => service.listCasesOfPerson(deps(), callerOf(req), idOf(req)),
    );

    r.post(
      '/api/v1/persons/:id/cases',
      {
        config: { access: 'case.write' },
        schema: {
          tags,
          summary: 'Open a case in the person\'s current custody episode, with its charges from the catalogue (422 naming the field, nothing stored; 409 caseNumber when the episode has it already). Accepts Idempotency-Key.',
          params: S.IdParams,
          headers: S.IdempotencyHeaders,
          body: S.CreateCaseBody,
          response: { 201: S.Case, ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req, reply) => idempotent(req, reply, 201, (trx) => service.createCase({ ...deps(), db: trx }, callerOf(req), idOf(req), req.body)),
    );

    r.get(
      '/api/v1/cases/:id',
      {
        config: { access: 'legal.read' },
        schema: { tags, summary: 'One case with its charges and hearings (the read is audited)', params: S.IdParams, response: { 200: S.CaseDetail, ...errors(400, 401, 403, 404) } },
      },
      async (req) => service.getCase(deps(), callerOf(req), idOf(req)),
    );

    r.put(
      '/api/v1/cases/:id',
      {
        config: { access: 'case.write' },
        schema: { tags, summary: 'Replace an open case\'s authority, number, judge, defence and stage; send the version read (409 when newer or closed)', params: S.IdParams, body: S.UpdateCaseBody, response: { 200: S.Case, ...errors(400, 401, 403, 404, 409, 415, 422) } },
      },
      async (req) => service.updateCase(deps(), callerOf(req), idOf(req), req.body),
    );

    r.post(
      '/api/v1/cases/:id/close',
      {
        config: { access: 'case.write' },
        schema: {
          tags,
          summary: 'Close a case (it no longer holds the person): reason, date (not in the future, not before the admission) and optionally the order behind it; its scheduled hearings are cancelled',
          params: S.IdParams,
          body: S.CloseCaseBody,
          response: { 200: S.Case, ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req) => service.closeCase(deps(), callerOf(req), idOf(req), req.body),
    );

    r.post(
      '/api/v1/cases/:id/charges',
      {
        config: { access: 'case.write' },
        schema: { tags, summary: 'Add a charge from the catalogue (an active entry) to an open case', params: S.IdParams, body: S.AddChargeBody, response: { 201: S.Case, ...errors(400, 401, 403, 404, 409, 415, 422) } },
      },
      async (req, reply) => {
        const out = await service.addCharge(deps(), callerOf(req), idOf(req), req.body);
        reply.code(201);
        return out;
      },
    );

    r.post(
      '/api/v1/cases/:id/charges/:chargeId/withdraw',
      {
        config: { access: 'case.write' },
        schema: { tags, summary: 'Withdraw a charge (kept, marked withdrawn)', params: S.ChargeParams, body: S.WithdrawChargeBody, response: { 200: S.Case, ...errors(400, 401, 403, 404, 409, 415) } },
      },
      async (req) => service.withdrawCharge(deps(), callerOf(req), idOf(req), (req.params as { chargeId: string }).chargeId, req.body),
    );
  }

  // ---- hearings ----
  {
    const tags = ['hearings'];
    r.post(
      '/api/v1/cases/:id/hearings',
      {
        config: { access: 'hearing.write' },
        schema: {
          tags,
          summary: 'Schedule a hearing for an open case of a person held (court: default the case\'s court). Accepts Idempotency-Key.',
          params: S.IdParams,
          headers: S.IdempotencyHeaders,
          body: S.CreateHearingBody,
          response: { 201: S.Hearing, ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req, reply) => idempotent(req, reply, 201, (trx) => service.scheduleHearing({ ...deps(), db: trx }, callerOf(req), idOf(req), req.body)),
    );

    r.get(
      '/api/v1/hearings',
      {
        config: { access: 'person.read' },
        schema: { tags, summary: 'Upcoming hearings of the people held at the caller\'s centres (or one), by date (one audit entry per query)', querystring: S.HearingQuery, response: { 200: S.HearingList, ...errors(400, 401, 403, 422) } },
      },
      async (req) => service.listHearings(deps(), callerOf(req), req.query),
    );

    r.get(
      '/api/v1/hearings/:id',
      { config: { access: 'person.read' }, schema: { tags, summary: 'One hearing (the read is audited)', params: S.IdParams, response: { 200: S.Hearing, ...errors(400, 401, 403, 404) } } },
      async (req) => service.getHearing(deps(), callerOf(req), idOf(req)),
    );

    r.get(
      '/api/v1/facilities/:code/court-list',
      {
        config: { access: 'person.read' },
        schema: { tags, summary: 'The daily list of a centre: the people held there with a hearing that day (default today), by time', params: S.FacilityParams, querystring: S.CourtListQuery, response: { 200: S.CourtList, ...errors(400, 401, 403, 404, 422) } },
      },
      async (req) => service.courtList(deps(), callerOf(req), (req.params as { code: string }).code, req.query.date),
    );

    r.post(
      '/api/v1/hearings/:id/postpone',
      {
        config: { access: 'hearing.write' },
        schema: { tags, summary: 'Postpone a hearing: kept as postponed, a new one is scheduled at the new time and returned; send the version read', params: S.IdParams, body: S.PostponeHearingBody, response: { 200: S.Hearing, ...errors(400, 401, 403, 404, 409, 415, 422) } },
      },
      async (req) => service.postponeHearing(deps(), callerOf(req), idOf(req), req.body),
    );

    r.post(
      '/api/v1/hearings/:id/cancel',
      {
        config: { access: 'hearing.write' },
        schema: { tags, summary: 'Cancel a scheduled hearing, with the reason; send the version read', params: S.IdParams, body: S.CancelHearingBody, response: { 200: S.Hearing, ...errors(400, 401, 403, 404, 409, 415, 422) } },
      },
      async (req) => service.cancelHearing(deps(), callerOf(req), idOf(req), req.body),
    );

    r.post(
      '/api/v1/hearings/:id/take',
      {
        config: { access: 'custody.move' },
        schema: {
          tags,
          summary: 'Take the person to court for the hearing: records the court absence (court_out movement) through the movements service and links it',
          params: S.IdParams,
          body: S.TakeToCourtBody,
          response: { 200: S.Hearing, ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req) => service.takeToCourt(deps(), callerOf(req), idOf(req), req.body),
    );

    r.post(
      '/api/v1/hearings/:id/return',
      {
        config: { access: 'custody.move' },
        schema: {
          tags,
          summary: 'The person is back from the hearing: ends the court absence (unless already ended) and records the hearing as held, with the outcome when given',
          params: S.IdParams,
          body: S.ReturnFromCourtBody,
          response: { 200: S.Hearing, ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req) => service.returnFromCourt(deps(), callerOf(req), idOf(req), req.body),
    );

    r.post(
      '/api/v1/hearings/:id/held',
      {
        config: { access: 'hearing.write' },
        schema: { tags, summary: 'Record that the hearing was held, with its outcome', params: S.IdParams, body: S.HeldBody, response: { 200: S.Hearing, ...errors(400, 401, 403, 404, 409, 415, 422) } },
      },
      async (req) => service.recordHeld(deps(), callerOf(req), idOf(req), req.body),
    );
  }

  registerPersonSection({ id: 'cases', titleKey: 'cases.section.title', order: 10, permission: 'legal.read', template: 'cases/views/_section.njk', load: loadCasesSection });
  casePages(app);
}
