/**
 * Copy-on-write storage behind the public ratchet tree (RFC 9420 §7.7, §12.4.2: a Commit is
 * staged beside the current epoch and merged only when every check passes).
 *
 * The choice, and why. A tree of 100,000 members has ~200,000 nodes, as many cached tree hashes
 * and ~300,000 index entries; copying them for every staged Commit would cost milliseconds and
 * megabytes, although a Commit changes O(log n) nodes (plus its Adds and Removes). So every view of
 * a tree shares one *base* (an array or a Map) and keeps its own *overlay*: a Map holding only the
 * entries this view changed. Reading checks the overlay first (skipped while it is empty, so a
 * merged view reads the base directly); writing touches only the overlay.
 *
 * - `fork()` copies the overlay, not the base: O(changes not yet merged), O(1) for a merged view.
 * - `promote(others)` moves a view's changes into the base in O(changes × live views). Every other
 *   view of the same base first receives the base's old value for each key it had not overridden
 *   itself ("undo entries"), so it keeps seeing exactly what it saw before: an epoch's tree stays a
 *   value after the next epoch's tree was merged. The owner (PublicTree) finds the live views
 *   through WeakRefs, so forgotten forks cost nothing.
 *
 * `setCached` is the one write that may go straight to the base: a cache entry the view has not
 * overridden is one whose inputs it has not changed, so the value is equally true for the base and
 * for every view that reads the base at that key (see the hash-cache invariant in tree.ts).
 */
import { InternalError } from '../errors.js';

/** A shared array with a per-view overlay. `undefined` is a value (a blank node, an empty cache slot). */
export class CowArray<T> {
  private constructor(
    private readonly base: (T | undefined)[],
    private readonly overlay: Map<number, T | undefined>,
  ) {}

  /** A first view over `base`, which the CowArray owns from now on. */
  static over<T>(base: (T | undefined)[]): CowArray<T> {
    return new CowArray(base, new Map());
  }

  get(i: number): T | undefined {
    const ov = this.overlay;
    if (ov.size !== 0) {
      const v = ov.get(i);
      if (v !== undefined || ov.has(i)) return v;
    }
    return this.base[i];
  }

  set(i: number, v: T | undefined): void {
    this.overlay.set(i, v);
  }

  /** For cache entries only: see the file header. */
  setCached(i: number, v: T | undefined): void {
    if (this.overlay.size !== 0 && this.overlay.has(i)) this.overlay.set(i, v);
    else writeArray(this.base, i, v);
  }

  /** Number of overlay entries (the cost of the next fork or promote). */
  get pending(): number {
    return this.overlay.size;
  }

  fork(): CowArray<T> {
    return new CowArray(this.base, new Map(this.overlay));
  }

  /** Writes this view's overlay into the base, giving `others` undo entries first. */
  promote(others: readonly CowArray<T>[]): void {
    const { base, overlay } = this;
    for (const o of others) if (o.base !== base) throw new InternalError('CowArray.promote: views of different bases');
    for (const [i, v] of overlay) {
      const old = base[i];
      for (const o of others) if (!o.overlay.has(i)) o.overlay.set(i, old);
      writeArray(base, i, v);
    }
    overlay.clear();
  }
}

/** Writes a[i], padding with `undefined` so the array stays packed (V8 keeps holey arrays slower). */
function writeArray<T>(a: (T | undefined)[], i: number, v: T | undefined): void {
  while (a.length < i) a.push(undefined);
  a[i] = v;
}

const DELETED: unique symbol = Symbol('deleted');
type Slot<V> = V | typeof DELETED;

/** A shared Map with a per-view overlay (deletions are recorded as tombstones). */
export class CowMap<K, V> {
  private constructor(
    private readonly base: Map<K, V>,
    private readonly overlay: Map<K, Slot<V>>,
  ) {}

  static over<K, V>(base: Map<K, V>): CowMap<K, V> {
    return new CowMap(base, new Map());
  }

  get(k: K): V | undefined {
    const ov = this.overlay;
    if (ov.size !== 0) {
      const v = ov.get(k);
      if (v !== undefined) return v === DELETED ? undefined : v;
    }
    return this.base.get(k);
  }

