// Throughput of the sentence engine on a realistic input (3 custody periods, 2 sentences,
// 12 monthly activity records, measures and a reduction): validation + computation + the
// bilingual trace, exactly what one API call or CLI run does.
//   npx node bench/sentence.bench.ts
// Prints one JSON line {"name":"sentence.compute","opsPerSec":N} and one human line; also
// importable (benchSentenceCompute, realisticInput) without running.

import { computeSentence } from '../src/modules/sentence/engine.ts';
import type { SentenceInput } from '../src/modules/sentence/types.ts';

const activities: NonNullable<SentenceInput['activities']> = [];
for (let m = 1; m <= 12; m++) {
  const mm = String(m).padStart(2, '0');
  const last = new Date(Date.UTC(2024, m, 0)).getUTCDate();
  activities.push(
    m % 4 === 0
      ? { kind: 'teaching', from: `2024-${mm}-01`, to: `2024-${mm}-${last}`, hours: 40 + m, approved: m < 10 }
      : { kind: m % 2 === 0 ? 'study' : 'work', from: `2024-${mm}-01`, to: `2024-${mm}-${last}`, days: 18 + (m % 5), approved: m < 10 },
  );
}

export const realisticInput: SentenceInput = {
  asOf: '2026-11-29',
  custody: [
    { from: '2021-03-10', to: '2021-09-30', kind: 'provisional_detention' },
    { from: '2021-10-01', to: '2022-01-14', kind: 'house_arrest' },
    { from: '2022-02-01', to: null, kind: 'prison' },
  ],
  sentences: [
    { id: 'S1', years: 8, months: 0, days: 0, relation: 'first' },
    { id: 'S2', years: 1, months: 6, days: 0, relation: 'consecutive', consecutiveTo: 'S1' },
  ],
  activities,
  measures: [{ kind: 'periodic_reporting', appearances: 23 }],
  reductions: [{ days: 180, reference: 'DE 270 de 2020' }],
};

function measure(seconds: number, options?: { trace: boolean }): { ops: number; secs: number } {
  let ops = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 1000; i++) {
      const r = computeSentence(realisticInput, options);
      sink += r.custodyDays;
    }
    ops += 1000;
    elapsed = process.hrtime.bigint() - start;
  }
  if (sink === 0) throw new Error('unexpected'); // keeps the work observable
  return { ops, secs: Number(elapsed) / 1e9 };
}

export interface SentenceBenchResult {
  name: 'sentence.compute';
  opsPerSec: number;
  opsPerSecWithoutTrace: number;
}

/** Warm-up, then `seconds` of computations with the trace (the default), then 1 s without. */
export function benchSentenceCompute(seconds = 3): SentenceBenchResult {
  measure(1); // warm-up: let the JIT settle
  const { ops, secs } = measure(seconds);
  const noTrace = measure(1, { trace: false });
  return {
    name: 'sentence.compute',
    opsPerSec: Math.round(ops / secs),
    opsPerSecWithoutTrace: Math.round(noTrace.ops / noTrace.secs),
  };
}

if (import.meta.main) {
  const r = benchSentenceCompute(3);
  console.log(JSON.stringify({ name: r.name, opsPerSec: r.opsPerSec }));
  console.log(
    `sentence.compute: ${r.opsPerSec.toLocaleString('en-US')} computations/s with trace ` +
      `(${(1e6 / r.opsPerSec).toFixed(2)} µs each; validation + computation + bilingual trace, one core); ` +
      `${r.opsPerSecWithoutTrace.toLocaleString('en-US')}/s without trace`,
  );
}
