// The movements pages: plain HTML forms that work without JavaScript. Each POST calls the same
// service function as the API; a broken rule or a conflict re-renders the page with the GOV.UK
// error summary, success redirects with a notice (post/redirect/get). Times are typed as wall
// clock time where the centres are (CUSTODIA_TIMEZONE) and sent to the services as instants.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from '../../platform/http/errors.ts';
import { field, formErrors, type FormErrors } from '../../platform/http/forms.ts';
import { isoToLocal, localToIso } from '../admission/local-time.ts';
import { callerOf } from './caller.ts';
import { absenceKinds } from './rules.ts';
import * as service from './service.ts';

type Outcome<T> = { value: T; error: null } | { value: null; error: AppError };

/** Runs a form's action; a broken rule or a conflict becomes errors on the form, not an error page. */
async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { value: await run(), error: null };
  } catch (e) {
    if (e instanceof AppError && [403, 409, 422].includes(e.status) && (e.status !== 403 || e.key.startsWith('movements.'))) return { value: null, error: e };
    throw e;
  }
}

/** The error summary of a failed action, its paths renamed to the page's control ids. */
function pageErrors(req: FastifyRequest, e: AppError, rename: Record<string, string> = {}): FormErrors {
  const fields: FieldError[] = e.fields.length ? e.fields.map((f) => ({ ...f, path: rename[f.path] ?? f.path })) : [{ path: '', key: e.key, params: e.params }];
  return formErrors(req, fields);
}

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const versionOf = (body: unknown): number | undefined => {
  const v = Number.parseInt(field(body, 'version'), 10);
  return Number.isInteger(v) && v > 0 ? v : undefined;
};

