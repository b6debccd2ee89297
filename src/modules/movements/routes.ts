// Movements over HTTP: the JSON API (thin: each route calls one service function) and the
// pages (pages.ts). Creates accept an Idempotency-Key; decisions send the version they read.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { idempotent } from '../../platform/http/idempotency.ts';
import { errors } from '../../platform/http/schemas.ts';
import * as S from './schemas.ts';
import * as service from './service.ts';
import { movementPages } from './pages.ts';
import { callerOf } from './caller.ts';

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;

export async function movementRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = (): service.Deps => app.state;

  // ---- transfers ----
  {
    const tags = ['transfers'];
    r.post(
      '/api/v1/transfers',
      {
        config: { access: 'custody.move' },
        schema: {
          tags,
          summary: 'Request a transfer of a person held in the caller\'s centre to another centre; a different user authorizes it. A centre for the other sex needs separationOverride from a user holding housing.override. One active transfer per person (409). Accepts Idempotency-Key.',
          headers: S.IdempotencyHeaders,
          body: S.CreateTransferBody,
          response: { 201: S.Transfer, ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req, reply) => idempotent(req, reply, 201, (trx) => service.requestTransfer({ ...deps(), db: trx }, callerOf(req), req.body)),
    );

    r.get(
      '/api/v1/transfers',
      {
        config: { access: 'person.read' },
        schema: { tags, summary: 'Transfers from or to the caller\'s centres, newest first (one audit entry per query)', querystring: S.TransferQuery, response: { 200: S.TransferList, ...errors(400, 401, 403) } },
      },
      async (req) => service.listTransfers(deps(), callerOf(req), req.query),
    );

    r.get(
      '/api/v1/transfers/:id',
      {
        config: { access: 'person.read' },
        schema: { tags, summary: 'One transfer with its trail (the read is audited)', params: S.IdParams, response: { 200: S.TransferDetail, ...errors(400, 401, 403, 404) } },
      },
      async (req) => service.getTransfer(deps(), callerOf(req), idOf(req)),
    );

    const decision = (path: 'authorize' | 'refuse', summary: string, run: typeof service.authorizeTransfer) =>
      r.post(
        `/api/v1/transfers/:id/${path}`,
        {
          config: { access: 'transfer.authorize' },
          schema: { tags, summary, params: S.IdParams, body: S.DecisionBody, response: { 200: S.Transfer, ...errors(400, 401, 403, 404, 409, 415, 422) } },
        },
        async (req) => run(deps(), callerOf(req), idOf(req), req.body),
      );
    decision('authorize', 'Authorize a requested transfer: a user of the origin (or national) other than the requester (422 authorizedBy); send the version read', service.authorizeTransfer);
    decision('refuse', 'Refuse a requested transfer, with the reason (a user other than the requester); send the version read', service.refuseTransfer);

    r.post(
      '/api/v1/transfers/:id/cancel',
      {
        config: { access: 'custody.move' },
        schema: { tags, summary: 'Cancel a transfer that has not left (requested or authorized), with the reason', params: S.IdParams, body: S.CancelBody, response: { 200: S.Transfer, ...errors(400, 401, 403, 404, 409, 415, 422) } },
      },
      async (req) => service.cancelTransfer(deps(), callerOf(req), idOf(req), req.body),
    );

    r.post(
      '/api/v1/transfers/:id/depart',
      {
        config: { access: 'custody.move' },
        schema: {
          tags,
          summary: 'Record the departure of an authorized transfer (a user of the origin): the person is in transit, still counted at the origin until arrival',
          params: S.IdParams,
          body: S.DepartBody,
          response: { 200: S.Transfer, ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req) => service.departTransfer(deps(), callerOf(req), idOf(req), req.body),
    );

    r.post(
      '/api/v1/transfers/:id/arrive',
      {
        config: { access: 'custody.move' },
        schema: {
          tags,
          summary: 'Record the arrival (a user of the destination): the stays switch at the arrival time, the person is placed in the reception unit (or unitId)',
          params: S.IdParams,
          body: S.ArriveBody,
          response: { 200: S.Transfer, ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req) => service.arriveTransfer(deps(), callerOf(req), idOf(req), req.body),
    );
  }

  // ---- absences, escape, recapture ----
  {
    const tags = ['absences'];
    r.post(
      '/api/v1/absences',
      {
        config: { access: 'custody.move' },
        schema: {
          tags,
          summary: 'A person goes out to court, hospital or on leave (still held and counted at the centre). Accepts Idempotency-Key.',
          headers: S.IdempotencyHeaders,
          body: S.CreateAbsenceBody,
          response: { 201: S.Absence, ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req, reply) => idempotent(req, reply, 201, (trx) => service.recordAbsence({ ...deps(), db: trx }, callerOf(req), req.body)),
    );

    r.get(
      '/api/v1/absences',
      {
        config: { access: 'person.read' },
        schema: { tags, summary: 'Absences at the caller\'s centres (open=true: who is out now), most recent first (one audit entry per query)', querystring: S.AbsenceQuery, response: { 200: S.AbsenceList, ...errors(400, 401, 403) } },
      },
      async (req) => service.listAbsences(deps(), callerOf(req), req.query),
    );

    r.post(
      '/api/v1/absences/:id/return',
      {
        config: { access: 'custody.move' },
        schema: { tags, summary: 'The person is back from court, hospital or leave', params: S.IdParams, body: S.ReturnBody, response: { 200: S.Absence, ...errors(400, 401, 403, 404, 409, 415, 422) } },
      },
      async (req) => service.returnFromAbsence(deps(), callerOf(req), idOf(req), req.body),
    );

    r.post(
      '/api/v1/persons/:id/escape',
      {
        config: { access: 'custody.move' },
        schema: {
          tags,
          summary: 'Record an escape (evasión): the person is not held until recaptured; raises an escape alert to the director',
          params: S.IdParams,
          body: S.EscapeBody,
          response: { 201: S.Absence, ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req, reply) => idempotent(req, reply, 201, (trx) => service.recordEscape({ ...deps(), db: trx }, callerOf(req), idOf(req), req.body)),
    );

    r.post(
      '/api/v1/absences/:id/recapture',
      {
        config: { access: 'custody.move' },
        schema: { tags, summary: 'Record the recapture of an escaped person', params: S.IdParams, body: S.RecaptureBody, response: { 200: S.Absence, ...errors(400, 401, 403, 404, 409, 415, 422) } },
      },
      async (req) => service.recordRecapture(deps(), callerOf(req), idOf(req), req.body),
    );

    r.get(
      '/api/v1/persons/:id/movements',
      {
        config: { access: 'person.read' },
        schema: { tags: ['movements'], summary: 'A person\'s movements, newest first, with what is open (absence, transfer, release); the read is audited', params: S.IdParams, response: { 200: S.PersonMovements, ...errors(400, 401, 403, 404) } },
      },
      async (req) => service.personMovements(deps(), callerOf(req), idOf(req)),
    );
  }

  // ---- releases ----
  {
    const tags = ['releases'];
    r.post(
      '/api/v1/releases',
      {
        config: { access: 'custody.release' },
        schema: {
          tags,
          summary: 'Record a release on a verified release order (boleta de libertad); the person stays in custody until a different user confirms it. Accepts Idempotency-Key.',
          headers: S.IdempotencyHeaders,
          body: S.CreateReleaseBody,
          response: { 201: S.Release, ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req, reply) => idempotent(req, reply, 201, (trx) => service.recordRelease({ ...deps(), db: trx }, callerOf(req), req.body)),
    );

    r.get(
      '/api/v1/releases',
      {
        config: { access: 'person.read' },
        schema: { tags, summary: 'Releases at the caller\'s centres, newest first (status=recorded: waiting for confirmation); one audit entry per query', querystring: S.ReleaseQuery, response: { 200: S.ReleaseList, ...errors(400, 401, 403) } },
      },
      async (req) => service.listReleases(deps(), callerOf(req), req.query),
    );

    r.get(
      '/api/v1/releases/:id',
      { config: { access: 'person.read' }, schema: { tags, summary: 'One release (the read is audited)', params: S.IdParams, response: { 200: S.Release, ...errors(400, 401, 403, 404) } } },
      async (req) => service.getRelease(deps(), callerOf(req), idOf(req)),
    );

    r.post(
      '/api/v1/releases/:id/confirm',
      {
        config: { access: 'custody.release.confirm' },
        schema: {
          tags,
          summary: 'Confirm a recorded release: a user other than its recorder (422 confirmedBy), with the property returned (422 propertyReturned); ends custody in one transaction',
          params: S.IdParams,
          body: S.ConfirmBody,
          response: { 200: S.Release, ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req) => service.confirmRelease(deps(), callerOf(req), idOf(req), req.body),
    );

    r.post(
      '/api/v1/releases/:id/cancel',
      {
        config: { access: 'custody.release' },
        schema: { tags, summary: 'Cancel a recorded (unconfirmed) release, with the reason', params: S.IdParams, body: S.CancelBody, response: { 200: S.Release, ...errors(400, 401, 403, 404, 409, 415, 422) } },
      },
      async (req) => service.cancelRelease(deps(), callerOf(req), idOf(req), req.body),
    );
  }

  // ---- deaths in custody ----
  {
    const tags = ['deaths'];
    r.post(
      '/api/v1/persons/:id/death',
      {
        config: { access: 'custody.death' },
        schema: {
          tags,
          summary: 'Record a death in custody: the episode ends, the five-item checklist (Mandela Rules 69–72) opens and each item is raised as an alert to its owner',
          params: S.IdParams,
          body: S.DeathBody,
          response: { 201: S.DeathCase, ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req, reply) => idempotent(req, reply, 201, (trx) => service.recordDeath({ ...deps(), db: trx }, callerOf(req), idOf(req), req.body)),
    );

    r.get(
      '/api/v1/death-cases',
      {
        config: { access: 'person.read' },
        schema: { tags, summary: 'Deaths in custody at the caller\'s centres with their checklists (open=true: not yet closed); one audit entry per query', querystring: S.DeathCaseQuery, response: { 200: S.DeathCaseList, ...errors(400, 401, 403) } },
      },
      async (req) => service.listDeathCases(deps(), callerOf(req), req.query),
    );

    r.get(
      '/api/v1/death-cases/:id',
      { config: { access: 'person.read' }, schema: { tags, summary: 'One death case with its checklist (the read is audited)', params: S.IdParams, response: { 200: S.DeathCase, ...errors(400, 401, 403, 404) } } },
      async (req) => service.getDeathCase(deps(), callerOf(req), idOf(req)),
    );

    r.post(
      '/api/v1/death-cases/:id/items/:item/complete',
      {
        config: { access: 'alert.acknowledge' },
        schema: {
          tags,
          summary: 'Complete a checklist item with the evidence (a user holding the item\'s owner role at the centre); the case closes when every item is completed',
          params: S.ItemParams,
          body: S.CompleteItemBody,
          response: { 200: S.DeathCase, ...errors(400, 401, 403, 404, 409, 415, 422) },
        },
      },
      async (req) => service.completeChecklistItem(deps(), callerOf(req), idOf(req), (req.params as { item: string }).item, req.body),
    );
  }

  movementPages(app);
}
