/**
 * The shapes shared by the benchmark drivers (mlskit and ts-mls) and the runner.
 */

/** Every operation the benchmark knows, in the order it runs them. */
export const OPS = ['commit', 'process', 'add', 'add-many-10', 'add-many-100', 'add-many-1000', 'remove', 'update', 'join', 'app', 'snapshot'] as const;
export type OpName = (typeof OPS)[number];

export const OP_DESCRIPTIONS: Readonly<Record<OpName, string>> = Object.freeze({
  commit: 'empty Commit with a path (member 0), PublicMessage',
  process: 'member 1 processes that Commit (full validation; staged, not merged)',
  add: 'Commit adding one member (no path), with Welcome and GroupInfo carrying the tree',
  'add-many-10': 'one Commit adding 10 members',
  'add-many-100': 'one Commit adding 100 members',
  'add-many-1000': 'one Commit adding 1,000 members',
  remove: 'Commit removing the last member (path)',
  update: 'Commit covering member 1’s Update proposal (by reference, path)',
  join: 'a new member processes the Welcome of an Add (full validation of the tree: every leaf signature, parent hashes, tree hash)',
  app: 'encrypt + decrypt one 100-byte application message (PrivateMessage)',
  snapshot: 'state to bytes and back',
});

/** How many members an add-many op adds. */
export function addCount(op: OpName): number {
  return op === 'add' ? 1 : op.startsWith('add-many-') ? Number(op.slice('add-many-'.length)) : 0;
}

export type Impl = 'mlskit' | 'ts-mls';

/**
 * One benchmarked operation of one implementation on one group. `prepare` runs before every run
 * (untimed: fresh copies of the state, new KeyPackages, cleared caches); `run` is the only timed
 * step; `check` runs (untimed) on the output of the first run and throws if it is wrong, and
 * returns the message sizes.
 */
export interface OpCase<I = unknown, O = unknown> {
  prepare(): I | Promise<I>;
  run(input: I): O | Promise<O>;
  check(output: O, input: I): Record<string, number> | Promise<Record<string, number>>;
}

/** A group loaded for benchmarking: the ops it supports, and how to release it. */
export interface Session {
  readonly impl: Impl;
  readonly members: number;
  /** The op, or a reason why this implementation cannot run it. */
  op(name: OpName): OpCase | { readonly unsupported: string };
  /** A caveat on this implementation's figure for `name` (shown in the tables). */
  note?(name: OpName): string | undefined;
}

export interface Result {
  impl: Impl;
  op: OpName;
  members: number;
  tree: 'full' | 'sparse';
  runs: number;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  bytes: Record<string, number>;
  /** Why this figure is not comparable, when it is not. */
  note?: string;
}

export interface HeapResult {
  impl: Impl;
  members: number;
  tree: 'full' | 'sparse';
  /** (heapUsed + arrayBuffers) held by one loaded member's state, divided by the member count. */
  bytes_per_member: number;
  heap_used_per_member: number;
  array_buffers_per_member: number;
  load_ms: number;
}
