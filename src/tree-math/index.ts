/**
 * RFC 9420 §4.1 and Appendix C: array-based tree arithmetic.
 *
 * Leaves are even node indices (leaf L is node 2L); parents are odd. MLS trees always have a
 * power-of-two number of leaves (§7.7), so parent() needs no width argument. `LeafIndex` and
 * `NodeIndex` are distinct branded numbers so one cannot be passed for the other.
 *
 * Maximum tree size: MAX_LEAVES = 2^30 leaves, i.e. node indices below 2^31 − 1, which keeps every
 * index a non-negative 32-bit integer for JavaScript's bitwise operators.
 */
import { UsageError } from '../errors.js';

export type LeafIndex = number & { readonly __brand: 'LeafIndex' };
export type NodeIndex = number & { readonly __brand: 'NodeIndex' };

export const MAX_LEAVES = 2 ** 30;

export function leafIndex(n: number): LeafIndex {
  if (!Number.isInteger(n) || n < 0 || n >= MAX_LEAVES) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `leaf index ${n} out of range`);
  }
  return n as LeafIndex;
}

export function nodeIndex(n: number): NodeIndex {
  if (!Number.isInteger(n) || n < 0 || n >= 2 * MAX_LEAVES - 1) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `node index ${n} out of range`);
  }
  return n as NodeIndex;
}

/** Node index of leaf L: 2L. */
export function leafToNode(leaf: LeafIndex): NodeIndex {
  return (leaf * 2) as NodeIndex;
}

/** Leaf index of an even node. */
export function nodeToLeaf(node: NodeIndex): LeafIndex {
  return (node >>> 1) as LeafIndex;
}

export function isLeaf(node: NodeIndex): boolean {
  return (node & 1) === 0;
}

/** floor(log2(x)) for x ≥ 1; 0 for x = 0. */
export function log2(x: number): number {
  return x === 0 ? 0 : 31 - Math.clz32(x);
}

/** Level of a node: the number of trailing 1 bits (leaves are level 0). */
export function level(x: NodeIndex): number {
  // Trailing ones of x are trailing zeros of ~x.
  return 31 - Math.clz32(~x & (x + 1));
}

/** Number of nodes of a tree with n leaves. */
export function nodeWidth(nLeaves: number): number {
  return nLeaves === 0 ? 0 : 2 * (nLeaves - 1) + 1;
}

/** Number of leaves of a tree of `width` nodes. */
export function leafWidth(nodeCount: number): number {
  return nodeCount === 0 ? 0 : (nodeCount + 1) / 2;
}

export function root(nLeaves: number): NodeIndex {
  return ((1 << log2(nodeWidth(nLeaves))) - 1) as NodeIndex;
}

export function left(x: NodeIndex): NodeIndex {
  const k = level(x);
  if (k === 0) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'leaf node has no children');
  return (x ^ (1 << (k - 1))) as NodeIndex;
}

export function right(x: NodeIndex): NodeIndex {
  const k = level(x);
  if (k === 0) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'leaf node has no children');
  return (x ^ (3 << (k - 1))) as NodeIndex;
}

/** Parent of x in a tree with nLeaves leaves (a power of two). */
export function parent(x: NodeIndex, nLeaves: number): NodeIndex {
  if (x === root(nLeaves)) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'root node has no parent');
  const k = level(x);
  const b = (x >>> (k + 1)) & 1;
  return ((x | (1 << k)) ^ (b << (k + 1))) as NodeIndex;
}

export function sibling(x: NodeIndex, nLeaves: number): NodeIndex {
  const p = parent(x, nLeaves);
  return x < p ? right(p) : left(p);
}

/** Direct path of x, from its parent up to the root. */
export function directPath(x: NodeIndex, nLeaves: number): NodeIndex[] {
  const r = root(nLeaves);
  const d: NodeIndex[] = [];
  while (x !== r) {
    x = parent(x, nLeaves);
    d.push(x);
  }
  return d;
}

/** Copath of x: the sibling of each node on the path from x up to (excluding) the root. */
export function copath(x: NodeIndex, nLeaves: number): NodeIndex[] {
  const r = root(nLeaves);
  const d: NodeIndex[] = [];
  while (x !== r) {
    d.push(sibling(x, nLeaves));
    x = parent(x, nLeaves);
  }
  return d;
}

/** Is `descendant` in the subtree rooted at `ancestor` (inclusive)? */
export function isInSubtree(ancestor: NodeIndex, descendant: NodeIndex): boolean {
  const span = (1 << level(ancestor)) - 1;
  return descendant >= ancestor - span && descendant <= ancestor + span;
}

/** The lowest node that is an ancestor of (or equal to) both x and y. */
export function commonAncestor(x: NodeIndex, y: NodeIndex): NodeIndex {
  const lx = level(x) + 1;
  const ly = level(y) + 1;
  if (lx <= ly && x >>> ly === y >>> ly) return y;
  if (ly <= lx && x >>> lx === y >>> lx) return x;
  let xn = x as number;
  let yn = y as number;
  let k = 0;
  while (xn !== yn) {
    xn >>>= 1;
    yn >>>= 1;
    k++;
  }
  return ((xn << k) + (1 << (k - 1)) - 1) as NodeIndex;
}

/** The leaves in the subtree under x, as the half-open range [first, end). */
export function leafRange(x: NodeIndex): [first: LeafIndex, end: LeafIndex] {
  const k = level(x);
  const first = (x >>> (k + 1)) << k;
  return [first as LeafIndex, (first + (1 << k)) as LeafIndex];
}
