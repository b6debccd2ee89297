// Judicial orders over HTTP: the JSON API under /api/v1/orders (thin: each route calls one
// service function) and the pages under /orders (pages.ts).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { idempotent } from '../../platform/http/idempotency.ts';
import { errors } from '../../platform/http/schemas.ts';
import { decodeBase64File } from '../../platform/files/stored-files.ts';
import * as S from './schemas.ts';
import * as service from './service.ts';
import { orderPages } from './pages.ts';
import { legalOrderRoutes } from './legal-routes.ts';
import { callerOf } from './caller.ts';

export async function orderRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = (): service.Deps => app.state;
  const tags = ['orders'];

  r.post(
    '/api/v1/orders',
    {
      config: { access: 'order.register' },
      schema: {
        tags,
        summary: 'Register a judicial order (commitment order or boleta de libertad); it takes effect only once a different user verifies it. Accepts Idempotency-Key.',
        headers: S.IdempotencyHeaders,
        body: S.CreateOrderBody,
        response: { 201: S.Order, ...errors(400, 401, 403, 409, 415, 422) },
      },
    },
    async (req, reply) => {
      const { scan, ...b } = req.body;
      const data = scan ? decodeBase64File(scan.contentBase64, 'scan.contentBase64') : null;
      return idempotent(req, reply, 201, (trx) => service.registerOrder({ ...deps(), db: trx }, callerOf(req), { ...b, scan: data }, { scanPath: 'scan.contentBase64' }));
    },
  );

  r.get(
    '/api/v1/orders',
    {
      config: { access: 'person.read' },
      schema: {
        tags,
        summary: 'Orders addressed to the centres in the caller\'s scope, newest first (filter by centre, status, kind, person); one audit entry per query',
        querystring: S.OrderQuery,
        response: { 200: S.OrderList, ...errors(400, 401, 403) },
      },
    },
    async (req) => service.listOrders(deps(), callerOf(req), req.query),
  );

  r.get(
    '/api/v1/orders/:id',
    {
      config: { access: 'person.read' },
      schema: { tags, summary: 'One order with its registration and verification trail (the read is audited); 404 outside the caller\'s scope', params: S.OrderParams, response: { 200: S.Order, ...errors(400, 401, 403, 404) } },
    },
    async (req) => service.getOrder(deps(), callerOf(req), req.params.id),
  );

  r.get(
    '/api/v1/orders/:id/scan',
    {
      config: { access: 'person.read' },
      schema: { tags, summary: 'The scanned copy of an order (PDF, JPEG or PNG); the read is audited', params: S.OrderParams, response: { 200: S.ScanResponse, ...errors(400, 401, 403, 404) } },
    },
    async (req, reply) => {
      const scan = await service.getOrderScan(deps(), callerOf(req), req.params.id);
      return reply.type(scan.contentType).header('content-disposition', 'inline').send(scan.data);
    },
  );

  r.post(
    '/api/v1/orders/:id/verify',
    {
      config: { access: 'order.verify' },
      schema: {
        tags,
        summary: 'Verify an order: a user other than its registrant records how it was confirmed with the issuer (send the version read)',
        params: S.OrderParams,
        body: S.VerifyBody,
        response: { 200: S.Order, ...errors(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (req) => service.verifyOrder(deps(), callerOf(req), req.params.id, req.body),
  );

  r.post(
    '/api/v1/orders/:id/reject',
    {
      config: { access: 'order.verify' },
      schema: {
        tags,
        summary: 'Reject an order that could not be confirmed: it never takes effect (a user other than its registrant; send the version read)',
        params: S.OrderParams,
        body: S.RejectBody,
        response: { 200: S.Order, ...errors(400, 401, 403, 404, 409, 415, 422) },
      },
    },
    async (req) => service.rejectOrder(deps(), callerOf(req), req.params.id, req.body),
  );

  legalOrderRoutes(app);
  orderPages(app);
}
