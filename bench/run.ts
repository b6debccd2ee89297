// `npm run bench [-- --scale N] [-- --pglite]`: the national-scale benchmark (bench/national.bench.ts;
// default scale 10, PostgreSQL) — builds or reuses the dataset, measures, writes
// bench/results/<date>-national-….json and updates BENCHMARKS.md (scale ≥ 1, or with --record).
//   --seconds N          seconds per measurement (default 10)
//   --connections 20,50  connection counts for each endpoint
//   --steps 10,20,50     connection counts for the mixed workload (extended while p95 ≤ 200 ms)
//   --rebuild            rebuild the dataset even when one built from the same sources exists
//   --build-only         only build (or check) the dataset, and say how long it took
// `npm run bench -- --only NAME [--postgres]` runs one of the earlier suites instead:
// foundation, sentence, persons, occupancy (or national). Nothing here runs in CI; tests never
// assert timings.
import { parseArgs } from 'node:util';
import { benchFoundation } from './foundation.bench.ts';
import { benchSentence } from './sentence-suite.bench.ts';
import { benchPersons } from './persons.bench.ts';
import { benchOccupancy } from './occupancy.bench.ts';
import { benchNational } from './national.bench.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    postgres: { type: 'boolean', default: false },
    scale: { type: 'string', default: '10' },
    pglite: { type: 'boolean', default: false },
    connections: { type: 'string', default: '20,50' },
    steps: { type: 'string', default: '10,20,50' },
    rebuild: { type: 'boolean', default: false },
    'build-only': { type: 'boolean', default: false },
    record: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const databaseUrl = values.postgres ? (process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres') : undefined;
const list = (s: string) =>
  s
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
const scale = Number(values.scale);
if (!(scale > 0 && scale <= 100)) throw new Error('--scale must be a number in (0, 100]');

const suites: Record<string, () => Promise<unknown>> = {
  foundation: () => benchFoundation({ seconds, databaseUrl }),
  sentence: () => benchSentence(),
  persons: () => benchPersons({ seconds, postgres: values.postgres }),
  occupancy: () => benchOccupancy({ seconds, databaseUrl }),
  national: () =>
    benchNational({
      scale,
      seconds,
      pglite: values.pglite,
      connections: list(values.connections),
      steps: list(values.steps),
      rebuild: values.rebuild,
      buildOnly: values['build-only'],
      record: values.record,
    }),
};
const only = values.only ?? 'national';
if (!suites[only]) throw new Error(`unknown suite ${only}: ${Object.keys(suites).join(', ')}`);
console.log(`== ${only}`);
console.log(JSON.stringify(await suites[only](), null, 2));
