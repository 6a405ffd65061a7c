/**
 * RFC 9420 §7.3, §12.4.3.1 and §16.7: the tree index, which makes each uniqueness and
 * credential-type check O(1), so validating a LeafNode against the group costs the same for 10 or
 * 100,000 members and validating a whole tree of n leaves is O(n), not O(n²).
 *
 * - signature_key → the leaf holding it (R-7.3-11);
 * - encryption_key → the node (leaf or parent) holding it (R-7.3-12, R-12.4.3.1-13, R-16.7-01);
 * - per credential type this build can decode: how many members use it and how many list it in
 *   capabilities.credentials (R-7.3-04, R-7.3-05). Only decodable types can be in use (an unknown
 *   credential type fails to decode, see credentials/credential.ts), so these counters stay a
 *   handful of numbers however many GREASE values members list.
 *
 * The owner (PublicTree) updates the index on every node change. Keys are the public key bytes
 * as a Latin-1 string (one char per byte): exact, and much cheaper than hex. The key Maps are
 * copy-on-write (cow.ts) so that a staged Commit forks the index in O(changes); the counters are
 * copied on fork.
 *
 * A tree that holds the same key twice is invalid and is rejected by validation: the index maps the
 * key to its first holder, so the second holder finds a different node there, which is how
 * validation detects the duplicate in O(1). (The index is exact for every tree without duplicates,
 * which is every tree that passed validation.)
 */
import { CredentialType } from '../credentials/credential.js';
import type { LeafIndex, NodeIndex } from '../tree-math/index.js';
import { CowMap } from './cow.js';
import { NodeType, type LeafNode, type Node, type ParentNode } from './node.js';

/** The index key of a public key: its bytes as a Latin-1 string. */
export function keyString(b: Uint8Array): string {
  // fromCharCode.apply takes array-likes; keys are at most a few hundred bytes (ML-KEM keys ~1.2 KB
  // stay far below the argument limit).
  return String.fromCharCode.apply(null, b as unknown as number[]);
}

/** The credential types whose use and support are counted (every type the codec can decode). */
const COUNTED_TYPES: readonly number[] = Object.freeze(Object.values(CredentialType));

export class TreeIndex {
  private constructor(
    private readonly sig: CowMap<string, LeafIndex>,
    private readonly enc: CowMap<string, NodeIndex>,
    /** Number of non-blank leaves. */
    private memberCount: number,
    /** inUse[k]: members whose credential has type COUNTED_TYPES[k]. */
    private readonly inUse: number[],
    /** supported[k]: members listing COUNTED_TYPES[k] in capabilities.credentials. */
    private readonly supported: number[],
  ) {}

  /** The index of a whole array tree, written straight into the shared Maps (no overlay). */
  static build(nodes: readonly (Node | undefined)[]): TreeIndex {
    const sig = new Map<string, LeafIndex>();
    const enc = new Map<string, NodeIndex>();
    const index = new TreeIndex(CowMap.over(sig), CowMap.over(enc), 0, COUNTED_TYPES.map(() => 0), COUNTED_TYPES.map(() => 0));
    for (let x = 0; x < nodes.length; x++) {
      const n = nodes[x];
      if (n === undefined) continue;
      // First holder wins (see the file header on duplicates).
      const ek = keyString(n.nodeType === NodeType.leaf ? n.leafNode.encryptionKey : n.parentNode.encryptionKey);
      if (!enc.has(ek)) enc.set(ek, x as NodeIndex);
      if (n.nodeType === NodeType.leaf) {
        const sk = keyString(n.leafNode.signatureKey);
        if (!sig.has(sk)) sig.set(sk, (x >>> 1) as LeafIndex);
        index.count(n.leafNode, 1);
      }
    }
    return index;
  }

  get members(): number {
    return this.memberCount;
  }

  /** The leaf whose signature_key is `key`, if any. */
  signatureKeyHolder(key: Uint8Array): LeafIndex | undefined {
    return this.sig.get(keyString(key));
  }

  /** The node (leaf or parent) whose encryption_key is `key`, if any. */
  encryptionKeyHolder(key: Uint8Array): NodeIndex | undefined {
    return this.enc.get(keyString(key));
  }

  /** How many members use credential type `type`. */
  membersUsing(type: number): number {
    const k = COUNTED_TYPES.indexOf(type);
    return k < 0 ? 0 : this.inUse[k]!;
  }

  /** How many members list `type` in capabilities.credentials (for types that can be in use). */
  membersSupporting(type: number): number {
    const k = COUNTED_TYPES.indexOf(type);
    return k < 0 ? 0 : this.supported[k]!;
  }

  /** The credential types at least one member uses. */
  credentialTypesInUse(): number[] {
    return COUNTED_TYPES.filter((_, k) => this.inUse[k]! > 0);
  }

  addLeaf(i: LeafIndex, leaf: LeafNode): void {
    const sk = keyString(leaf.signatureKey);
    if (this.sig.get(sk) === undefined) this.sig.set(sk, i);
    const ek = keyString(leaf.encryptionKey);
    if (this.enc.get(ek) === undefined) this.enc.set(ek, (i * 2) as NodeIndex);
    this.count(leaf, 1);
  }

  removeLeaf(i: LeafIndex, leaf: LeafNode): void {
    const sk = keyString(leaf.signatureKey);
    if (this.sig.get(sk) === i) this.sig.delete(sk);
    const ek = keyString(leaf.encryptionKey);
    if (this.enc.get(ek) === i * 2) this.enc.delete(ek);
    this.count(leaf, -1);
  }

  addParent(x: NodeIndex, p: ParentNode): void {
    const ek = keyString(p.encryptionKey);
    if (this.enc.get(ek) === undefined) this.enc.set(ek, x);
  }

  removeParent(x: NodeIndex, p: ParentNode): void {
    const ek = keyString(p.encryptionKey);
    if (this.enc.get(ek) === x) this.enc.delete(ek);
  }

  private count(leaf: LeafNode, d: 1 | -1): void {
    this.memberCount += d;
    const creds = leaf.capabilities.credentials;
    for (let k = 0; k < COUNTED_TYPES.length; k++) {
      const t = COUNTED_TYPES[k]!;
      if (leaf.credential.credentialType === t) this.inUse[k]! += d;
      if (creds.includes(t)) this.supported[k]! += d;
    }
  }

  fork(): TreeIndex {
    return new TreeIndex(this.sig.fork(), this.enc.fork(), this.memberCount, this.inUse.slice(), this.supported.slice());
  }

  /** Moves this view's key changes into the shared Maps (see cow.ts); the counters are per view already. */
  promote(others: readonly TreeIndex[]): void {
    this.sig.promote(others.map((o) => o.sig));
    this.enc.promote(others.map((o) => o.enc));
  }

  get pending(): number {
    return this.sig.pending + this.enc.pending;
  }
}
