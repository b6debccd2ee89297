// The person page's legal-time section as the template shows it: the stored computation's
// figures with their labels, the trace in the page's language, the history of date moves with
// readable causes, the legal orders and what the user may do.
import type { FastifyRequest } from 'fastify';
import type { SentenceInput, SentenceResult, SentencedResult } from '../sentence/types.ts';
import type { SectionData } from './service.ts';

/** The cause stored with a computation or a date move, in the reader's language. */
export function causeText(req: FastifyRequest, cause: string): string {
  const [head = '', kind = ''] = cause.split(' ');
  if (head === 'order.verify') return req.t('legalTime.cause.orderVerify', { kind: req.t(`orders.kind.${kind}`) });
  const key = `legalTime.cause.${head.replace(/[^a-zA-Z]/g, '_')}`;
  const text = req.t(key);
  return text === key ? cause : text;
}

function sentencesOf(req: FastifyRequest, input: SentenceInput, result: SentencedResult, sentenceCases: Record<string, string>) {
  return result.sentences.map((p) => {
    const item = (input.sentences ?? []).find((s) => s.id === p.id);
    return {
      id: p.id,
      caseNumber: sentenceCases[p.id] ?? '',
      term: item ? req.t('legalTime.term', { years: item.years, months: item.months, days: item.days }) : '',
      relation: req.t(`legalTime.relation.${p.relation}`),
      startDate: p.startDate,
      endDate: p.endDate,
    };
  });
}

export function sectionModel(req: FastifyRequest, data: SectionData) {
  const perms = req.actor!.permissions;
  const c = data.computation;
  const result: SentenceResult | null = c ? c.result : null;
  const sentenced = result && result.status === 'sentenced' ? result : null;
  const pretrial = result && result.status === 'pretrial' ? result : null;
  return {
    ...data,
    sentenced,
    pretrial,
    sentences: sentenced && c ? sentencesOf(req, c.input, sentenced, data.sentenceCases) : [],
    trace: result ? result.trace.map((s) => ({ rule: s.rule, text: s[req.lang] })) : [],
    computationCause: c ? causeText(req, c.cause) : '',
    changes: data.changes.map((d) => ({ ...d, fieldText: req.t(`legalTime.field.${d.field}`), causeText: causeText(req, d.cause) })),
    orders: data.orders.map((o) => ({ ...o, kindText: req.t(`orders.kind.${o.kind}`) })),
    canRegister: perms.has('order.register') && data.held && data.cases.length > 0,
    canRecompute: perms.has('legal.write') && data.held,
    registerLinks: ['sentence', 'provisional_custody', 'measure', 'reduction', 'custody_credit'].map((k) => ({ kind: k, text: req.t(`orders.kind.${k}`), href: `/orders/legal/new?kind=${k}&personId=${data.personId}` })),
    notice: ['recomputed', 'notHeld'].includes(String((req.query as Record<string, unknown>)?.legalTime ?? '')) ? String((req.query as Record<string, unknown>).legalTime) : null,
  };
}