export function movementPages(app: FastifyInstance): void {
  const deps = (): service.Deps => app.state;
  const tz = (): string => app.state.settings.timeZone;
  /** A datetime-local field as an instant ('' stays '' — "now" for the services; unreadable text stays as typed, refused by them). */
  const nowLocal = (): string => isoToLocal(new Date().toISOString(), tz());
  // The forms offer the current minute; a time left in the current minute means "now" (the
  // minute's start would fall before events recorded seconds ago and be refused).
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

  // ================= transfers =================

  app.get('/transfers', { config: { access: 'person.read' } }, async (req, reply) => {
    const facilities = await service.facilitiesInScope(deps(), callerOf(req));
    const facility = facilities.some((f) => f.code === field(req.query, 'facility')) ? field(req.query, 'facility') : '';
    const { items } = await service.listTransfers(deps(), callerOf(req), { facility: facility || undefined, limit: 300 });
    return reply.page('movements/views/transfers.njk', {
      pageTitle: req.t('movements.transfers.title'),
      facility,
      facilityItems: [{ value: '', text: req.t('movements.common.allFacilities') }, ...facilities.map((f) => ({ value: f.code, text: `${f.code} – ${f.name}` }))],
      pending: items.filter((t) => t.status === 'requested'),
      authorized: items.filter((t) => t.status === 'authorized'),
      inTransit: items.filter((t) => t.status === 'in_transit'),
      recent: items.filter((t) => ['arrived', 'refused', 'cancelled'].includes(t.status)).slice(0, 50),
    });
  });

  const renderNewTransfer = async (req: FastifyRequest, reply: FastifyReply, personId: string, data: Record<string, unknown> = {}) => {
    const person = uuidPattern.test(personId) ? await service.personMovements(deps(), callerOf(req), personId) : null;
    const facilities = await service.allFacilities(deps(), callerOf(req));
    const orders = person ? await service.verifiedOrdersOfPerson(deps(), callerOf(req), personId) : [];
    return reply.page('movements/views/transfer-new.njk', {
      pageTitle: req.t('movements.transfers.newTitle'),
      person,
      personId,
      canOverride: req.actor!.permissions.has('housing.override'),
      facilityItems: [
        { value: '', text: req.t('movements.transfers.chooseDestination') },
        ...facilities.filter((f) => f.code !== person?.person.locationFacilityCode).map((f) => ({ value: f.code, text: `${f.code} – ${f.name} (${req.t(`movements.populationGroup.${f.population_group}`)})` })),
      ],
      orderItems: [{ value: '', text: req.t('movements.common.noOrder') }, ...orders.map((o) => ({ value: o.id, text: `${o.case_number} – ${o.issuing_authority}` }))],
      form: {},
      ...data,
    });
  };

  app.get('/transfers/new', { config: { access: 'custody.move' } }, async (req, reply) => renderNewTransfer(req, reply, field(req.query, 'personId')));

  app.post('/transfers', { config: { access: 'custody.move' } }, async (req, reply) => {
    const b = req.body;
    const form = { personId: field(b, 'personId'), toFacilityCode: field(b, 'toFacilityCode'), reason: field(b, 'reason'), orderId: field(b, 'orderId'), overrideReason: field(b, 'overrideReason') };
    const r = await attempt(() =>
      service.requestTransfer(deps(), callerOf(req), {
        personId: form.personId,
        toFacilityCode: form.toFacilityCode,
        reason: form.reason,
        orderId: form.orderId || null,
        separationOverride: form.overrideReason.trim() ? { reason: form.overrideReason } : null,
      }),
    );
    if (!r.error) return reply.redirect(`/transfers/${r.value.id}?done=requested`);
    reply.code(r.error.status);
    return renderNewTransfer(req, reply, form.personId, { errors: pageErrors(req, r.error, { 'separationOverride.reason': 'overrideReason', separationOverride: 'overrideReason' }), form });
  });

  const renderTransfer = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const t = await service.getTransfer(deps(), callerOf(req), idOf(req));
    const actor = req.actor!;
    const atOrigin = actor.facilities === null || actor.facilities.includes(t.fromFacilityCode);
    const atDestination = actor.facilities === null || actor.facilities.includes(t.toFacilityCode);
    const isRequester = t.requestedBy.id === actor.userId;
    const units = t.status === 'in_transit' && atDestination && actor.permissions.has('custody.move') ? await service.unitsOfFacility(deps(), callerOf(req), t.toFacilityCode) : [];
    return reply.page('movements/views/transfer.njk', {
      pageTitle: req.t('movements.transfers.detailTitle', { number: t.person.prisonerNumber }),
      tr: t,
      isRequester,
      canDecide: t.status === 'requested' && actor.permissions.has('transfer.authorize') && atOrigin && !isRequester,
      canCancel: (t.status === 'requested' || t.status === 'authorized') && actor.permissions.has('custody.move') && atOrigin,
      canDepart: t.status === 'authorized' && actor.permissions.has('custody.move') && atOrigin,
      canArrive: t.status === 'in_transit' && actor.permissions.has('custody.move') && atDestination,
      unitItems: [{ value: '', text: req.t('movements.transfers.receptionUnit') }, ...units.map((u) => ({ value: u.id, text: `${u.code} – ${u.name}` }))],
      done: done(req, ['requested', 'authorized', 'refused', 'cancelled', 'departed', 'arrived']),
      now: nowLocal(),
      form: {},
      ...data,
    });
  };

  app.get('/transfers/:id', { config: { access: 'person.read' } }, async (req, reply) => renderTransfer(req, reply));

  const transferAction = (
    path: string,
    access: 'transfer.authorize' | 'custody.move',
    notice: string,
    run: (req: FastifyRequest) => Promise<unknown>,
    formOf: (req: FastifyRequest) => Record<string, unknown>,
    rename: Record<string, string> = {},
  ) =>
    app.post(`/transfers/:id/${path}`, { config: { access } }, async (req, reply) => {
      const { error } = await attempt(() => run(req));
      if (!error) return reply.redirect(`/transfers/${idOf(req)}?done=${notice}`);
      reply.code(error.status);
      return renderTransfer(req, reply, { errors: pageErrors(req, error, rename), ...(error.status === 409 ? {} : { form: formOf(req) }) });
    });

  transferAction(
    'authorize',
    'transfer.authorize',
    'authorized',
    (req) => service.authorizeTransfer(deps(), callerOf(req), idOf(req), { note: field(req.body, 'note'), version: versionOf(req.body) ?? 0 }),
    (req) => ({ note: field(req.body, 'note') }),
    { authorizedBy: 'decide' },
  );
  transferAction(
    'refuse',
    'transfer.authorize',
    'refused',
    (req) => service.refuseTransfer(deps(), callerOf(req), idOf(req), { note: field(req.body, 'note'), version: versionOf(req.body) ?? 0 }),
    (req) => ({ note: field(req.body, 'note') }),
    { authorizedBy: 'decide' },
  );
  transferAction(
    'cancel',
    'custody.move',
    'cancelled',
    (req) => service.cancelTransfer(deps(), callerOf(req), idOf(req), { reason: field(req.body, 'reason'), version: versionOf(req.body) }),
    (req) => ({ reason: field(req.body, 'reason') }),
    { reason: 'cancelReason' },
  );
  transferAction(
    'depart',
    'custody.move',
    'departed',
    (req) => service.departTransfer(deps(), callerOf(req), idOf(req), { at: instant(req.body, 'at') || undefined, version: versionOf(req.body) }),
    (req) => ({ departAt: field(req.body, 'at') }),
    { at: 'departAt' },
  );
  transferAction(
    'arrive',
    'custody.move',
    'arrived',
    (req) => service.arriveTransfer(deps(), callerOf(req), idOf(req), { at: instant(req.body, 'at') || undefined, unitId: field(req.body, 'unitId') || undefined, version: versionOf(req.body) }),
    (req) => ({ arriveAt: field(req.body, 'at'), unitId: field(req.body, 'unitId') }),
    { at: 'arriveAt' },
  );

  // ================= absences =================

  const renderAbsences = async (req: FastifyRequest, reply: FastifyReply, code: string, data: Record<string, unknown> = {}) => {
    const facility = await service.facilityInScope(deps(), callerOf(req), code);
    const { items } = await service.listAbsences(deps(), callerOf(req), { facility: code, open: true });
    return reply.page('movements/views/absences.njk', {
      pageTitle: req.t('movements.absences.title', { facility: facility.name }),
      facility,
      out: items.filter((a) => a.kind !== 'escape'),
      escaped: items.filter((a) => a.kind === 'escape'),
      canMove: req.actor!.permissions.has('custody.move'),
      done: done(req, ['returned', 'recaptured']),
      now: nowLocal(),
      back: `/facilities/${code}/absences`,
      ...data,
    });
  };

  app.get('/facilities/:code/absences', { config: { access: 'person.read' } }, async (req, reply) => renderAbsences(req, reply, (req.params as { code: string }).code));

  /** Where an absence form returns: the centre's page of absences or the person's movements. */
  const backOf = (body: unknown): string => {
    const back = field(body, 'back');
    return /^\/facilities\/[A-Z]{2}-[A-Z0-9]{2,5}\/absences$/.test(back) || /^\/persons\/[0-9a-f-]{36}\/movements$/.test(back) ? back : '/transfers';
  };
  const renderBack = async (req: FastifyRequest, reply: FastifyReply, back: string, errors: FormErrors, absenceId: string) => {
    const m = /^\/facilities\/([A-Z]{2}-[A-Z0-9]{2,5})\/absences$/.exec(back);
    if (m) return renderAbsences(req, reply, m[1]!, { errors, errorFor: absenceId });
    const p = /^\/persons\/([0-9a-f-]{36})\/movements$/.exec(back);
    if (p) return renderMovements(req, reply, p[1]!, { errors, open: 'return' });
    throw new AppError(404, 'not_found', 'errors.notFound');
  };

  const absenceEnd = (path: 'return' | 'recapture', notice: string, run: (req: FastifyRequest) => Promise<unknown>) =>
    app.post(`/absences/:id/${path}`, { config: { access: 'custody.move' } }, async (req, reply) => {
      const back = backOf(req.body);
      const { error } = await attempt(() => run(req));
      if (!error) return reply.redirect(`${back}?done=${notice}`);
      reply.code(error.status);
      return renderBack(req, reply, back, pageErrors(req, error, { backAt: `at-${idOf(req)}`, at: `at-${idOf(req)}`, id: `at-${idOf(req)}` }), idOf(req));
    });
  absenceEnd('return', 'returned', (req) => service.returnFromAbsence(deps(), callerOf(req), idOf(req), { backAt: instant(req.body, 'at') || undefined, version: versionOf(req.body) }));
  absenceEnd('recapture', 'recaptured', (req) => service.recordRecapture(deps(), callerOf(req), idOf(req), { at: instant(req.body, 'at') || new Date().toISOString(), version: versionOf(req.body) }));

  // ================= a person's movements =================

  const renderMovements = async (req: FastifyRequest, reply: FastifyReply, personId: string, data: Record<string, unknown> = {}) => {
    const m = await service.personMovements(deps(), callerOf(req), personId);
    const actor = req.actor!;
    const held = m.person.custodyStatus === 'in_custody' && m.episode !== null;
    const local = m.person.locationFacilityCode !== null && (actor.facilities === null || actor.facilities.includes(m.person.locationFacilityCode));
    const escaped = m.openAbsence?.kind === 'escape';
    return reply.page('movements/views/person-movements.njk', {
      pageTitle: req.t('movements.person.title', { number: m.person.prisonerNumber }),
      m,
      held,
      escaped,
      canMove: actor.permissions.has('custody.move') && local,
      canRelease: actor.permissions.has('custody.release') && local,
      canRecordDeath: actor.permissions.has('custody.death') && local,
      kindItems: absenceKinds.map((k) => ({ value: k, text: req.t(`movements.absenceKind.${k}`), hint: { text: req.t(`movements.absenceHint.${k}`) } })),
      causeItems: [{ value: '', text: req.t('movements.deaths.causeUnknown') }, ...service.causeCategories.map((c) => ({ value: c, text: req.t(`movements.causeCategory.${c}`) }))],
      done: done(req, ['out', 'returned', 'escape', 'recaptured']),
      now: nowLocal(),
      form: {},
      open: null,
      ...data,
    });
  };

  app.get('/persons/:id/movements', { config: { access: 'person.read' } }, async (req, reply) => renderMovements(req, reply, idOf(req)));

  const personAction = (path: string, access: 'custody.move' | 'custody.release' | 'custody.death', formName: string, run: (req: FastifyRequest) => Promise<string>, formOf: (req: FastifyRequest) => Record<string, unknown>, rename: Record<string, string> = {}) =>
    app.post(`/persons/:id/movements/${path}`, { config: { access } }, async (req, reply) => {
      const { value, error } = await attempt(() => run(req));
      if (!error) return reply.redirect(value);
      reply.code(error.status);
      return renderMovements(req, reply, idOf(req), { errors: pageErrors(req, error, rename), form: { [formName]: formOf(req) }, open: formName });
    });

  personAction(
    'absence',
    'custody.move',
    'absence',
    async (req) => {
      const b = req.body;
      await service.recordAbsence(deps(), callerOf(req), {
        personId: idOf(req),
        kind: field(b, 'kind'),
        destination: field(b, 'destination'),
        reason: field(b, 'reason'),
        outAt: instant(b, 'outAt') || undefined,
        expectedBackAt: instant(b, 'expectedBackAt') || null,
      });
      return `/persons/${idOf(req)}/movements?done=out`;
    },
    (req) => ({ kind: field(req.body, 'kind'), destination: field(req.body, 'destination'), reason: field(req.body, 'reason'), outAt: field(req.body, 'outAt'), expectedBackAt: field(req.body, 'expectedBackAt') }),
    { personId: 'kind' },
  );
  personAction(
    'escape',
    'custody.move',
    'escape',
    async (req) => {
      await service.recordEscape(deps(), callerOf(req), idOf(req), { at: instant(req.body, 'escapeAt'), circumstances: field(req.body, 'circumstances') });
      return `/persons/${idOf(req)}/movements?done=escape`;
    },
    (req) => ({ escapeAt: field(req.body, 'escapeAt'), circumstances: field(req.body, 'circumstances') }),
    { at: 'escapeAt', personId: 'escapeAt' },
  );
  personAction(
    'death',
    'custody.death',
    'death',
    async (req) => {
      const b = req.body;
      const c = await service.recordDeath(deps(), callerOf(req), idOf(req), { diedAt: instant(b, 'diedAt'), place: field(b, 'place'), circumstances: field(b, 'deathCircumstances'), causeCategory: field(b, 'causeCategory') || null });
      return `/death-cases/${c.id}?done=recorded`;
    },
    (req) => ({ diedAt: field(req.body, 'diedAt'), place: field(req.body, 'place'), deathCircumstances: field(req.body, 'deathCircumstances'), causeCategory: field(req.body, 'causeCategory') }),
    { circumstances: 'deathCircumstances', personId: 'diedAt' },
  );

  // ================= releases =================

  app.get('/releases', { config: { access: 'person.read' } }, async (req, reply) => {
    const facilities = await service.facilitiesInScope(deps(), callerOf(req));
    const facility = facilities.some((f) => f.code === field(req.query, 'facility')) ? field(req.query, 'facility') : '';
    const { items } = await service.listReleases(deps(), callerOf(req), { facility: facility || undefined, limit: 300 });
    const pending = items.filter((r) => r.status === 'recorded');
    const byCentre = [...new Set(pending.map((r) => r.facilityCode))].sort().map((code) => ({ code, name: pending.find((r) => r.facilityCode === code)!.facilityName, items: pending.filter((r) => r.facilityCode === code) }));
    return reply.page('movements/views/releases.njk', {
      pageTitle: req.t('movements.releases.title'),
      facility,
      facilityItems: [{ value: '', text: req.t('movements.common.allFacilities') }, ...facilities.map((f) => ({ value: f.code, text: `${f.code} – ${f.name}` }))],
      byCentre,
      recent: items.filter((r) => r.status !== 'recorded').slice(0, 50),
    });
  });

  const renderNewRelease = async (req: FastifyRequest, reply: FastifyReply, personId: string, data: Record<string, unknown> = {}) => {
    const person = uuidPattern.test(personId) ? await service.personMovements(deps(), callerOf(req), personId) : null;
    const orders = person ? await service.releaseOrderChoices(deps(), callerOf(req), personId) : [];
    return reply.page('movements/views/release-new.njk', {
      pageTitle: req.t('movements.releases.newTitle'),
      person,
      personId,
      check: person ? await service.releaseFormCheck(deps(), callerOf(req), personId) : null,
      orderItems: orders.map((o) => ({
        value: o.id,
        text: `${o.case_number} – ${o.issuing_authority}`,
        hint: { text: req.t('movements.releases.orderHint', { date: o.order_date, subject: o.subject_name }) },
      })),
      reasonItems: service.releaseReasons.map((r) => ({ value: r, text: req.t(`movements.releaseReason.${r}`) })),
      now: nowLocal(),
      form: {},
      ...data,
    });
  };

  app.get('/releases/new', { config: { access: 'custody.release' } }, async (req, reply) => renderNewRelease(req, reply, field(req.query, 'personId')));

  app.post('/releases', { config: { access: 'custody.release' } }, async (req, reply) => {
    const b = req.body;
    const form = { personId: field(b, 'personId'), orderId: field(b, 'orderId'), reason: field(b, 'reason'), plannedAt: field(b, 'plannedAt'), notes: field(b, 'notes') };
    const r = await attempt(() => service.recordRelease(deps(), callerOf(req), { personId: form.personId, orderId: form.orderId, reason: form.reason, plannedAt: instant(b, 'plannedAt') || undefined, notes: form.notes }));
    if (!r.error) return reply.redirect(`/releases/${r.value.id}?done=recorded`);
    reply.code(r.error.status);
    return renderNewRelease(req, reply, form.personId, { errors: pageErrors(req, r.error), form });
  });

  const renderRelease = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const r = await service.getRelease(deps(), callerOf(req), idOf(req));
    const actor = req.actor!;
    const isRecorder = r.recordedBy.id === actor.userId;
    const property = await service.propertyOfEpisode(deps(), callerOf(req), r.personId, r.episodeId);
    return reply.page('movements/views/release.njk', {
      pageTitle: req.t('movements.releases.detailTitle', { number: r.person.prisonerNumber }),
      r,
      property,
      check: r.status === 'recorded' ? await service.releaseFormCheck(deps(), callerOf(req), r.personId) : null,
      isRecorder,
      canConfirm: r.status === 'recorded' && actor.permissions.has('custody.release.confirm') && !isRecorder,
      canCancel: r.status === 'recorded' && actor.permissions.has('custody.release'),
      done: done(req, ['recorded', 'confirmed', 'cancelled']),
      now: nowLocal(),
      form: {},
      ...data,
    });
  };

  app.get('/releases/:id', { config: { access: 'person.read' } }, async (req, reply) => renderRelease(req, reply));

  app.post('/releases/:id/confirm', { config: { access: 'custody.release.confirm' } }, async (req, reply) => {
    const b = req.body;
    const { error } = await attempt(() =>
      service.confirmRelease(deps(), callerOf(req), idOf(req), { propertyReturned: field(b, 'propertyReturned') === 'yes', version: versionOf(b) ?? 0, releasedAt: instant(b, 'releasedAt') || undefined }),
    );
    if (!error) return reply.redirect(`/releases/${idOf(req)}?done=confirmed`);
    reply.code(error.status);
    return renderRelease(req, reply, { errors: pageErrors(req, error, { confirmedBy: 'confirm' }), ...(error.status === 409 ? {} : { form: { releasedAt: field(b, 'releasedAt') } }) });
  });

  app.post('/releases/:id/cancel', { config: { access: 'custody.release' } }, async (req, reply) => {
    const { error } = await attempt(() => service.cancelRelease(deps(), callerOf(req), idOf(req), { reason: field(req.body, 'reason'), version: versionOf(req.body) }));
    if (!error) return reply.redirect(`/releases/${idOf(req)}?done=cancelled`);
    reply.code(error.status);
    return renderRelease(req, reply, { errors: pageErrors(req, error, { reason: 'cancelReason' }), form: { cancelReason: field(req.body, 'reason') } });
  });

  // ================= deaths in custody =================

  app.get('/death-cases', { config: { access: 'person.read' } }, async (req, reply) => {
    const { items } = await service.listDeathCases(deps(), callerOf(req), {});
    return reply.page('movements/views/death-cases.njk', {
      pageTitle: req.t('movements.deaths.title'),
      open: items.filter((c) => c.open),
      closed: items.filter((c) => !c.open),
    });
  });

  const renderCase = async (req: FastifyRequest, reply: FastifyReply, data: Record<string, unknown> = {}) => {
    const c = await service.getDeathCase(deps(), callerOf(req), idOf(req));
    const actor = req.actor!;
    const mayComplete = (role: string) => actor.permissions.has('alert.acknowledge') && (actor.roles as string[]).includes(role);
    return reply.page('movements/views/death-case.njk', {
      pageTitle: req.t('movements.deaths.detailTitle', { number: c.person.prisonerNumber }),
      c,
      items: c.items.map((i) => ({ ...i, canComplete: !i.completedAt && mayComplete(i.ownerRole), hint: `movements.checklist.${i.item}.hint` })),
      done: done(req, ['recorded', 'completed', 'closed']),
      form: {},
      ...data,
    });
  };

  app.get('/death-cases/:id', { config: { access: 'person.read' } }, async (req, reply) => renderCase(req, reply));

  app.post('/death-cases/:id/items/:item/complete', { config: { access: 'alert.acknowledge' } }, async (req, reply) => {
    const item = (req.params as { item: string }).item;
    const r = await attempt(() => service.completeChecklistItem(deps(), callerOf(req), idOf(req), item, { evidence: field(req.body, 'evidence'), version: versionOf(req.body) ?? 0 }));
    if (!r.error) return reply.redirect(`/death-cases/${idOf(req)}?done=${r.value.open ? 'completed' : 'closed'}#${item}`);
    reply.code(r.error.status);
    return renderCase(req, reply, { errors: pageErrors(req, r.error, { evidence: `evidence-${item}` }), form: { [item]: field(req.body, 'evidence') } });
  });
}
