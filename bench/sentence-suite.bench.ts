// The sentence engine's benchmarks for BENCHMARKS.md (issue 3):
//   1. computations per second on the realistic input of bench/sentence.bench.ts (3 custody
//      periods, 2 sentences, 12 monthly activity records, a measure and a reduction), one
//      core, in-process, after a warm-up — with the bilingual trace (what the API and the
//      command return) and without it;
//   2. the `compute-sentence` command's start-up: wall time from spawn to exit of
//      `node src/main.ts compute-sentence` with a small input, median of 10 runs, beside a
//      bare `node -e 0` and a script that loads only the sentence module's command function
//      (src/modules/sentence/cli.ts), so the cost of each layer is visible.
// Run by `npm run bench -- --only sentence`, or on its own:
//   npx node -e "import('./bench/sentence-suite.bench.ts').then(m=>m.benchSentence()).then(r=>console.log(r))"
import { spawnSync } from 'node:child_process';
import { computeSentence, type ComputeOptions } from '../src/modules/sentence/engine.ts';
import type { SentenceInput } from '../src/modules/sentence/types.ts';
import { machine, percentile, root, saveResults, writeSection } from './lib.ts';
import { realisticInput } from './sentence.bench.ts';

const smallInput: SentenceInput = {
  asOf: '2026-11-29',
  custody: [{ from: '2025-06-01', to: null, kind: 'prison' }],
  sentences: [{ id: 'S', years: 2, months: 0, days: 0 }],
};

/** Computations per second over `seconds`, checking the clock every 1,000 computations. */
function throughput(seconds: number, options: ComputeOptions): number {
  let ops = 0;
  let sink = 0;
  const budget = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 1000; i++) sink += computeSentence(realisticInput, options).custodyDays;
    ops += 1000;
    elapsed = process.hrtime.bigint() - start;
  }
  if (sink === 0) throw new Error('unexpected result'); // keeps the work observable
  return Math.round(ops / (Number(elapsed) / 1e9));
}

// The command without src/main.ts: only the sentence module is loaded.
const moduleOnlyScript = `
const { computeSentenceCommand } = await import(${JSON.stringify(new URL('../src/modules/sentence/cli.ts', import.meta.url).href)});
await computeSentenceCommand();
`;

/** Wall time (ms) of `runs` spawns of a command that reads `input` and exits. */
function spawnTimes(args: string[], input: string, runs: number, expectStatus: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, input, encoding: 'utf8' });
    times.push(performance.now() - t0);
    if (r.status !== expectStatus) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
  }
  return times;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const fmt = (n: number) => n.toLocaleString('en-US');

export async function benchSentence(opts: { seconds?: number; runs?: number } = {}): Promise<Record<string, unknown>> {
  const seconds = opts.seconds ?? 3;
  const runs = opts.runs ?? 10;

  // 1. In-process throughput; a warm-up first so the JIT has settled.
  throughput(1, { trace: true });
  throughput(0.5, { trace: false });
  const opsPerSec = throughput(seconds, { trace: true });
  const opsPerSecWithoutTrace = throughput(seconds, { trace: false });

  // 2. Command start-up, from spawn to exit, against a bare Node start on the same machine.
  spawnTimes(['src/main.ts', 'compute-sentence'], JSON.stringify(smallInput), 1, 0); // warm the file cache
  const cli = spawnTimes(['src/main.ts', 'compute-sentence'], JSON.stringify(smallInput), runs, 0);
  const bare = spawnTimes(['-e', '0'], '', runs, 0);
  const moduleOnly = spawnTimes(['--input-type=module', '-e', moduleOnlyScript], JSON.stringify(smallInput), runs, 0);

  const data = {
    name: 'sentence',
    date: new Date().toISOString(),
    machine: machine(),
    input: 'bench/sentence.bench.ts realisticInput: 3 custody periods, 2 sentences (one consecutive), 12 monthly activity records, 1 measure, 1 reduction',
    seconds,
    opsPerSec,
    opsPerSecWithoutTrace,
    microsecondsPerComputation: round1(1e6 / opsPerSec),
    goalOpsPerSec: 100_000,
    commandStartupMs: { runs, median: round1(percentile(cli, 50)), min: round1(Math.min(...cli)), max: round1(Math.max(...cli)) },
    bareNodeStartupMs: { runs, median: round1(percentile(bare, 50)), min: round1(Math.min(...bare)), max: round1(Math.max(...bare)) },
    sentenceModuleOnlyStartupMs: { runs, median: round1(percentile(moduleOnly, 50)), min: round1(Math.min(...moduleOnly)), max: round1(Math.max(...moduleOnly)) },
  };

  const c = data.commandStartupMs;
  const b = data.bareNodeStartupMs;
  const m = data.sentenceModuleOnlyStartupMs;
  writeSection(
    'sentence',
    `
## Sentence engine (issue 3)

Measured ${data.date.slice(0, 10)} on ${data.machine}, with \`bench/sentence-suite.bench.ts\`
(\`npm run bench -- --only sentence\`). No timing is asserted in tests.

| What | Result | Goal |
|---|---|---|
| Computations per second, realistic input (3 custody periods, 2 sentences, 12 monthly activity records, a measure, a reduction), one core, in-process, validation + computation + bilingual trace | **${fmt(opsPerSec)}/s** (${data.microsecondsPerComputation} µs each) | ≥ 100,000/s ${opsPerSec >= 100_000 ? '✔' : '✘'} |
| The same without the trace | ${fmt(opsPerSecWithoutTrace)}/s | — |
| \`compute-sentence\` start-up: spawn to exit with a small input (median of ${runs}) | **${c.median} ms** (min ${c.min}, max ${c.max}) | — |
| For comparison: the same computation loading only \`src/modules/sentence/cli.ts\` (median of ${runs}) | ${m.median} ms (min ${m.min}, max ${m.max}) | — |
| For comparison: bare \`node -e 0\` (median of ${runs}) | ${b.median} ms (min ${b.min}, max ${b.max}) | — |

Throughput is measured for ${seconds} s each after a warm-up, on one core, while the machine
may be running other work, so treat a few percent as noise. The computation itself takes
microseconds and the command opens no database, so its start-up is module loading: about
${round1(b.median)} ms is Node itself, about ${round1(m.median - b.median)} ms loading the sentence
module (TypeScript stripped at load), and about ${round1(c.median - m.median)} ms the rest of
\`src/main.ts\`'s imports (settings, database driver, migrator), which \`compute-sentence\`
does not use.
`,
  );
  const file = saveResults('sentence', data);
  return { ...data, resultsFile: file };
}

if (import.meta.main) console.log(JSON.stringify(await benchSentence(), null, 2));
