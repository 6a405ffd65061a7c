/**
 * RFC 9420 §7.8: tree hashes.
 *
 *   struct {
 *     NodeType node_type;
 *     select (TreeHashInput.node_type) {
 *       case leaf:   LeafNodeHashInput leaf_node;
 *       case parent: ParentNodeHashInput parent_node;
 *     };
 *   } TreeHashInput;
 *
 *   struct { uint32 leaf_index; optional<LeafNode> leaf_node; } LeafNodeHashInput;
 *   struct { optional<ParentNode> parent_node; opaque left_hash<V>; opaque right_hash<V>; } ParentNodeHashInput;
 *
 * `treeHash` uses the per-node cache of the PublicTree: after a change only the changed node and
 * its ancestors are recomputed (O(log n) for a path, O(n) once for a new tree). `treeHashWithout`
 * computes the §7.9 "original sibling tree hash" — the hash of a subtree with some leaves blanked
 * and dropped from every unmerged_leaves list — by recomputing only the paths to those leaves.
 * `treeHashesFromScratch` ignores every cache; tests use it as the reference.
 */
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { writeVarint } from '../codec/varint.js';
import { Writer } from '../codec/writer.js';
import { UsageError } from '../errors.js';
import { isLeaf, leafRange, left, nodeWidth, right, root, type LeafIndex, type NodeIndex } from '../tree-math/index.js';
import { leafNodeCodec, NodeType, parentNodeCodec, type LeafNode, type ParentNode, type RatchetTree } from './node.js';
import type { PublicTree } from './tree.js';

/** TreeHashInput for a leaf (§7.8). */
export function leafNodeHashInput(leafIndex: number, leaf: LeafNode | undefined): Uint8Array {
  const w = new Writer(leaf === undefined ? 8 : 512);
  w.u8(NodeType.leaf).u32(leafIndex);
  w.optional(leaf, leafNodeCodec.encode);
  return w.finish();
}

/** TreeHashInput for a parent (§7.8). */
export function parentNodeHashInput(parent: ParentNode | undefined, leftHash: Uint8Array, rightHash: Uint8Array): Uint8Array {
  const w = new Writer(parent === undefined ? 8 + 2 * leftHash.length : 256);
  w.u8(NodeType.parent);
  w.optional(parent, parentNodeCodec.encode);
  w.opaque(leftHash).opaque(rightHash);
  return w.finish();
}

// Hashing a parent node or a ParentHashInput happens once per node of the tree on a join: the
// inputs are written into one reusable buffer and hashed at once, instead of allocating a Writer
// and a copy each time (two ArrayBuffers per node, most of the cost after the hash itself). The
// encoders above stay the reference; the tests compare both.
let scratch = new Uint8Array(1024);

function room(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(n * 2);
  return scratch;
}

function putOpaque(buf: Uint8Array, at: number, b: Uint8Array): number {
  at += writeVarint(buf, at, b.length);
  buf.set(b, at);
  return at + b.length;
}

/** Hash(TreeHashInput) of a parent, without allocating the input. */
export function hashParentNodeInput(cs: CipherSuite, parent: ParentNode | undefined, leftHash: Uint8Array, rightHash: Uint8Array): Uint8Array {
  const unmerged = parent?.unmergedLeaves ?? [];
  const max = 2 + 20 + leftHash.length + rightHash.length + (parent === undefined ? 0 : parent.encryptionKey.length + parent.parentHash.length + 4 * unmerged.length);
  const buf = room(max);
  let at = 0;
  buf[at++] = NodeType.parent;
  if (parent === undefined) {
    buf[at++] = 0;
  } else {
    buf[at++] = 1;
    at = putOpaque(buf, at, parent.encryptionKey);
    at = putOpaque(buf, at, parent.parentHash);
    at += writeVarint(buf, at, 4 * unmerged.length);
    for (const l of unmerged) {
      buf[at++] = l >>> 24;
      buf[at++] = l >>> 16;
      buf[at++] = l >>> 8;
      buf[at++] = l;
    }
  }
  at = putOpaque(buf, at, leftHash);
  at = putOpaque(buf, at, rightHash);
  return cs.hashData(buf.subarray(0, at));
}

/** Hash(ParentHashInput) (§7.9), without allocating the input. */
export function hashParentHashInput(cs: CipherSuite, encryptionKey: Uint8Array, parentHash: Uint8Array, originalSiblingTreeHash: Uint8Array): Uint8Array {
  const buf = room(12 + encryptionKey.length + parentHash.length + originalSiblingTreeHash.length);
  let at = putOpaque(buf, 0, encryptionKey);
  at = putOpaque(buf, at, parentHash);
  at = putOpaque(buf, at, originalSiblingTreeHash);
  return cs.hashData(buf.subarray(0, at));
}

