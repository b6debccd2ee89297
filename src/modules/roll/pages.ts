// The roll page: a date and time picker for a past roll (wall-clock time where the centres
// are), per unit who should be present, who is out, the last count and its difference, and —
// for duty officers, on the current roll — a count form per unit. Plain HTML forms; a refused
// count re-renders the page with the error summary, a recorded one redirects back.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from '../../platform/http/errors.ts';
import { field, formErrors } from '../../platform/http/forms.ts';
import { isoToLocal, localToIso } from '../admission/local-time.ts';
import * as roll from './service.ts';
import { callerOf } from './routes.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function rollPages(app: FastifyInstance): void {
  const deps = (): roll.Deps => app.state;
  const tz = () => app.state.settings.timeZone;

  const render = async (req: FastifyRequest, reply: FastifyReply, code: string, query: unknown, extra: { errors?: FieldError[]; values?: Record<string, string> } = {}) => {
    const atLocal = field(query, 'at').trim();
    const unitParam = field(query, 'unitId');
    const errs: FieldError[] = [...(extra.errors ?? [])];
    let at: string | undefined;
    if (atLocal) {
      const iso = localToIso(atLocal, tz());
      if (iso) at = iso;
      else errs.push({ path: 'at', key: 'roll.errors.instant' });
    }
    let view: roll.RollView;
    try {
      view = await roll.getRoll(deps(), callerOf(req), code, { at, unitId: uuidPattern.test(unitParam) ? unitParam : undefined });
    } catch (e) {
      // A future or impossible instant: the current roll, with the error on the picker.
      if (!(e instanceof AppError) || e.status !== 422 || !at) throw e;
      errs.push(...e.fields);
      at = undefined;
      view = await roll.getRoll(deps(), callerOf(req), code, {});
    }
    if (errs.length && !reply.statusCode.toString().startsWith('4')) reply.code(errs.some((x) => x.path === 'at') ? 400 : 422);
    const selected = uuidPattern.test(unitParam) ? (view.units.find((u) => u.unitId === unitParam) ?? null) : null;
    const outRows = [...view.units.flatMap((u) => u.out.map((o) => ({ ...o, unit: u.code }))), ...view.unplaced.out.map((o) => ({ ...o, unit: null }))];
    const escapedRows = [...view.units.flatMap((u) => u.escaped.map((o) => ({ ...o, unit: u.code }))), ...view.unplaced.escaped.map((o) => ({ ...o, unit: null }))];
    const done = field(query, 'done');
    return reply.page('roll/views/roll.njk', {
      pageTitle: req.t('roll.title', { name: view.facilityName }),
      roll: view,
      past: at !== undefined,
      atLocal: at ? isoToLocal(at, tz()) : atLocal,
      atParam: at ? isoToLocal(at, tz()) : '',
      selected,
      outRows,
      escapedRows,
      canCount: req.actor!.permissions.has('roll.record') && at === undefined,
      values: extra.values ?? {},
      done: done === 'counted' ? done : null,
      discrepancy: field(query, 'difference'),
      errors: errs.length ? formErrors(req, errs) : null,
    });
  };

  app.get('/facilities/:code/roll', { config: { access: 'person.read' } }, async (req, reply) => render(req, reply, (req.params as { code: string }).code, req.query));

  app.post('/facilities/:code/roll-counts', { config: { access: 'roll.record' } }, async (req, reply) => {
    const code = (req.params as { code: string }).code;
    const body = req.body;
    const unitId = field(body, 'unitId');
    const countedText = field(body, 'counted').trim();
    const notes = field(body, 'notes');
    const shape: FieldError[] = [];
    if (!/^\d{1,6}$/.test(countedText)) shape.push({ path: 'counted', key: countedText ? 'roll.errors.counted' : 'roll.errors.countedRequired', params: { max: roll.maxCount } });
    try {
      if (shape.length) throw new AppError(422, 'rule_violation', 'errors.validation', {}, shape);
      const saved = await roll.recordCount(deps(), callerOf(req), code, { unitId, counted: Number(countedText), ...(notes.trim() ? { notes } : {}) });
      const q = new URLSearchParams({ done: 'counted', difference: String(saved.difference) });
      return reply.redirect(`/facilities/${encodeURIComponent(code)}/roll?${q.toString()}#unit-${saved.unitId}`, 303);
    } catch (e) {
      if (!(e instanceof AppError) || e.status !== 422) throw e;
      reply.code(422);
      // The form's controls are per unit: counted-<unitId>, notes-<unitId>.
      const fields = e.fields.map((f) => ({ ...f, path: f.path === 'counted' || f.path === 'notes' ? `${f.path}-${unitId}` : f.path }));
      return render(req, reply, code, {}, { errors: fields, values: { unitId, counted: countedText, notes } });
    }
  });
}
