// The registration forms of the legal orders, one per kind, reached from the person page's
// legal-time section: /orders/legal/new?kind=<kind>&personId=<id>. Plain HTML, no JavaScript;
// the POST calls the same service as the API; a broken rule re-renders the form with the
// errors, success goes to the order (post/redirect/get), which waits for verification.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { field } from '../../platform/http/forms.ts';
import { notFound } from '../../platform/http/errors.ts';
import { ruleSets } from '../sentence/rule-sets.ts';
import { callerOf } from './caller.ts';
import { legalFormChoices, registerLegalOrder, type LegalFormChoices, type NewLegalOrder } from './legal-orders.ts';
import { legalOrderKinds, measureKinds, provisionalCustodyKinds, sentenceRelations, type LegalOrderKind } from './legal-schemas.ts';
import { attempt, dateFrom, pageErrors, uploaded } from './pages.ts';
import type * as service from './service.ts';

const isKind = (k: string): k is LegalOrderKind => (legalOrderKinds as readonly string[]).includes(k);
const dateFields = ['orderDate', 'from', 'to', 'decreeDate'] as const;
const textFields = ['caseId', 'authorityKind', 'issuingAuthority', 'notes', 'years', 'months', 'days', 'relation', 'consecutiveTo', 'ruleSetId', 'custodyKind', 'measureKind', 'appearances', 'sourceEpisodeId', 'decreeNumber'] as const;

export function legalOrderPages(app: FastifyInstance): void {
  const deps = (): service.Deps => app.state;

  const render = async (req: FastifyRequest, reply: FastifyReply, kind: LegalOrderKind, personId: string, data: Record<string, unknown> = {}) => {
    const choices: LegalFormChoices = await legalFormChoices(deps(), callerOf(req), personId);
    const t = req.t;
    const term = (s: { years: number; months: number; days: number }) => t('legalTime.term', s);
    return reply.page('orders/views/legal-new.njk', {
      pageTitle: t('orders.legal.title', { kind: t(`orders.kind.${kind}`) }),
      kind,
      choices,
      caseItems: [{ value: '', text: t('orders.legal.chooseCase') }, ...choices.cases.map((k) => ({ value: k.id, text: `${k.caseNumber} – ${k.authorityName}` }))],
      authorityItems: ['court', 'prosecutor'].map((k) => ({ value: k, text: t(`orders.authority.${k}`) })),
      relationItems: sentenceRelations.map((k) => ({ value: k, text: t(`orders.legal.relation.${k}`) })),
      sentenceItems: [{ value: '', text: t('orders.legal.chooseSentence') }, ...choices.sentences.map((s) => ({ value: s.id, text: `${s.caseNumber} · ${term(s)} · ${s.orderDate}${s.status === 'verified' ? '' : ` (${t('orders.status.registered')})`}` }))],
      ruleSetItems: [{ value: '', text: t('orders.legal.ruleSetDefault') }, ...Object.values(ruleSets).map((rs) => ({ value: rs.id, text: `${rs.id} – ${rs.title[req.lang]}` }))],
      custodyKindItems: provisionalCustodyKinds.map((k) => ({ value: k, text: t(`orders.legal.custodyKind.${k}`) })),
      measureKindItems: measureKinds.map((k) => ({ value: k, text: t(`orders.legal.measureKind.${k}`) })),
      episodeItems: [{ value: '', text: t('orders.legal.chooseEpisode') }, ...choices.earlierEpisodes.map((e) => ({ value: e.id, text: `${e.arrestedOn} – ${e.releasedOn}` }))],
      form: { caseId: choices.cases.length === 1 ? choices.cases[0]!.id : '', authorityKind: 'court', relation: 'concurrent', orderDate: {}, from: {}, to: {}, decreeDate: {} },
      ...data,
    });
  };

  app.get('/orders/legal/new', { config: { access: 'order.register' } }, async (req, reply) => {
    const kind = field(req.query, 'kind');
    if (!isKind(kind)) throw notFound();
    return render(req, reply, kind, field(req.query, 'personId'));
  });

  app.post('/orders/legal/:kind', { config: { access: 'order.register' } }, async (req, reply) => {
    const kind = (req.params as { kind: string }).kind;
    if (!isKind(kind)) throw notFound();
    const body = req.body;
    const personId = field(body, 'personId');
    const form: Record<string, unknown> = {};
    for (const f of textFields) form[f] = field(body, f);
    const dates: Record<string, { value: string; parts: { day: string; month: string; year: string } }> = {};
    for (const d of dateFields) dates[d] = dateFrom(body, d);
    const scan = uploaded(body, 'scan');
    const input: NewLegalOrder = {
      ...(form as unknown as NewLegalOrder),
      orderDate: dates.orderDate!.value,
      from: dates.from!.value,
      to: dates.to!.value,
      decreeDate: dates.decreeDate!.value,
      scan: scan?.data ?? null,
    };
    const r = await attempt(() => registerLegalOrder(deps(), callerOf(req), kind, input, { scanPath: 'scan' }));
    if (r.error) {
      reply.code(r.error.status);
      const dateParts = Object.fromEntries(dateFields.map((d) => [d, dates[d]!.parts]));
      return render(req, reply, kind, personId, { errors: pageErrors(req, r.error), form: { ...form, ...dateParts }, scanDropped: Boolean(scan) });
    }
    return reply.redirect(`/orders/${r.value}?done=registered`);
  });
}
