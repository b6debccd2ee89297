// The redemption pages: plain HTML forms that work without JavaScript (post/redirect/get). Each
// POST calls the same service function as the API; a broken rule or a conflict re-renders the
// page with the GOV.UK error summary naming the field (or, for a programme's month, the line).
//
//   /redemption                          centres in scope with their pending counts
//   /facilities/:code/redemption         a centre's pending list: evaluate / decide in bulk
//   /redemption/bulk                     a programme's month at one centre
//   /persons/:id/redemption              a person's ledger and the entry form
//   /redemption-records/:id              one record, its steps, and the evaluation / decision forms
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditActorOf } from '../../platform/http/context.ts';
import { AppError, type FieldError } from '../../platform/http/errors.ts';
import { field, formErrors, type FormErrors } from '../../platform/http/forms.ts';
import { todayIn } from '../../platform/time.ts';
import { isUuid } from '../persons/scope.ts';
import { activityKinds, programmeSuggestions, type ActivityKind } from './rules.ts';
import * as service from './service.ts';

export const callerOf = (req: FastifyRequest): service.Caller => ({ actor: req.actor!, audit: auditActorOf(req) });

type Outcome<T> = { value: T; error: null } | { value: null; error: AppError };

/** Runs a form's action; a broken rule or a conflict becomes errors on the form, not an error page. */
async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { value: await run(), error: null };
  } catch (e) {
    if (e instanceof AppError && (e.status === 409 || e.status === 422)) return { value: null, error: e };
    throw e;
  }
}

function pageErrors(req: FastifyRequest, e: AppError, rename: (path: string) => string = (p) => p): FormErrors {
  const fields: FieldError[] = e.fields.length ? e.fields.map((f) => ({ ...f, path: rename(f.path) })) : [{ path: '', key: e.key, params: e.params }];
  const out = formErrors(req, fields);
  // A list of problems under one heading (the whole message first), as the bulk form shows it.
  if (e.fields.length > 1) out.summary.unshift({ text: req.t(e.key, e.params), href: '#main-content' });
  return out;
}

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;
const codeOf = (req: FastifyRequest): string => (req.params as { code: string }).code;
const versionOf = (body: unknown): number => {
  const v = Number.parseInt(field(body, 'version'), 10);
  return Number.isInteger(v) && v > 0 ? v : 0;
};

/** Checked boxes: `id:version` values (one string or several). */
function itemsOf(body: unknown): { id: string; version: number }[] {
  const raw = (body as Record<string, unknown> | undefined)?.['items'];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  return list
    .filter((x): x is string => typeof x === 'string')
    .map((x) => {
      const [id, v] = x.split(':');
      return { id: id ?? '', version: Number.parseInt(v ?? '', 10) || 0 };
    });
}

/** The entry form's amount goes to days or hours by the kind chosen. */
function amountFields(kind: string, amount: string): { days?: string; hours?: string } {
  const a = amount.trim();
  if (!a) return {};
  return kind === 'teaching' ? { hours: a } : { days: a };
}

export interface ParsedLine {
  line: number;
  prisonerNumber: string;
  amount: string;
  from: string;
  to: string;
}

/** The bulk form's text: one line per person — prisoner number, days or hours, optional from and to. */
export function parseBulkLines(text: string): ParsedLine[] {
  const out: ParsedLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const parts = line.split(/[\t,;]+|\s+/).filter(Boolean);
    // "PPL 100234" typed with a space: join the prefix with its digits.
    if (parts.length > 1 && /^ppl$/i.test(parts[0]!) && /^\d+$/.test(parts[1]!)) parts.splice(0, 2, `${parts[0]}-${parts[1]}`);
    out.push({ line: i + 1, prisonerNumber: parts[0] ?? '', amount: parts[1] ?? '', from: parts[2] ?? '', to: parts[3] ?? '' });
  });
  return out;
}

export function kindItems(req: FastifyRequest, selected: string) {
  return activityKinds.map((k) => ({ value: k, text: req.t(`redemption.kind.${k}`), hint: { text: req.t(`redemption.kindHint.${k}`) }, checked: k === selected }));
}

export const allProgrammes = [...new Set((Object.keys(programmeSuggestions) as ActivityKind[]).flatMap((k) => programmeSuggestions[k]))];

