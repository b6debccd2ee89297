// The alerts pages: plain HTML forms that work without JavaScript. Each POST calls the same
// service function as the API; a broken rule or a conflict re-renders the page with the error
// summary, success redirects back with a notice (post/redirect/get).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from '../../platform/http/errors.ts';
import { field, formErrors } from '../../platform/http/forms.ts';
import type { Severity } from '../../platform/db/schema.ts';
import * as alerts from './service.ts';
import { recipientRoles, severities, statuses } from './schemas.ts';
import { callerOf } from './caller.ts';

type Outcome<T> = { value: T; error: null } | { value: null; error: AppError };

/** Runs a form's action; a broken rule or a conflict becomes errors on the form, not an error page. */
async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { value: await run(), error: null };
  } catch (e) {
    if (e instanceof AppError && [409, 422].includes(e.status)) return { value: null, error: e };
    throw e;
  }
}

/** The error summary of a failed action, its field paths renamed to the page's control ids. */
function errorsFor(req: FastifyRequest, e: AppError, rename: (path: string) => string = (p) => p) {
  const fields: FieldError[] = e.fields.length ? e.fields.map((f) => ({ ...f, path: rename(f.path) })) : [{ path: '', key: e.key, params: e.params }];
  return formErrors(req, fields);
}

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notices = ['acknowledged', 'closed', 'raised', 'created', 'updated'];

/** Where an alert form returns to: the list (with its filters) or the alert's own page. */
function backOf(body: unknown, id: string): string {
  const back = field(body, 'back');
  if (back === `/alerts/${id}`) return back;
  return /^\/alerts(\?[^\s\\#]*)?$/.test(back) ? back : '/alerts';
}

function withNotice(url: string, done: string): string {
  const u = new URL(url, 'http://custodia.invalid');
  u.searchParams.set('done', done);
  return `${u.pathname}?${u.searchParams.toString()}`;
}

/** The raiser's details as label and text rows (a JSON object's entries, or the value itself). */
function detailRowsOf(details: unknown): { key: string; value: string }[] {
  if (details === null || details === undefined) return [];
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));
  if (typeof details === 'object' && !Array.isArray(details)) return Object.entries(details).map(([key, v]) => ({ key, value: text(v) }));
  return [{ key: 'text', value: text(details) }];
}

const severityItems = (req: FastifyRequest) => severities.map((s) => ({ value: s, text: req.t(`alerts.severity.${s}`) }));
const roleItems = (req: FastifyRequest) => recipientRoles.map((r) => ({ value: r, text: req.t(`roles.${r}`) }));

/** The type form as submitted (create and edit share it). */
function typeFormOf(body: unknown) {
  const hours = field(body, 'acknowledgeWithinHours').trim();
  return {
    values: {
      code: field(body, 'code').trim(),
      nameEs: field(body, 'nameEs'),
      nameEn: field(body, 'nameEn'),
      defaultSeverity: field(body, 'defaultSeverity'),
      recipientRole: field(body, 'recipientRole'),
      acknowledgeWithinHours: hours,
      active: field(body, 'active') === 'yes',
    },
    fields: {
      nameEs: field(body, 'nameEs'),
      nameEn: field(body, 'nameEn'),
      defaultSeverity: field(body, 'defaultSeverity') as Severity,
      recipientRole: field(body, 'recipientRole'),
      acknowledgeWithinHours: /^\d{1,6}$/.test(hours) ? Number(hours) : Number.NaN,
      active: field(body, 'active') === 'yes',
    } satisfies alerts.AlertTypeFields,
  };
}