/** The tree hash of node x (default: the root, the value of GroupContext.tree_hash), through the cache. A fresh copy. */
export function treeHash(tree: PublicTree, x: NodeIndex = tree.root): Uint8Array {
  return treeHashView(tree, x).slice();
}

/** As treeHash, without the copy: a view valid until the tree changes (for hashing at once). */
export function treeHashView(tree: PublicTree, x: NodeIndex = tree.root): Uint8Array {
  if (x >= tree.nodeCount) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `node ${x} is outside the tree`);
  return cachedHash(tree, tree.suite, x);
}

function cachedHash(tree: PublicTree, cs: CipherSuite, x: NodeIndex): Uint8Array {
  const cached = tree.cachedTreeHash(x);
  if (cached !== undefined) return cached;
  let h: Uint8Array;
  if (isLeaf(x)) {
    h = cs.hashData(leafNodeHashInput(x >>> 1, tree.leafNode((x >>> 1) as LeafIndex)));
  } else {
    const l = cachedHash(tree, cs, left(x));
    const r = cachedHash(tree, cs, right(x));
    h = hashParentNodeInput(cs, tree.parentNode(x), l, r);
  }
  tree.storeTreeHash(x, h);
  return h;
}

/**
 * The tree hash of x in the tree modified as §7.9 prescribes for the original sibling tree hash:
 * every leaf of `removed` (leaf indices, sorted ascending) is blanked and dropped from the
 * unmerged_leaves of every parent. Subtrees holding none of them come from the cache, so the cost
 * is the number of nodes on the paths from those leaves up to x. Parents listing a removed leaf
 * outside their own subtree (invalid, R-12.4.3.1-11) are not visited.
 */
export function treeHashWithout(tree: PublicTree, x: NodeIndex, removed: readonly number[]): Uint8Array {
  const [first, end] = leafRange(x);
  let lo = 0;
  while (lo < removed.length && removed[lo]! < first) lo++;
  let hi = lo;
  while (hi < removed.length && removed[hi]! < end) hi++;
  if (lo === hi) return treeHash(tree, x);
  const drop = new Set(removed.slice(lo, hi));
  return hashWithout(tree, tree.suite, x, removed, lo, hi, drop);
}

function hashWithout(tree: PublicTree, cs: CipherSuite, x: NodeIndex, removed: readonly number[], lo: number, hi: number, drop: ReadonlySet<number>): Uint8Array {
  if (lo === hi) return cachedHash(tree, cs, x);
  if (isLeaf(x)) return cs.hashData(leafNodeHashInput(x >>> 1, undefined));
  const rightFirst = leafRange(right(x))[0];
  let mid = lo;
  while (mid < hi && removed[mid]! < rightFirst) mid++;
  const l = hashWithout(tree, cs, left(x), removed, lo, mid, drop);
  const r = hashWithout(tree, cs, right(x), removed, mid, hi, drop);
  let p = tree.parentNode(x);
  if (p !== undefined && p.unmergedLeaves.some((u) => drop.has(u))) {
    p = { ...p, unmergedLeaves: p.unmergedLeaves.filter((u) => !drop.has(u)) };
  }
  return hashParentNodeInput(cs, p, l, r);
}

/**
 * Every node's tree hash, computed from the node array alone (padded to a full tree as §12.4.3.3
 * says, trailing blanks allowed): the reference the caches are tested against. O(n), no caching.
 */
export function treeHashesFromScratch(cs: CipherSuite, nodes: RatchetTree): Uint8Array[] {
  let width = 1;
  while (nodeWidth(width) < nodes.length) width *= 2;
  const out = new Array<Uint8Array>(nodeWidth(width));
  const go = (x: NodeIndex): Uint8Array => {
    const n = nodes[x];
    let h: Uint8Array;
    if (isLeaf(x)) {
      h = cs.hashData(leafNodeHashInput(x >>> 1, n?.nodeType === NodeType.leaf ? n.leafNode : undefined));
    } else {
      const l = go(left(x));
      const r = go(right(x));
      h = cs.hashData(parentNodeHashInput(n?.nodeType === NodeType.parent ? n.parentNode : undefined, l, r));
    }
    out[x] = h;
    return h;
  };
  go(root(width));
  return out;
}