  set(k: K, v: V): void {
    this.overlay.set(k, v);
  }

  delete(k: K): void {
    this.overlay.set(k, DELETED);
  }

  get pending(): number {
    return this.overlay.size;
  }

  fork(): CowMap<K, V> {
    return new CowMap(this.base, new Map(this.overlay));
  }

  promote(others: readonly CowMap<K, V>[]): void {
    const { base, overlay } = this;
    for (const o of others) if (o.base !== base) throw new InternalError('CowMap.promote: views of different bases');
    for (const [k, v] of overlay) {
      const old: Slot<V> = base.has(k) ? (base.get(k) as V) : DELETED;
      for (const o of others) if (!o.overlay.has(k)) o.overlay.set(k, old);
      if (v === DELETED) base.delete(k);
      else base.set(k, v);
    }
    overlay.clear();
  }
}

/** The shared storage of a CowSlab: fixed-size values back to back, with a validity flag each. */
interface Slab {
  bytes: Uint8Array;
  valid: Uint8Array;
  readonly size: number;
}

/**
 * A CowArray of fixed-size byte strings (the tree-hash cache), stored in one slab instead of one
 * small ArrayBuffer per value. Why: a cache of n hashes kept as n separate Uint8Arrays makes every
 * young-generation GC promote them one by one; on 16k-leaf trees that doubled the time of a full
 * tree hash. Overlay values (a fork's few changes) stay separate arrays.
 *
 * `get` returns a view into the slab, valid until that entry changes: callers that keep a value
 * copy it (tree-hash.ts's public functions do).
 */
export class CowSlab {
  private constructor(
    private readonly base: Slab,
    private readonly overlay: Map<number, Uint8Array | undefined>,
  ) {}

  static create(size: number): CowSlab {
    return new CowSlab({ bytes: new Uint8Array(0), valid: new Uint8Array(0), size }, new Map());
  }

  get(i: number): Uint8Array | undefined {
    const ov = this.overlay;
    if (ov.size !== 0) {
      const v = ov.get(i);
      if (v !== undefined || ov.has(i)) return v;
    }
    return readSlab(this.base, i);
  }

  set(i: number, v: Uint8Array | undefined): void {
    this.overlay.set(i, v);
  }

  /** Cache entries only: see the file header. */
  setCached(i: number, v: Uint8Array): void {
    if (this.overlay.size !== 0 && this.overlay.has(i)) this.overlay.set(i, v);
    else writeSlab(this.base, i, v);
  }

  get pending(): number {
    return this.overlay.size;
  }

  fork(): CowSlab {
    return new CowSlab(this.base, new Map(this.overlay));
  }

  promote(others: readonly CowSlab[]): void {
    const { base, overlay } = this;
    for (const o of others) if (o.base !== base) throw new InternalError('CowSlab.promote: views of different bases');
    for (const [i, v] of overlay) {
      if (others.length > 0) {
        const old = readSlab(base, i)?.slice();
        for (const o of others) if (!o.overlay.has(i)) o.overlay.set(i, old);
      }
      if (v === undefined) {
        if (i < base.valid.length) base.valid[i] = 0;
      } else {
        writeSlab(base, i, v);
      }
    }
    overlay.clear();
  }
}

function readSlab(s: Slab, i: number): Uint8Array | undefined {
  return s.valid[i] === 1 ? s.bytes.subarray(i * s.size, (i + 1) * s.size) : undefined;
}

function writeSlab(s: Slab, i: number, v: Uint8Array): void {
  if (v.length !== s.size) throw new InternalError(`CowSlab: a value of ${v.length} bytes in a slab of ${s.size}`);
  if (i >= s.valid.length) {
    // Grow by doubling; views handed out earlier keep reading the old buffer, whose bytes stay as they were.
    const cap = Math.max(64, i + 1, s.valid.length * 2);
    const bytes = new Uint8Array(cap * s.size);
    bytes.set(s.bytes);
    const valid = new Uint8Array(cap);
    valid.set(s.valid);
    s.bytes = bytes;
    s.valid = valid;
  }
  s.bytes.set(v, i * s.size);
  s.valid[i] = 1;
}
