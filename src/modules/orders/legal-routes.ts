// The legal orders over the JSON API: one registration route per kind under /api/v1/orders
// (verification and rejection are the common /api/v1/orders/{id}/verify and /reject).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static, TSchema } from 'typebox';
import { decodeBase64File } from '../../platform/files/stored-files.ts';
import { idempotent } from '../../platform/http/idempotency.ts';
import { errors } from '../../platform/http/schemas.ts';
import { callerOf } from './caller.ts';
import { registerLegalOrder, type NewLegalOrder } from './legal-orders.ts';
import { legalOrderBodies, legalOrderKinds, legalOrderPaths, type LegalOrderKind } from './legal-schemas.ts';
import * as S from './schemas.ts';
import * as service from './service.ts';

const summaries: Record<LegalOrderKind, string> = {
  sentence:
    'Register a sentence (years, months, days; concurrent, or consecutive to an earlier sentence of the same person) on a criminal case. No effect until a different user holding sentence.verify verifies it; then the person\'s computation is recomputed. 422 naming the field for a sentence of zero length, a consecutive-to reference to an unknown or later sentence, dates out of range.',
  provisional_custody:
    'Register custody outside prison credited day for day (house arrest, CPP art. 231; hospital). 422 naming the field when it overlaps custody already counted (the episode, other credited custody, a territorial restriction) or dates are out of range.',
  measure:
    'Register a non-custodial measure credited under CPP art. 232: periodic reporting (appearances) or territorial restriction (dates, never overlapping custody).',
  reduction: 'Register an executive sentence reduction (rebaja de pena) with its decree number and date.',
  custody_credit:
    'Register an order crediting custody served in an earlier episode of the same person for the same case (default: the whole earlier episode). 422 naming the field when the episode is not an earlier one of the same case, the dates fall outside it, or they overlap custody already counted.',
};

export function legalOrderRoutes(app: FastifyInstance): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = (): service.Deps => app.state;
  for (const kind of legalOrderKinds) {
    const body: TSchema = legalOrderBodies[kind];
    r.post(
      `/api/v1/orders/${legalOrderPaths[kind]}`,
      {
        config: { access: 'order.register' },
        schema: {
          tags: ['orders'],
          summary: `${summaries[kind]} Accepts Idempotency-Key.`,
          headers: S.IdempotencyHeaders,
          body,
          response: { 201: S.Order, ...errors(400, 401, 403, 409, 415, 422) },
        },
      },
      async (req, reply) => {
        const { scan, ...rest } = req.body as Static<typeof body> & { scan?: { contentBase64: string } };
        const data = scan ? decodeBase64File(scan.contentBase64, 'scan.contentBase64') : null;
        return idempotent(req, reply, 201, async (trx) => {
          const id = await registerLegalOrder({ ...deps(), db: trx }, callerOf(req), kind, { ...(rest as NewLegalOrder), scan: data }, { scanPath: 'scan.contentBase64' });
          return service.orderView(trx, id);
        });
      },
    );
  }
}
