/**
 * RFC 9420 §12.4.3.1 ("Verify the integrity of the ratchet tree"), with §7.1 (unmerged_leaves
 * sorted), §7.8 (tree hash), §7.9.2 (parent hashes) and §7.3 (every leaf): whole-tree validation
 * for a client joining a group, by Welcome or by external Commit. Linear in the number of
 * nodes n and of unmerged-leaf entries u, up to log factors (binary searches; at most u·log n
 * hashes for original sibling tree hashes, see parent-hash.ts); no step is quadratic. One signature
 * verification per member dominates the total.
 *
 * Checks, cheapest first, so a malformed tree is rejected before any signature is verified:
 *   R-12.4.3.3-01, D-06  (PublicTree.fromRatchetTree) non-empty, no trailing blank, leaves at even positions
 *   R-7.1-01       every unmerged_leaves list is strictly increasing
 *   R-12.4.3.1-11  each entry is a non-blank leaf below the parent
 *   R-12.4.3.1-12  every non-blank node between that leaf and the parent lists it too
 *   R-12.4.3.1-13  no other node has a parent's encryption_key (for every parent, A-8)
 *   R-12.4.3.1-09  the tree hash equals GroupContext.tree_hash
 *   R-7.9.2-01     every non-blank parent is parent-hash valid
 *   R-12.4.3.1-10  every leaf passes §7.3 in the tree context (leaf-validation.ts), its credential
 *                  checked by the application's validator (R-5.3.1-02) when one is given
 */
import { ValidationError } from '../errors.js';
import type { RequiredCapabilities } from '../extensions/extension.js';
import { isLeaf, leafRange, left, right, type LeafIndex, type NodeIndex } from '../tree-math/index.js';
import { bytesEqual } from '../util/bytes.js';
import { validateLeafNode, type LeafValidationOptions } from './leaf-validation.js';
import { NodeType, type ParentNode } from './node.js';
import { verifyParentHashes } from './parent-hash.js';
import { treeHash } from './tree-hash.js';
import type { PublicTree } from './tree.js';

/** The parts of the GroupContext the tree is checked against. */
export interface TreeValidationParams {
  readonly groupId: Uint8Array;
  /** GroupContext.tree_hash (R-12.4.3.1-09, R-12.4.3.3-02). */
  readonly treeHash: Uint8Array;
  /** GroupContext.version (default mls10). */
  readonly version?: number;
  /** The required_capabilities extension of the GroupContext, if any. */
  readonly requiredCapabilities?: RequiredCapabilities;
}

const CODE = 'ERR_VALIDATION_RATCHET_TREE' as const;

/** Validates a whole ratchet tree for joining (§12.4.3.1). Throws a ValidationError with the rule id. */
export function validateRatchetTree(tree: PublicTree, params: TreeValidationParams, options: LeafValidationOptions = {}): void {
  checkUnmergedLeaves(tree);
  checkParentKeysUnique(tree);
  if (!bytesEqual(treeHash(tree), params.treeHash)) {
    throw new ValidationError('ERR_VALIDATION_TREE_HASH', 'R-12.4.3.1-09', 'the tree hash of the ratchet tree does not match GroupContext.tree_hash', {
      field: 'GroupContext.tree_hash',
    });
  }
  verifyParentHashes(tree);
  const base = { context: 'tree', groupId: params.groupId, tree, version: params.version, requiredCapabilities: params.requiredCapabilities } as const;
  for (const [l, leaf] of tree.leaves()) {
    validateLeafNode(tree.suite, leaf, { ...base, leafIndex: l }, options);
  }
}

/**
 * R-7.1-01, R-12.4.3.1-11 and R-12.4.3.1-12 in O(n log u + u). For R-12.4.3.1-12 it suffices that
 * each non-blank node X lists every unmerged leaf below X of its nearest non-blank parent ancestor A:
 * by induction the lists then nest all the way up. A's entries below X form one contiguous run of
 * its sorted list (found by binary search), and the X below one A have disjoint subtrees, so each
 * entry is compared once.
 */
export function checkUnmergedLeaves(tree: PublicTree): void {
  for (const [p, node] of tree.parents()) {
    const [first, end] = leafRange(p);
    const list = node.unmergedLeaves;
    for (let i = 0; i < list.length; i++) {
      const l = list[i]!;
      if (i > 0 && l <= list[i - 1]!) {
        throw new ValidationError(CODE, 'R-7.1-01', `unmerged_leaves of node ${p} is not strictly increasing`, { field: 'ParentNode.unmerged_leaves' });
      }
      if (l < first || l >= end) {
        throw new ValidationError(CODE, 'R-12.4.3.1-11', `unmerged leaf ${l} of node ${p} is not below it`, { field: 'ParentNode.unmerged_leaves' });
      }
      if (tree.leafNode(l as LeafIndex) === undefined) {
        throw new ValidationError(CODE, 'R-12.4.3.1-11', `unmerged leaf ${l} of node ${p} is blank`, { field: 'ParentNode.unmerged_leaves' });
      }
    }
  }
  nest(tree, tree.root, undefined);
}

function nest(tree: PublicTree, x: NodeIndex, ancestor: ParentNode | undefined): void {
  const n = tree.node(x);
  if (n !== undefined && ancestor !== undefined && !isLeaf(x) && ancestor.unmergedLeaves.length > 0) {
    const [first, end] = leafRange(x);
    const a = ancestor.unmergedLeaves;
    const own = n.nodeType === NodeType.parent ? n.parentNode.unmergedLeaves : [];
    let j = 0;
    for (let i = lowerBound(a, first); i < a.length && a[i]! < end; i++) {
      const l = a[i]!;
      while (j < own.length && own[j]! < l) j++;
      if (own[j] !== l) {
        throw new ValidationError(CODE, 'R-12.4.3.1-12', `node ${x} lies between unmerged leaf ${l} and an ancestor listing it, but does not list it`, {
          field: 'ParentNode.unmerged_leaves',
        });
      }
    }
  }
  if (isLeaf(x) || tree.nonBlankCount(x) === 0) return;
  const next = n?.nodeType === NodeType.parent ? n.parentNode : ancestor;
  nest(tree, left(x), next);
  nest(tree, right(x), next);
}

function lowerBound(a: readonly number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** R-12.4.3.1-13: each parent's encryption_key is held by no other node. O(1) per parent via the index. */
export function checkParentKeysUnique(tree: PublicTree): void {
  for (const [p, node] of tree.parents()) {
    const holder = tree.index.encryptionKeyHolder(node.encryptionKey);
    if (holder !== p) {
      throw new ValidationError('ERR_VALIDATION_DUPLICATE_KEY', 'R-12.4.3.1-13', `the encryption_key of parent node ${p} also appears in node ${holder ?? '?'}`, {
        field: 'ParentNode.encryption_key',
      });
    }
  }
}
