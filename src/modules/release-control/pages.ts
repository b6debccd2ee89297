// The release-control pages: plain HTML that works without JavaScript. The overview (the red
// list across the caller's centres), each centre's daily control and pretrial list, and a
// person's release control (computation, confirmation, cases, explanations). Each POST calls
// the same service function as the API; a broken rule or a conflict re-renders the page it
// came from with the GOV.UK error summary, success redirects back with a notice.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from '../../platform/http/errors.ts';
import { field, formErrors, type FormErrors } from '../../platform/http/forms.ts';
import { callerOf } from './caller.ts';
import * as service from './service.ts';

type Outcome<T> = { value: T; error: null } | { value: null; error: AppError };

async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { value: await run(), error: null };
  } catch (e) {
    if (e instanceof AppError && [409, 422].includes(e.status)) return { value: null, error: e };
    throw e;
  }
}

function pageErrors(req: FastifyRequest, e: AppError, rename: (path: string) => string): FormErrors {
  const fields: FieldError[] = e.fields.length ? e.fields.map((f) => ({ ...f, path: rename(f.path) })) : [{ path: rename(''), key: e.key, params: e.params }];
  return formErrors(req, fields);
}

const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;
const codeOf = (req: FastifyRequest): string => (req.params as { code: string }).code;
const offsetOf = (q: unknown): number => Math.min(Math.max(0, Number.parseInt(field(q, 'offset'), 10) || 0), 1_000_000);
const notices = ['confirmed', 'explained'];
const pageSize = 50;

/** Where a form returns: a centre's control page or the person's release control (anything else: the person's). */
function backOf(body: unknown, personId: string): string {
  const back = field(body, 'back');
  if (/^\/facilities\/[A-Z]{2}-[A-Z0-9]{2,5}\/release-control$/.test(back)) return back;
  return `/persons/${personId}/release-control`;
}

export function releaseControlPages(app: FastifyInstance): void {
  const deps = (): service.Deps => app.state;
  const done = (req: FastifyRequest): string | null => (notices.includes(field(req.query, 'done')) ? field(req.query, 'done') : null);

  // ---- overview: the red list across the caller's centres ----

  app.get('/release-control', { config: { access: 'legal.read' } }, async (req, reply) => {
    const facilities = await service.facilitiesInScope(deps(), req.actor!);
    const red = await service.redList(deps(), callerOf(req));
    return reply.page('release-control/views/overview.njk', {
      pageTitle: req.t('releaseControl.overview.title'),
      red,
      unexplained: red.items.filter((i) => i.state === 'unexplained').length,
      facilities,
    });
  });

  // ---- a centre's daily control ----

  const renderBoard = async (req: FastifyRequest, reply: FastifyReply, code: string, data: Record<string, unknown> = {}) => {
    const offset = offsetOf(req.query);
    const board = await service.controlBoard(deps(), callerOf(req), code, { limit: pageSize, offset });
    const link = (o: number) => `/facilities/${code}/release-control?offset=${o}#two-thirds`;
    const tt = board.twoThirds;
    return reply.page('release-control/views/board.njk', {
      pageTitle: req.t('releaseControl.board.title', { facility: board.facilityName }),
      b: board,
      back: `/facilities/${code}/release-control`,
      canExplain: req.actor!.permissions.has('release.explain'),
      canVerify: req.actor!.permissions.has('sentence.verify'),
      previous: offset > 0 ? link(Math.max(0, offset - pageSize)) : null,
      next: tt.offset + tt.items.length < tt.total ? link(offset + pageSize) : null,
      done: done(req),
      form: {},
      ...data,
    });
  };

  app.get('/facilities/:code/release-control', { config: { access: 'legal.read' } }, async (req, reply) => renderBoard(req, reply, codeOf(req)));

  // ---- a centre's pretrial list ----

  app.get('/facilities/:code/pretrial', { config: { access: 'legal.read' } }, async (req, reply) => {
    const code = codeOf(req);
    const offset = offsetOf(req.query);
    const list = await service.pretrialList(deps(), callerOf(req), code, { limit: pageSize, offset });
    const link = (o: number) => `/facilities/${code}/pretrial?offset=${o}`;
    return reply.page('release-control/views/pretrial.njk', {
      pageTitle: req.t('releaseControl.pretrial.title', { facility: list.facilityName }),
      list,
      offset,
      previous: offset > 0 ? link(Math.max(0, offset - pageSize)) : null,
      next: offset + list.items.length < list.total ? link(offset + pageSize) : null,
    });
  });

  // ---- a person's release control ----

  const renderPerson = async (req: FastifyRequest, reply: FastifyReply, personId: string, data: Record<string, unknown> = {}) => {
    const check = await service.releaseCheck(deps(), callerOf(req), personId);
    const person = await app.state.db
      .selectFrom('persons')
      .select(['id', 'prisoner_number', 'given_names', 'first_surname', 'second_surname', 'location_facility_code'])
      .where('id', '=', personId)
      .executeTakeFirstOrThrow();
    const name = [person.given_names, person.first_surname, person.second_surname].filter(Boolean).join(' ');
    return reply.page('release-control/views/person.njk', {
      pageTitle: req.t('releaseControl.person.title', { number: person.prisoner_number }),
      check,
      person: { id: person.id, prisonerNumber: person.prisoner_number, name, facilityCode: person.location_facility_code },
      back: `/persons/${personId}/release-control`,
      canExplain: req.actor!.permissions.has('release.explain'),
      done: done(req),
      form: {},
      ...data,
    });
  };

  app.get('/persons/:id/release-control', { config: { access: 'legal.read' } }, async (req, reply) => renderPerson(req, reply, idOf(req)));

  /** After a failed action: the page the form came from, with the errors. */
  const renderBack = (req: FastifyRequest, reply: FastifyReply, back: string, personId: string, errors: FormErrors, form: Record<string, unknown>) => {
    const m = /^\/facilities\/([A-Z]{2}-[A-Z0-9]{2,5})\/release-control$/.exec(back);
    if (m) return renderBoard(req, reply, m[1]!, { errors, form, errorFor: personId });
    return renderPerson(req, reply, personId, { errors, form });
  };

  app.post('/persons/:id/release-control/confirm', { config: { access: 'sentence.verify' } }, async (req, reply) => {
    const personId = idOf(req);
    const back = backOf(req.body, personId);
    const { error } = await attempt(() => service.confirmComputation(deps(), callerOf(req), personId, { computationId: field(req.body, 'computationId') }));
    if (!error) return reply.redirect(`${back}?done=confirmed`);
    reply.code(error.status);
    return renderBack(req, reply, back, personId, pageErrors(req, error, () => `confirm-${personId}`), {});
  });

  app.post('/persons/:id/release-control/explain', { config: { access: 'release.explain' } }, async (req, reply) => {
    const personId = idOf(req);
    const back = backOf(req.body, personId);
    const explanation = field(req.body, 'explanation');
    const { error } = await attempt(() => service.explainOverdue(deps(), callerOf(req), personId, { explanation, computationId: field(req.body, 'computationId') || undefined }));
    if (!error) return reply.redirect(`${back}?done=explained`);
    reply.code(error.status);
    return renderBack(req, reply, back, personId, pageErrors(req, error, () => `explanation-${personId}`), { explanation: { [personId]: explanation } });
  });
}
