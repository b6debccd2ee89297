// Reads the operations of the OpenAPI document the application serves and builds, for each, a
// fast-check arbitrary of hostile HTTP requests: valid-ish requests with hostile content, and
// requests with one thing wrong (a body field, a query parameter, a path parameter, the JSON
// itself, the content type, the Idempotency-Key header).
import fc from 'fast-check';
import { fromGroups, isFreeText, mutationArb, preview, sweeps, sweepStrings, validArb, type JsonSchema, type Pools } from './fuzz-schema.ts';
import * as V from './fuzz-values.ts';

export interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
  description?: string;
}

export interface Operation {
  /** "POST /api/v1/transfers" */
  key: string;
  method: string;
  /** The OpenAPI path, with {param} placeholders. */
  path: string;
  params: Param[];
  body: { schema: JsonSchema; required: boolean } | null;
  /** Documented responses: status → JSON schema of the body (undefined when there is none). */
  responses: Record<string, JsonSchema | undefined>;
  permission: string | undefined;
  isPublic: boolean;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, {
    parameters?: Param[];
    requestBody?: { required?: boolean; content?: Record<string, { schema: JsonSchema }> };
    responses?: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
    security?: unknown[];
    'x-permission'?: string;
  }>>;
}

export function operationsOf(doc: OpenApiDoc, prefix = '/api/v1/'): Operation[] {
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.startsWith(prefix)) continue;
    for (const [method, op] of Object.entries(ops)) {
      const body = op.requestBody?.content?.['application/json']?.schema;
      const responses: Record<string, JsonSchema | undefined> = {};
      for (const [status, r] of Object.entries(op.responses ?? {})) responses[status] = r.content?.['application/json']?.schema;
      out.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((p) => ({ ...p, required: Boolean(p.required) })),
        body: body ? { schema: body, required: op.requestBody?.required ?? false } : null,
        responses,
        permission: op['x-permission'],
        isPublic: Array.isArray(op.security) && op.security.length === 0,
      });
    }
  }
  return out;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** What is wrong with it (or "valid-ish"). */
  note: string;
}

/** encodeURIComponent, except that a lone surrogate becomes its (invalid) UTF-8 bytes. */
export function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    let out = '';
    for (const ch of value) {
      const c = ch.codePointAt(0)!;
      if (c >= 0xd800 && c <= 0xdfff) out += `%${(0xe0 | (c >> 12)).toString(16)}%${(0x80 | ((c >> 6) & 0x3f)).toString(16)}%${(0x80 | (c & 0x3f)).toString(16)}`.toUpperCase();
      else out += encodeURIComponent(ch);
    }
    return out;
  }
}

interface Parts {
  path: Record<string, string>;
  /** Raw (already encoded) path values, for percent-encoding that is itself broken. */
  rawPath?: Record<string, string>;
  query: [string, string][];
  rawQuery?: string;
  body: unknown;
  hasBody: boolean;
  idempotencyKey: string | null;
}

const segmentBefore = (path: string, param: string): string => {
  const parts = path.split('/');
  const i = parts.indexOf(`{${param}}`);
  return i > 0 ? parts[i - 1]! : '';
};

const asText = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));

function build(op: Operation, p: Parts, note: string, extra: { contentType?: string; payload?: string } = {}): FuzzRequest {
  let url = op.path.replace(/\{(\w+)\}/g, (_, name: string) => p.rawPath?.[name] ?? encode(p.path[name] ?? ''));
  const q = p.query.map(([k, v]) => `${encode(k)}=${encode(v)}`);
  if (p.rawQuery) q.push(p.rawQuery);
  if (q.length) url += `?${q.join('&')}`;
  const headers: Record<string, string> = {};
  if (p.idempotencyKey !== null) headers['idempotency-key'] = p.idempotencyKey;
  let payload: string | undefined;
  if (extra.payload !== undefined) payload = extra.payload;
  else if (p.hasBody) payload = JSON.stringify(p.body ?? null);
  if (payload !== undefined) headers['content-type'] = extra.contentType ?? 'application/json';
  return { method: op.method, url, headers, ...(payload !== undefined ? { payload } : {}), note };
}

function paramArb(op: Operation, p: Param, pools: Pools): fc.Arbitrary<string> {
  const segment = segmentBefore(op.path, p.name);
  if (p.schema.format === 'uuid') {
    const ids = pools.ids(p.name, segment);
    return ids.length ? fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: fc.uuid() }) : fc.uuid();
  }
  // Codes named in the description ("notify_next_of_kin, preserve_evidence …") are known values.
  const described = (p.description ?? '').match(/\b[a-z]+(?:_[a-z]+)+\b/g) ?? [];
  const known = [...described, ...(p.in === 'path' ? pools.known : [])];
  const valid = validArb(p.schema, { ...pools, known, ids: (n, s) => pools.ids(n, s ?? segment) }, p.name).map(asText);
  return (known.length ? fc.oneof(valid, fc.constantFrom(...known)) : valid).filter((v) => p.in !== 'path' || v.length > 0);
}

/** Hostile replacements for a path or query parameter's text, in groups (see fromGroups). */
function hostileParam(p: Param, pools: Pools, segment: string): string[][] {
  const ids = pools.ids(p.name, segment);
  const groups = [
    [...V.badUuids],
    [...V.unicodeEdge],
    ['\u0000', 'a\u0000b', '\uD800', 'a\uDFFFb'],
    [...V.injection],
    V.nanLike.filter(Boolean),
    [...V.badDates, ...V.badDateTimes],
    ['x'.repeat(5000), ...ids.slice(0, 2).map((id) => id.toUpperCase()), ...pools.ids('any').slice(0, 4)],
  ];
  if (p.in === 'query') groups.push(['', 'x'.repeat(70_000), ' ', '\t']);
  return groups.map((g) => g.filter((v) => p.in !== 'path' || v.length > 0));
}

