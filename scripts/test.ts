// `npm test`: every unit and integration test (not the browser tests), with Node's runner.
// Runs on PGlite by default and on PostgreSQL when TEST_DATABASE_URL is set.
import { spawnSync } from 'node:child_process';

const args = [
  '--test',
  '--test-concurrency=2',
  '--test-timeout=120000',
  ...(process.env.CI ? ['--test-reporter=spec'] : []),
  'src/**/*.test.ts',
  'test/*.test.ts',
  ...process.argv.slice(2),
];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, CUSTODIA_TEST: '1' } });
process.exit(r.status ?? 1);
