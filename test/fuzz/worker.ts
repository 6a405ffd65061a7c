/**
 * The fuzz worker (test-only): runs one target in its own thread, so that the parent can bound
 * it — a heap limit (resourceLimits) for memory blow-ups, a watchdog for hangs — and name the
 * input that was running when it had to stop it. Loaded as a plain module (the test runner loads
 * every file under test/), it does nothing.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fuzzTarget } from './engine.js';
import { hex } from './mutate.js';

export interface WorkerRequest {
  readonly target: string;
  readonly seed: number;
  readonly count: number;
  readonly perInputMs: number;
}

export type WorkerMessage =
  | { readonly type: 'input'; readonly index: number; readonly input: string }
  | { readonly type: 'done'; readonly stats: Awaited<ReturnType<typeof fuzzTarget>> };

if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  const req = workerData as WorkerRequest;
  const stats = await fuzzTarget(req.target, {
    seed: req.seed,
    count: req.count,
    perInputMs: req.perInputMs,
    // Large inputs are reported by length only: the message itself is what matters for a hang.
    onInput: (index, input) => port.postMessage({ type: 'input', index, input: input.length <= 1 << 16 ? hex(input) : `(${input.length} bytes)` } satisfies WorkerMessage),
  });
  port.postMessage({ type: 'done', stats } satisfies WorkerMessage);
}
