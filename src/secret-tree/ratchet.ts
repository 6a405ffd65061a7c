/**
 * RFC 9420 §9.1 (sender ratchets), §9.2 (deletion schedule) and §15.3 (out-of-order and
 * forward-jump bounds): one hash ratchet of one leaf (handshake or application).
 *
 *   ratchet_secret_[j] --> DeriveTreeSecret(., "nonce", j, AEAD.Nn) = nonce_[j]
 *                      --> DeriveTreeSecret(., "key",   j, AEAD.Nk) = key_[j]
 *                      --> DeriveTreeSecret(., "secret", j, KDF.Nh) = ratchet_secret_[j+1]
 *
 * State: the secret of the next unused generation, plus a bounded cache of key/nonce pairs for
 * generations that were skipped over (out-of-order tolerance). Deletion (§9.2, R-9.2-01/02, A-18):
 * when generation j is used, ratchet secrets 0..j and key/nonce j are gone; a skipped generation's
 * key stays only in the cache, and leaves it when used or evicted.
 *
 * Receiving is transactional: `open(g, use)` derives the key without changing the ratchet, runs
 * `use` (the AEAD open), and commits the change only if `use` returns. A forged or corrupted
 * message that fails to decrypt therefore consumes nothing (§9.2: a value is consumed when it
 * *successfully* decrypts).
 */
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { deriveTreeSecret } from '../crypto/labels.js';
import { StorageError, UsageError, ValidationError } from '../errors.js';
import { copy, wipe } from '../util/bytes.js';
import { redacted } from '../util/secret.js';

/** The largest generation: SenderData.generation and DeriveTreeSecret's context are uint32. */
export const MAX_GENERATION = 0xffffffff;

/** A key and nonce from one generation of a sender's ratchet (redacted). */
export interface RatchetKey {
  readonly generation: number;
  readonly key: Uint8Array;
  readonly nonce: Uint8Array;
}

/**
 * The receiver's window policy (S-15.3-01, S-15.3-02). Both bounds are hard: they cap the work one
 * message can cause and the memory a ratchet holds.
 */
export interface RatchetWindow {
  /**
   * S-15.3-02: how many generations past the ratchet's next unused one a received message may be.
   * 0 accepts only the next generation (plus cached skipped ones).
   */
  readonly maxForwardDistance: number;
  /** S-15.3-01: how many skipped keys one ratchet keeps for out-of-order messages; the oldest go first. */
  readonly maxSkippedKeys: number;
}

/** Defaults: a 1,000-message forward jump (as OpenMLS) and 32 out-of-order keys per ratchet. */
export const DEFAULT_RATCHET_WINDOW: RatchetWindow = Object.freeze({ maxForwardDistance: 1000, maxSkippedKeys: 32 });

/** Upper limits on the window settings themselves, so a configuration cannot unbound the work. */
export const MAX_FORWARD_DISTANCE_LIMIT = 1 << 16;
export const MAX_SKIPPED_KEYS_LIMIT = 1 << 16;

export function checkRatchetWindow(w: RatchetWindow): RatchetWindow {
  const ok = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max;
  if (!ok(w.maxForwardDistance, MAX_FORWARD_DISTANCE_LIMIT) || !ok(w.maxSkippedKeys, MAX_SKIPPED_KEYS_LIMIT)) {
    throw new UsageError(
      'ERR_USAGE_INVALID_ARGUMENT',
      `ratchet window out of range: maxForwardDistance ${w.maxForwardDistance} (0..${MAX_FORWARD_DISTANCE_LIMIT}), maxSkippedKeys ${w.maxSkippedKeys} (0..${MAX_SKIPPED_KEYS_LIMIT})`,
      { field: 'RatchetWindow' },
    );
  }
  return Object.freeze({ maxForwardDistance: w.maxForwardDistance, maxSkippedKeys: w.maxSkippedKeys });
}

