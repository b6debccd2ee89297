// Facilities over HTTP: the JSON API under /api/v1/facilities and the pages under /facilities.
// Thin: parse, call the service, shape the answer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditActorOf } from '../../platform/http/context.ts';
import { AppError, type FieldError } from '../../platform/http/errors.ts';
import { field, formErrors } from '../../platform/http/forms.ts';
import { idempotent } from '../../platform/http/idempotency.ts';
import { errors } from '../../platform/http/schemas.ts';
import * as S from './schemas.ts';
import * as service from './service.ts';
import { isCalendarDate } from '../../platform/time.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const caller = (req: FastifyRequest): service.Caller => ({ actor: req.actor!, audit: auditActorOf(req) });

/** The ?date= of a page: absent, or a real date (otherwise a field error for the form). */
function pageDate(req: FastifyRequest): { date: string | undefined; errors: FieldError[] } {
  const raw = (req.query as Record<string, unknown>).date;
  if (raw === undefined || raw === '') return { date: undefined, errors: [] };
  if (typeof raw === 'string' && isCalendarDate(raw)) return { date: raw, errors: [] };
  return { date: undefined, errors: [{ path: 'date', key: 'facilities.errors.date' }] };
}

/** The capacity form as submitted, with the errors of shape (rules are the service's). */
function parseCapacityForm(body: unknown): { input: S.CapacityInput; values: Record<string, string>; errors: FieldError[] } {
  const values = Object.fromEntries(['capacity', 'effectiveFrom', 'reason', 'unitId', 'source'].map((k) => [k, field(body, k).trim()]));
  const errs: FieldError[] = [];
  const v = values as Record<'capacity' | 'effectiveFrom' | 'reason' | 'unitId' | 'source', string>;
  if (v.capacity === '') errs.push({ path: 'capacity', key: 'facilities.errors.capacityRequired' });
  else if (!/^\d{1,6}$/.test(v.capacity) || Number(v.capacity) > 100_000) errs.push({ path: 'capacity', key: 'facilities.errors.capacityWhole', params: { max: 100_000 } });
  if (!isCalendarDate(v.effectiveFrom)) errs.push({ path: 'effectiveFrom', key: 'facilities.errors.date' });
  if (v.unitId !== '' && !uuidPattern.test(v.unitId)) errs.push({ path: 'unitId', key: 'facilities.errors.unitNotInFacility' });
  const input: S.CapacityInput = {
    capacity: Number(v.capacity),
    effectiveFrom: v.effectiveFrom,
    reason: v.reason,
    source: v.source === 'operational' ? 'operational' : 'official',
    ...(v.unitId ? { unitId: v.unitId } : {}),
  };
  return { input, values, errors: errs };
}

