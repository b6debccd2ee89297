// The cases pages: plain HTML forms that work without JavaScript, in Spanish and English. Each
// POST calls the same service function as the API; a broken rule or a conflict re-renders the
// page with the GOV.UK error summary, success redirects with a notice (post/redirect/get).
// Times are typed as wall-clock time where the centres are (CUSTODIA_TIMEZONE).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppState } from '../../platform/http/context.ts';
import { AppError, type FieldError } from '../../platform/http/errors.ts';
import { field, formErrors, type FormErrors } from '../../platform/http/forms.ts';
import { todayIn } from '../../platform/time.ts';
import { isoToLocal, localToIso } from '../admission/local-time.ts';
import { callerOf } from './common.ts';
import { authorityKinds, caseStages, closureReasons, defenceKinds, offenceCategories } from './rules.ts';
import * as service from './service.ts';

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

/** The error summary of a failed action, its paths renamed to the page's control ids. */
function pageErrors(req: FastifyRequest, e: AppError, rename: Record<string, string> = {}): FormErrors {
  const fields: FieldError[] = e.fields.length ? e.fields.map((f) => ({ ...f, path: rename[f.path] ?? f.path })) : [{ path: '', key: e.key, params: e.params }];
  return formErrors(req, fields);
}

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;
const codeOf = (req: FastifyRequest): string => (req.params as { offenceCode: string }).offenceCode;
const versionOf = (body: unknown): number | undefined => {
  const v = Number.parseInt(field(body, 'version'), 10);
  return Number.isInteger(v) && v > 0 ? v : undefined;
};
const checked = (body: unknown, name: string): boolean => ['true', 'on', 'yes', '1'].includes(field(body, name));
/** Charge rows offered on the new-case form. */
const chargeRows = 3;

/** The person page's "Cases" section: the person's cases with charges, stage and hearings. */
export async function loadCasesSection(state: AppState, req: FastifyRequest, person: { id: string; currentEpisodeId: string | null }) {
  const cases = await service.casesOfPerson(state.db, person.id);
  const hearings = await service.hearingsOfCases(state.db, cases.map((c) => c.id));
  const now = Date.now();
  const actor = req.actor!;
  return {
    personId: person.id,
    held: person.currentEpisodeId !== null,
    canWrite: actor.permissions.has('case.write') && person.currentEpisodeId !== null,
    cases: cases.map((c) => ({
      ...c,
      charges: c.charges.filter((x) => x.withdrawnAt === null),
      nextHearing: hearings.find((h) => h.caseId === c.id && h.status === 'scheduled' && Date.parse(h.scheduledAt) >= now - 12 * 3_600_000) ?? null,
    })),
  };
}

