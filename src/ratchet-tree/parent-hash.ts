/**
 * RFC 9420 §7.9 (parent hashes), §7.9.1 (using them) and §7.9.2 (verifying them, R-7.9.2-01).
 *
 *   struct {
 *       HPKEPublicKey encryption_key;
 *       opaque parent_hash<V>;
 *       opaque original_sibling_tree_hash<V>;
 *   } ParentHashInput;
 *
 * The parent hash of P with copath child S is Hash(ParentHashInput) over P's key, P's own
 * parent_hash, and the tree hash of S in the tree where P's unmerged leaves are blanked and dropped
 * from every unmerged_leaves list. A node D (a commit-source leaf or a parent) carries in its
 * parent_hash field the parent hash of the next node P of the filtered direct path it was set with.
 */
import { Writer } from '../codec/writer.js';
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { UsageError, ValidationError } from '../errors.js';
import { leafRange, left, right, type LeafIndex, type NodeIndex } from '../tree-math/index.js';
import { bytesEqual, EMPTY } from '../util/bytes.js';
import { LeafNodeSource, NodeType, type ParentNode } from './node.js';
import { hashParentHashInput, treeHashView, treeHashWithout } from './tree-hash.js';
import type { PublicTree } from './tree.js';

/** The ParentHashInput encoding (§7.9). */
export function parentHashInput(encryptionKey: Uint8Array, parentHash: Uint8Array, originalSiblingTreeHash: Uint8Array): Uint8Array {
  return new Writer(encryptionKey.length + parentHash.length + originalSiblingTreeHash.length + 12)
    .opaque(encryptionKey)
    .opaque(parentHash)
    .opaque(originalSiblingTreeHash)
    .finish();
}

/** The parent hash of a node with key `encryptionKey` and field `parentHash`, given the original sibling tree hash. */
export function parentHash(cs: CipherSuite, encryptionKey: Uint8Array, parentHash: Uint8Array, originalSiblingTreeHash: Uint8Array): Uint8Array {
  return hashParentHashInput(cs, encryptionKey, parentHash, originalSiblingTreeHash);
}

/** The parent_hash fields of a new UpdatePath. */
export interface PathParentHashes {
  /** nodes[k]: the parent_hash field of filtered-direct-path node k (bottom-up, UpdatePath order). */
  readonly nodes: readonly Uint8Array[];
  /** The parent_hash of the committer's new LeafNode (empty when the filtered direct path is empty). */
  readonly leaf: Uint8Array;
}

/**
 * The parent hashes of an UpdatePath from `leaf` (§7.9, §7.9.1), for creating it (the LeafNode
 * signs `leaf`) and for processing it (R-7.9.2-02: the received leaf's parent_hash must equal
 * `leaf`). `encryptionKeys[k]` is the new key of node k of the filtered direct path, bottom-up.
 *
 * `tree` is the tree after the Commit's proposals, with or without the path merged: only the tree
 * hashes of the copath children are read, and no path node lies below them. The path's nodes get
 * empty unmerged_leaves, so each original sibling tree hash is simply the current tree hash of the
 * copath child. Computed top-down: the root-most node's parent_hash is empty. O(log n) with the
 * hash cache warm.
 */
export function computePathParentHashes(tree: PublicTree, leaf: LeafIndex, encryptionKeys: readonly Uint8Array[]): PathParentHashes {
  const path = tree.filteredDirectPathWithCopath(leaf);
  if (path.length !== encryptionKeys.length) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `${encryptionKeys.length} path keys for a filtered direct path of ${path.length} nodes`);
  }
  const cs = tree.suite;
  const nodes = new Array<Uint8Array>(path.length);
  let above: Uint8Array = EMPTY;
  for (let k = path.length - 1; k >= 0; k--) {
    nodes[k] = above;
    above = parentHash(cs, encryptionKeys[k]!, above, treeHashView(tree, path[k]!.copathChild));
  }
  return { nodes, leaf: above };
}