export function alertPages(app: FastifyInstance): void {
  const deps = (): alerts.Deps => app.state;

  // ---- the list ----

  const renderList = async (req: FastifyRequest, reply: FastifyReply, query: unknown, data: Record<string, unknown> = {}) => {
    const actor = req.actor!;
    const facilities = await alerts.facilityChoices(deps(), actor);
    const types = await alerts.listAlertTypes(deps(), actor).catch(() => []);
    const canAct = actor.permissions.has('alert.acknowledge');
    const show = ['mine', 'all'].includes(field(query, 'show')) ? field(query, 'show') : canAct ? 'mine' : 'all';
    const status = [...statuses, 'all'].includes(field(query, 'status')) ? field(query, 'status') : 'open';
    const facility = facilities.some((f) => f.code === field(query, 'facility')) ? field(query, 'facility') : '';
    const type = types.some((t) => t.code === field(query, 'type')) ? field(query, 'type') : '';
    const offset = Math.min(Math.max(0, Number.parseInt(field(query, 'offset'), 10) || 0), 1_000_000);
    const limit = 50;
    const result = await alerts.listAlerts(deps(), callerOf(req), {
      mine: show === 'mine',
      status: status === 'all' ? undefined : (status as alerts.AlertStatus),
      facility: facility || undefined,
      type: type || undefined,
      limit,
      offset,
    });
    const filter = { show, status, facility, type };
    const link = (o: number) => `/alerts?${new URLSearchParams({ ...filter, offset: String(o) }).toString()}`;
    const done = field(query, 'done');
    return reply.page('alerts/views/alerts.njk', {
      pageTitle: req.t('alerts.list.title'),
      items: result.items,
      total: result.total,
      filter,
      back: `/alerts?${new URLSearchParams({ ...filter, ...(offset ? { offset: String(offset) } : {}) }).toString()}`,
      facilityItems: [{ value: '', text: req.t('alerts.list.allFacilities') }, ...facilities.map((f) => ({ value: f.code, text: `${f.code} – ${f.name}` }))],
      typeItems: [{ value: '', text: req.t('alerts.list.allTypes') }, ...types.map((t) => ({ value: t.code, text: req.lang === 'en' ? t.nameEn : t.nameEs }))],
      previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
      next: offset + limit < result.total ? link(offset + limit) : null,
      done: notices.includes(done) ? done : null,
      notes: {},
      ...data,
    });
  };

  app.get('/alerts', { config: { access: 'person.read' } }, async (req, reply) => renderList(req, reply, req.query));

  // ---- raising by hand ----

  const renderNew = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const actor = req.actor!;
    const facilities = await alerts.facilityChoices(deps(), actor);
    const types = await alerts.listAlertTypes(deps(), actor, { activeOnly: true }).catch(() => []);
    return reply.page('alerts/views/alert-new.njk', {
      pageTitle: req.t('alerts.new.title'),
      typeItems: [{ value: '', text: req.t('alerts.new.chooseType') }, ...types.map((t) => ({ value: t.code, text: req.lang === 'en' ? t.nameEn : t.nameEs }))],
      facilityItems: [{ value: '', text: req.t('alerts.new.chooseFacility') }, ...facilities.map((f) => ({ value: f.code, text: `${f.code} – ${f.name}` }))],
      severityItems: [{ value: '', text: req.t('alerts.new.severityFromType') }, ...severityItems(req)],
      form: { facilityCode: facilities.length === 1 ? facilities[0]!.code : '' },
      ...data,
    });
  };

  app.get('/alerts/new', { config: { access: 'alert.acknowledge' } }, async (req, reply) => renderNew(req, reply));

  app.post('/alerts', { config: { access: 'alert.acknowledge' } }, async (req, reply) => {
    const body = req.body;
    const form = {
      typeCode: field(body, 'typeCode'),
      facilityCode: field(body, 'facilityCode'),
      prisonerNumber: field(body, 'prisonerNumber').trim(),
      severity: field(body, 'severity'),
      summary: field(body, 'summary'),
      details: field(body, 'details'),
    };
    const r = await attempt(async () => {
      const missing: FieldError[] = [];
      if (!form.typeCode) missing.push({ path: 'typeCode', key: 'alerts.errors.typeRequired' });
      if (!form.facilityCode) missing.push({ path: 'facilityCode', key: 'alerts.errors.facilityRequired' });
      if (!form.summary.trim()) missing.push({ path: 'summary', key: 'alerts.errors.summaryRequired' });
      if (form.severity && !(severities as readonly string[]).includes(form.severity)) missing.push({ path: 'severity', key: 'alerts.errors.severity' });
      if (form.details.length > 2000) missing.push({ path: 'details', key: 'alerts.errors.detailsTooLong', params: { max: 2000 } });
      let personId: string | undefined;
      if (form.prisonerNumber) {
        personId = (await alerts.personIdByPrisonerNumber(deps(), req.actor!, form.prisonerNumber)) ?? undefined;
        if (!personId) missing.push({ path: 'prisonerNumber', key: 'alerts.errors.personNotFound' });
      }
      if (missing.length) throw new AppError(422, 'rule_violation', 'errors.validation', {}, missing);
      return alerts.createAlert(deps(), callerOf(req), {
        typeCode: form.typeCode,
        facilityCode: form.facilityCode,
        summary: form.summary,
        ...(personId ? { personId } : {}),
        ...(form.details.trim() ? { details: form.details } : {}),
        ...(form.severity ? { severity: form.severity as Severity } : {}),
      });
    });
    if (r.error) {
      reply.code(r.error.status);
      return renderNew(req, reply, { errors: errorsFor(req, r.error, (p) => (p === 'personId' ? 'prisonerNumber' : p)), form });
    }
    return reply.redirect(`/alerts/${r.value.id}?done=raised`);
  });

  // ---- one alert ----

  const renderAlert = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const alert = await alerts.getAlert(deps(), callerOf(req), idOf(req));
    const done = field(req.query, 'done');
    return reply.page('alerts/views/alert.njk', {
      pageTitle: req.lang === 'en' ? alert.typeName.en : alert.typeName.es,
      alert,
      detailRows: detailRowsOf(alert.details),
      back: `/alerts/${alert.id}`,
      done: notices.includes(done) ? done : null,
      form: {},
      ...data,
    });
  };

  app.get('/alerts/:id', { config: { access: 'person.read' } }, async (req, reply) => renderAlert(req, reply));

  /** Acknowledge or close: from the list (the note field is per alert) or from the alert's page. */
  const noteAction = (path: 'acknowledge' | 'close', done: string, run: (req: FastifyRequest, input: { note: string; version: number }) => Promise<unknown>) =>
    app.post(`/alerts/:id/${path}`, { config: { access: 'alert.acknowledge' } }, async (req, reply) => {
      const id = idOf(req);
      if (!uuidPattern.test(id)) throw new AppError(404, 'not_found', 'errors.notFound');
      const note = field(req.body, 'note');
      const version = Number.parseInt(field(req.body, 'version'), 10) || 0;
      const back = backOf(req.body, id);
      const { error } = await attempt(() => run(req, { note, version }));
      if (!error) return reply.redirect(withNotice(back, done));
      reply.code(error.status);
      if (back === `/alerts/${id}`) {
        const noteId = path === 'close' ? 'closeNote' : 'note';
        const keep = error.status !== 409; // after a conflict, the page shows the alert as it now is
        return renderAlert(req, reply, { errors: errorsFor(req, error, (p) => (p === 'note' ? noteId : p)), form: keep ? { [noteId]: note } : {} });
      }
      const query = Object.fromEntries(new URL(back, 'http://custodia.invalid').searchParams);
      return renderList(req, reply, query, { errors: errorsFor(req, error, (p) => (p === 'note' ? `note-${id}` : p)), notes: { [id]: note } });
    });

  noteAction('acknowledge', 'acknowledged', (req, input) => alerts.acknowledgeAlert(deps(), callerOf(req), idOf(req), input));
  noteAction('close', 'closed', (req, input) => alerts.closeAlert(deps(), callerOf(req), idOf(req), input));

  // ---- alert types (administrators) ----

  const renderTypes = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const types = await alerts.listAlertTypes(deps(), req.actor!);
    const editCode = (data.editCode as string | undefined) ?? field(req.query, 'edit');
    const editing = types.find((t) => t.code === editCode) ?? null;
    const done = field(req.query, 'done');
    return reply.page('alerts/views/alert-types.njk', {
      pageTitle: req.t('alerts.types.title'),
      types,
      editing,
      editForm: editing ? { ...editing } : null,
      newForm: { active: true, acknowledgeWithinHours: '24', defaultSeverity: 'high', recipientRole: 'director' },
      severityItems: severityItems(req),
      roleItems: roleItems(req),
      done: notices.includes(done) ? done : null,
      ...data,
    });
  };

  app.get('/admin/alert-types', { config: { access: 'role.manage' } }, async (req, reply) => renderTypes(req, reply));

  app.post('/admin/alert-types', { config: { access: 'role.manage' } }, async (req, reply) => {
    const { values, fields } = typeFormOf(req.body);
    const r = await attempt(() => alerts.createAlertType(deps(), callerOf(req), { ...fields, code: values.code }));
    if (!r.error) return reply.redirect(`/admin/alert-types?done=created`);
    reply.code(r.error.status);
    return renderTypes(req, reply, { errors: errorsFor(req, r.error, (p) => `new-${p}`), newForm: values });
  });

  app.post('/admin/alert-types/:code', { config: { access: 'role.manage' } }, async (req, reply) => {
    const code = (req.params as { code: string }).code;
    const { values, fields } = typeFormOf(req.body);
    const r = await attempt(() => alerts.updateAlertType(deps(), callerOf(req), code, fields));
    if (!r.error) return reply.redirect(`/admin/alert-types?done=updated`);
    reply.code(r.error.status);
    return renderTypes(req, reply, { errors: errorsFor(req, r.error, (p) => `edit-${p}`), editCode: code, editForm: { ...values, code } });
  });
}
