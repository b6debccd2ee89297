// The judicial orders pages: plain HTML forms that work without JavaScript. Each POST calls
// the same service function as the API; a broken rule re-renders the form with the GOV.UK
// error summary, success redirects to the order with a notice (post/redirect/get).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from '../../platform/http/errors.ts';
import { field, formErrors, type FormErrors } from '../../platform/http/forms.ts';
import type { UploadedFile } from '../../platform/http/setup-security.ts';
import { allOrderKinds, authorityKinds, orderKinds, orderLegalStatuses, orderStatuses, verificationMethods } from './schemas.ts';
import * as service from './service.ts';
import { callerOf } from './caller.ts';
import { legalOrderPages } from './legal-pages.ts';

type Outcome<T> = { value: T; error: null } | { value: null; error: AppError };

/** Runs a form's action; a broken rule or a conflict becomes errors on the form, not an error page. */
export async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { value: await run(), error: null };
  } catch (e) {
    if (e instanceof AppError && [409, 422].includes(e.status)) return { value: null, error: e };
    throw e;
  }
}

/** Where an error's summary link lands on the page (the date's first box, the form's anchor). */
const anchors: Record<string, string> = { orderDate: 'orderDate-day', from: 'from-day', to: 'to-day', decreeDate: 'decreeDate-day', verifiedBy: 'verify', rejectedBy: 'reject' };

export function pageErrors(req: FastifyRequest, e: AppError): FormErrors {
  const fields: FieldError[] = e.fields.length ? e.fields : [{ path: '', key: e.key, params: e.params }];
  const errs = formErrors(req, fields);
  errs.summary = errs.summary.map((s, i) => {
    const path = fields[i]!.path;
    return { ...s, href: `#${anchors[path] ?? (path || 'main-content')}` };
  });
  return errs;
}

/** A file field of a multipart form, or null when none was chosen. */
export function uploaded(body: unknown, name: string): UploadedFile | null {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return v && typeof v === 'object' && Buffer.isBuffer((v as UploadedFile).data) ? (v as UploadedFile) : null;
}

/** The three boxes of a GOV.UK date input as YYYY-MM-DD ('' when all are empty; malformed text otherwise). */
export function dateFrom(body: unknown, name: string): { value: string; parts: { day: string; month: string; year: string } } {
  const parts = { day: field(body, `${name}-day`).trim(), month: field(body, `${name}-month`).trim(), year: field(body, `${name}-year`).trim() };
  if (!parts.day && !parts.month && !parts.year) return { value: '', parts };
  const ok = /^\d{1,2}$/.test(parts.day) && /^\d{1,2}$/.test(parts.month) && /^\d{4}$/.test(parts.year);
  return { value: ok ? `${parts.year}-${parts.month.padStart(2, '0')}-${parts.day.padStart(2, '0')}` : 'invalid', parts };
}

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;
const notices = ['registered', 'verified', 'rejected'];