/** Plain snapshot of one ratchet (all byte arrays are copies). */
export interface RatchetState {
  /** The next unused generation; 2^32 once the ratchet is exhausted. */
  readonly generation: number;
  /** ratchet_secret_[generation]; absent once exhausted. */
  readonly secret: Uint8Array | undefined;
  /** Cached keys of skipped generations, in ascending generation order. */
  readonly skipped: readonly { readonly generation: number; readonly key: Uint8Array; readonly nonce: Uint8Array }[];
  /** The highest generation whose key was dropped unused (evicted or jumped past); -1 if none. */
  readonly expiredThrough: number;
}

interface KeyNonce {
  key: Uint8Array;
  nonce: Uint8Array;
}

function ratchetKey(generation: number, kn: KeyNonce): RatchetKey {
  return redacted({ generation, key: kn.key, nonce: kn.nonce }, 'RatchetKey');
}

/** A receive that has been derived but not applied. */
interface PendingReceive {
  readonly key: RatchetKey;
  /** Applies the state change. `keepKey` leaves `key` intact for the caller; otherwise it is wiped. */
  commit(keepKey: boolean): void;
  /** Drops the derivation; the ratchet is unchanged. */
  abort(): void;
}

export class SenderRatchet {
  private generation: number;
  private secret: Uint8Array | undefined;
  /** Map iteration order is insertion order, which is ascending generation: the first entry is the oldest. */
  private readonly skipped: Map<number, KeyNonce>;
  private expiredThrough: number;

  private constructor(
    private readonly cs: CipherSuite,
    private readonly window: RatchetWindow,
    generation: number,
    secret: Uint8Array | undefined,
    skipped: Map<number, KeyNonce>,
    expiredThrough: number,
  ) {
    this.generation = generation;
    this.secret = secret;
    this.skipped = skipped;
    this.expiredThrough = expiredThrough;
    redacted(this, 'SenderRatchet');
  }

  /** A ratchet at generation 0. Takes ownership of `secret` (it is wiped as the ratchet advances). */
  static fromSecret(cs: CipherSuite, secret: Uint8Array, window: RatchetWindow = DEFAULT_RATCHET_WINDOW): SenderRatchet {
    return new SenderRatchet(cs, checkRatchetWindow(window), 0, secret, new Map(), -1);
  }

  /** The next unused generation (the one `next()` will return). */
  get nextGeneration(): number {
    return this.generation;
  }

  /** How many skipped keys are cached (for tests and diagnostics). */
  get skippedKeyCount(): number {
    return this.skipped.size;
  }

  private keyNonce(secret: Uint8Array, generation: number): KeyNonce {
    return {
      key: deriveTreeSecret(this.cs, secret, 'key', generation, this.cs.Nk),
      nonce: deriveTreeSecret(this.cs, secret, 'nonce', generation, this.cs.Nn),
    };
  }

  /** ratchet_secret_[g+1], or undefined when g is the last representable generation. */
  private nextSecret(secret: Uint8Array, generation: number): Uint8Array | undefined {
    return generation === MAX_GENERATION ? undefined : deriveTreeSecret(this.cs, secret, 'secret', generation, this.cs.Nh);
  }

  /**
   * Sending (§9.1): the key and nonce of the next unused generation. The ratchet moves past it at
   * once (a key/nonce pair MUST NOT encrypt more than one message). The caller owns the returned
   * arrays and should wipe them after encrypting.
   */
  next(): RatchetKey {
    const secret = this.secret;
    if (secret === undefined) {
      throw new UsageError('ERR_USAGE_INVALID_STATE', 'sender ratchet exhausted: generation 2^32 reached');
    }
    const g = this.generation;
    const kn = this.keyNonce(secret, g);
    this.secret = this.nextSecret(secret, g);
    this.generation = g + 1;
    wipe(secret);
    return ratchetKey(g, kn);
  }

  private dropCached(g: number): void {
    const kn = this.skipped.get(g);
    if (kn !== undefined) {
      wipe(kn.key);
      wipe(kn.nonce);
      this.skipped.delete(g);
    }
  }

