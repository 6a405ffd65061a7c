/**
 * RFC 9420 §12.4.3.1 whole-tree validation (with §7.1, §7.8, §7.9.2, §7.3): trees grown by the
 * protocol's operations pass; one negative test per rule, each on a tree changed in exactly one way.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NodeType, type Node, type ParentNode } from '../../src/ratchet-tree/node.js';
import { verifyParentHashes } from '../../src/ratchet-tree/parent-hash.js';
import { treeHash } from '../../src/ratchet-tree/tree-hash.js';
import { validateRatchetTree } from '../../src/ratchet-tree/tree-validation.js';
import { PublicTree } from '../../src/ratchet-tree/tree.js';
import { leafIndex, nodeIndex } from '../../src/tree-math/index.js';
import { cs, GROUP_ID, GroupSim, kpLeaf, NOW, throwsRule, uniqueKey, type Op } from './helpers.js';

function validate(t: PublicTree, options = {}): void {
  validateRatchetTree(t, { groupId: GROUP_ID, treeHash: treeHash(t) }, { now: NOW, ...options });
}

/** The tree with node x replaced (the expected tree hash follows the change, so later checks are reached). */
function changed(t: PublicTree, x: number, f: (n: Node | undefined) => Node | undefined): PublicTree {
  const nodes = t.toRatchetTree();
  while (nodes.length <= x) nodes.push(undefined);
  nodes[x] = f(nodes[x]);
  return PublicTree.fromRatchetTree(cs, nodes);
}
function withParent(t: PublicTree, x: number, f: (p: ParentNode) => ParentNode): PublicTree {
  return changed(t, x, (n) => {
    assert.ok(n?.nodeType === NodeType.parent, `node ${x} is a parent`);
    return { nodeType: NodeType.parent, parentNode: f(n.parentNode) };
  });
}

// Eight members and a history of commits, removes and adds, ending with leaves 5 and 6 added back
// after leaf 0's last commit: the root lists [5, 6] as unmerged leaves, under its right child.
function unmergedTree(): PublicTree {
  const sim = new GroupSim(true);
  for (let i = 0; i < 7; i++) sim.add();
  sim.remove(leafIndex(5));
  sim.commit(leafIndex(4)); // 9 is skipped (leaf 5 blank): sets 11 and 7
  sim.commit(leafIndex(0)); // sets 1, 3 and 7 again
  sim.remove(leafIndex(6)); // blanks 12, 13, 11, 7
  sim.commit(leafIndex(0)); // sets 1, 3, 7
  sim.add(); // leaf 5: unmerged at 7 (9 and 11 are blank)
  sim.add(); // leaf 6: unmerged at 7
  return sim.tree;
}
const T = unmergedTree();

describe('trees grown by the protocol are valid', () => {
  test('a tree with commits, unmerged leaves and blanks', () => {
    assert.deepEqual(T.parentNode(nodeIndex(7))!.unmergedLeaves, [5, 6]);
    validate(T);
  });

  test('random Add / Update / Remove / Commit sequences, really signed, stay valid', () => {
    const opArb: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom<Op['kind']>('add', 'add', 'update', 'remove', 'commit', 'commit'), pick: fc.nat(100) });
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 14 }), (ops) => {
        const sim = new GroupSim(true);
        for (const op of ops) sim.step(op);
        validate(sim.tree);
      }),
      { numRuns: 12 },
    );
  });

  test('leaves nested unmerged lists: a parent below the listing one lists the leaf too', () => {
    const sim = new GroupSim(true);
    for (let i = 0; i < 7; i++) sim.add();
    sim.remove(leafIndex(5));
    sim.commit(leafIndex(4)); // sets 11 and 7
    sim.commit(leafIndex(0)); // sets 1, 3, 7
    sim.add(); // leaf 5: unmerged at 11 and at 7
    assert.deepEqual(sim.tree.parentNode(nodeIndex(11))!.unmergedLeaves, [5]);
    assert.deepEqual(sim.tree.parentNode(nodeIndex(7))!.unmergedLeaves, [5]);
    validate(sim.tree);
    // R-12.4.3.1-12: node 11 lies between leaf 5 and node 7 but no longer lists it.
    throwsRule(() => validate(withParent(sim.tree, 11, (p) => ({ ...p, unmergedLeaves: [] }))), 'R-12.4.3.1-12');
  });
});

describe('structure of unmerged_leaves (§7.1, §12.4.3.1)', () => {
  test('R-7.1-01: strictly increasing', () => {
    throwsRule(() => validate(withParent(T, 7, (p) => ({ ...p, unmergedLeaves: [6, 5] }))), 'R-7.1-01', 'ERR_VALIDATION_RATCHET_TREE');
    throwsRule(() => validate(withParent(T, 7, (p) => ({ ...p, unmergedLeaves: [5, 5, 6] }))), 'R-7.1-01');
  });
  test('R-12.4.3.1-11: each entry is a non-blank leaf below the parent', () => {
    throwsRule(() => validate(withParent(T, 3, (p) => ({ ...p, unmergedLeaves: [5] }))), 'R-12.4.3.1-11');
    throwsRule(() => validate(withParent(T, 7, (p) => ({ ...p, unmergedLeaves: [5, 6, 9] }))), 'R-12.4.3.1-11');
    throwsRule(() => validate(changed(T, 12, () => undefined)), 'R-12.4.3.1-11');
  });
});