export function orderPages(app: FastifyInstance): void {
  const deps = (): service.Deps => app.state;
  legalOrderPages(app);

  const choices = (req: FastifyRequest) => ({
    kindItems: orderKinds.map((k) => ({ value: k, text: req.t(`orders.kind.${k}`), hint: { text: req.t(`orders.kindHint.${k}`) } })),
    authorityItems: authorityKinds.map((k) => ({ value: k, text: req.t(`orders.authority.${k}`) })),
    legalStatusItems: orderLegalStatuses.map((k) => ({ value: k, text: req.t(`orders.legalStatus.${k}`) })),
    methodItems: verificationMethods.map((k) => ({ value: k, text: req.t(`orders.method.${k}`) })),
  });

  // ---- the list ----
  app.get('/orders', { config: { access: 'person.read' } }, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const verifier = req.actor!.permissions.has('order.verify');
    // Verifiers land on what waits for them; "all" is an explicit choice.
    const rawStatus = field(q, 'status');
    const status = rawStatus === '' ? (verifier ? 'registered' : 'all') : (orderStatuses as readonly string[]).includes(rawStatus) ? rawStatus : 'all';
    const facilities = await service.facilityChoices(deps(), callerOf(req));
    const facility = facilities.some((f) => f.code === field(q, 'facility')) ? field(q, 'facility') : '';
    const kind = (allOrderKinds as readonly string[]).includes(field(q, 'kind')) ? field(q, 'kind') : '';
    const before = field(q, 'before');
    const result = await service.listOrders(deps(), callerOf(req), {
      facility: facility || undefined,
      status: status === 'all' ? undefined : status,
      kind: kind || undefined,
      before: before || undefined,
      limit: 50,
    });
    const filter = { status, facility, kind };
    const next = result.nextBefore ? `/orders?${new URLSearchParams({ ...filter, before: result.nextBefore }).toString()}` : null;
    return reply.page('orders/views/list.njk', {
      pageTitle: req.t('orders.list.title'),
      orders: result.items,
      filter,
      next,
      first: before ? `/orders?${new URLSearchParams(filter).toString()}` : null,
      statusItems: ['all', ...orderStatuses].map((s) => ({ value: s, text: req.t(s === 'all' ? 'orders.list.statusAll' : `orders.status.${s}`) })),
      facilityItems: [{ value: '', text: req.t('orders.list.facilityAll') }, ...facilities.map((f) => ({ value: f.code, text: `${f.code} – ${f.name}` }))],
      kindItems: [{ value: '', text: req.t('orders.list.kindAll') }, ...allOrderKinds.map((k) => ({ value: k, text: req.t(`orders.kind.${k}`) }))],
    });
  });

  // ---- registering ----
  const renderNew = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const facilities = await service.facilityChoices(deps(), callerOf(req));
    const personId = field(req.query, 'personId');
    return reply.page('orders/views/new.njk', {
      pageTitle: req.t('orders.new.title'),
      ...choices(req),
      facilityItems: [{ value: '', text: req.t('orders.new.chooseFacility') }, ...facilities.map((f) => ({ value: f.code, text: `${f.code} – ${f.name}` }))],
      form: { facilityCode: facilities.length === 1 ? facilities[0]!.code : '', personId: /^[0-9a-f-]{36}$/i.test(personId) ? personId : '', orderDate: {} },
      ...data,
    });
  };

  app.get('/orders/new', { config: { access: 'order.register' } }, async (req, reply) => renderNew(req, reply));

  app.post('/orders', { config: { access: 'order.register' } }, async (req, reply) => {
    const body = req.body;
    const date = dateFrom(body, 'orderDate');
    const scan = uploaded(body, 'scan');
    const form = {
      kind: field(body, 'kind'),
      authorityKind: field(body, 'authorityKind'),
      issuingAuthority: field(body, 'issuingAuthority'),
      caseNumber: field(body, 'caseNumber'),
      subjectName: field(body, 'subjectName'),
      personId: field(body, 'personId'),
      facilityCode: field(body, 'facilityCode'),
      legalStatus: field(body, 'legalStatus'),
      notes: field(body, 'notes'),
    };
    // A legal status only belongs to a commitment order; one ticked before switching kind is dropped.
    const input: service.NewOrder = { ...form, orderDate: date.value, legalStatus: form.kind === 'release' ? null : form.legalStatus, scan: scan?.data ?? null };
    const r = await attempt(() => service.registerOrder(deps(), callerOf(req), input, { scanPath: 'scan' }));
    if (r.error) {
      reply.code(r.error.status);
      return renderNew(req, reply, { errors: pageErrors(req, r.error), form: { ...form, orderDate: date.parts }, scanDropped: Boolean(scan) });
    }
    return reply.redirect(`/orders/${r.value.id}?done=registered`);
  });

  // ---- one order: details, verification and rejection ----
  const renderOrder = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const order = await service.getOrder(deps(), callerOf(req), idOf(req));
    const actor = req.actor!;
    const isRegistrant = order.registeredBy.id === actor.userId;
    const done = field(req.query, 'done');
    return reply.page('orders/views/order.njk', {
      pageTitle: `${req.t(`orders.kind.${order.kind}`)} ${order.caseNumber}`,
      order,
      ...choices(req),
      isRegistrant,
      // A sentence is verified only by a user who may verify sentences (legal office).
      canDecide: order.status === 'registered' && actor.permissions.has('order.verify') && (order.kind !== 'sentence' || actor.permissions.has('sentence.verify')) && !isRegistrant,
      scanUrl: order.scan ? `/orders/${order.id}/scan` : null,
      scanIsImage: order.scan ? order.scan.contentType.startsWith('image/') : false,
      done: notices.includes(done) ? done : null,
      form: {},
      ...data,
    });
  };

  app.get('/orders/:id', { config: { access: 'person.read' } }, async (req, reply) => renderOrder(req, reply));

  app.get('/orders/:id/scan', { config: { access: 'person.read' } }, async (req, reply) => {
    const scan = await service.getOrderScan(deps(), callerOf(req), idOf(req));
    const ext = scan.contentType === 'application/pdf' ? 'pdf' : scan.contentType === 'image/png' ? 'png' : 'jpg';
    const name = `orden-${scan.order.caseNumber}`.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80);
    return reply.type(scan.contentType).header('content-disposition', `inline; filename="${name}.${ext}"`).send(scan.data);
  });

  /** A decision posted from the order page: back to the page with a notice, or the page with the errors. */
  const decision = (path: string, done: string, run: (req: FastifyRequest, version: number) => Promise<unknown>, formOf: (req: FastifyRequest) => Record<string, unknown>) =>
    app.post(`/orders/:id/${path}`, { config: { access: 'order.verify' } }, async (req, reply) => {
      const version = Number.parseInt(field(req.body, 'version'), 10) || 0;
      const { error } = await attempt(() => run(req, version));
      if (!error) return reply.redirect(`/orders/${idOf(req)}?done=${done}`);
      reply.code(error.status);
      // After a conflict the page shows the order as it now is, to review before deciding.
      return renderOrder(req, reply, { errors: pageErrors(req, error), ...(error.status === 409 ? {} : { form: formOf(req) }) });
    });

  decision(
    'verify',
    'verified',
    (req, version) => service.verifyOrder(deps(), callerOf(req), idOf(req), { method: field(req.body, 'method'), note: field(req.body, 'note'), version }),
    (req) => ({ method: field(req.body, 'method'), note: field(req.body, 'note') }),
  );
  decision(
    'reject',
    'rejected',
    (req, version) => service.rejectOrder(deps(), callerOf(req), idOf(req), { reason: field(req.body, 'reason'), version }),
    (req) => ({ reason: field(req.body, 'reason') }),
  );
}
