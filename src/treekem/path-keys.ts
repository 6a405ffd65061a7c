/**
 * RFC 9420 §7.4–§7.5 (the tree invariant: a member knows the private key of every non-blank
 * node on its direct path where it is not an unmerged leaf) and §7.5's deletion rule (R-7.5-04):
 * the private TreeKEM state of one member.
 *
 * A member holds at most 1 + log2(n) private keys: its leaf's and those of the nodes above it it
 * learned from UpdatePaths or a Welcome. Each entry keeps the public key beside the private one,
 * because the HPKE interface cannot recompute it, and because comparing it with the node in the
 * tree is how `prune` finds keys that went stale: a node that was blanked (Update, Remove, a path
 * that skips it) or that now carries another key. That check is O(log n) per epoch and needs no
 * knowledge of which proposals ran.
 *
 * Secrets. Private keys are wiped (overwritten with zeros) when they are replaced or dropped, and
 * `destroy()` wipes them all. JavaScript cannot promise no other copy exists (the engine may have
 * moved or copied the bytes); see docs/security.md. `toJSON` and `inspect` show no key bytes.
 */
import type { CipherSuite, KeyPair } from '../crypto/cipher-suite.js';
import { StorageError, UsageError } from '../errors.js';
import type { PublicTree } from '../ratchet-tree/tree.js';
import { NodeType } from '../ratchet-tree/node.js';
import { MAX_LEAVES, nodeWidth, type NodeIndex } from '../tree-math/index.js';
import { bytesEqual, copy, wipe } from '../util/bytes.js';
import { redacted } from '../util/secret.js';

/** The persisted form of PathKeys (see `toState`). Holds private keys: store it as a secret. */
export interface PathKeysState {
  readonly keys: readonly { readonly node: number; readonly publicKey: Uint8Array; readonly privateKey: Uint8Array }[];
}

const MAX_NODE = nodeWidth(MAX_LEAVES) - 1;

export class PathKeys {
  readonly #keys: Map<number, KeyPair>;

  private constructor(keys: Map<number, KeyPair>) {
    this.#keys = keys;
    redacted(this, 'PathKeys');
  }

  static empty(): PathKeys {
    return new PathKeys(new Map());
  }

  /** PathKeys holding copies of `entries`. */
  static of(entries: Iterable<readonly [NodeIndex, KeyPair]>): PathKeys {
    const k = PathKeys.empty();
    for (const [node, kp] of entries) k.set(node, kp);
    return k;
  }

  get size(): number {
    return this.#keys.size;
  }

  has(node: NodeIndex): boolean {
    return this.#keys.has(node);
  }

  /** The private key of `node`, or undefined. A view of the stored key: do not keep or modify it. */
  privateKey(node: NodeIndex): Uint8Array | undefined {
    return this.#keys.get(node)?.privateKey;
  }

  publicKey(node: NodeIndex): Uint8Array | undefined {
    return this.#keys.get(node)?.publicKey;
  }

  /** The nodes with a key, ascending. */
  nodes(): NodeIndex[] {
    return [...this.#keys.keys()].sort((a, b) => a - b) as NodeIndex[];
  }

  /** Stores a copy of `keyPair` for `node`, wiping the private key it replaces. */
  set(node: NodeIndex, keyPair: KeyPair): void {
    if (!Number.isInteger(node) || node < 0 || node > MAX_NODE) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `node ${node} out of range`);
    this.#replace(node, { publicKey: copy(keyPair.publicKey), privateKey: copy(keyPair.privateKey) });
  }

  /** Drops the key of `node`, wiping it. */
  delete(node: NodeIndex): void {
    const old = this.#keys.get(node);
    if (old === undefined) return;
    wipe(old.privateKey);
    this.#keys.delete(node);
  }

  /**
   * Brings the keys in line with a new epoch's tree (R-7.5-04): moves every entry of `update` (the
   * keys a created or decrypted UpdatePath produced) into this set — `update` is left empty, so
   * no second copy of those keys stays reachable — wiping each key it replaces; then `prune`s.
   * O(log n).
   */
  applyCommit(tree: PublicTree, update?: PathKeys): void {
    if (update !== undefined && update !== this) {
      for (const [node, kp] of update.#keys) this.#replace(node, kp);
      update.#keys.clear();
    }
    this.prune(tree);
  }

  /**
   * Drops (and wipes) every key whose node is blank, outside the tree, or holds another public
   * key in `tree`: the key pairs an UpdatePath, Update or Remove replaced or blanked (R-7.5-04).
   */
  prune(tree: PublicTree): void {
    for (const [node, kp] of [...this.#keys]) {
      const n = node < tree.nodeCount ? tree.node(node as NodeIndex) : undefined;
      const pub = n === undefined ? undefined : n.nodeType === NodeType.leaf ? n.leafNode.encryptionKey : n.parentNode.encryptionKey;
      if (pub === undefined || !bytesEqual(pub, kp.publicKey)) this.delete(node as NodeIndex);
    }
  }

  /** An independent deep copy (for staging a Commit: a rejected one must leave these keys intact). */
  clone(): PathKeys {
    const m = new Map<number, KeyPair>();
    for (const [node, kp] of this.#keys) m.set(node, { publicKey: copy(kp.publicKey), privateKey: copy(kp.privateKey) });
    return new PathKeys(m);
  }

  /** Wipes every private key; the set is empty afterwards. */
  destroy(): void {
    for (const kp of this.#keys.values()) wipe(kp.privateKey);
    this.#keys.clear();
  }

  /** A plain snapshot (copies), for persisting a member's state. */
  toState(): PathKeysState {
    return {
      keys: [...this.#keys]
        .sort((a, b) => a[0] - b[0])
        .map(([node, kp]) => ({ node, publicKey: copy(kp.publicKey), privateKey: copy(kp.privateKey) })),
    };
  }

  /** Rebuilds PathKeys from `toState()` output, checking its shape against the suite's key sizes. Copies every array. */
  static fromState(cs: CipherSuite, state: PathKeysState): PathKeys {
    const bad = (what: string): never => {
      throw new StorageError('ERR_STORAGE_FORMAT', `PathKeysState: ${what}`, { field: 'PathKeysState' });
    };
    if (state === null || typeof state !== 'object' || !Array.isArray(state.keys)) bad('keys must be an array');
    const m = new Map<number, KeyPair>();
    for (const e of state.keys) {
      if (e === null || typeof e !== 'object') bad('entry is not an object');
      const { node, publicKey, privateKey } = e;
      if (!Number.isInteger(node) || node < 0 || node > MAX_NODE || m.has(node)) bad(`node ${String(node)}`);
      if (!(publicKey instanceof Uint8Array) || publicKey.length !== cs.hpke.Npk) bad(`public key of node ${node}`);
      if (!(privateKey instanceof Uint8Array) || privateKey.length !== cs.hpke.Nsk) bad(`private key of node ${node}`);
      m.set(node, { publicKey: copy(publicKey), privateKey: copy(privateKey) });
    }
    return new PathKeys(m);
  }

  #replace(node: number, kp: KeyPair): void {
    const old = this.#keys.get(node);
    if (old !== undefined && old.privateKey !== kp.privateKey) wipe(old.privateKey);
    this.#keys.set(node, kp);
  }
}
