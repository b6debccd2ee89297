// Statistics over HTTP: the occupancy API under /api/v1/statistics (thin: one service call per
// route) and the occupancy dashboard with its CSV download under /statistics.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '../../platform/http/errors.ts';
import { field, formErrors } from '../../platform/http/forms.ts';
import { errors } from '../../platform/http/schemas.ts';
import { formatNumber } from '../../platform/i18n/i18n.ts';
import { todayIn } from '../../platform/time.ts';
import * as S from './schemas.ts';
import * as service from './service.ts';
import { occupancyBarChart } from './chart.ts';
import { occupancyCsv } from './csv.ts';
import { sharePercent, type FacilityFigures } from './occupancy-rules.ts';

export async function statisticsRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const deps = (): service.Deps => app.state;
  const tags = ['statistics'];

  // ---- API ----
  r.get(
    '/api/v1/statistics/occupancy',
    {
      config: { access: 'statistics.read' },
      schema: {
        tags,
        summary: 'Occupancy at the end of a date (default today) for every centre in the caller\'s scope and their total ("national"); computed from the records, so a late entry corrects a past figure',
        querystring: S.OccupancyQuery,
        response: { 200: S.Occupancy, ...errors(400, 401, 403, 422) },
      },
    },
    async (req) => service.occupancy(deps(), req.actor!, req.query.date),
  );

  r.get(
    '/api/v1/statistics/occupancy/corrections',
    {
      config: { access: 'statistics.read' },
      schema: {
        tags,
        summary: 'Per centre, the entries recorded after the end of a date that changed its occupancy figure for that date (late entries: the visible trace of a corrected past figure)',
        querystring: S.OccupancyQuery,
        response: { 200: S.OccupancyCorrections, ...errors(400, 401, 403, 422) },
      },
    },
    async (req) => service.corrections(deps(), req.actor!, req.query.date),
  );

  // ---- Pages ----
  app.get('/statistics/occupancy.csv', { config: { access: 'statistics.read' } }, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const report = await service.occupancyWithProvinces(deps(), req.actor!, field(q, 'date') || undefined);
    const province = report.provinces.some((p) => p.province === field(q, 'province')) ? field(q, 'province') : '';
    const body = occupancyCsv(req.t, {
      date: report.date,
      facilities: province ? report.facilities.filter((f) => f.province === province) : report.facilities,
      provinces: province ? report.provinces.filter((p) => p.province === province) : report.provinces,
      national: report.national,
    });
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${req.t('statistics.csv.filename')}-${report.date}.csv"`)
      .send(body);
  });

  app.get('/statistics/occupancy', { config: { access: 'statistics.read' } }, async (req, reply) => dashboard(app, req, reply));
}

const percentOf = (lang: 'es' | 'en', digits: number) => (n: number) => `${formatNumber(lang, n, digits)} %`;

async function dashboard(app: FastifyInstance, req: FastifyRequest, reply: FastifyReply) {
  const deps: service.Deps = app.state;
  const q = req.query as Record<string, unknown>;
  const asked = field(q, 'date').trim();
  let date: string | undefined = asked || undefined;
  let errs = null;
  try {
    service.occupancyDate(deps.settings, date);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    // A date the page cannot show: say so, and show today's figures meanwhile.
    reply.code(e.status);
    errs = formErrors(req, e.fields);
    date = undefined;
  }
  const [report, late] = await Promise.all([service.occupancyWithProvinces(deps, req.actor!, date), service.corrections(deps, req.actor!, date)]);
  const province = report.provinces.some((p) => p.province === field(q, 'province')) ? field(q, 'province') : '';
  const shown = province ? report.facilities.filter((f) => f.province === province) : report.facilities;
  const lateByCode = new Map(late.facilities.map((l) => [l.code, l]));
  const lateShown = shown.map((f) => lateByCode.get(f.code)!).filter((l) => l && l.lateEntries > 0);
  const percent = percentOf(req.lang, 1);
  const isToday = report.date === todayIn(deps.settings.timeZone);

  const row = (f: FacilityFigures) => ({ ...f, unsentencedShare: sharePercent(f.unsentenced, f.population), late: lateByCode.get(f.code)?.lateEntries ?? 0 });
  // Centres without capacity that hold nobody on the date (not yet open, say) have no bar.
  const charted = shown.filter((f) => f.capacity !== null || f.population > 0);
  const chart = occupancyBarChart(
    charted.map((f) => ({ label: f.code, name: f.name, value: f.occupancyRate })),
    {
      title: req.t('statistics.chart.title', { date: report.date }),
      desc: req.t('statistics.chart.desc', { count: charted.length, over: charted.filter((f) => (f.occupancyRate ?? 0) > 100).length, missing: charted.filter((f) => f.occupancyRate === null).length }),
      missing: req.t('statistics.chart.missing'),
      percent,
      tick: percentOf(req.lang, 0),
    },
  );
  const params = (extra: Record<string, string>) => new URLSearchParams({ ...(asked && !errs ? { date: report.date } : {}), ...(province ? { province } : {}), ...extra }).toString();
  return reply.page('statistics/views/occupancy.njk', {
    pageTitle: req.t('statistics.occupancy.title'),
    date: report.date,
    isToday,
    dateParam: errs ? asked : asked ? report.date : '',
    province,
    provinceItems: [{ value: '', text: req.t('statistics.filter.allProvinces') }, ...report.provinces.map((p) => ({ value: p.province, text: p.province, selected: p.province === province }))],
    facilities: shown.map(row),
    provinces: (province ? report.provinces.filter((p) => p.province === province) : report.provinces).map((p) => ({ ...p, unsentencedShare: sharePercent(p.unsentenced, p.population) })),
    national: { ...report.national, unsentencedShare: sharePercent(report.national.unsentenced, report.national.population), womenShare: sharePercent(report.national.women, report.national.population), foreignShare: sharePercent(report.national.foreign, report.national.population) },
    scoped: req.actor!.facilities !== null,
    chart,
    late: { total: lateShown.reduce((s, l) => s + l.lateEntries, 0), items: lateShown.map((l) => ({ ...l, name: shown.find((f) => f.code === l.code)!.name })) },
    csvUrl: `/statistics/occupancy.csv?${params({ date: report.date })}`,
    anySynthetic: shown.some((f) => f.capacitySource === 'synthetic'),
    errors: errs,
  });
}