/**
 * R-7.9.2-01: every non-blank parent node is parent-hash valid, covered by exactly one link
 * D → P of a chain from a leaf (§7.9.2). Throws ValidationError naming the first bad node.
 *
 * Cost: one tree-hash pass (O(n), usually already cached), then O(n + u) for u unmerged-leaf
 * entries, plus the original sibling tree hashes. For each non-blank P and each child C (S the
 * other child) the only candidate D is the one node of resolution(C) that is not an unmerged leaf of
 * P: the link needs resolution(C) minus D to equal P.unmerged_leaves below C. A node lies in
 * resolution(C) for exactly one P (its nearest non-blank ancestor), so all these resolutions
 * together hold each node once plus each unmerged-leaf entry once. Each original sibling tree hash
 * is computed once per (P, side) and only when D exists: the cached hash of S when none of P's
 * unmerged leaves is below S (every parent of a freshly committed tree), else a recomputation of
 * just the paths from those leaves up to S (tree-hash.ts `treeHashWithout`), at most u·log n
 * hashes over the whole tree and far fewer in practice since the paths share their upper nodes.
 * Chains need no separate walk: every D that is a parent must itself be covered.
 *
 * "Exactly one": both children of P linking to it would need each side's parent_hash to hash the
 * other side's tree hash, which contains it — a hash cycle — so the count is checked but never
 * expected to exceed one.
 */
export function verifyParentHashes(tree: PublicTree): void {
  const cs = tree.suite;
  treeHashView(tree); // one O(n) pass fills the cache; everything below reads it
  for (const [p, node] of tree.parents()) {
    let links = 0;
    for (let side = 0; side < 2; side++) {
      const c = side === 0 ? left(p) : right(p);
      const s = side === 0 ? right(p) : left(p);
      const d = linkCandidate(tree, node, c);
      if (d === undefined) continue;
      const field = parentHashField(tree, d);
      if (field === undefined) continue;
      const osth = treeHashWithout(tree, s, unmergedUnder(node, s));
      if (bytesEqual(field, parentHash(cs, node.encryptionKey, node.parentHash, osth))) links++;
    }
    if (links !== 1) {
      throw new ValidationError(
        'ERR_VALIDATION_PARENT_HASH',
        'R-7.9.2-01',
        links === 0 ? `parent node ${p} is not parent-hash valid: no child links to it` : `parent node ${p} is covered by ${links} parent-hash links, not exactly one`,
        { field: 'ParentNode.parent_hash' },
      );
    }
  }
}

/**
 * The D for which "D is in resolution(C) and P.unmerged_leaves ∩ subtree(C) = resolution(C) \ {D}"
 * can hold (§7.9.2), or undefined.
 */
function linkCandidate(tree: PublicTree, p: ParentNode, c: NodeIndex): NodeIndex | undefined {
  const [first, end] = leafRange(c);
  if (!p.unmergedLeaves.some((l) => l >= first && l < end)) {
    // The common case (no unmerged leaf of P below C): resolution(C) must be exactly [D].
    const n = tree.node(c);
    if (n !== undefined) return n.nodeType === NodeType.parent && n.parentNode.unmergedLeaves.length > 0 ? undefined : c;
    const res = tree.resolution(c);
    return res.length === 1 ? res[0] : undefined;
  }
  const unmerged = new Set<number>();
  for (const l of p.unmergedLeaves) if (l >= first && l < end) unmerged.add(l * 2);
  const res = tree.resolution(c);
  if (res.length !== unmerged.size + 1) return undefined;
  let d: NodeIndex | undefined;
  const seen = new Set<number>();
  for (const x of res) {
    if (seen.has(x)) return undefined; // only a malformed unmerged_leaves list repeats a node
    seen.add(x);
    if (unmerged.has(x)) continue;
    if (d !== undefined) return undefined;
    d = x;
  }
  return d;
}

/** D's parent_hash field: commit-source leaves and parent nodes have one. */
function parentHashField(tree: PublicTree, d: NodeIndex): Uint8Array | undefined {
  const n = tree.node(d);
  if (n === undefined) return undefined;
  if (n.nodeType === NodeType.parent) return n.parentNode.parentHash;
  return n.leafNode.leafNodeSource === LeafNodeSource.commit ? n.leafNode.parentHash : undefined;
}

/** P's unmerged leaves under node s, sorted ascending. */
function unmergedUnder(p: ParentNode, s: NodeIndex): number[] {
  const [first, end] = leafRange(s);
  return p.unmergedLeaves.filter((l) => l >= first && l < end).sort((a, b) => a - b);
}
