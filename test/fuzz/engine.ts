/**
 * The fuzz engine (test-only): runs one target for `count` inputs drawn by fast-check from `seed`,
 * checks the target's contract and a per-input time bound, and counts what happened.
 *
 * The world (the group and its samples) is built from the same seed, so `seed` alone reproduces a
 * run; a failure also carries the offending input in hex.
 */
import fc from 'fast-check';
import { hex, materialize, planArb, PLAN_KINDS, type Plan } from './mutate.js';
import { targetByName, Violation, type Prepared } from './targets.js';
import { buildWorld } from './world.js';

export interface FuzzStats {
  readonly target: string;
  readonly seed: number;
  inputs: number;
  accepted: number;
  rejected: number;
  /** Inputs per plan kind (as materialized). */
  readonly byKind: Record<Plan['kind'], number>;
  /** Rejections per error code. */
  readonly byCode: Record<string, number>;
  maxMs: number;
  totalMs: number;
  /** The first violation, if any. */
  failure?: { readonly message: string; readonly input: string; readonly plan: string };
}

export interface FuzzOptions {
  readonly seed: number;
  readonly count: number;
  /** A single input taking longer than this is a violation (default 5 s: generous for a loaded machine). */
  readonly perInputMs?: number;
  /** Called before each input (the worker reports it, so a hang can name its input). */
  readonly onInput?: (index: number, input: Uint8Array) => void;
}

/** Runs target `name` (its world built from `options.seed`). */
export async function fuzzTarget(name: string, options: FuzzOptions): Promise<FuzzStats> {
  const world = await buildWorld(options.seed);
  return fuzzPrepared(name, targetByName(name).prepare(world), options);
}

/** Runs a prepared target (exported for the harness's own tests, which plant bugs in one). */
export async function fuzzPrepared(name: string, prepared: Prepared, options: FuzzOptions): Promise<FuzzStats> {
  const limit = options.perInputMs ?? 5000;
  const stats: FuzzStats = {
    target: name,
    seed: options.seed,
    inputs: 0,
    accepted: 0,
    rejected: 0,
    byKind: Object.fromEntries(PLAN_KINDS.map((k) => [k, 0])) as Record<Plan['kind'], number>,
    byCode: {},
    maxMs: 0,
    totalMs: 0,
  };
  const started = performance.now();
  try {
    await fc.assert(
      fc.asyncProperty(planArb(prepared.structured !== undefined), async (plan) => {
        const { input, kind } = materialize(plan, prepared.samples, prepared.structured);
        options.onInput?.(stats.inputs, input);
        const t0 = performance.now();
        let outcome;
        try {
          outcome = await prepared.run(input);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          stats.failure = { message, input: hex(input), plan: JSON.stringify(plan, (_k, v: unknown) => (v instanceof Uint8Array ? hex(v) : typeof v === 'bigint' ? v.toString() : v)) };
          throw err;
        }
        const ms = performance.now() - t0;
        stats.inputs++;
        stats.byKind[kind]++;
        stats.maxMs = Math.max(stats.maxMs, ms);
        if (outcome.accepted) stats.accepted++;
        else {
          stats.rejected++;
          stats.byCode[outcome.code] = (stats.byCode[outcome.code] ?? 0) + 1;
        }
        if (ms > limit) {
          stats.failure = { message: `input took ${ms.toFixed(0)} ms (limit ${limit} ms)`, input: hex(input), plan: kind };
          throw new Violation(stats.failure.message);
        }
      }),
      { seed: options.seed, numRuns: options.count, endOnFailure: true },
    );
  } catch (err) {
    if (stats.failure === undefined) stats.failure = { message: err instanceof Error ? err.message : String(err), input: '', plan: '' };
  }
  stats.totalMs = performance.now() - started;
  return stats;
}
