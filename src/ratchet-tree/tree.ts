/**
 * RFC 9420 §4.1.1 (resolution, unmerged leaves), §4.1.2 (direct path, copath, filtered direct path),
 * §7.7 (adding and removing leaves: extending and truncating), §12.1.1–§12.1.3 (applying Add, Update
 * and Remove), §7.5 (merging an UpdatePath), §12.4.3.3 (the ratchet_tree array: trailing blanks
 * dropped, padded back on receipt) and Appendix C (the array layout): the public ratchet tree.
 *
 * Storage. Node i of the array tree lives at position i (leaf L at 2L). Besides the nodes, a tree
 * keeps three things per node and one index, all maintained incrementally so that every operation
 * on one path costs O(log n) and nothing rescans the tree:
 *
 * - the cached tree hash (tree-hash.ts computes, this file invalidates node + ancestors on change);
 * - the number of non-blank leaves and of non-blank parents below the node, which answer in O(log n)
 *   "is this resolution empty?" (filtered direct path, §4.1.2), "where is the leftmost blank leaf?"
 *   (Add, §12.1.1) and "where is the rightmost non-blank leaf?" (truncation, §12.1.3);
 * - the tree index (tree-index.ts): key → holder and credential-type counters.
 *
 * Stage, then merge. All of these are copy-on-write (cow.ts): `fork()` returns an independent tree
 * in O(pending changes) — O(1) for a merged tree — and `merge()` folds a fork's changes into the
 * shared storage in O(changes). A Commit is processed on a fork; a rejected Commit just drops the
 * fork; an accepted one is merged. Trees that share storage stay independent values: merging one
 * gives every other live tree undo entries for what it changed, so an older epoch's tree still reads
 * its own nodes.
 *
 * Invariants every view keeps (the property tests check them against a recomputation):
 * 1. Every node at or beyond the node width is blank in the view.
 * 2. Counts are exact for every node below the width, and 0 for the nodes of the blank region
 *    right of it. Nodes on the leftmost spine above the root (indices 2^k − 1 beyond the width)
 *    are not maintained; extending the tree recomputes the one that becomes the new root.
 * 3. Hash cache: a present entry for a node below the width equals that node's tree hash. Any change
 *    of a node invalidates it and all its ancestors up to the root; extending the tree invalidates
 *    the new root (the only node above the old root whose subtree holds old nodes). Entries in the
 *    blank region right of the width were either invalidated or computed for blank nodes at the same
 *    positions — and a blank subtree's hash depends only on its position — so they stay true when the
 *    tree extends over them again.
 */
import { decode, encode } from '../codec/codec.js';
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { InternalError, UsageError, ValidationError } from '../errors.js';
import { isLeaf, level, MAX_LEAVES, nodeWidth, root, type LeafIndex, type NodeIndex } from '../tree-math/index.js';
import { bytesEqual } from '../util/bytes.js';
import { CowArray, CowSlab } from './cow.js';
import { leafNodeCodec, NodeType, ratchetTreeCodec, type LeafNode, type Node, type ParentNode, type RatchetTree } from './node.js';
import { TreeIndex } from './tree-index.js';

/** The read-only queries of the tree index (tree-index.ts). */
export interface TreeIndexView {
  readonly members: number;
  signatureKeyHolder(key: Uint8Array): LeafIndex | undefined;
  encryptionKeyHolder(key: Uint8Array): NodeIndex | undefined;
  membersUsing(credentialType: number): number;
  membersSupporting(credentialType: number): number;
  credentialTypesInUse(): number[];
}

/** A node of the filtered direct path with its child on the copath (§4.1.2). */
export interface FilteredPathEntry {
  readonly node: NodeIndex;
  readonly copathChild: NodeIndex;
}

/** What the views of one storage share: the list of live views, for undo entries on merge. */
interface Shared {
  readonly views: Set<WeakRef<PublicTree>>;
}

// Index arithmetic for the hot loops, on plain numbers: the Appendix C formulas of tree-math.ts
// without the range checks (callers stay inside the tree). parentOf(x) sets bit k and clears bit
// k + 1, k being the level of x; never call it on the root.
function parentOf(x: number): number {
  const k = level(x as NodeIndex);
  return (x | (1 << k)) & ~(1 << (k + 1));
}
function leftOf(x: number): number {
  return x ^ (1 << (level(x as NodeIndex) - 1));
}
function rightOf(x: number): number {
  return x ^ (3 << (level(x as NodeIndex) - 1));
}

