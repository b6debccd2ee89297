// Runs the audit sealer in the background: soon after audit writes, and every few seconds.
import type { AppState } from '../http/context.ts';
import { auditWritten } from './audit.ts';
import { sealPending } from './chain.ts';

export function startSealer(state: AppState, log: (m: string) => void): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      try {
        while (!stopped && (await sealPending(state.db, { key: state.keys.audit, checkpointFile: state.settings.auditCheckpointFile, log })) > 0) {
          /* keep sealing while there is a backlog */
        }
      } catch (e) {
        log(`audit sealer: ${(e as Error).message}`);
      } finally {
        running = null;
        if (again) {
          again = false;
          setTimeout(run, 50);
        }
      }
    })();
  };
  let pending: NodeJS.Timeout | null = null;
  const onWrite = (): void => {
    pending ??= setTimeout(() => {
      pending = null;
      run();
    }, 200);
  };
  auditWritten.on('written', onWrite);
  const interval = setInterval(run, 5000);
  interval.unref();
  run();
  return async () => {
    stopped = true;
    auditWritten.off('written', onWrite);
    clearInterval(interval);
    if (pending) clearTimeout(pending);
    await running;
    // A last seal so that a clean stop leaves nothing unsealed.
    await sealPending(state.db, { key: state.keys.audit, checkpointFile: state.settings.auditCheckpointFile, log }).catch(() => 0);
  };
}
