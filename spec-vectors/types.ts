/**
 * The contract of a vector runner: one per published file format. A runner checks one case and
 * throws (any error; its message becomes the reason) when the case fails.
 */

/** One case's outcome. `skipped` cases are never counted as passed. */
export interface CaseResult {
  readonly index: number;
  readonly suite?: number;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly reason?: string;
}

export interface VectorKind {
  /** The kind's name as `--kind` takes it, e.g. `tree-math`. */
  readonly name: string;
  /** The upstream file names this kind is recognised by. */
  readonly files: readonly string[];
  /** Checks one case; throws on failure. Returns 'skipped' only for a suite this build cannot run. */
  runCase(testCase: unknown, index: number): void | 'skipped';
}

/** A JSON test case: an object of hex strings, numbers, nested objects and arrays. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