export class PublicTree {
  /** The suite every hash of this tree is computed with. */
  readonly suite: CipherSuite;
  readonly #shared: Shared;
  readonly #nodes: CowArray<Node>;
  readonly #hashes: CowSlab;
  /** Non-blank leaves in the subtree of each node (`undefined` reads as 0). */
  readonly #leafCounts: CowArray<number>;
  /** Non-blank parents in the subtree of each node, the node itself included. */
  readonly #parentCounts: CowArray<number>;
  readonly #index: TreeIndex;
  /** Number of leaves: a power of two (§7.7). */
  #width: number;

  private constructor(
    suite: CipherSuite,
    shared: Shared,
    nodes: CowArray<Node>,
    hashes: CowSlab,
    leafCounts: CowArray<number>,
    parentCounts: CowArray<number>,
    index: TreeIndex,
    width: number,
  ) {
    this.suite = suite;
    this.#shared = shared;
    this.#nodes = nodes;
    this.#hashes = hashes;
    this.#leafCounts = leafCounts;
    this.#parentCounts = parentCounts;
    this.#index = index;
    this.#width = width;
    shared.views.add(new WeakRef(this));
  }

  // -------------------------------------------------------------------------------------------
  // Construction and export

  /**
   * The tree of a decoded ratchet_tree (§12.4.3.3): checks that the array is non-empty and ends in
   * a non-blank node (R-12.4.3.3-01) and that leaves sit at even and parents at odd positions
   * (D-06), then pads it with blanks to a full tree. O(n).
   *
   * The tree takes the nodes as they are: it never modifies them, but decoded nodes view the bytes
   * they were decoded from, so those bytes must not be reused by the caller. `decode()` below makes
   * the one copy that guarantees this.
   */
  static fromRatchetTree(suite: CipherSuite, nodes: RatchetTree): PublicTree {
    const n = nodes.length;
    if (n === 0) throw new ValidationError('ERR_VALIDATION_RATCHET_TREE', 'R-12.4.3.3-01', 'ratchet_tree is empty', { field: 'ratchet_tree' });
    if (nodes[n - 1] === undefined) {
      throw new ValidationError('ERR_VALIDATION_RATCHET_TREE', 'R-12.4.3.3-01', 'ratchet_tree ends with a blank node', { field: 'ratchet_tree' });
    }
    if (n > nodeWidth(MAX_LEAVES)) throw new UsageError('ERR_USAGE_UNSUPPORTED', `a ratchet_tree of ${n} nodes exceeds the ${MAX_LEAVES}-leaf maximum`);
    let width = 1;
    while (nodeWidth(width) < n) width *= 2;
    const total = nodeWidth(width);
    const base: (Node | undefined)[] = nodes.slice();
    while (base.length < total) base.push(undefined);
    const leafCounts: number[] = new Array<number>(total).fill(0);
    const parentCounts: number[] = new Array<number>(total).fill(0);
    for (let x = 0; x < n; x++) {
      const node = base[x];
      if (node === undefined) continue;
      const wantLeaf = (x & 1) === 0;
      if ((node.nodeType === NodeType.leaf) !== wantLeaf) {
        throw new ValidationError('ERR_VALIDATION_RATCHET_TREE', 'D-06', `ratchet_tree[${x}] is a ${wantLeaf ? 'parent' : 'leaf'} node at a ${wantLeaf ? 'leaf' : 'parent'} position`, {
          field: 'ratchet_tree',
        });
      }
      if (wantLeaf) leafCounts[x] = 1;
      else parentCounts[x] = 1;
    }
    // Counts bottom-up, level by level: nodes of level k are (2^k − 1) + j·2^(k+1).
    for (let k = 1; (1 << k) <= width; k++) {
      const half = 1 << (k - 1);
      for (let x = (1 << k) - 1; x < total; x += 1 << (k + 1)) {
        leafCounts[x] = leafCounts[x - half]! + leafCounts[x + half]!;
        parentCounts[x] = parentCounts[x]! + parentCounts[x - half]! + parentCounts[x + half]!;
      }
    }
    return new PublicTree(
      suite,
      { views: new Set() },
      CowArray.over(base),
      CowSlab.create(suite.Nh),
      CowArray.over(leafCounts),
      CowArray.over(parentCounts),
      TreeIndex.build(base),
      width,
    );
  }