describe('keys (§12.4.3.1)', () => {
  test('R-12.4.3.1-13: a parent key held by another parent or by a leaf', () => {
    const rootKey = T.parentNode(nodeIndex(7))!.encryptionKey;
    throwsRule(() => validate(withParent(T, 1, (p) => ({ ...p, encryptionKey: rootKey }))), 'R-12.4.3.1-13', 'ERR_VALIDATION_DUPLICATE_KEY');
    const leafKey = T.leafNode(leafIndex(0))!.encryptionKey;
    throwsRule(() => validate(withParent(T, 3, (p) => ({ ...p, encryptionKey: leafKey }))), 'R-12.4.3.1-13');
  });
});

describe('tree hash (§7.8, R-12.4.3.1-09)', () => {
  test('must equal GroupContext.tree_hash', () => {
    throwsRule(() => validateRatchetTree(T, { groupId: GROUP_ID, treeHash: uniqueKey() }, { now: NOW }), 'R-12.4.3.1-09', 'ERR_VALIDATION_TREE_HASH');
  });
});

describe('parent hashes (§7.9.2, R-7.9.2-01)', () => {
  test('a changed parent_hash, key or unmerged list breaks the chain', () => {
    throwsRule(() => validate(withParent(T, 3, (p) => ({ ...p, parentHash: uniqueKey() }))), 'R-7.9.2-01', 'ERR_VALIDATION_PARENT_HASH');
    throwsRule(() => validate(withParent(T, 1, (p) => ({ ...p, encryptionKey: uniqueKey() }))), 'R-7.9.2-01');
    // Leaf 6 stops being unmerged at the root: the root's resolution-minus-D condition fails.
    throwsRule(() => validate(withParent(T, 7, (p) => ({ ...p, unmergedLeaves: [5] }))), 'R-7.9.2-01');
  });
  test('a parent no leaf chains to (an inserted key) is not parent-hash valid', () => {
    throwsRule(() => verifyParentHashes(changed(T, 13, () => ({ nodeType: NodeType.parent, parentNode: { encryptionKey: uniqueKey(), parentHash: new Uint8Array(0), unmergedLeaves: [] } }))), 'R-7.9.2-01');
  });
  test('the original sibling tree hash blanks the parent’s unmerged leaves (§7.9)', () => {
    // Node 3's chain from leaf 0 was made before leaves 5 and 6 came back; the root's sibling-side
    // hash (node 11's subtree) must be computed without them, or verification fails.
    verifyParentHashes(T);
  });
});

describe('every leaf (§7.3 in the tree context, R-12.4.3.1-10)', () => {
  // A tree of Adds only: no parent hash involves the leaves, so each change trips only the leaf rule.
  const sim = new GroupSim(true);
  for (let i = 0; i < 4; i++) sim.add();
  const A = sim.tree;
  test('the tree is valid', () => validate(A));
  test('R-7.3-02: a bad leaf signature', () => {
    throwsRule(() => validate(changed(A, 4, (n) => (n?.nodeType === NodeType.leaf ? { nodeType: NodeType.leaf, leafNode: { ...n.leafNode, signature: uniqueKey() } } : n))), 'R-7.3-02');
  });
  test('R-7.3-11: two leaves with one signature key', () => {
    const other = A.leafNode(leafIndex(1))!;
    throwsRule(() => validate(changed(A, 6, () => ({ nodeType: NodeType.leaf, leafNode: { ...kpLeaf(), signatureKey: other.signatureKey } }))), 'R-7.3-11');
  });
  test('R-7.3-12: two leaves with one encryption key', () => {
    const other = A.leafNode(leafIndex(1))!;
    throwsRule(() => validate(changed(A, 6, () => ({ nodeType: NodeType.leaf, leafNode: kpLeaf(sim.signers.get(3), { encryptionKey: other.encryptionKey }) }))), 'R-7.3-12');
  });
  test('R-5.3.1-02: the application rejects a credential', () => {
    throwsRule(() => validate(A, { validateCredential: (_c: unknown, _k: unknown, l: unknown) => l !== 2 }), 'R-5.3.1-02');
  });
  test('S-7.3-01: expired key_package lifetimes unless the check is off', () => {
    const expired = changed(A, 2, () => ({ nodeType: NodeType.leaf, leafNode: kpLeaf(sim.signers.get(1), { lifetime: { notBefore: 0n, notAfter: NOW - 1n } }) }));
    throwsRule(() => validate(expired), 'S-7.3-01');
    validate(expired, { checkLifetime: false });
  });
});
