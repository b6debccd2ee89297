// Alerts over HTTP: the JSON API (thin: each route calls one service function) and the pages
// (pages.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { idempotent } from '../../platform/http/idempotency.ts';
import { errors } from '../../platform/http/schemas.ts';
import type { Severity } from '../../platform/db/schema.ts';
import * as alerts from './service.ts';
import * as S from './schemas.ts';
import { alertPages } from './pages.ts';
import { callerOf } from './caller.ts';

const tags = ['alerts'];

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;

interface RaiseBody {
  typeCode: string;
  personId?: string;
  facilityCode: string;
  summary: string;
  details?: string;
  severity?: Severity;
}

export async function alertRoutes(app: FastifyInstance): Promise<void> {
  const deps = (): alerts.Deps => app.state;

  app.get(
    '/api/v1/alerts',
    {
      config: { access: 'person.read' },
      schema: {
        tags,
        summary: 'Alerts in the caller\'s scope, most urgent first (severity, then due time); mine=true: only those addressed to the caller',
        querystring: S.AlertQuery,
        response: { 200: S.AlertList, ...errors(400, 401, 403) },
      },
    },
    async (req) => alerts.listAlerts(deps(), callerOf(req), req.query as alerts.AlertFilter),
  );

  app.post(
    '/api/v1/alerts',
    {
      config: { access: 'alert.acknowledge' },
      schema: {
        tags,
        summary: 'Raise an alert by hand at a centre in scope (accepts Idempotency-Key)',
        body: S.RaiseAlertBody,
        response: { 201: S.Alert, ...errors(400, 401, 403, 409, 422) },
      },
    },
    async (req, reply) => idempotent(req, reply, 201, (trx) => alerts.createAlert({ db: trx }, callerOf(req), req.body as RaiseBody)),
  );

  app.get(
    '/api/v1/alerts/:id',
    { config: { access: 'person.read' }, schema: { tags, summary: 'One alert with its trail (the read is audited)', params: S.AlertParams, response: { 200: S.AlertDetail, ...errors(400, 401, 403, 404) } } },
    async (req) => alerts.getAlert(deps(), callerOf(req), idOf(req)),
  );

  app.post(
    '/api/v1/alerts/:id/acknowledge',
    {
      config: { access: 'alert.acknowledge' },
      schema: {
        tags,
        summary: 'Acknowledge an alert addressed to the caller, with a note (send the version read)',
        params: S.AlertParams,
        body: S.NoteBody,
        response: { 200: S.Alert, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => alerts.acknowledgeAlert(deps(), callerOf(req), idOf(req), req.body as { note: string; version: number }),
  );

  app.post(
    '/api/v1/alerts/:id/close',
    {
      config: { access: 'alert.acknowledge' },
      schema: {
        tags,
        summary: 'Close an alert addressed to the caller, with a note (send the version read)',
        params: S.AlertParams,
        body: S.NoteBody,
        response: { 200: S.Alert, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req) => alerts.closeAlert(deps(), callerOf(req), idOf(req), req.body as { note: string; version: number }),
  );

  app.get(
    '/api/v1/alert-types',
    { config: { access: 'facility.read' }, schema: { tags, summary: 'The configured alert types', response: { 200: S.AlertTypeList, ...errors(401, 403) } } },
    async (req) => ({ items: await alerts.listAlertTypes(deps(), req.actor!) }),
  );

  app.post(
    '/api/v1/alert-types',
    {
      config: { access: 'role.manage' },
      schema: { tags, summary: 'Create an alert type (accepts Idempotency-Key)', body: S.CreateAlertTypeBody, response: { 201: S.AlertType, ...errors(400, 401, 403, 409, 422) } },
    },
    async (req, reply) => {
      const b = req.body as alerts.AlertTypeFields & { code: string; active?: boolean };
      return idempotent(req, reply, 201, (trx) => alerts.createAlertType({ db: trx }, callerOf(req), { ...b, active: b.active ?? true }));
    },
  );

  app.put(
    '/api/v1/alert-types/:code',
    {
      config: { access: 'role.manage' },
      schema: {
        tags,
        summary: 'Change an alert type: names, default severity, recipient role, hours to acknowledge, active',
        params: S.AlertTypeParams,
        body: S.UpdateAlertTypeBody,
        response: { 200: S.AlertType, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (req) => alerts.updateAlertType(deps(), callerOf(req), (req.params as { code: string }).code, req.body as Partial<alerts.AlertTypeFields>),
  );

  alertPages(app);
}