  /** Decodes a serialized ratchet_tree from a private copy of `bytes`, so the tree aliases no caller buffer. */
  static decode(suite: CipherSuite, bytes: Uint8Array): PublicTree {
    return PublicTree.fromRatchetTree(suite, decode(ratchetTreeCodec, bytes.slice()));
  }

  /** The one-member tree of a new group (§11). */
  static create(suite: CipherSuite, leaf: LeafNode): PublicTree {
    return PublicTree.fromRatchetTree(suite, [{ nodeType: NodeType.leaf, leafNode: leaf }]);
  }

  /** The ratchet_tree array (§12.4.3.3): blank nodes after the last non-blank node are dropped. */
  toRatchetTree(): (Node | undefined)[] {
    let last = nodeWidth(this.#width) - 1;
    while (last >= 0 && this.#nodes.get(last) === undefined) last--;
    const out = new Array<Node | undefined>(last + 1);
    for (let x = 0; x <= last; x++) out[x] = this.#nodes.get(x);
    return out;
  }

  /** The serialized ratchet_tree extension body. */
  encode(): Uint8Array {
    return encode(ratchetTreeCodec, this.toRatchetTree());
  }

  // -------------------------------------------------------------------------------------------
  // Stage, then merge

  /** An independent copy that shares storage until either side changes: O(pending changes). */
  fork(): PublicTree {
    return new PublicTree(
      this.suite,
      this.#shared,
      this.#nodes.fork(),
      this.#hashes.fork(),
      this.#leafCounts.fork(),
      this.#parentCounts.fork(),
      this.#index.fork(),
      this.#width,
    );
  }

  /**
   * Folds this tree's changes into the shared storage, so reads are direct again and the next fork
   * is O(1). Other trees sharing the storage are unaffected (they get undo entries). O(changes ×
   * live trees sharing the storage).
   */
  merge(): void {
    const others: PublicTree[] = [];
    for (const ref of this.#shared.views) {
      const t = ref.deref();
      if (t === undefined) this.#shared.views.delete(ref);
      else if (t !== this) others.push(t);
    }
    this.#nodes.promote(others.map((o) => o.#nodes));
    this.#hashes.promote(others.map((o) => o.#hashes));
    this.#leafCounts.promote(others.map((o) => o.#leafCounts));
    this.#parentCounts.promote(others.map((o) => o.#parentCounts));
    this.#index.promote(others.map((o) => o.#index));
  }

  /** Entries changed since the last merge (what the next fork or merge costs). */
  get pendingChanges(): number {
    return this.#nodes.pending + this.#hashes.pending + this.#leafCounts.pending + this.#parentCounts.pending + this.#index.pending;
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  /** Number of leaves, blank or not: a power of two. */
  get leafCount(): number {
    return this.#width;
  }

  /** Number of nodes: 2·leafCount − 1. */
  get nodeCount(): number {
    return nodeWidth(this.#width);
  }

  /** Number of non-blank leaves (members). */
  get memberCount(): number {
    return this.#index.members;
  }

  get root(): NodeIndex {
    return root(this.#width);
  }

  get index(): TreeIndexView {
    return this.#index;
  }

  /** Node x, or undefined when blank (or beyond the tree). */
  node(x: NodeIndex): Node | undefined {
    return x < nodeWidth(this.#width) ? this.#nodes.get(x) : undefined;
  }

  isBlank(x: NodeIndex): boolean {
    return this.node(x) === undefined;
  }

  leafNode(leaf: LeafIndex): LeafNode | undefined {
    const n = leaf < this.#width ? this.#nodes.get(leaf * 2) : undefined;
    return n?.nodeType === NodeType.leaf ? n.leafNode : undefined;
  }

  parentNode(x: NodeIndex): ParentNode | undefined {
    const n = this.node(x);
    return n?.nodeType === NodeType.parent ? n.parentNode : undefined;
  }

  /** The non-blank leaves, left to right. O(leafCount). */
  *leaves(): IterableIterator<[LeafIndex, LeafNode]> {
    for (let l = 0; l < this.#width; l++) {
      const n = this.#nodes.get(l * 2);
      if (n?.nodeType === NodeType.leaf) yield [l as LeafIndex, n.leafNode];
    }
  }

  /** The non-blank parent nodes, left to right. O(nodeCount). */
  *parents(): IterableIterator<[NodeIndex, ParentNode]> {
    const total = nodeWidth(this.#width);
    for (let x = 1; x < total; x += 2) {
      const n = this.#nodes.get(x);
      if (n?.nodeType === NodeType.parent) yield [x as NodeIndex, n.parentNode];
    }
  }

  /** The leaf whose LeafNode encodes identically to `leaf` (R-12.4.3.1-14), found through its signature key. */
  findLeaf(leaf: LeafNode): LeafIndex | undefined {
    const l = this.#index.signatureKeyHolder(leaf.signatureKey);
    if (l === undefined) return undefined;
    const mine = this.leafNode(l);
    return mine !== undefined && bytesEqual(encode(leafNodeCodec, mine), encode(leafNodeCodec, leaf)) ? l : undefined;
  }

  /** Number of non-blank nodes (leaves and parents) in the subtree of x. */
  nonBlankCount(x: NodeIndex): number {
    this.#checkNode(x);
    return (this.#leafCounts.get(x) ?? 0) + (this.#parentCounts.get(x) ?? 0);
  }

  // -------------------------------------------------------------------------------------------
  // Paths and resolution (§4.1.1, §4.1.2)

  /**
   * The resolution of node x (§4.1.1): x itself and its unmerged leaves if x is non-blank, else the
   * resolutions of its children, left first. Leaves in `excludeLeaves` are left out wherever they
   * would appear — TreeKEM passes the leaves added by the Commit being created or processed
   * (R-7.6-01). O(size of the result + blank nodes above it), with all-blank subtrees skipped.
   */
  resolution(x: NodeIndex, excludeLeaves?: ReadonlySet<number>): NodeIndex[] {
    this.#checkNode(x);
    const out: NodeIndex[] = [];
    this.#resolve(x, out, excludeLeaves);
    return out;
  }

  #resolve(x: number, out: NodeIndex[], exclude: ReadonlySet<number> | undefined): void {
    const n = this.#nodes.get(x);
    if (n !== undefined) {
      if (n.nodeType === NodeType.leaf) {
        if (exclude === undefined || !exclude.has(x >>> 1)) out.push(x as NodeIndex);
      } else {
        out.push(x as NodeIndex);
        for (const l of n.parentNode.unmergedLeaves) if (exclude === undefined || !exclude.has(l)) out.push((l * 2) as NodeIndex);
      }
      return;
    }
    if ((x & 1) === 0) return;
    if ((this.#leafCounts.get(x) ?? 0) + (this.#parentCounts.get(x) ?? 0) === 0) return;
    this.#resolve(leftOf(x), out, exclude);
    this.#resolve(rightOf(x), out, exclude);
  }

  /** The direct path of leaf L: its parent up to the root (§4.1.2). */
  directPath(leaf: LeafIndex): NodeIndex[] {
    this.#checkLeaf(leaf);
    const r = root(this.#width);
    const out: NodeIndex[] = [];
    for (let x = leaf * 2; x !== r; ) {
      x = parentOf(x);
      out.push(x as NodeIndex);
    }
    return out;
  }

  /**
   * The filtered direct path of leaf L (§4.1.2) with each node's copath child: the direct path
   * without the nodes whose copath child has an empty resolution. Unmerged leaves count toward a
   * resolution, and leaves added by the current Commit are not excluded here (only from the
   * encryption, R-7.6-01). O(log n) through the subtree counts.
   */
  filteredDirectPathWithCopath(leaf: LeafIndex): FilteredPathEntry[] {
    this.#checkLeaf(leaf);
    const r = root(this.#width);
    const out: FilteredPathEntry[] = [];
    for (let x = leaf * 2; x !== r; ) {
      const p = parentOf(x);
      const s = x < p ? rightOf(p) : leftOf(p);
      if ((this.#leafCounts.get(s) ?? 0) + (this.#parentCounts.get(s) ?? 0) > 0) out.push({ node: p as NodeIndex, copathChild: s as NodeIndex });
      x = p;
    }
    return out;
  }

  filteredDirectPath(leaf: LeafIndex): NodeIndex[] {
    return this.filteredDirectPathWithCopath(leaf).map((e) => e.node);
  }

  // -------------------------------------------------------------------------------------------
  // Changing the tree (§7.7, §12.1, §7.5)

  /**
   * Applies an Add (§12.1.1): the new member takes the leftmost blank leaf, or the first leaf of a
   * new right half if the tree is full (§7.7 extend); its index joins, in sorted position (§7.1,
   * R-7.1-01), the unmerged_leaves of every non-blank parent on its direct path. Returns the leaf.
   */
  addLeaf(leaf: LeafNode): LeafIndex {
    let l = this.#leftmostBlankLeaf();
    if (l < 0) {
      l = this.#width;
      this.#extend();
    }
    const r = root(this.#width);
    for (let x = l * 2; x !== r; ) {
      x = parentOf(x);
      const p = this.#nodes.get(x);
      if (p?.nodeType === NodeType.parent) {
        this.#setNode(x, { nodeType: NodeType.parent, parentNode: { ...p.parentNode, unmergedLeaves: insertSorted(p.parentNode.unmergedLeaves, l) } });
      }
    }
    this.#setNode(l * 2, { nodeType: NodeType.leaf, leafNode: leaf });
    return l as LeafIndex;
  }

  /** Applies an Update (§12.1.2): replaces the sender's leaf and blanks its direct path. */
  updateLeaf(leaf: LeafIndex, leafNode: LeafNode): void {
    this.#requireMember(leaf);
    this.#setNode(leaf * 2, { nodeType: NodeType.leaf, leafNode });
    this.#blankDirectPath(leaf);
  }

  /**
   * Applies a Remove (§12.1.3): blanks the leaf and its direct path, then truncates the tree to
   * 2^d leaves with d the smallest value such that 2^d exceeds the rightmost non-blank leaf (§7.7).
   */
  removeLeaf(leaf: LeafIndex): void {
    this.#requireMember(leaf);
    this.#setNode(leaf * 2, undefined);
    this.#blankDirectPath(leaf);
    this.#truncate();
  }

  /**
   * Merges an UpdatePath (§7.5): blanks the direct path of `leaf`, sets the nodes of its filtered
   * direct path (computed before the change) to `pathNodes` in order, bottom-up, and sets the leaf.
   * TreeKEM checks the path length with its rule id (R-7.5-01) before calling this; a mismatch here
   * is a usage error.
   */
  applyUpdatePath(leaf: LeafIndex, leafNode: LeafNode, pathNodes: readonly ParentNode[]): void {
    this.#requireMember(leaf);
    const fdp = this.filteredDirectPathWithCopath(leaf);
    if (fdp.length !== pathNodes.length) {
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `UpdatePath has ${pathNodes.length} nodes, the filtered direct path ${fdp.length}`);
    }
    const r = root(this.#width);
    let k = 0;
    for (let x = leaf * 2; x !== r; ) {
      x = parentOf(x);
      const e = fdp[k];
      if (e !== undefined && e.node === x) {
        this.#setNode(x, { nodeType: NodeType.parent, parentNode: pathNodes[k]! });
        k++;
      } else {
        this.#setNode(x, undefined);
      }
    }
    this.#setNode(leaf * 2, { nodeType: NodeType.leaf, leafNode });
  }

  /** Sets or blanks one parent node (for TreeKEM and tests; protocol changes use the methods above). */
  setParentNode(x: NodeIndex, parentNode: ParentNode | undefined): void {
    this.#checkNode(x);
    if (isLeaf(x)) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `node ${x} is a leaf`);
    this.#setNode(x, parentNode === undefined ? undefined : { nodeType: NodeType.parent, parentNode });
  }

  // -------------------------------------------------------------------------------------------
  // Hash cache (tree-hash.ts computes; this class only stores and invalidates)

  /**
   * The cached tree hash of x, if valid. For tree-hash.ts: the value is a view into the cache,
   * valid until the tree changes — copy it to keep it.
   */
  cachedTreeHash(x: NodeIndex): Uint8Array | undefined {
    return this.#hashes.get(x);
  }

  /** Stores the tree hash of x. For tree-hash.ts, which computes it with `suite`. */
  storeTreeHash(x: NodeIndex, hash: Uint8Array): void {
    this.#checkNode(x);
    this.#hashes.setCached(x, hash);
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  #checkNode(x: number): void {
    if (!Number.isInteger(x) || x < 0 || x >= nodeWidth(this.#width)) {
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `node ${x} is outside the tree of ${this.#width} leaves`);
    }
  }

  #checkLeaf(l: number): void {
    if (!Number.isInteger(l) || l < 0 || l >= this.#width) {
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `leaf ${l} is outside the tree of ${this.#width} leaves`);
    }
  }

  #requireMember(l: LeafIndex): void {
    this.#checkLeaf(l);
    if (this.#nodes.get(l * 2) === undefined) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `leaf ${l} is blank`);
  }

  /** The one place nodes change: keeps the index, the counts and the hash cache in step. */
  #setNode(x: number, node: Node | undefined): void {
    const old = this.#nodes.get(x);
    if (old === undefined && node === undefined) return;
    if (old !== undefined) {
      if (old.nodeType === NodeType.leaf) this.#index.removeLeaf((x >>> 1) as LeafIndex, old.leafNode);
      else this.#index.removeParent(x as NodeIndex, old.parentNode);
    }
    if (node !== undefined) {
      if (node.nodeType === NodeType.leaf) this.#index.addLeaf((x >>> 1) as LeafIndex, node.leafNode);
      else this.#index.addParent(x as NodeIndex, node.parentNode);
    }
    this.#nodes.set(x, node);
    const delta = (node === undefined ? 0 : 1) - (old === undefined ? 0 : 1);
    const counts = (x & 1) === 0 ? this.#leafCounts : this.#parentCounts;
    const r = root(this.#width);
    for (let y = x; ; y = parentOf(y)) {
      if (delta !== 0) counts.set(y, (counts.get(y) ?? 0) + delta);
      this.#hashes.set(y, undefined);
      if (y === r) break;
    }
  }

  #blankDirectPath(l: number): void {
    const r = root(this.#width);
    for (let x = l * 2; x !== r; ) {
      x = parentOf(x);
      this.#setNode(x, undefined);
    }
  }

  /** -1 if every leaf is occupied. O(log n): descend into the left child unless its leaves are all occupied. */
  #leftmostBlankLeaf(): number {
    let x = root(this.#width) as number;
    if ((this.#leafCounts.get(x) ?? 0) === this.#width) return -1;
    while ((x & 1) === 1) {
      const l = leftOf(x);
      x = (this.#leafCounts.get(l) ?? 0) < 1 << level(l as NodeIndex) ? l : rightOf(x);
    }
    return x >>> 1;
  }

  /** -1 if every leaf is blank. O(log n). */
  #rightmostMember(): number {
    let x = root(this.#width) as number;
    if ((this.#leafCounts.get(x) ?? 0) === 0) return -1;
    while ((x & 1) === 1) {
      const rc = rightOf(x);
      x = (this.#leafCounts.get(rc) ?? 0) > 0 ? rc : leftOf(x);
    }
    return x >>> 1;
  }

  /** §7.7: a new blank root whose left subtree is the old tree and right subtree is blank. */
  #extend(): void {
    if (this.#width * 2 > MAX_LEAVES) throw new UsageError('ERR_USAGE_UNSUPPORTED', `a tree cannot grow beyond ${MAX_LEAVES} leaves`);
    const oldRoot = root(this.#width);
    this.#width *= 2;
    const r = root(this.#width);
    if (this.#nodes.get(r) !== undefined) throw new InternalError('PublicTree: node beyond the tree is not blank');
    // Invariants 2 and 3 (file header): the new root is the one node whose stored entries may be stale.
    this.#leafCounts.set(r, this.#leafCounts.get(oldRoot) ?? 0);
    this.#parentCounts.set(r, this.#parentCounts.get(oldRoot) ?? 0);
    this.#hashes.set(r, undefined);
  }

  /** §7.7 / §12.1.3: discard the root and the right half while no member is in the right half. */
  #truncate(): void {
    const last = this.#rightmostMember();
    let target = 1;
    while (target <= last) target *= 2;
    while (this.#width > target) {
      const r = root(this.#width);
      // The right half has no member. In a valid tree it has no non-blank parent either (a parent
      // chains to a leaf below it, §7.9.2), but blank any that a crafted tree carries, so that
      // everything beyond the width stays blank (invariant 1).
      this.#blankParents(rightOf(r));
      this.#setNode(r, undefined);
      this.#width /= 2;
    }
  }

  #blankParents(x: number): void {
    if ((x & 1) === 0 || (this.#parentCounts.get(x) ?? 0) === 0) return;
    this.#setNode(x, undefined);
    this.#blankParents(leftOf(x));
    this.#blankParents(rightOf(x));
  }
}

/** A copy of a sorted list with `v` inserted in order (no-op copy if present). */
function insertSorted(list: readonly number[], v: number): number[] {
  let i = list.length;
  while (i > 0 && list[i - 1]! > v) i--;
  if (i > 0 && list[i - 1] === v) return list.slice();
  const out = list.slice(0, i);
  out.push(v);
  for (let j = i; j < list.length; j++) out.push(list[j]!);
  return out;
}