export function casePages(app: FastifyInstance): void {
  const deps = (): service.Deps => app.state;
  const tz = (): string => app.state.settings.timeZone;
  const nowLocal = (): string => isoToLocal(new Date().toISOString(), tz());
  /** A datetime-local field as an instant ('' stays ''; unreadable text stays as typed, refused by the services). */
  const instant = (body: unknown, name: string): string => {
    const raw = field(body, name).trim();
    if (!raw) return '';
    if (raw === nowLocal()) return new Date().toISOString();
    return localToIso(raw, tz()) ?? raw;
  };
  const done = (req: FastifyRequest, allowed: string[]): string | null => {
    const d = field(req.query, 'done');
    return allowed.includes(d) ? d : null;
  };
  const offenceName = (req: FastifyRequest, o: { nameEs: string; nameEn: string }) => (req.lang === 'en' ? o.nameEn : o.nameEs);

  // ================= the offence catalogue (administrators) =================

  app.get('/admin/offences', { config: { access: 'offence.manage' } }, async (req, reply) => {
    const q = field(req.query, 'q').slice(0, 100);
    const category = (offenceCategories as readonly string[]).includes(field(req.query, 'category')) ? field(req.query, 'category') : '';
    const status = ['active', 'inactive'].includes(field(req.query, 'status')) ? field(req.query, 'status') : '';
    const result = await service.listOffences(deps(), callerOf(req), { q, category: category || undefined, active: status ? status === 'active' : undefined, limit: 500 });
    return reply.page('cases/views/offences.njk', {
      pageTitle: req.t('cases.offences.title'),
      offences: result.items,
      total: result.total,
      filter: { q, category, status },
      categoryItems: [{ value: '', text: req.t('cases.offences.allCategories') }, ...offenceCategories.map((c) => ({ value: c, text: req.t(`cases.category.${c}`) }))],
      done: done(req, ['created']),
    });
  });

  const categoryItems = (req: FastifyRequest) => [{ value: '', text: req.t('cases.offences.chooseCategory') }, ...offenceCategories.map((c) => ({ value: c, text: req.t(`cases.category.${c}`) }))];

  const renderNewOffence = (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) =>
    reply.page('cases/views/offence-new.njk', { pageTitle: req.t('cases.offences.newTitle'), categoryItems: categoryItems(req), form: {}, ...data });

  app.get('/admin/offences/new', { config: { access: 'offence.manage' } }, async (req, reply) => renderNewOffence(req, reply));

  app.post('/admin/offences', { config: { access: 'offence.manage' } }, async (req, reply) => {
    const b = req.body;
    const form = { code: field(b, 'code'), article: field(b, 'article'), nameEs: field(b, 'nameEs'), nameEn: field(b, 'nameEn'), category: field(b, 'category') };
    const r = await attempt(() => service.createOffence(deps(), callerOf(req), form));
    if (!r.error) return reply.redirect(`/admin/offences/${encodeURIComponent(r.value.code)}?done=created`);
    reply.code(r.error.status);
    return renderNewOffence(req, reply, { errors: pageErrors(req, r.error), form });
  });

  const renderOffence = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const o = await service.getOffence(deps(), callerOf(req), codeOf(req));
    return reply.page('cases/views/offence.njk', {
      pageTitle: `${o.code} – ${offenceName(req, o)}`,
      o,
      categoryItems: categoryItems(req),
      form: { article: o.article, nameEs: o.nameEs, nameEn: o.nameEn, category: o.category },
      done: done(req, ['created', 'updated', 'deactivated', 'activated']),
      ...data,
    });
  };

  app.get('/admin/offences/:offenceCode', { config: { access: 'offence.manage' } }, async (req, reply) => renderOffence(req, reply));

  app.post('/admin/offences/:offenceCode', { config: { access: 'offence.manage' } }, async (req, reply) => {
    const b = req.body;
    const form = { article: field(b, 'article'), nameEs: field(b, 'nameEs'), nameEn: field(b, 'nameEn'), category: field(b, 'category') };
    const r = await attempt(() => service.updateOffence(deps(), callerOf(req), codeOf(req), { ...form, version: versionOf(b) ?? 0 }));
    if (!r.error) return reply.redirect(`/admin/offences/${encodeURIComponent(codeOf(req))}?done=updated`);
    reply.code(r.error.status);
    return renderOffence(req, reply, { errors: pageErrors(req, r.error), ...(r.error.status === 409 ? {} : { form }) });
  });

  for (const [path, active] of [['deactivate', false], ['activate', true]] as const) {
    app.post(`/admin/offences/:offenceCode/${path}`, { config: { access: 'offence.manage' } }, async (req, reply) => {
      const r = await attempt(() => service.setOffenceActive(deps(), callerOf(req), codeOf(req), { version: versionOf(req.body) ?? 0 }, active));
      if (!r.error) return reply.redirect(`/admin/offences/${encodeURIComponent(codeOf(req))}?done=${active ? 'activated' : 'deactivated'}`);
      reply.code(r.error.status);
      return renderOffence(req, reply, { errors: pageErrors(req, r.error) });
    });
  }

  // ================= cases =================

  const offenceItems = async (req: FastifyRequest, chosen = '') => {
    const { items } = await service.listOffences(deps(), callerOf(req), { active: true, limit: 500 });
    return [{ value: '', text: req.t('cases.charges.chooseOffence') }, ...items.map((o) => ({ value: o.code, text: `${req.t('cases.charges.art')} ${o.article} – ${offenceName(req, o)}`, selected: o.code === chosen }))];
  };
  const choices = (req: FastifyRequest) => ({
    authorityKindItems: authorityKinds.map((k) => ({ value: k, text: req.t(`cases.authorityKind.${k}`) })),
    defenceKindItems: defenceKinds.map((k) => ({ value: k, text: req.t(`cases.defenceKind.${k}`) })),
    stageItems: caseStages.map((s) => ({ value: s, text: req.t(`cases.stage.${s}`) })),
    closureItems: closureReasons.map((s) => ({ value: s, text: req.t(`cases.closureReason.${s}`) })),
  });
  const caseForm = (b: unknown) => ({
    authorityKind: field(b, 'authorityKind'),
    authorityName: field(b, 'authorityName'),
    caseNumber: field(b, 'caseNumber'),
    judgeName: field(b, 'judgeName'),
    defenceKind: field(b, 'defenceKind') || 'unknown',
    defenceName: field(b, 'defenceName'),
    stage: field(b, 'stage'),
  });

  const renderNewCase = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const personId = idOf(req);
    const { items } = await service.listCasesOfPerson(deps(), callerOf(req), personId);
    const person = await app.state.db.selectFrom('persons').select(['id', 'prisoner_number', 'given_names', 'first_surname', 'second_surname']).where('id', '=', personId).executeTakeFirstOrThrow();
    const form = (data.form as Record<string, string> | undefined) ?? { defenceKind: 'unknown', stage: 'investigation' };
    const rows = [];
    for (let i = 0; i < chargeRows; i++) rows.push({ i, code: form[`charge${i}Code`] ?? '', counts: form[`charge${i}Counts`] ?? '1', attempted: form[`charge${i}Attempted`] === 'yes', offenceItems: await offenceItems(req, form[`charge${i}Code`] ?? '') });
    return reply.page('cases/views/case-new.njk', {
      pageTitle: req.t('cases.new.title'),
      person: { id: person.id, prisonerNumber: person.prisoner_number, name: [person.given_names, person.first_surname, person.second_surname].filter(Boolean).join(' ') },
      existing: items.filter((c) => c.episodeOpen),
      ...choices(req),
      chargeRows: rows,
      form,
      ...data,
    });
  };

  app.get('/persons/:id/cases/new', { config: { access: 'case.write' } }, async (req, reply) => renderNewCase(req, reply));

  app.post('/persons/:id/cases', { config: { access: 'case.write' } }, async (req, reply) => {
    const b = req.body;
    const form: Record<string, string> = { ...caseForm(b) };
    const charges: { row: number; offenceCode: string; counts: number; attempted: boolean }[] = [];
    for (let i = 0; i < chargeRows; i++) {
      form[`charge${i}Code`] = field(b, `charge${i}Code`);
      form[`charge${i}Counts`] = field(b, `charge${i}Counts`);
      form[`charge${i}Attempted`] = checked(b, `charge${i}Attempted`) ? 'yes' : '';
      if (form[`charge${i}Code`]) {
        const counts = Number.parseInt(form[`charge${i}Counts`] || '1', 10);
        charges.push({ row: i, offenceCode: form[`charge${i}Code`]!, counts: Number.isNaN(counts) ? 0 : counts, attempted: form[`charge${i}Attempted`] === 'yes' });
      }
    }
    const r = await attempt(() => service.createCase(deps(), callerOf(req), idOf(req), { ...caseForm(b), charges: charges.map(({ row: _row, ...c }) => c) }));
    if (!r.error) return reply.redirect(`/cases/${r.value.id}?done=created`);
    // Error paths name the n-th charge sent; the page names the row it came from.
    const rename: Record<string, string> = {};
    charges.forEach((c, n) => {
      for (const f of ['offenceCode', 'counts', 'notes']) rename[`charges[${n}].${f}`] = `charges[${c.row}].${f}`;
    });
    reply.code(r.error.status);
    return renderNewCase(req, reply, { errors: pageErrors(req, r.error, rename), form });
  });

  const renderCase = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const c = await service.getCase(deps(), callerOf(req), idOf(req));
    const actor = req.actor!;
    const canWrite = actor.permissions.has('case.write') && c.open;
    const canSchedule = actor.permissions.has('hearing.write') && c.open && c.episodeOpen;
    return reply.page('cases/views/case.njk', {
      pageTitle: req.t('cases.case.title', { number: c.caseNumber }),
      c,
      canWrite,
      canSchedule,
      canHearing: actor.permissions.has('hearing.write'),
      canMove: actor.permissions.has('custody.move'),
      ...choices(req),
      offenceItems: canWrite ? await offenceItems(req, (data.form as Record<string, string> | undefined)?.offenceCode ?? '') : [],
      form: { authorityKind: c.authorityKind, authorityName: c.authorityName, caseNumber: c.caseNumber, judgeName: c.judgeName ?? '', defenceKind: c.defenceKind, defenceName: c.defenceName ?? '', stage: c.stage, closedOn: todayIn(tz()), counts: '1' },
      done: done(req, ['created', 'updated', 'closed', 'chargeAdded', 'chargeWithdrawn', 'scheduled', 'postponed', 'cancelled', 'held']),
      now: nowLocal(),
      open: null,
      back: `/cases/${c.id}`,
      ...data,
    });
  };

  app.get('/cases/:id', { config: { access: 'legal.read' } }, async (req, reply) => renderCase(req, reply));

  const caseAction = (path: string, access: 'case.write' | 'hearing.write', notice: string, formName: string, run: (req: FastifyRequest) => Promise<unknown>, formOf: (req: FastifyRequest) => Record<string, unknown>, rename: Record<string, string> = {}) =>
    app.post(`/cases/:id${path}`, { config: { access } }, async (req, reply) => {
      const { error } = await attempt(() => run(req));
      if (!error) return reply.redirect(`/cases/${idOf(req)}?done=${notice}`);
      reply.code(error.status);
      return renderCase(req, reply, { errors: pageErrors(req, error, rename), open: formName, ...(error.status === 409 ? {} : { form: { ...formOf(req) } }) });
    });

  caseAction(
    '',
    'case.write',
    'updated',
    'edit',
    (req) => service.updateCase(deps(), callerOf(req), idOf(req), { ...caseForm(req.body), version: versionOf(req.body) ?? 0 }),
    (req) => caseForm(req.body),
  );
  caseAction(
    '/charges',
    'case.write',
    'chargeAdded',
    'charge',
    (req) => {
      const counts = Number.parseInt(field(req.body, 'counts') || '1', 10);
      return service.addCharge(deps(), callerOf(req), idOf(req), { offenceCode: field(req.body, 'offenceCode'), counts: Number.isNaN(counts) ? 0 : counts, attempted: checked(req.body, 'attempted'), notes: field(req.body, 'notes'), version: versionOf(req.body) });
    },
    (req) => ({ offenceCode: field(req.body, 'offenceCode'), counts: field(req.body, 'counts'), attempted: checked(req.body, 'attempted'), notes: field(req.body, 'notes') }),
  );
  caseAction(
    '/close',
    'case.write',
    'closed',
    'close',
    (req) => service.closeCase(deps(), callerOf(req), idOf(req), { reason: field(req.body, 'reason'), closedOn: field(req.body, 'closedOn'), closureOrderId: field(req.body, 'closureOrderId') || null, version: versionOf(req.body) ?? 0 }),
    (req) => ({ reason: field(req.body, 'reason'), closedOn: field(req.body, 'closedOn'), closureOrderId: field(req.body, 'closureOrderId') }),
  );
  caseAction(
    '/hearings',
    'hearing.write',
    'scheduled',
    'hearing',
    (req) => service.scheduleHearing(deps(), callerOf(req), idOf(req), { scheduledAt: instant(req.body, 'scheduledAt'), court: field(req.body, 'court') || null, purpose: field(req.body, 'purpose') }),
    (req) => ({ scheduledAt: field(req.body, 'scheduledAt'), court: field(req.body, 'court'), purpose: field(req.body, 'purpose') }),
  );

  app.post('/cases/:id/charges/:chargeId/withdraw', { config: { access: 'case.write' } }, async (req, reply) => {
    const { error } = await attempt(() => service.withdrawCharge(deps(), callerOf(req), idOf(req), (req.params as { chargeId: string }).chargeId, { version: versionOf(req.body) }));
    if (!error) return reply.redirect(`/cases/${idOf(req)}?done=chargeWithdrawn`);
    reply.code(error.status);
    return renderCase(req, reply, { errors: pageErrors(req, error) });
  });

  // ================= hearings: from the case page or the court list =================

  /** Where a hearing form returns: the case page or a centre's court list. */
  const backOf = (body: unknown): string => {
    const back = field(body, 'back');
    return /^\/cases\/[0-9a-f-]{36}$/.test(back) || /^\/facilities\/[A-Z]{2}-[A-Z0-9]{2,5}\/court-list(\?date=\d{4}-\d{2}-\d{2})?$/.test(back) ? back : '/court-list';
  };
  const withNotice = (back: string, notice: string) => `${back}${back.includes('?') ? '&' : '?'}done=${notice}`;

  const hearingAction = (path: string, access: 'hearing.write' | 'custody.move', notice: string, run: (req: FastifyRequest) => Promise<unknown>, rename: (id: string) => Record<string, string>) =>
    app.post(`/hearings/:id/${path}`, { config: { access } }, async (req, reply) => {
      const back = backOf(req.body);
      const { error } = await attempt(() => run(req));
      if (!error) return reply.redirect(withNotice(back, notice));
      reply.code(error.status);
      const hearingId = idOf(req);
      const errors = pageErrors(req, error, rename(hearingId));
      const c = /^\/cases\/([0-9a-f-]{36})$/.exec(back);
      if (c) {
        (req.params as { id: string }).id = c[1]!;
        return renderCase(req, reply, { errors, open: `${path}-${hearingId}` });
      }
      const l = /^\/facilities\/([A-Z]{2}-[A-Z0-9]{2,5})\/court-list(?:\?date=(\d{4}-\d{2}-\d{2}))?$/.exec(back);
      return renderCourtList(req, reply, l?.[1] ?? '', l?.[2] ?? '', { errors });
    });

  hearingAction(
    'postpone',
    'hearing.write',
    'postponed',
    (req) => service.postponeHearing(deps(), callerOf(req), idOf(req), { scheduledAt: instant(req.body, 'scheduledAt'), reason: field(req.body, 'reason') || null, version: versionOf(req.body) ?? 0 }),
    (id) => ({ scheduledAt: `scheduledAt-${id}`, reason: `reason-${id}` }),
  );
  hearingAction(
    'cancel',
    'hearing.write',
    'cancelled',
    (req) => service.cancelHearing(deps(), callerOf(req), idOf(req), { reason: field(req.body, 'reason'), version: versionOf(req.body) ?? 0 }),
    (id) => ({ reason: `cancelReason-${id}` }),
  );
  hearingAction(
    'held',
    'hearing.write',
    'held',
    (req) => service.recordHeld(deps(), callerOf(req), idOf(req), { outcome: field(req.body, 'outcome'), version: versionOf(req.body) }),
    (id) => ({ outcome: `outcome-${id}` }),
  );
  hearingAction(
    'take',
    'custody.move',
    'taken',
    (req) => service.takeToCourt(deps(), callerOf(req), idOf(req), { outAt: instant(req.body, 'outAt') || undefined, version: versionOf(req.body) }),
    (id) => ({ outAt: `outAt-${id}`, personId: `outAt-${id}`, expectedBackAt: `outAt-${id}` }),
  );
  hearingAction(
    'return',
    'custody.move',
    'returned',
    (req) => service.returnFromCourt(deps(), callerOf(req), idOf(req), { backAt: instant(req.body, 'backAt') || undefined, outcome: field(req.body, 'outcome') || null, version: versionOf(req.body) }),
    (id) => ({ backAt: `backAt-${id}`, outcome: `returnOutcome-${id}`, id: `backAt-${id}` }),
  );

  // ================= court lists per centre =================

  app.get('/court-list', { config: { access: 'person.read' } }, async (req, reply) => {
    const facilities = await service.facilitiesInScope(deps(), callerOf(req));
    if (facilities.length === 1) return reply.redirect(`/facilities/${facilities[0]!.code}/court-list`);
    return reply.page('cases/views/court-lists.njk', { pageTitle: req.t('cases.courtList.chooseTitle'), facilities, today: todayIn(tz()) });
  });

  const renderCourtList = async (req: FastifyRequest, reply: FastifyReply, code: string, date: string, data: Record<string, unknown> = {}) => {
    const list = await service.courtList(deps(), callerOf(req), code, date || undefined);
    const shift = (days: number) => new Date(Date.parse(`${list.date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
    const back = `/facilities/${list.facilityCode}/court-list?date=${list.date}`;
    return reply.page('cases/views/court-list.njk', {
      pageTitle: req.t('cases.courtList.title', { facility: list.facilityName }),
      list,
      toTake: list.items.filter((h) => h.status === 'scheduled').length,
      canMove: req.actor!.permissions.has('custody.move'),
      canHearing: req.actor!.permissions.has('hearing.write'),
      isToday: list.date === todayIn(tz()),
      previous: shift(-1),
      next: shift(1),
      back,
      now: nowLocal(),
      done: done(req, ['taken', 'returned', 'held', 'postponed', 'cancelled']),
      ...data,
    });
  };

  app.get('/facilities/:code/court-list', { config: { access: 'person.read' } }, async (req, reply) => {
    const date = field(req.query, 'date');
    return renderCourtList(req, reply, (req.params as { code: string }).code, /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : '');
  });

  app.get('/facilities/:code/hearings', { config: { access: 'person.read' } }, async (req, reply) => {
    const code = (req.params as { code: string }).code;
    const facility = await service.facilityInScope(deps(), callerOf(req), code);
    const today = todayIn(tz());
    const to = new Date(Date.parse(`${today}T00:00:00Z`) + 60 * 86_400_000).toISOString().slice(0, 10);
    const { items } = await service.listHearings(deps(), callerOf(req), { facility: facility.code, from: today, to, limit: 1000 });
    return reply.page('cases/views/hearings.njk', { pageTitle: req.t('cases.hearings.title', { facility: facility.name }), facility, items, from: today, to });
  });
}
