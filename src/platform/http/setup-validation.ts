// Request validation from the route schemas. JSON bodies are checked strictly, as written
// (no type coercion: "8" is not 8, exactly as the command line treats the same input);
// query strings and path parameters are text by nature, so they are coerced to the schema.
import type { FastifyInstance } from 'fastify';
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';

function compiler(coerce: boolean): Ajv {
  const options: Options = { coerceTypes: coerce ? 'array' : false, removeAdditional: false, useDefaults: true, allErrors: false, strict: false, addUsedSchema: false };
  const ajv = new Ajv(options);
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

export function setUpValidation(app: FastifyInstance): void {
  const body = compiler(false);
  const text = compiler(true);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema));
}
