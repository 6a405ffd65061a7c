/**
 * Input generation for the fuzz targets (test-only): fast-check plans, turned into bytes.
 *
 * A plan is one of
 *   random     bytes from nowhere (any length up to 600)
 *   truncate   a valid sample cut short
 *   bytes      1–4 bytes of a valid sample overwritten (single-byte mutations are the common case)
 *   splice     bytes removed from / inserted into a valid sample (shifts every length after it)
 *   tail       a valid sample's prefix followed by random bytes (gets past the headers)
 *   structure  a valid sample decoded, 1–3 of its fields mutated — lengths, enum values, indices,
 *              epochs, keys, list sizes — and encoded again (for group messages: re-signed,
 *              re-tagged, re-encrypted by an insider, so that the mutation reaches the checks
 *              behind authentication)
 * The structural mutator walks any decoded value (objects, arrays, numbers, bigints, byte strings)
 * and picks fields with a seeded PRNG, so a plan is reproducible from fast-check's seed.
 */
import fc from 'fast-check';
import { Rng } from './world.js';

export type Plan =
  | { readonly kind: 'random'; readonly bytes: Uint8Array }
  | { readonly kind: 'truncate'; readonly sample: number; readonly at: number }
  | { readonly kind: 'bytes'; readonly sample: number; readonly edits: readonly { readonly at: number; readonly value: number }[] }
  | { readonly kind: 'splice'; readonly sample: number; readonly at: number; readonly remove: number; readonly insert: Uint8Array }
  | { readonly kind: 'tail'; readonly sample: number; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'structure'; readonly sample: number; readonly seed: number; readonly edits: number };

export const PLAN_KINDS = ['random', 'truncate', 'bytes', 'splice', 'tail', 'structure'] as const;

/** Plans over `samples` valid inputs; structure plans only when the target can re-encode. */
export function planArb(structured: boolean): fc.Arbitrary<Plan> {
  const sample = fc.nat();
  const arbs: { weight: number; arbitrary: fc.Arbitrary<Plan> }[] = [
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600, size: 'max' }).map((bytes): Plan => ({ kind: 'random', bytes })) },
    { weight: 1, arbitrary: fc.record({ sample, at: fc.nat() }).map((r): Plan => ({ kind: 'truncate', ...r })) },
    {
      weight: 3,
      arbitrary: fc
        .record({ sample, edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }) })
        .map((r): Plan => ({ kind: 'bytes', ...r })),
    },
    { weight: 1, arbitrary: fc.record({ sample, at: fc.nat(), remove: fc.nat(16), insert: fc.uint8Array({ maxLength: 16 }) }).map((r): Plan => ({ kind: 'splice', ...r })) },
    { weight: 1, arbitrary: fc.record({ sample, at: fc.nat(), bytes: fc.uint8Array({ maxLength: 300, size: 'max' }) }).map((r): Plan => ({ kind: 'tail', ...r })) },
  ];
  if (structured) arbs.push({ weight: 5, arbitrary: fc.record({ sample, seed: fc.integer(), edits: fc.integer({ min: 1, max: 3 }) }).map((r): Plan => ({ kind: 'structure', ...r })) });
  return fc.oneof(...arbs);
}

/** Re-encodes sample `index` with `edits` structural mutations; undefined if it cannot be encoded. */
export type Structured = (index: number, rng: Rng, edits: number) => Uint8Array | undefined;

/** The bytes of `plan`, and what it really was (a structure plan falls back to a byte edit if unencodable). */
export function materialize(plan: Plan, samples: readonly Uint8Array[], structured?: Structured): { input: Uint8Array; kind: Plan['kind'] } {
  if (plan.kind === 'random') return { input: plan.bytes, kind: 'random' };
  const base = samples[plan.sample % samples.length]!;
  switch (plan.kind) {
    case 'truncate':
      return { input: base.subarray(0, base.length === 0 ? 0 : plan.at % base.length), kind: 'truncate' };
    case 'bytes': {
      const out = new Uint8Array(base); // a copy even if `base` is a Node Buffer (whose slice() is a view)
      for (const e of plan.edits) if (out.length > 0) out[e.at % out.length] = e.value === out[e.at % out.length] ? e.value ^ 0xff : e.value;
      return { input: out, kind: 'bytes' };
    }
    case 'splice': {
      const at = base.length === 0 ? 0 : plan.at % base.length;
      const out = new Uint8Array(base.length - Math.min(plan.remove, base.length - at) + plan.insert.length);
      out.set(base.subarray(0, at));
      out.set(plan.insert, at);
      out.set(base.subarray(Math.min(base.length, at + plan.remove)), at + plan.insert.length);
      return { input: out, kind: 'splice' };
    }
    case 'tail': {
      const at = base.length === 0 ? 0 : plan.at % base.length;
      const out = new Uint8Array(at + plan.bytes.length);
      out.set(base.subarray(0, at));
      out.set(plan.bytes, at);
      return { input: out, kind: 'tail' };
    }
    case 'structure': {
      const rng = new Rng(plan.seed);
      let input: Uint8Array | undefined;
      try {
        input = structured?.(plan.sample % samples.length, rng, plan.edits);
      } catch (err) {
        if (process.env.FUZZ_DEBUG !== undefined) console.error('structure plan fell back:', err);
        input = undefined;
      }
      if (input !== undefined) return { input, kind: 'structure' };
      const out = new Uint8Array(base);
      if (out.length > 0) out[rng.below(out.length)]! ^= 1 << rng.below(8);
      return { input: out, kind: 'bytes' };
    }
  }
}

