// The housing pages: a centre's units and cells with capacity against occupants (overcrowding
// tagged), a unit's occupants with a move form per person, and a person's placement form (the
// override section shown to directors). Plain HTML forms that work without JavaScript; a
// refused move re-renders the placement form with the rules broken, a move redirects back.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from '../../platform/http/errors.ts';
import { field, formErrors } from '../../platform/http/forms.ts';
import { localToIso } from '../admission/local-time.ts';
import * as housing from './service.ts';
import * as repo from './repository.ts';
import { callerOf } from './routes.ts';
import { unitsOf } from '../roll/repository.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const pageSize = 50;

/** Where a move form returns to: the unit page it came from, or the person's placement page. */
function backOf(body: unknown, personId: string): string {
  const back = field(body, 'back');
  if (/^\/units\/[0-9a-f-]{36}(\?[\w=&%.-]*)?$/i.test(back)) return back;
  return `/persons/${personId}/placement`;
}

function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url, 'http://custodia.invalid');
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return `${u.pathname}?${u.searchParams.toString()}`;
}

export function housingPages(app: FastifyInstance): void {
  const deps = (): housing.Deps => app.state;

  // ---- a centre ----

  app.get('/facilities/:code/housing', { config: { access: 'facility.read' } }, async (req, reply) => {
    const view = await housing.getFacilityHousing(deps(), req.actor!, (req.params as { code: string }).code);
    const rate = view.facility.capacity ? Math.round((view.totals.occupants / view.facility.capacity) * 1000) / 10 : null;
    return reply.page('housing/views/facility.njk', { pageTitle: req.t('housing.facility.title', { name: view.facility.name }), view, rate });
  });

  // ---- a unit's occupants ----

  app.get('/units/:unitId', { config: { access: 'person.read' } }, async (req, reply) => {
    const unitId = (req.params as { unitId: string }).unitId;
    if (!uuidPattern.test(unitId)) throw new AppError(404, 'not_found', 'errors.notFound');
    const cellParam = field(req.query, 'cell');
    const view = await housing.getUnitOccupants(deps(), callerOf(req), unitId, { cellId: uuidPattern.test(cellParam) ? cellParam : undefined });
    const offset = Math.min(Math.max(0, Number.parseInt(field(req.query, 'offset'), 10) || 0), 1_000_000);
    const canMove = req.actor!.permissions.has('housing.assign');
    const units = canMove ? await unitsOf(app.state.db, view.unit.facilityCode) : [];
    const base = `/units/${unitId}${uuidPattern.test(cellParam) ? `?cell=${cellParam}` : ''}`;
    const link = (o: number) => withParams(base, { offset: String(o) });
    const done = field(req.query, 'done');
    return reply.page('housing/views/unit.njk', {
      pageTitle: `${view.unit.code} – ${view.unit.name}`,
      view,
      occupants: view.occupants.slice(offset, offset + pageSize),
      selectedCell: view.cells.find((c) => c.id === cellParam) ?? null,
      from: view.occupants.length ? offset + 1 : 0,
      to: Math.min(offset + pageSize, view.occupants.length),
      previous: offset > 0 ? link(Math.max(0, offset - pageSize)) : null,
      next: offset + pageSize < view.occupants.length ? link(offset + pageSize) : null,
      back: offset ? link(offset) : base,
      canMove,
      unitItems: units.map((u) => ({ value: u.id, text: `${u.code} – ${u.name}`, selected: u.id === view.unit.id })),
      done: done === 'moved' ? done : null,
      overcrowdedAfter: field(req.query, 'overcrowded') === '1',
    });
  });

  // ---- a person's placement ----

  const renderPlacement = async (req: FastifyRequest, reply: FastifyReply, personId: string, extra: { errors?: FieldError[]; values?: Record<string, string>; problems?: FieldError[] } = {}) => {
    const placement = await housing.getPersonPlacement(deps(), callerOf(req), personId);
    const values = extra.values ?? {};
    const chosenUnit = values.unitId || field(req.query, 'unitId') || placement.current?.unitId || '';
    const choices = placement.facility ? await housing.placementChoices(deps(), req.actor!, placement.facility.code, uuidPattern.test(chosenUnit) ? chosenUnit : undefined) : { units: [], cells: [] };
    const unit = choices.units.find((u) => u.id === chosenUnit) ?? null;
    const chosenCell = values.cellId ?? (unit && unit.id === placement.current?.unitId ? (placement.current?.cellId ?? '') : '');
    const done = field(req.query, 'done');
    return reply.page('housing/views/placement.njk', {
      pageTitle: req.t('housing.placement.title', { name: placement.person.name }),
      placement,
      unit,
      unitItems: [{ value: '', text: req.t('housing.placement.chooseUnit') }, ...choices.units.map((u) => ({ value: u.id, text: req.t('housing.placement.unitOption', { code: u.code, name: u.name, kind: req.t(`housing.kinds.${u.kind}`), occupants: u.occupants, capacity: u.capacity ?? '—' }), selected: u.id === chosenUnit }))],
      cellItems: [
        { value: '', text: req.t('housing.placement.noCell'), selected: chosenCell === '' },
        ...choices.cells.map((c) => ({
          value: c.id,
          text: req.t(c.overcrowded ? 'housing.placement.cellOptionOver' : 'housing.placement.cellOption', { code: c.code, occupants: c.occupants, capacity: c.capacity ?? '—' }),
          selected: c.id === chosenCell,
        })),
      ],
      values,
      problems: extra.problems ?? [],
      problemTexts: (extra.problems ?? []).map((p) => req.t(p.key, p.params)),
      canOverride: req.actor!.permissions.has('housing.override'),
      done: done === 'moved' ? done : null,
      overcrowdedAfter: field(req.query, 'overcrowded') === '1',
      errors: extra.errors?.length ? formErrors(req, extra.errors) : null,
    });
  };

  app.get('/persons/:id/placement', { config: { access: 'housing.assign' } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    if (!uuidPattern.test(id)) throw new AppError(404, 'not_found', 'errors.notFound');
    return renderPlacement(req, reply, id);
  });

  app.post('/persons/:id/placement', { config: { access: 'housing.assign' } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    if (!uuidPattern.test(id)) throw new AppError(404, 'not_found', 'errors.notFound');
    const body = req.body;
    const values = {
      unitId: field(body, 'unitId'),
      cellId: field(body, 'cellId'),
      cellCode: field(body, 'cellCode').trim(),
      reason: field(body, 'reason'),
      at: field(body, 'at').trim(),
      overrideReason: field(body, 'overrideReason'),
    };
    const back = backOf(body, id);
    let cellId: string | null = values.cellId || null;
    try {
      const shape: FieldError[] = [];
      if (!values.unitId) shape.push({ path: 'unitId', key: 'housing.errors.unitRequired' });
      if (!values.reason.trim()) shape.push({ path: 'reason', key: 'housing.errors.reasonRequired' });
      let at: string | undefined;
      if (values.at) {
        const iso = localToIso(values.at, app.state.settings.timeZone);
        if (iso) at = iso;
        else shape.push({ path: 'at', key: 'housing.errors.at' });
      }
      // The unit page's quick form names the cell by its code.
      if (!cellId && values.cellCode && uuidPattern.test(values.unitId)) {
        const cell = await repo.findCellByCode(app.state.db, values.unitId, values.cellCode.toUpperCase());
        if (cell) cellId = cell.id;
        else shape.push({ path: 'cellId', key: 'housing.errors.cellCodeUnknown', params: { code: values.cellCode } });
      }
      if (shape.length) throw new AppError(422, 'rule_violation', 'errors.validation', {}, shape);
      const moved = await housing.movePerson(deps(), callerOf(req), id, {
        unitId: values.unitId,
        cellId,
        reason: values.reason,
        ...(at ? { at } : {}),
        ...(values.overrideReason.trim() ? { override: { reason: values.overrideReason } } : {}),
      });
      const over = moved.occupancy.cell?.overcrowded || moved.occupancy.unit.overcrowded;
      return reply.redirect(withParams(back, { done: 'moved', ...(over ? { overcrowded: '1' } : {}) }), 303);
    } catch (e) {
      if (!(e instanceof AppError) || (e.status !== 422 && e.status !== 409)) throw e;
      reply.code(e.status);
      const rename = (p: string) => (p === 'override.reason' ? 'overrideReason' : p === 'personId' ? '' : p === 'unitId' ? 'chooseUnit' : p);
      const fields = e.fields.length ? e.fields.map((f) => ({ ...f, path: rename(f.path) })) : [{ path: '', key: e.key, params: e.params }];
      if (e.code === 'separation_rule') fields.unshift({ path: '', key: e.key, params: e.params });
      return renderPlacement(req, reply, id, { errors: fields, values: { ...values, cellId: cellId ?? '' }, problems: e.code === 'separation_rule' ? e.fields : [] });
    }
  });
}