const brokenPercent = ['%', '%ZZ', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF', '%00', '%2F', '%2e%2e', '..', '.', '~', '%252F'];
const rawQueryJunk = ['%ZZ=1', 'limit=%', '&&&', '=1', 'a[b]=1', 'limit[]=1', '__proto__[x]=1', 'constructor[prototype][x]=1', '%00=%00', 'q=%ED%A0%80', 'q', '?=?', 'limit=1&limit=2', 'facility=PA-LJ&facility=CO-NES'];

export function requestArb(op: Operation, pools: Pools): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const idem = op.params.find((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
  const sendsBody = op.body !== null;
  const pathArb = fc.record(Object.fromEntries(pathParams.map((p) => [p.name, paramArb(op, p, pools)]))) as fc.Arbitrary<Record<string, string>>;
  const queryArb = fc
    .tuple(...queryParams.map((p) => (p.required ? paramArb(op, p, pools).map((v) => [[p.name, v]]) : fc.option(paramArb(op, p, pools), { freq: 2 }).map((v) => (v === null ? [] : [[p.name, v]])))))
    .map((lists) => lists.flat() as [string, string][]);
  const bodyArb = op.body ? validArb(op.body.schema, pools) : fc.constant(undefined);
  const base: fc.Arbitrary<Parts> = fc
    .record({ path: pathArb, query: queryArb, body: bodyArb, idem: idem ? fc.option(fc.uuid(), { freq: 2 }) : fc.constant(null) })
    .map((r) => ({ path: r.path, query: r.query, body: r.body, hasBody: sendsBody, idempotencyKey: r.idem }));

  const modes: fc.WeightedArbitrary<FuzzRequest>[] = [{ weight: 3, arbitrary: base.map((p) => build(op, p, 'valid-ish')) }];
  // Every free-text value of the request spoilt the same way at once (NUL, lone surrogates …).
  const sweptQuery = (p: Parts, f: (x: string) => string): [string, string][] => p.query.map(([k, v]) => [k, isFreeText(queryParams.find((q) => q.name === k)?.schema) ? f(v) : v]);
  if (op.body || queryParams.some((q) => isFreeText(q.schema))) {
    modes.push({
      weight: 3,
      arbitrary: fc.tuple(base, fc.constantFrom(...sweeps)).map(([p, [name, f]]) => build(op, { ...p, body: op.body ? sweepStrings(p.body, op.body.schema, f) : p.body, query: sweptQuery(p, f) }, `every free text: ${name}`)),
    });
  }
  if (op.body) {
    const schema = op.body.schema;
    modes.push({ weight: 6, arbitrary: base.chain((p) => mutationArb(p.body, schema, pools).map((m) => build(op, { ...p, body: m.value }, `body: ${m.note}`))) });
  }
  if (op.body || op.method !== 'GET') {
    modes.push({ weight: 1, arbitrary: fc.tuple(base, fc.constantFrom(...V.brokenJsonBodies())).map(([p, raw]) => build(op, p, `raw body ${preview(raw, 40)}`, { payload: raw })) });
    modes.push({
      weight: 1,
      arbitrary: fc.tuple(base, fc.constantFrom(...V.wrongContentTypes), fc.boolean()).map(([p, ct, asForm]) =>
        build(op, p, `content-type ${ct}`, { contentType: ct, payload: asForm ? 'a=1&b=%00' : JSON.stringify(p.body ?? {}) }),
      ),
    });
  }
  if (!op.body && op.method !== 'GET') {
    modes.push({ weight: 1, arbitrary: fc.tuple(base, fc.constantFrom(...V.wrongTypes)).map(([p, b]) => build(op, { ...p, body: b, hasBody: true }, `unexpected body ${preview(b)}`)) });
  }
  if (queryParams.length) {
    modes.push({
      weight: 3,
      arbitrary: base.chain((p) =>
        fc.nat({ max: queryParams.length - 1 }).chain((i) => {
          const qp = queryParams[i]!;
          return fromGroups(hostileParam(qp, pools, '')).map((v) => build(op, { ...p, query: [...p.query.filter(([k]) => k !== qp.name), [qp.name, v]] }, `query ${qp.name}=${preview(v)}`));
        }),
      ),
    });
  }
  modes.push({ weight: 1, arbitrary: fc.tuple(base, fc.constantFrom(...rawQueryJunk)).map(([p, junk]) => build(op, { ...p, rawQuery: junk }, `raw query ${junk}`)) });
  if (pathParams.length) {
    modes.push({
      weight: 3,
      arbitrary: base.chain((p) =>
        fc.nat({ max: pathParams.length - 1 }).chain((i) => {
          const pp = pathParams[i]!;
          return fc.oneof(
            fromGroups(hostileParam(pp, pools, segmentBefore(op.path, pp.name))).map((v) => build(op, { ...p, path: { ...p.path, [pp.name]: v } }, `path ${pp.name}=${preview(v)}`)),
            fc.constantFrom(...brokenPercent).map((v) => build(op, { ...p, rawPath: { [pp.name]: v } }, `raw path ${pp.name}=${v}`)),
          );
        }),
      ),
    });
  }
  if (idem) {
    modes.push({ weight: 1, arbitrary: fc.tuple(base, fc.constantFrom(...V.badIdempotencyKeys)).map(([p, k]) => build(op, { ...p, idempotencyKey: k }, `idempotency-key ${preview(k)}`)) });
  }
  return fc.oneof(...modes);
}