  /**
   * Derives the key for received generation `g` without changing the ratchet.
   * @throws ValidationError R-9.1-01 (ERR_VALIDATION_GENERATION_CONSUMED) for a generation whose key
   *   was already used; S-15.3-01 (ERR_VALIDATION_GENERATION_EXPIRED) for one older than the
   *   out-of-order window; S-15.3-02 (ERR_VALIDATION_GENERATION_TOO_FAR) beyond the forward window.
   */
  private prepare(g: number): PendingReceive {
    if (!Number.isInteger(g) || g < 0 || g > MAX_GENERATION) {
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `generation ${g} is not a uint32`, { field: 'generation' });
    }
    if (g < this.generation) return this.prepareCached(g);

    const distance = g - this.generation;
    if (distance > this.window.maxForwardDistance) {
      throw new ValidationError(
        'ERR_VALIDATION_GENERATION_TOO_FAR',
        'S-15.3-02',
        `generation ${g} is ${distance} ahead of the ratchet (limit ${this.window.maxForwardDistance})`,
        { field: 'SenderData.generation' },
      );
    }
    const start = this.secret;
    if (start === undefined) {
      // Unreachable: an exhausted ratchet has generation 2^32 > any uint32 g.
      throw new UsageError('ERR_USAGE_INVALID_STATE', 'sender ratchet exhausted');
    }
    // Only the newest maxSkippedKeys skipped generations could survive eviction: derive key/nonce
    // for those alone; older ones are stepped over (their keys are never materialised).
    const from = this.generation;
    const firstKept = Math.max(from, g - this.window.maxSkippedKeys);
    const kept: [number, KeyNonce][] = [];
    let s = start;
    for (let j = from; j < g; j++) {
      if (j >= firstKept) kept.push([j, this.keyNonce(s, j)]);
      const n = deriveTreeSecret(this.cs, s, 'secret', j, this.cs.Nh);
      if (s !== start) wipe(s); // intermediate ratchet secrets are never kept
      s = n;
    }
    const kn = this.keyNonce(s, g);
    const after = this.nextSecret(s, g);
    if (s !== start) wipe(s);
    const key = ratchetKey(g, kn);
    return {
      key,
      commit: (keepKey) => {
        wipe(start);
        this.secret = after;
        this.generation = g + 1;
        // Generations stepped over without a cached key are as good as evicted. (Older cached
        // entries are all evicted below in that case: `kept` alone then fills the cache.)
        if (firstKept > from) this.expiredThrough = firstKept - 1;
        for (const [j, v] of kept) this.skipped.set(j, v);
        this.evict();
        if (!keepKey) {
          wipe(kn.key);
          wipe(kn.nonce);
        }
      },
      abort: () => {
        wipe(kn.key);
        wipe(kn.nonce);
        wipe(after);
        for (const [, v] of kept) {
          wipe(v.key);
          wipe(v.nonce);
        }
      },
    };
  }

  private prepareCached(g: number): PendingReceive {
    const kn = this.skipped.get(g);
    if (kn === undefined) {
      if (g <= this.expiredThrough) {
        throw new ValidationError(
          'ERR_VALIDATION_GENERATION_EXPIRED',
          'S-15.3-01',
          `generation ${g} is older than the out-of-order window: its key is no longer kept`,
          { field: 'SenderData.generation' },
        );
      }
      throw new ValidationError('ERR_VALIDATION_GENERATION_CONSUMED', 'R-9.1-01', `the key of generation ${g} was already used and deleted`, {
        field: 'SenderData.generation',
      });
    }
    // Hand out copies: if `use` fails, the cached pair must still be intact.
    const out: KeyNonce = { key: copy(kn.key), nonce: copy(kn.nonce) };
    return {
      key: ratchetKey(g, out),
      commit: (keepKey) => {
        this.dropCached(g);
        if (!keepKey) {
          wipe(out.key);
          wipe(out.nonce);
        }
      },
      abort: () => {
        wipe(out.key);
        wipe(out.nonce);
      },
    };
  }

  /** S-15.3-01: keep at most maxSkippedKeys cached keys; evict the oldest generations. */
  private evict(): void {
    while (this.skipped.size > this.window.maxSkippedKeys) {
      const oldest = this.skipped.keys().next().value as number;
      this.dropCached(oldest);
      if (oldest > this.expiredThrough) this.expiredThrough = oldest;
    }
  }

  /**
   * Receiving, transactionally: derives the key for generation `g`, calls `use` with it (typically
   * the AEAD open), and — only if `use` returns — consumes the key (R-9.1-01) and advances the
   * ratchet. If `use` throws, the ratchet is unchanged and the error propagates. The key and nonce
   * are wiped when `use` returns or throws: do not keep them. `use` must be synchronous (the
   * suite's AEAD is): success is known only when it returns.
   */
  open<T>(g: number, use: (key: RatchetKey) => T): T {
    const pending = this.prepare(g);
    let result: T;
    try {
      result = use(pending.key);
    } catch (err) {
      pending.abort();
      throw err;
    }
    if (result instanceof Promise) {
      pending.abort();
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'SenderRatchet.open: `use` must be synchronous', { field: 'use' });
    }
    pending.commit(false);
    return result;
  }

  /**
   * Receiving, non-transactionally: consumes generation `g` at once and returns its key. The caller
   * owns the arrays and should wipe them after use. Prefer `open` when a decryption can fail.
   */
  receive(g: number): RatchetKey {
    const pending = this.prepare(g);
    pending.commit(true);
    return pending.key;
  }

  /** A deep copy (for staging a new group state). */
  clone(): SenderRatchet {
    const skipped = new Map<number, KeyNonce>();
    for (const [g, kn] of this.skipped) skipped.set(g, { key: copy(kn.key), nonce: copy(kn.nonce) });
    return new SenderRatchet(this.cs, this.window, this.generation, this.secret && copy(this.secret), skipped, this.expiredThrough);
  }

  /** Wipes every secret; the ratchet is unusable afterwards (its generation is set past the end). */
  destroy(): void {
    wipe(this.secret);
    this.secret = undefined;
    this.generation = MAX_GENERATION + 1;
    for (const g of [...this.skipped.keys()]) this.dropCached(g);
  }

  toState(): RatchetState {
    return {
      generation: this.generation,
      secret: this.secret && copy(this.secret),
      skipped: [...this.skipped].map(([generation, kn]) => ({ generation, key: copy(kn.key), nonce: copy(kn.nonce) })),
      expiredThrough: this.expiredThrough,
    };
  }

  /** Rebuilds a ratchet from `toState()` output, checking its shape. Copies every array. */
  static fromState(cs: CipherSuite, state: RatchetState, window: RatchetWindow = DEFAULT_RATCHET_WINDOW): SenderRatchet {
    const bad = (what: string): never => {
      throw new StorageError('ERR_STORAGE_FORMAT', `RatchetState: ${what}`, { field: 'RatchetState' });
    };
    const { generation, secret, skipped, expiredThrough } = state;
    if (!Number.isInteger(generation) || generation < 0 || generation > MAX_GENERATION + 1) bad('generation out of range');
    if (generation <= MAX_GENERATION ? !(secret instanceof Uint8Array) || secret.length !== cs.Nh : secret !== undefined) bad('secret');
    if (!Number.isInteger(expiredThrough) || expiredThrough < -1 || expiredThrough >= generation) bad('expiredThrough out of range');
    if (!Array.isArray(skipped)) bad('skipped');
    const map = new Map<number, KeyNonce>();
    let last = expiredThrough;
    for (const e of skipped) {
      if (!Number.isInteger(e.generation) || e.generation <= last || e.generation >= generation) bad('skipped generations must ascend below generation');
      if (!(e.key instanceof Uint8Array) || e.key.length !== cs.Nk || !(e.nonce instanceof Uint8Array) || e.nonce.length !== cs.Nn) bad('skipped key/nonce');
      map.set(e.generation, { key: copy(e.key), nonce: copy(e.nonce) });
      last = e.generation;
    }
    const w = checkRatchetWindow(window);
    const r = new SenderRatchet(cs, w, generation, secret && copy(secret), map, expiredThrough);
    r.evict(); // a smaller window than the one the state was saved with applies at once
    return r;
  }
}
