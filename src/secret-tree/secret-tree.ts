/**
 * RFC 9420 §9 (secret tree), §9.1 (per-leaf ratchets) and §9.2 (deletion schedule).
 *
 *   tree_node_[N]_secret --> ExpandWithLabel(., "tree", "left",  KDF.Nh) = tree_node_[left(N)]_secret
 *                        --> ExpandWithLabel(., "tree", "right", KDF.Nh) = tree_node_[right(N)]_secret
 *   leaf secret          --> ExpandWithLabel(., "handshake",   "", KDF.Nh) = handshake_ratchet_secret_[0]
 *                        --> ExpandWithLabel(., "application", "", KDF.Nh) = application_ratchet_secret_[0]
 *
 * The root is the epoch's encryption_secret. The tree is derived lazily: only the nodes on the
 * path to a leaf that is actually used are computed, so a group of n members costs O(log n) work
 * and memory per sender, never O(n).
 *
 * Deletion (§9.2, R-9.2-01/02): a node secret is consumed once its children are derived, so both
 * children are derived together and the parent is wiped and dropped at once. A leaf secret is
 * consumed once both ratchet roots are derived, which happens together too. The stored nodes
 * therefore always form a frontier: for every leaf whose ratchets do not exist yet, exactly one
 * node on its path from the root is stored.
 *
 * The tree has the shape of the group's ratchet tree, whose leaf count is a power of two (§7.7).
 * Any other `leafCount` is rounded up to the next power of two, which leaves the secrets of the
 * real leaves unchanged; leaves at or past `leafCount` are rejected.
 */
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { expandWithLabel } from '../crypto/labels.js';
import { InternalError, StorageError, UsageError, ValidationError } from '../errors.js';
import { MAX_LEAVES, left, right, root, type NodeIndex } from '../tree-math/index.js';
import { EMPTY, copy, utf8, wipe } from '../util/bytes.js';
import { redacted } from '../util/secret.js';
import { DEFAULT_RATCHET_WINDOW, SenderRatchet, checkRatchetWindow, type RatchetKey, type RatchetState, type RatchetWindow } from './ratchet.js';

/** The two ratchets of a leaf (§9): handshake for proposals and commits, application for application data. */
export const RatchetType = { handshake: 'handshake', application: 'application' } as const;
export type RatchetType = (typeof RatchetType)[keyof typeof RatchetType];

const LEFT = utf8('left');
const RIGHT = utf8('right');

interface LeafRatchets {
  readonly handshake: SenderRatchet;
  readonly application: SenderRatchet;
}

/** Plain snapshot of a secret tree's live secrets (every array is a copy). */
export interface SecretTreeState {
  readonly leafCount: number;
  /** Node secrets not yet split (node indices in the padded tree). */
  readonly nodes: readonly { readonly node: number; readonly secret: Uint8Array }[];
  /** Leaves whose ratchets have been started. */
  readonly leaves: readonly { readonly leaf: number; readonly handshake: RatchetState; readonly application: RatchetState }[];
}

function paddedWidth(leafCount: number): number {
  let p = 1;
  while (p < leafCount) p *= 2;
  return p;
}

export class SecretTree {
  /** The padded (power-of-two) number of leaves. */
  private readonly width: number;
  private destroyed = false;

  private constructor(
    private readonly cs: CipherSuite,
    /** The group's leaf count. */
    readonly leafCount: number,
    private readonly window: RatchetWindow,
    private readonly nodes: Map<number, Uint8Array>,
    private readonly ratchets: Map<number, LeafRatchets>,
  ) {
    this.width = paddedWidth(leafCount);
    redacted(this, 'SecretTree');
  }

