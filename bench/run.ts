// `npm run bench [-- --only NAME] [-- --seconds N] [-- --postgres]`: runs the benchmarks and
// updates BENCHMARKS.md. Nothing here runs in CI; tests never assert timings.
import { parseArgs } from 'node:util';
import { benchFoundation } from './foundation.bench.ts';
import { benchSentence } from './sentence-suite.bench.ts';
import { benchPersons } from './persons.bench.ts';
import { benchOccupancy } from './occupancy.bench.ts';

const { values } = parseArgs({ options: { only: { type: 'string' }, seconds: { type: 'string', default: '10' }, postgres: { type: 'boolean', default: false } } });
const seconds = Number(values.seconds);
const databaseUrl = values.postgres ? (process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres') : undefined;

const suites: Record<string, () => Promise<unknown>> = {
  foundation: () => benchFoundation({ seconds, databaseUrl }),
  sentence: () => benchSentence(),
  persons: () => benchPersons({ seconds, postgres: values.postgres }),
  occupancy: () => benchOccupancy({ seconds, databaseUrl }),
};
for (const [name, run] of Object.entries(suites)) {
  if (values.only && values.only !== name) continue;
  console.log(`== ${name}`);
  console.log(JSON.stringify(await run(), null, 2));
}
