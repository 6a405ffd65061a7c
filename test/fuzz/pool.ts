/**
 * Runs a fuzz target in a worker thread with hard bounds (test-only):
 *   - memory: the worker's heap is capped (resourceLimits); exceeding it kills the worker and is
 *     reported as a memory blow-up, with the input that was running;
 *   - time: a watchdog terminates the worker if one input runs longer than `stallMs` (a hang: a
 *     synchronous loop cannot be interrupted in-thread) and reports that input.
 * Works from the compiled tests (dist/…/worker.js) and under tsx (worker.ts, loaded through tsx's
 * API, since tsx's loader does not reach worker threads on Node 20).
 */
import { Worker } from 'node:worker_threads';
import type { FuzzStats } from './engine.js';
import type { WorkerMessage, WorkerRequest } from './worker.js';

export interface PoolOptions {
  readonly target: string;
  readonly seed: number;
  readonly count: number;
  /** The engine's per-input bound (a slow input is a violation). Default 5 s. */
  readonly perInputMs?: number;
  /** The watchdog: no progress for this long is a hang. Default 30 s. */
  readonly stallMs?: number;
  /** The worker's heap limit in MiB. Default 512. */
  readonly heapMb?: number;
}

export interface PoolResult {
  readonly stats?: FuzzStats;
  /** Set when the worker had to be stopped or died: a hang, a memory blow-up, a crash. */
  readonly abort?: { readonly reason: string; readonly index: number; readonly input: string };
}

function spawn(request: WorkerRequest, heapMb: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 64 };
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const url = new URL('./worker.ts', here).href;
    const code = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(url)}, ${JSON.stringify(here)}))`;
    return new Worker(code, { eval: true, workerData: request, resourceLimits });
  }
  return new Worker(new URL('./worker.js', here), { workerData: request, resourceLimits });
}

export function runInWorker(o: PoolOptions): Promise<PoolResult> {
  const request: WorkerRequest = { target: o.target, seed: o.seed, count: o.count, perInputMs: o.perInputMs ?? 5000 };
  const stallMs = o.stallMs ?? 30_000;
  return new Promise((resolve) => {
    const worker = spawn(request, o.heapMb ?? 512);
    let last = { index: -1, input: '' };
    let settled = false;
    let watchdog: NodeJS.Timeout | undefined;
    const finish = (r: PoolResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      void worker.terminate();
      resolve(r);
    };
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => finish({ abort: { reason: `hang: no progress for ${stallMs} ms`, ...last } }), stallMs);
    };
    arm();
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'input') {
        last = { index: m.index, input: m.input };
        arm();
      } else finish({ stats: m.stats });
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const reason = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `memory blow-up: the worker exceeded its ${o.heapMb ?? 512} MiB heap` : `the worker crashed: ${err.message}`;
      finish({ abort: { reason, ...last } });
    });
    worker.on('exit', (code) => finish({ abort: { reason: `the worker exited (code ${code}) before finishing`, ...last } }));
  });
}