  private static checkLeafCount(leafCount: number): void {
    if (!Number.isInteger(leafCount) || leafCount < 1 || leafCount > MAX_LEAVES) {
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `secret tree leaf count ${leafCount} out of range (1..2^30)`, { field: 'leafCount' });
    }
  }

  /**
   * A tree for `leafCount` leaves rooted at the epoch's encryption_secret, which is copied: wipe
   * your copy afterwards (§9.2). `window` bounds every ratchet's receive window (S-15.3-01/02).
   */
  static create(cs: CipherSuite, encryptionSecret: Uint8Array, leafCount: number, window: RatchetWindow = DEFAULT_RATCHET_WINDOW): SecretTree {
    SecretTree.checkLeafCount(leafCount);
    if (encryptionSecret.length !== cs.Nh) {
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `encryption_secret must be ${cs.Nh} bytes`, { field: 'encryptionSecret' });
    }
    const w = checkRatchetWindow(window);
    const nodes = new Map<number, Uint8Array>([[root(paddedWidth(leafCount)), copy(encryptionSecret)]]);
    return new SecretTree(cs, leafCount, w, nodes, new Map());
  }

  /** How many node secrets are stored right now (O(log n) per leaf used; for tests and diagnostics). */
  get storedNodeCount(): number {
    return this.nodes.size;
  }

  /** How many leaves have started ratchets. */
  get activeLeafCount(): number {
    return this.ratchets.size;
  }

  /**
   * The leaf's ratchets, deriving down from the nearest stored ancestor if they do not exist yet.
   * Each node passed on the way is split into its two children and then wiped.
   */
  private leafRatchets(leaf: number): LeafRatchets {
    const existing = this.ratchets.get(leaf);
    if (existing !== undefined) return existing;
    const d = this.deriveLeaf(leaf);
    d.commit();
    return d.ratchets;
  }

  /**
   * Derives a leaf's ratchets without changing the tree: `commit()` then stores them and applies
   * the node splits (wiping what §9.2 says to delete); `abort()` wipes the derived values instead.
   * So a message that fails to decrypt leaves no trace, not even a split node.
   */
  private deriveLeaf(leaf: number): { ratchets: LeafRatchets; commit: () => void; abort: () => void } {
    const target = 2 * leaf;
    const sets: [number, Uint8Array][] = [];
    const deletes: number[] = [];
    let current: Uint8Array | undefined;
    let x = root(this.width) as number;
    while (x !== target) {
      const stored = this.nodes.get(x);
      const secret = stored ?? current;
      if (secret !== undefined) {
        const n = x as NodeIndex;
        const l = expandWithLabel(this.cs, secret, 'tree', LEFT, this.cs.Nh);
        const r = expandWithLabel(this.cs, secret, 'tree', RIGHT, this.cs.Nh);
        if (stored !== undefined) deletes.push(x);
        else if (current !== undefined) wipe(current); // an intermediate of this derivation
        const goLeft = target < x;
        // The sibling off our path is stored; the child on our path is carried down.
        sets.push(goLeft ? [right(n), r] : [left(n), l]);
        current = goLeft ? l : r;
      }
      x = target < x ? left(x as NodeIndex) : right(x as NodeIndex);
    }
    const storedLeaf = this.nodes.get(target);
    const leafSecret = storedLeaf ?? current;
    if (leafSecret === undefined) {
      // The frontier invariant says the path had a stored node; losing it means the state is corrupt.
      throw new InternalError(`secret tree: no secret on the path to leaf ${leaf}`);
    }
    const ratchets: LeafRatchets = {
      handshake: SenderRatchet.fromSecret(this.cs, expandWithLabel(this.cs, leafSecret, 'handshake', EMPTY, this.cs.Nh), this.window),
      application: SenderRatchet.fromSecret(this.cs, expandWithLabel(this.cs, leafSecret, 'application', EMPTY, this.cs.Nh), this.window),
    };
    if (storedLeaf === undefined) wipe(leafSecret);
    return {
      ratchets,
      commit: () => {
        for (const d of deletes) {
          wipe(this.nodes.get(d));
          this.nodes.delete(d);
        }
        for (const [n, v] of sets) this.nodes.set(n, v);
        if (storedLeaf !== undefined) {
          wipe(storedLeaf);
          this.nodes.delete(target);
        }
        this.ratchets.set(leaf, ratchets);
      },
      abort: () => {
        for (const [, v] of sets) wipe(v);
        ratchets.handshake.destroy();
        ratchets.application.destroy();
      },
    };
  }

  private ratchet(leaf: number, type: RatchetType, receiving: boolean, derive = true): SenderRatchet | undefined {
    if (this.destroyed) throw new UsageError('ERR_USAGE_INVALID_STATE', 'the secret tree was destroyed');
    if (!Number.isInteger(leaf) || leaf < 0 || leaf >= this.leafCount) {
      if (receiving) {
        throw new ValidationError('ERR_VALIDATION_SENDER', 'R-6.3.2-02', `leaf index ${leaf} is outside the tree of ${this.leafCount} leaves`, {
          field: 'SenderData.leaf_index',
        });
      }
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `leaf index ${leaf} is outside the tree of ${this.leafCount} leaves`, { field: 'leaf' });
    }
    if (type !== RatchetType.handshake && type !== RatchetType.application) {
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `unknown ratchet type ${String(type)}`, { field: 'type' });
    }
    return derive ? this.leafRatchets(leaf)[type] : undefined;
  }

  /**
   * Sending on our own leaf: the key and nonce of the next generation (§9.1). The ratchet moves on at
   * once. The caller owns the arrays and should wipe them after encrypting.
   */
  nextSendKey(leaf: number, type: RatchetType): RatchetKey {
    return this.ratchet(leaf, type, false)!.next();
  }

  /**
   * Receiving, transactionally: `use` (the AEAD open) gets the key of `generation` on `leaf`'s
   * `type` ratchet; the key is consumed only if `use` returns (see SenderRatchet.open). Errors:
   * R-9.1-01 (key already used), S-15.3-01 (older than the out-of-order window), S-15.3-02 (too far
   * ahead), R-6.3.2-02 (leaf outside the tree).
   */
  openWith<T>(leaf: number, type: RatchetType, generation: number, use: (key: RatchetKey) => T): T {
    this.ratchet(leaf, type, true, false); // range checks only
    if (this.ratchets.has(leaf)) return this.ratchet(leaf, type, true)!.open(generation, use);
    // First message from this leaf: derive its ratchets on the side, keep them only on success.
    const d = this.deriveLeaf(leaf);
    let result: T;
    try {
      result = d.ratchets[type].open(generation, use);
    } catch (err) {
      d.abort();
      throw err;
    }
    d.commit();
    return result;
  }

  /** Receiving, non-transactionally: consumes the key of `generation` now and returns it (caller wipes it). */
  receiveKey(leaf: number, type: RatchetType, generation: number): RatchetKey {
    return this.ratchet(leaf, type, true)!.receive(generation);
  }

  /** The next unused generation of a leaf's ratchet (0 if it has not started). */
  nextGeneration(leaf: number, type: RatchetType): number {
    return this.ratchets.get(leaf)?.[type].nextGeneration ?? 0;
  }

  /** A deep copy: for staging a group state that may be discarded (stage, then merge). */
  clone(): SecretTree {
    if (this.destroyed) throw new UsageError('ERR_USAGE_INVALID_STATE', 'the secret tree was destroyed');
    const nodes = new Map<number, Uint8Array>();
    for (const [n, s] of this.nodes) nodes.set(n, copy(s));
    const ratchets = new Map<number, LeafRatchets>();
    for (const [l, r] of this.ratchets) ratchets.set(l, { handshake: r.handshake.clone(), application: r.application.clone() });
    return new SecretTree(this.cs, this.leafCount, this.window, nodes, ratchets);
  }

  /** Wipes every secret (when the epoch's keys are no longer needed). The tree is unusable afterwards. */
  destroy(): void {
    this.destroyed = true;
    for (const s of this.nodes.values()) wipe(s);
    this.nodes.clear();
    for (const r of this.ratchets.values()) {
      r.handshake.destroy();
      r.application.destroy();
    }
    this.ratchets.clear();
  }

  /** A plain snapshot of the live secrets, for persisting a group state. */
  toState(): SecretTreeState {
    if (this.destroyed) throw new UsageError('ERR_USAGE_INVALID_STATE', 'the secret tree was destroyed');
    return {
      leafCount: this.leafCount,
      nodes: [...this.nodes].map(([node, secret]) => ({ node, secret: copy(secret) })),
      leaves: [...this.ratchets].map(([leaf, r]) => ({ leaf, handshake: r.handshake.toState(), application: r.application.toState() })),
    };
  }

  /** Rebuilds a tree from `toState()` output. The shape is checked; arrays are copied. */
  static fromState(cs: CipherSuite, state: SecretTreeState, window: RatchetWindow = DEFAULT_RATCHET_WINDOW): SecretTree {
    const bad = (what: string): never => {
      throw new StorageError('ERR_STORAGE_FORMAT', `SecretTreeState: ${what}`, { field: 'SecretTreeState' });
    };
    const { leafCount } = state;
    if (!Number.isInteger(leafCount) || leafCount < 1 || leafCount > MAX_LEAVES) bad('leafCount out of range');
    if (!Array.isArray(state.nodes) || !Array.isArray(state.leaves)) bad('nodes and leaves must be arrays');
    const w = checkRatchetWindow(window);
    const width = 2 * paddedWidth(leafCount) - 1;
    const nodes = new Map<number, Uint8Array>();
    for (const { node, secret } of state.nodes) {
      if (!Number.isInteger(node) || node < 0 || node >= width || nodes.has(node)) bad(`node ${node}`);
      if (!(secret instanceof Uint8Array) || secret.length !== cs.Nh) bad(`secret of node ${node}`);
      nodes.set(node, copy(secret));
    }
    const ratchets = new Map<number, LeafRatchets>();
    for (const { leaf, handshake, application } of state.leaves) {
      if (!Number.isInteger(leaf) || leaf < 0 || leaf >= leafCount || ratchets.has(leaf)) bad(`leaf ${leaf}`);
      if (nodes.has(2 * leaf)) bad(`leaf ${leaf} has both a node secret and ratchets`);
      ratchets.set(leaf, { handshake: SenderRatchet.fromState(cs, handshake, w), application: SenderRatchet.fromState(cs, application, w) });
    }
    return new SecretTree(cs, leafCount, w, nodes, ratchets);
  }
}