export async function facilityRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = (): service.Deps => app.state;
  const tags = ['facilities'];

  // ---- API ----
  r.get(
    '/api/v1/facilities',
    {
      config: { access: 'facility.read' },
      schema: { tags, summary: 'Every centre in the caller\'s scope with its capacity on a date (default today), ordered by code', querystring: S.DateQuery, response: { 200: S.FacilityList, ...errors(400, 401, 403) } },
    },
    async (req) => ({ items: await service.listFacilities(deps(), req.actor!, req.query.date) }),
  );

  r.get(
    '/api/v1/facilities/:code',
    {
      config: { access: 'facility.read' },
      schema: { tags, summary: 'A centre with its units, their capacity on a date and their cell counts', params: S.CodeParams, querystring: S.DateQuery, response: { 200: S.FacilityDetail, ...errors(400, 401, 403, 404) } },
    },
    async (req) => service.getFacility(deps(), req.actor!, req.params.code, req.query.date),
  );

  r.get(
    '/api/v1/facilities/:code/units/:unitId',
    {
      config: { access: 'facility.read' },
      schema: { tags, summary: 'A unit with its cells and their capacity on a date', params: S.UnitParams, querystring: S.DateQuery, response: { 200: S.UnitDetail, ...errors(400, 401, 403, 404) } },
    },
    async (req) => service.getUnit(deps(), req.actor!, req.params.code, req.params.unitId, req.query.date),
  );

  r.get(
    '/api/v1/facilities/:code/capacity-history',
    {
      config: { access: 'facility.read' },
      schema: {
        tags,
        summary: 'Every capacity entry of a centre, its units and cells, the most recently recorded first, with who recorded it and why',
        params: S.CodeParams,
        querystring: S.HistoryQuery,
        response: { 200: S.CapacityHistory, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => ({ items: await service.getCapacityHistory(deps(), req.actor!, req.params.code, { unitId: req.query.unitId }) }),
  );

  r.post(
    '/api/v1/facilities/:code/capacity',
    {
      config: { access: 'facility.manage' },
      schema: {
        tags,
        summary: 'Record a capacity for the centre, a unit or a cell, effective from a date (a new entry; nothing is overwritten)',
        params: S.CodeParams,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'repeat a request safely: the same key returns the first response' })) }),
        body: S.CapacityBody,
        response: { 201: S.CapacityEntry, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => idempotent(req, reply, 201, (trx) => service.recordCapacity(trx, app.state.settings, caller(req), req.params.code, req.body)),
  );

  // ---- Pages ----
  app.get('/facilities', { config: { access: 'facility.read' } }, async (req, reply) => {
    const { date, errors: errs } = pageDate(req);
    const facilities = await service.listFacilities(deps(), req.actor!, date);
    if (errs.length) reply.code(400);
    return reply.page('facilities/views/list.njk', {
      pageTitle: req.t('facilities.title'),
      facilities,
      date: service.asOf(deps(), date),
      dateParam: date ?? '',
      errors: errs.length ? formErrors(req, errs) : null,
    });
  });

  async function facilityPage(req: FastifyRequest, reply: FastifyReply, code: string, extra: { errors?: FieldError[]; values?: Record<string, string> } = {}) {
    const { date, errors: dateErrors } = pageDate(req);
    const facility = await service.getFacility(deps(), req.actor!, code, date);
    const history = await service.getCapacityHistory(deps(), req.actor!, code, { withCells: false });
    const errs = [...dateErrors, ...(extra.errors ?? [])];
    if (dateErrors.length) reply.code(400);
    const values = extra.values ?? { source: 'official' };
    // Where a new capacity applies: the whole centre, or one of its units.
    const targetItems = [
      { value: '', text: req.t('facilities.record.wholeCentre') },
      ...facility.units.map((u) => ({ value: u.id, text: `${u.code} – ${u.name}`, selected: values.unitId === u.id })),
    ];
    return reply.page('facilities/views/facility.njk', {
      pageTitle: facility.name,
      facility,
      history,
      date: facility.date,
      dateParam: date ?? '',
      values,
      targetItems,
      recorded: (req.query as Record<string, unknown>).recorded === '1',
      errors: errs.length ? formErrors(req, errs) : null,
    });
  }

  app.get('/facilities/:code', { config: { access: 'facility.read' } }, async (req, reply) => facilityPage(req, reply, (req.params as { code: string }).code));

  app.post('/facilities/:code/capacity', { config: { access: 'facility.manage' } }, async (req, reply) => {
    const code = (req.params as { code: string }).code;
    const form = parseCapacityForm(req.body);
    try {
      if (form.errors.length) throw new AppError(400, 'bad_request', 'errors.validation', {}, form.errors);
      await app.state.db.transaction().execute((trx) => service.recordCapacity(trx, app.state.settings, caller(req), code, form.input));
    } catch (e) {
      if (!(e instanceof AppError) || (e.status !== 400 && e.status !== 422)) throw e;
      reply.code(e.status);
      return facilityPage(req, reply, code, { errors: e.fields, values: form.values });
    }
    return reply.redirect(`/facilities/${encodeURIComponent(code)}?recorded=1`, 303);
  });

  app.get('/facilities/:code/units/:unitId', { config: { access: 'facility.read' } }, async (req, reply) => {
    const { code, unitId } = req.params as { code: string; unitId: string };
    if (!uuidPattern.test(unitId)) throw new AppError(404, 'not_found', 'errors.notFound');
    const { date, errors: errs } = pageDate(req);
    const unit = await service.getUnit(deps(), req.actor!, code, unitId, date);
    const history = await service.getCapacityHistory(deps(), req.actor!, code, { unitId });
    if (errs.length) reply.code(400);
    return reply.page('facilities/views/unit.njk', {
      pageTitle: `${unit.name} – ${unit.facility.name}`,
      unit,
      history,
      date: unit.date,
      dateParam: date ?? '',
      errors: errs.length ? formErrors(req, errs) : null,
    });
  });
}
