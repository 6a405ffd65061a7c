/** RFC 9420 §4.1.1, §4.1.2, §7.7, §12.1.1–§12.1.3, §12.4.3.3: the public tree's operations, one by one. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { NodeType, type Node } from '../../src/ratchet-tree/node.js';
import { PublicTree } from '../../src/ratchet-tree/tree.js';
import { leafIndex, nodeIndex } from '../../src/tree-math/index.js';
import { EMPTY } from '../../src/util/bytes.js';
import { cs, GroupSim, kpLeaf, throwsRule, uniqueKey, updateLeaf } from './helpers.js';

const L = (): Node => ({ nodeType: NodeType.leaf, leafNode: kpLeaf() });
const P = (unmergedLeaves: number[] = []): Node => ({ nodeType: NodeType.parent, parentNode: { encryptionKey: uniqueKey(), parentHash: EMPTY, unmergedLeaves } });
const _ = undefined;

function shape(t: PublicTree): string {
  return t
    .toRatchetTree()
    .map((n) => (n === undefined ? '_' : n.nodeType === NodeType.leaf ? 'L' : `P${n.parentNode.unmergedLeaves.length > 0 ? `[${n.parentNode.unmergedLeaves.join(',')}]` : ''}`))
    .join(' ');
}

describe('construction and export (§12.4.3.3)', () => {
  test('pads a truncated array to a full tree and drops trailing blanks on export', () => {
    const t = PublicTree.fromRatchetTree(cs, [L(), P(), L(), _, L()]);
    assert.equal(t.leafCount, 4);
    assert.equal(t.nodeCount, 7);
    assert.equal(t.memberCount, 3);
    assert.equal(t.root, 3);
    assert.equal(t.toRatchetTree().length, 5);
    assert.equal(shape(t), 'L P L _ L');
  });

  test('a one-member tree', () => {
    const t = PublicTree.create(cs, kpLeaf());
    assert.equal(t.leafCount, 1);
    assert.equal(t.root, 0);
    assert.deepEqual(t.filteredDirectPath(leafIndex(0)), []);
  });

  test('R-12.4.3.3-01: an empty array or a trailing blank is rejected', () => {
    throwsRule(() => PublicTree.fromRatchetTree(cs, []), 'R-12.4.3.3-01');
    throwsRule(() => PublicTree.fromRatchetTree(cs, [L(), _, L(), _]), 'R-12.4.3.3-01');
  });

  test('D-06: a leaf at a parent position, or a parent at a leaf position, is rejected', () => {
    throwsRule(() => PublicTree.fromRatchetTree(cs, [L(), L(), L()]), 'D-06');
    throwsRule(() => PublicTree.fromRatchetTree(cs, [P(), P(), L()]), 'D-06');
  });

  test('decode copies the input: later writes to the caller buffer do not reach the tree', () => {
    const t0 = PublicTree.fromRatchetTree(cs, [L(), P(), L()]);
    const bytes = t0.encode();
    const t = PublicTree.decode(cs, bytes);
    bytes.fill(0);
    assert.deepEqual(t.encode(), t0.encode());
  });
});

describe('Add (§12.1.1, §7.7)', () => {
  test('extends a full tree by doubling; the new member takes the first new leaf', () => {
    const t = PublicTree.create(cs, kpLeaf());
    assert.equal(t.addLeaf(kpLeaf()), 1);
    assert.equal(t.leafCount, 2);
    assert.equal(t.addLeaf(kpLeaf()), 2);
    assert.equal(t.leafCount, 4);
    assert.equal(t.addLeaf(kpLeaf()), 3);
    assert.equal(t.leafCount, 4);
    assert.equal(t.addLeaf(kpLeaf()), 4);
    assert.equal(t.leafCount, 8);
    assert.equal(shape(t), 'L _ L _ L _ L _ L');
  });

  test('takes the leftmost blank leaf', () => {
    const t = PublicTree.fromRatchetTree(cs, [L(), _, _, _, L(), _, L()]);
    assert.equal(t.addLeaf(kpLeaf()), 1);
    assert.equal(t.addLeaf(kpLeaf()), 4);
    assert.equal(t.leafCount, 8);
  });

  test('joins, in sorted order, the unmerged_leaves of every non-blank parent on its direct path', () => {
    const t = PublicTree.fromRatchetTree(cs, [L(), P(), _, P([3]), L(), _, L()]);
    assert.equal(t.addLeaf(kpLeaf()), 1);
    assert.equal(shape(t), 'L P[1] L P[1,3] L _ L');
  });
});

describe('Update (§12.1.2) and Remove (§12.1.3, §7.7)', () => {
  test('Update replaces the leaf and blanks its direct path only', () => {
    const t = PublicTree.fromRatchetTree(cs, [L(), P(), L(), P(), L(), P(), L()]);
    const leaf = updateLeaf(2);
    t.updateLeaf(leafIndex(2), leaf);
    assert.equal(shape(t), 'L P L _ L _ L');
    assert.equal(t.leafNode(leafIndex(2)), leaf);
  });

  test('Remove blanks the leaf and its direct path, then truncates while the right half has no member', () => {
    const t = PublicTree.fromRatchetTree(cs, [L(), P(), L(), P(), L()]);
    t.removeLeaf(leafIndex(2));
    assert.equal(t.leafCount, 2);
    assert.equal(shape(t), 'L P L');
  });

  test('truncation can halve several times, discarding non-blank roots (§7.7)', () => {
    const t = PublicTree.fromRatchetTree(cs, [L(), P(), _, P(), _, _, _, P(), _, _, L()]);
    assert.equal(t.leafCount, 8);
    t.removeLeaf(leafIndex(5));
    assert.equal(t.leafCount, 1);
    assert.equal(shape(t), 'L');
    // The discarded nodes are blank if the tree grows again.
    t.addLeaf(kpLeaf());
    t.addLeaf(kpLeaf());
    assert.equal(shape(t), 'L _ L _ L');
  });

  test('truncation also discards parents of a memberless right half (a crafted tree)', () => {
    const t = PublicTree.fromRatchetTree(cs, [L(), _, L(), _, _, P()]);
    t.removeLeaf(leafIndex(1));
    assert.equal(shape(t), 'L');
    t.addLeaf(kpLeaf());
    t.addLeaf(kpLeaf());
    assert.equal(shape(t), 'L _ L _ L', 'node 5 stayed blank');
    assert.equal(t.nonBlankCount(nodeIndex(5)), 1, 'only leaf 2 below node 5');
  });

  test('no truncation while the right half has a member', () => {
    const t = PublicTree.fromRatchetTree(cs, [L(), _, L(), _, L(), _, L()]);
    t.removeLeaf(leafIndex(1));
    t.removeLeaf(leafIndex(2));
    assert.equal(t.leafCount, 4);
    t.removeLeaf(leafIndex(3));
    assert.equal(t.leafCount, 1);
  });

  test('Update and Remove of a blank leaf are usage errors', () => {
    const t = PublicTree.fromRatchetTree(cs, [L(), _, _, _, L()]);
    assert.throws(() => t.updateLeaf(leafIndex(1), updateLeaf(1)), UsageError);
    assert.throws(() => t.removeLeaf(leafIndex(1)), UsageError);
    assert.throws(() => t.removeLeaf(leafIndex(9)), UsageError);
  });
});

describe('resolution (§4.1.1) and filtered direct path (§4.1.2)', () => {
  test('RFC 9420 Figure 10', () => {
    // A B _ D E F _ H; X = node 3 with unmerged [B]; Y = node 9.
    const t = PublicTree.fromRatchetTree(cs, [L(), _, L(), P([1]), _, _, L(), _, L(), P(), L(), _, _, _, L()]);
    assert.deepEqual(t.resolution(nodeIndex(3)), [3, 2]);
    assert.deepEqual(t.resolution(nodeIndex(4)), []);
    assert.deepEqual(t.resolution(nodeIndex(12)), []);
    assert.deepEqual(t.resolution(nodeIndex(7)), [3, 2, 9, 14]);
    assert.deepEqual(t.resolution(nodeIndex(7), new Set([1, 7])), [3, 9]);
  });

  test('RFC 9420 Figure 11 and its table', () => {
    // A B _ _ E F G _; T = 1, X = 9, Y = 11, W = 7; U, V, Z blank.
    const t = PublicTree.fromRatchetTree(cs, [L(), P(), L(), _, _, _, _, P(), L(), P(), L(), P(), L()]);
    assert.deepEqual(t.filteredDirectPath(leafIndex(0)), [1, 7]);
    assert.deepEqual(t.filteredDirectPath(leafIndex(1)), [1, 7]);
    assert.deepEqual(t.filteredDirectPath(leafIndex(4)), [9, 11, 7]);
    assert.deepEqual(t.filteredDirectPath(leafIndex(5)), [9, 11, 7]);
    assert.deepEqual(t.filteredDirectPath(leafIndex(6)), [11, 7]);
    assert.deepEqual(t.filteredDirectPathWithCopath(leafIndex(6)), [
      { node: 11, copathChild: 9 },
      { node: 7, copathChild: 3 },
    ]);
    assert.deepEqual(t.directPath(leafIndex(6)), [13, 11, 7]);
  });
});

describe('UpdatePath merge (§7.5)', () => {
  test('sets the filtered direct path, blanks the rest of the direct path, replaces the leaf', () => {
    const sim = new GroupSim(false);
    for (let i = 0; i < 4; i++) sim.add();
    sim.remove(leafIndex(3));
    sim.commit(leafIndex(4));
    // Leaf 4's copath: leaf 5 (blank: node 10), node 13 (leaf 6, 7 blank), node 3 (members 0–2).
    assert.deepEqual(sim.tree.filteredDirectPath(leafIndex(4)), [7]);
    assert.equal(shape(sim.tree), 'L _ L _ L _ _ P L');
    assert.throws(() => sim.tree.applyUpdatePath(leafIndex(4), updateLeaf(4), []), UsageError);
  });
});

describe('index', () => {
  test('finds keys and leaves in O(1), and follows changes', () => {
    const sim = new GroupSim(false);
    const a = sim.add();
    const leaf = sim.tree.leafNode(a)!;
    assert.equal(sim.tree.index.signatureKeyHolder(leaf.signatureKey), a);
    assert.equal(sim.tree.index.encryptionKeyHolder(leaf.encryptionKey), a * 2);
    assert.equal(sim.tree.findLeaf(leaf), a);
    assert.equal(sim.tree.findLeaf({ ...leaf, signature: uniqueKey() }), undefined);
    sim.remove(a);
    assert.equal(sim.tree.index.signatureKeyHolder(leaf.signatureKey), undefined);
    assert.equal(sim.tree.index.encryptionKeyHolder(leaf.encryptionKey), undefined);
    assert.equal(sim.tree.memberCount, 1);
  });
});