export function redemptionPages(app: FastifyInstance): void {
  const deps = (): service.Deps => app.state;
  const today = (): string => todayIn(app.state.settings.timeZone);
  const done = (req: FastifyRequest, allowed: string[]): string | null => {
    const d = field(req.query, 'done');
    return allowed.includes(d) ? d : null;
  };

  // ================= centres =================

  app.get('/redemption', { config: { access: 'person.read' } }, async (req, reply) => {
    const caller = callerOf(req);
    if (!service.mayReadLedger(caller.actor)) throw new AppError(403, 'forbidden', 'errors.forbidden');
    const facilities = await service.pendingCounts(deps(), caller);
    return reply.page('redemption/views/index.njk', { pageTitle: req.t('redemption.index.title'), facilities });
  });

  const renderPending = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const list = await service.pendingOfFacility(deps(), callerOf(req), codeOf(req));
    const d = field(req.query, 'done');
    return reply.page('redemption/views/pending.njk', {
      pageTitle: req.t('redemption.pending.title', { facility: list.facility.name }),
      list,
      today: today(),
      canEvaluate: req.actor!.permissions.has('redemption.evaluate'),
      canDecide: req.actor!.permissions.has('redemption.decide'),
      canWrite: req.actor!.permissions.has('redemption.write'),
      done: ['evaluated', 'decided'].includes(d) ? d : null,
      doneCount: Number.parseInt(field(req.query, 'count'), 10) || 0,
      form: {},
      selected: [],
      ...data,
    });
  };

  app.get('/facilities/:code/redemption', { config: { access: 'person.read' } }, async (req, reply) => renderPending(req, reply));

  app.post('/facilities/:code/redemption/evaluate', { config: { access: 'redemption.evaluate' } }, async (req, reply) => {
    const b = req.body;
    const items = itemsOf(b);
    const r = await attempt(() => service.evaluateRecords(deps(), callerOf(req), { items, evaluation: field(b, 'evaluation'), note: field(b, 'note') }));
    if (!r.error) return reply.redirect(`/facilities/${codeOf(req)}/redemption?done=evaluated&count=${r.value.items.length}`);
    reply.code(r.error.status);
    return renderPending(req, reply, {
      errors: pageErrors(req, r.error, (p) => (p.startsWith('items') ? 'evaluate-items' : p === 'note' ? 'evaluate-note' : p === 'evaluation' ? 'evaluate-evaluation' : p)),
      form: { evaluation: field(b, 'evaluation'), evaluateNote: field(b, 'note') },
      selected: items.map((i) => i.id),
    });
  });

  app.post('/facilities/:code/redemption/decide', { config: { access: 'redemption.decide' } }, async (req, reply) => {
    const b = req.body;
    const items = itemsOf(b);
    const r = await attempt(() => service.decideRecords(deps(), callerOf(req), { items, decision: field(b, 'decision'), reference: field(b, 'reference'), date: field(b, 'date'), note: field(b, 'note') }));
    if (!r.error) return reply.redirect(`/facilities/${codeOf(req)}/redemption?done=decided&count=${r.value.items.length}`);
    reply.code(r.error.status);
    return renderPending(req, reply, {
      errors: pageErrors(req, r.error, (p) => (p.startsWith('items') ? 'decide-items' : `decide-${p}`)),
      form: { decision: field(b, 'decision'), reference: field(b, 'reference'), date: field(b, 'date'), decideNote: field(b, 'note') },
      selected: items.map((i) => i.id),
    });
  });

  // ================= a programme's month =================

  const renderBulk = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const facilities = await service.facilitiesInScope(deps(), callerOf(req));
    const chosen = (data.form as Record<string, string> | undefined)?.facilityCode ?? field(req.query, 'facility');
    return reply.page('redemption/views/bulk.njk', {
      pageTitle: req.t('redemption.bulk.title'),
      facilityItems: [{ value: '', text: req.t('redemption.bulk.chooseFacility') }, ...facilities.map((f) => ({ value: f.code, text: `${f.code} – ${f.name}`, selected: f.code === chosen }))],
      kindItems: kindItems(req, (data.form as Record<string, string> | undefined)?.kind ?? 'work'),
      programmes: allProgrammes,
      done: field(req.query, 'done') === 'created' ? Number.parseInt(field(req.query, 'count'), 10) || 0 : null,
      form: { facilityCode: chosen },
      report: [],
      ...data,
    });
  };

  app.get('/redemption/bulk', { config: { access: 'redemption.write' } }, async (req, reply) => renderBulk(req, reply));

  app.post('/redemption/bulk', { config: { access: 'redemption.write' } }, async (req, reply) => {
    const b = req.body;
    const form = { facilityCode: field(b, 'facilityCode'), programme: field(b, 'programme'), kind: field(b, 'kind'), month: field(b, 'month'), rows: field(b, 'rows') };
    const lines = parseBulkLines(form.rows);
    const rows = lines.map((l) => ({ prisonerNumber: l.prisonerNumber, ...amountFields(form.kind, l.amount), ...(l.from ? { from: l.from } : {}), ...(l.to ? { to: l.to } : {}) }));
    const r = await attempt(() => service.bulkCreate(deps(), callerOf(req), { facilityCode: form.facilityCode, programme: form.programme, kind: form.kind, month: form.month, rows }));
    if (!r.error) return reply.redirect(`/redemption/bulk?done=created&count=${r.value.created}&facility=${encodeURIComponent(form.facilityCode)}`);
    reply.code(r.error.status);
    // Row paths become lines of the text: a report naming the line, the person and the field.
    const report = r.error.fields
      .map((f) => ({ f, m: /^rows\[(\d+)\]\.(\w+)$/.exec(f.path) }))
      .filter(({ m }) => m)
      .map(({ f, m }) => {
        const l = lines[Number(m![1])]!;
        const fieldName = m![2] === 'days' || m![2] === 'hours' ? 'amount' : m![2]!;
        return { line: l.line, prisonerNumber: l.prisonerNumber, field: req.t(`redemption.fields.${fieldName}`), problem: f.localized ? f.localized[req.lang] : req.t(f.key, f.params) };
      });
    const errors = pageErrors(req, r.error, (p) => (p.startsWith('rows') ? 'rows' : p));
    return renderBulk(req, reply, { errors, form, report });
  });

  // ================= a person's ledger =================

  const renderPerson = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const caller = callerOf(req);
    const ledger = await service.personLedger(deps(), caller, idOf(req));
    const form = (data.form as Record<string, string> | undefined) ?? {};
    return reply.page('redemption/views/person.njk', {
      pageTitle: req.t('redemption.person.title', { number: ledger.person.prisonerNumber }),
      ledger,
      canWrite: req.actor!.permissions.has('redemption.write') && ledger.episodeId !== null,
      kindItems: kindItems(req, form.kind ?? 'work'),
      programmes: allProgrammes,
      today: today(),
      done: done(req, ['created']),
      form,
      ...data,
    });
  };

  app.get('/persons/:id/redemption', { config: { access: 'person.read' } }, async (req, reply) => renderPerson(req, reply));

  app.post('/persons/:id/redemption', { config: { access: 'redemption.write' } }, async (req, reply) => {
    const b = req.body;
    const form = { kind: field(b, 'kind'), programme: field(b, 'programme'), from: field(b, 'from'), to: field(b, 'to'), amount: field(b, 'amount') };
    if (!isUuid(idOf(req))) throw new AppError(404, 'not_found', 'errors.notFound');
    const r = await attempt(() => service.createRecord(deps(), callerOf(req), { personId: idOf(req), kind: form.kind, programme: form.programme, from: form.from, to: form.to, ...amountFields(form.kind, form.amount) }));
    if (!r.error) return reply.redirect(`/persons/${idOf(req)}/redemption?done=created`);
    reply.code(r.error.status);
    return renderPerson(req, reply, { errors: pageErrors(req, r.error, (p) => (p === 'days' || p === 'hours' ? 'amount' : p === 'personId' ? '' : p)), form });
  });

  // ================= one record =================

  const renderRecord = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const rec = await service.getRecord(deps(), callerOf(req), idOf(req));
    const actor = req.actor!;
    return reply.page('redemption/views/record.njk', {
      pageTitle: `${req.t('redemption.record.title')} – ${rec.person.prisonerNumber}`,
      rec,
      today: today(),
      isCertifier: rec.certifiedBy.id === actor.userId,
      canEvaluate: rec.status === 'certified' && actor.permissions.has('redemption.evaluate'),
      canDecide: rec.status === 'evaluated' && actor.permissions.has('redemption.decide') && rec.certifiedBy.id !== actor.userId,
      done: done(req, ['evaluated', 'approved', 'refused']),
      form: {},
      ...data,
    });
  };

  app.get('/redemption-records/:id', { config: { access: 'person.read' } }, async (req, reply) => renderRecord(req, reply));

  app.post('/redemption-records/:id/evaluate', { config: { access: 'redemption.evaluate' } }, async (req, reply) => {
    const b = req.body;
    const r = await attempt(() => service.evaluateRecord(deps(), callerOf(req), idOf(req), { evaluation: field(b, 'evaluation'), note: field(b, 'note'), version: versionOf(b) }));
    if (!r.error) return reply.redirect(`/redemption-records/${idOf(req)}?done=evaluated`);
    reply.code(r.error.status);
    return renderRecord(req, reply, { errors: pageErrors(req, r.error, (p) => (p === 'id' ? 'evaluation' : p)), ...(r.error.status === 409 ? {} : { form: { evaluation: field(b, 'evaluation'), note: field(b, 'note') } }) });
  });

  app.post('/redemption-records/:id/decide', { config: { access: 'redemption.decide' } }, async (req, reply) => {
    const b = req.body;
    const r = await attempt(() =>
      service.decideRecord(deps(), callerOf(req), idOf(req), { decision: field(b, 'decision'), reference: field(b, 'reference'), date: field(b, 'date'), note: field(b, 'note'), version: versionOf(b) }),
    );
    if (!r.error) return reply.redirect(`/redemption-records/${idOf(req)}?done=${r.value.status}`);
    reply.code(r.error.status);
    return renderRecord(req, reply, {
      errors: pageErrors(req, r.error, (p) => (p === 'id' || p === 'decidedBy' || p === 'evaluation' ? 'decision' : p)),
      ...(r.error.status === 409 ? {} : { form: { decision: field(b, 'decision'), reference: field(b, 'reference'), date: field(b, 'date'), decisionNote: field(b, 'note') } }),
    });
  });
}
