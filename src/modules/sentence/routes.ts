// The sentence computation over HTTP: the same input and result as `npx custodia
// compute-sentence`. It stores nothing; any signed-in user or token may call it. The page
// /sentence-calculator is the same computation for people: a form (or pasted JSON) in, the
// dates and the trace out, in the page's language, without JavaScript.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/http/errors.ts';
import type { FormErrors } from '../../platform/http/forms.ts';
import { errors } from '../../platform/http/schemas.ts';
import { tryComputeSentence } from './engine.ts';
import { blankForm, fieldForPath, inputFromForm, readForm, rowCounts, sectionFields, type FormValues, type Section } from './form.ts';
import { getRuleSet, parameterNames } from './rule-sets.ts';
import { SentenceInputSchema, SentenceResultSchema } from './schemas.ts';
import { todayIn } from '../../platform/time.ts';
import { activityKinds, custodyKinds, measureKinds, sentenceRelations, type SentenceResult, type SentenceValidationError } from './types.ts';
import { singleIssueError } from './validate.ts';

/** The engine's validation error as the API's error: 400 for shape, 422 for rules. */
export function sentenceInputError(e: SentenceValidationError): AppError {
  const err = new AppError(e.kind === 'schema' ? 400 : 422, e.kind === 'schema' ? 'bad_request' : 'rule_violation', 'errors.validation', {}, e.issues.map((i) => ({ path: i.path, key: i.key, localized: i.messages })));
  err.localized = e.messages;
  return err;
}

const template = 'sentence/views/calculator.njk';

/** The engine's issues as the page's error summary and per-field messages. */
function pageErrors(req: FastifyRequest, error: SentenceValidationError, rows: Record<Section, number[]> | null): FormErrors {
  const summary: FormErrors['summary'] = [];
  const byField: FormErrors['byField'] = {};
  for (const issue of error.issues) {
    const f = fieldForPath(issue.path, rows);
    const message = issue.messages[req.lang];
    let name: string;
    if (f.section !== undefined && f.row !== undefined && f.field !== undefined) {
      name = req.t('sentence.form.errorField', { section: req.t(`sentence.form.${f.section}.legend`), row: f.row + 1, field: req.t(`sentence.form.${f.section}.${f.field}`) });
    } else if (f.id === 'asOf') {
      name = req.t('sentence.form.asOf.label');
    } else {
      // The JSON box: the engine's own path names the field inside the document.
      name = issue.path === '' ? req.t('sentence.form.json.label') : issue.path;
    }
    summary.push({ text: `${name}: ${message}`, href: `#${f.id}` });
    byField[f.id] ??= { text: message };
  }
  return { summary, byField };
}

/** Everything the template needs besides the values, errors and result. */
function formModel(req: FastifyRequest) {
  const t = req.t;
  const rowsOf = (s: Section) => Array.from({ length: rowCounts[s] }, (_, i) => i);
  return {
    pageTitle: t('sentence.title'),
    timeZone: req.server.state.settings.timeZone,
    rows: { custody: rowsOf('custody'), sentences: rowsOf('sentences'), activities: rowsOf('activities'), measures: rowsOf('measures'), reductions: rowsOf('reductions') },
    fields: sectionFields,
    options: {
      custodyKind: custodyKinds.map((k) => ({ value: k, text: t(`sentence.kinds.custody.${k}`) })),
      relation: [{ value: '', text: t('sentence.form.sentences.relationDefault') }, ...sentenceRelations.map((k) => ({ value: k, text: t(`sentence.kinds.relation.${k}`) }))],
      activityKind: activityKinds.map((k) => ({ value: k, text: t(`sentence.kinds.activity.${k}`) })),
      measureKind: measureKinds.map((k) => ({ value: k, text: t(`sentence.kinds.measure.${k}`) })),
    },
  };
}

/** The result as the template shows it: the rule set's descriptions for any overrides. */
function resultModel(req: FastifyRequest, input: unknown, result: SentenceResult) {
  const rs = getRuleSet(result.ruleSet);
  const overrides = parameterNames
    .filter((name) => result.overrides[name] !== undefined)
    .map((name) => ({ name, description: rs?.parameters[name].description[req.lang] ?? name, default: result.overrides[name]!.default, value: result.overrides[name]!.value }));
  return {
    result,
    ruleSetTitle: rs?.title[req.lang] ?? '',
    overrides,
    trace: result.trace.map((s) => ({ rule: s.rule, text: s[req.lang] })),
    inputJson: JSON.stringify(input, null, 2),
    resultJson: JSON.stringify(result, null, 2),
  };
}

function showForm(req: FastifyRequest, reply: FastifyReply, values: FormValues, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.page(template, { ...formModel(req), values, ...extra });
}

export async function sentenceRoutes(app: FastifyInstance): Promise<void> {
  app.post(
    '/api/v1/sentence-computations',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['sentence'],
        summary: 'Compute legal time (rule set PA-2007/1): start, term, credits, one third, two thirds and expiry, with the trace',
        body: SentenceInputSchema,
        response: { 200: SentenceResultSchema, ...errors(400, 401, 403, 422) },
      },
    },
    async (req) => {
      const outcome = tryComputeSentence(req.body);
      if (!outcome.ok) throw sentenceInputError(outcome.error);
      return outcome.result;
    },
  );

  // ---- Page ----
  app.get('/sentence-calculator', { config: { access: 'signed-in' } }, async (req, reply) =>
    showForm(req, reply, blankForm(todayIn(app.state.settings.timeZone))),
  );

  app.post('/sentence-calculator', { config: { access: 'signed-in' } }, async (req, reply) => {
    const values = readForm(req.body);
    if (values.asOf === '') values.asOf = todayIn(app.state.settings.timeZone);
    // Pasted JSON, when there is any, wins over the form rows.
    const fromJson = (values.json ?? '').trim() !== '';
    let input: unknown;
    let rows: Record<Section, number[]> | null = null;
    let parseError: SentenceValidationError | null = null;
    if (fromJson) {
      const text = values.json!.trim();
      try {
        input = JSON.parse(text);
      } catch (e) {
        parseError = singleIssueError('schema', '', 'not_json', { reason: e instanceof Error ? e.message : String(e) });
      }
    } else {
      const built = inputFromForm(values);
      input = built.input;
      rows = built.rows;
    }
    const outcome = parseError ? { ok: false as const, error: parseError } : tryComputeSentence(input);
    if (!outcome.ok) {
      reply.code(outcome.error.kind === 'schema' ? 400 : 422);
      return showForm(req, reply, values, { errors: pageErrors(req, outcome.error, rows) });
    }
    return showForm(req, reply, values, resultModel(req, input, outcome.result));
  });
}