// ------------------------------------------------------------------------------------------------
// The structural mutator

type Path = readonly (string | number)[];

interface Slot {
  readonly path: Path;
  readonly value: unknown;
}

function collect(v: unknown, path: Path, out: Slot[], depth: number): void {
  out.push({ path, value: v });
  if (depth > 24 || v instanceof Uint8Array || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && i < 64; i++) collect(v[i], [...path, i], out, depth + 1);
  } else {
    for (const k of Object.keys(v)) collect((v as Record<string, unknown>)[k], [...path, k], out, depth + 1);
  }
}

/** A copy of `root` with the value at `path` replaced (copies along the path only). */
function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    const next = setAt(root[head as number], rest, value);
    if (next === DELETE) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  const obj = root as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...obj };
  const next = setAt(obj[head as string], rest, value);
  if (next === DELETE) delete copy[head as string];
  else copy[head as string] = next;
  return copy;
}

const DELETE = Symbol('delete');

const NUMBERS = [0, 1, 2, 3, 4, 5, 7, 8, 0x7f, 0xff, 0x100, 0x3fff, 0x4000, 0xfffe, 0xffff, 0x10000, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const BIGINTS = [0n, 1n, 2n, 0xffffffffn, 0x100000000n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 2n, 2n ** 64n - 1n];

function mutateNumber(v: number, rng: Rng): number {
  switch (rng.below(4)) {
    case 0:
      return rng.pick(NUMBERS);
    case 1:
      return v + 1;
    case 2:
      return Math.max(0, v - 1);
    default:
      return rng.u32() % (rng.below(2) === 0 ? 16 : 0x100000000);
  }
}

function mutateBytes(v: Uint8Array, rng: Rng): Uint8Array {
  switch (rng.below(8)) {
    case 0:
      return new Uint8Array(0);
    case 1:
      return v.slice(0, rng.below(v.length + 1));
    case 2: {
      const out = new Uint8Array(v.length + 1 + rng.below(40));
      out.set(v);
      out.set(rng.bytes(out.length - v.length), v.length);
      return out;
    }
    case 3: {
      const out = v.slice();
      if (out.length > 0) out[rng.below(out.length)]! ^= 1 << rng.below(8);
      return out;
    }
    case 4:
      return rng.bytes(v.length);
    case 5:
      return new Uint8Array(v.length);
    case 6: {
      const out = new Uint8Array(v.length * 2);
      out.set(v);
      out.set(v, v.length);
      return out;
    }
    default:
      return rng.bytes(rng.below(3) === 0 ? 1 + rng.below(4096) : 1 + rng.below(70));
  }
}

function mutateArray(v: readonly unknown[], rng: Rng): unknown[] {
  const out = [...v];
  switch (rng.below(6)) {
    case 0:
      if (out.length > 0) out.splice(rng.below(out.length), 1);
      return out;
    case 1:
      if (out.length > 0) out.splice(rng.below(out.length + 1), 0, out[rng.below(out.length)]);
      return out;
    case 2:
      if (out.length > 1) {
        const i = rng.below(out.length);
        const j = rng.below(out.length);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    case 3:
      return [];
    case 4:
      return out.reverse();
    default:
      return out.concat(out);
  }
}

function mutateSlot(value: unknown, rng: Rng): unknown {
  if (value instanceof Uint8Array) return mutateBytes(value, rng);
  if (typeof value === 'number') return mutateNumber(value, rng);
  if (typeof value === 'bigint') {
    const r = rng.below(3);
    return r === 0 ? rng.pick(BIGINTS) : r === 1 ? value + 1n : value > 0n ? value - 1n : 2n ** 64n - 1n;
  }
  if (typeof value === 'boolean') return !value;
  if (Array.isArray(value)) return mutateArray(value, rng);
  if (value === undefined) return rng.below(2) === 0 ? rng.bytes(rng.below(40)) : 0;
  if (value !== null && typeof value === 'object') return rng.below(4) === 0 ? DELETE : value;
  return value;
}

/**
 * `edits` random mutations of fields of `value` (a decoded wire structure). `accept` may restrict
 * the paths that are mutated (e.g. to the content of a message, not its authentication).
 */
export function mutateStructure<T>(value: T, rng: Rng, edits: number, accept: (path: Path) => boolean = () => true): T {
  let v: unknown = value;
  for (let e = 0; e < edits; e++) {
    const slots: Slot[] = [];
    collect(v, [], slots, 0);
    const candidates = slots.filter((s) => s.path.length > 0 && accept(s.path));
    if (candidates.length === 0) break;
    const s = candidates[rng.below(candidates.length)]!;
    v = setAt(v, s.path, mutateSlot(s.value, rng));
  }
  return v as T;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
