/**
 * Property tests of the public tree: random Add / Update / Remove / Commit sequences, checked after
 * every step against references computed from scratch (tree hashes §7.8, resolutions §4.1.1,
 * filtered direct paths §4.1.2, subtree counts, the index, parent-hash validity §7.9.2), the
 * ratchet_tree round trip (§12.4.3.3), and the isolation of forks before and after merging.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CipherSuite } from '../../src/crypto/cipher-suite.js';
import { NodeType, type Node } from '../../src/ratchet-tree/node.js';
import { verifyParentHashes } from '../../src/ratchet-tree/parent-hash.js';
import { treeHash, treeHashesFromScratch, treeHashWithout } from '../../src/ratchet-tree/tree-hash.js';
import { PublicTree } from '../../src/ratchet-tree/tree.js';
import { leafIndex, leafRange, nodeIndex } from '../../src/tree-math/index.js';
import { cs, GroupSim, naiveCount, naiveFilteredDirectPath, naiveResolution, padded, type Op } from './helpers.js';

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<Op['kind']>('add', 'add', 'add', 'update', 'remove', 'remove', 'commit', 'commit'),
  pick: fc.nat(1000),
});
const opsArb = (max: number) => fc.array(opArb, { maxLength: max });

function checkInvariants(tree: PublicTree): void {
  const nodes = padded(tree.toRatchetTree());
  assert.equal(nodes.length, tree.nodeCount, 'the tree is minimal: its right half holds a member (§7.7)');
  const scratch = treeHashesFromScratch(cs, nodes);
  assert.deepEqual(treeHash(tree), scratch[tree.root], 'root tree hash');
  for (let i = 0; i < tree.nodeCount; i++) {
    const x = nodeIndex(i);
    assert.deepEqual(treeHash(tree, x), scratch[i], `tree hash of node ${i}`);
    assert.equal(tree.nonBlankCount(x), naiveCount(nodes, x), `count of node ${i}`);
    assert.deepEqual(tree.resolution(x), naiveResolution(nodes, x), `resolution of node ${i}`);
  }
  let members = 0;
  for (const [l, leaf] of tree.leaves()) {
    members++;
    assert.deepEqual(tree.filteredDirectPath(l), naiveFilteredDirectPath(nodes, l), `filtered direct path of leaf ${l}`);
    assert.equal(tree.index.signatureKeyHolder(leaf.signatureKey), l);
    assert.equal(tree.index.encryptionKeyHolder(leaf.encryptionKey), l * 2);
  }
  for (const [p, node] of tree.parents()) assert.equal(tree.index.encryptionKeyHolder(node.encryptionKey), p);
  assert.equal(tree.memberCount, members);
  const bytes = tree.encode();
  const again = PublicTree.decode(cs, bytes);
  assert.deepEqual(again.encode(), bytes, 'ratchet_tree round trip');
  assert.deepEqual(treeHash(again), treeHash(tree));
  verifyParentHashes(tree);
}

function grow(ops: readonly Op[], initial = 0): GroupSim {
  const sim = new GroupSim(false);
  for (let i = 0; i < initial; i++) sim.add();
  for (const op of ops) sim.step(op);
  return sim;
}

describe('random operation sequences', () => {
  test('cached tree hashes, counts, resolutions, index and parent hashes agree with references after every step', () => {
    fc.assert(
      fc.property(fc.nat(6), opsArb(25), (initial, ops) => {
        const sim = grow([], initial);
        checkInvariants(sim.tree);
        for (const op of ops) {
          sim.step(op);
          checkInvariants(sim.tree);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('a path change recomputes O(log n) tree hashes, not the tree', () => {
    let hashes = 0;
    const counting: CipherSuite = { ...cs, hashData: (d: Uint8Array) => (hashes++, cs.hashData(d)) };
    const sim = grow([], 63);
    const tree = PublicTree.fromRatchetTree(counting, sim.tree.toRatchetTree());
    treeHash(tree);
    assert.equal(hashes, tree.nodeCount, 'a new tree hashes every node once');
    const s = new GroupSim(false, tree, sim.signers);
    hashes = 0;
    s.commit(leafIndex(37));
    const parentHashes = hashes;
    assert.ok(parentHashes <= 6, `parent hashes of a path: ${parentHashes}`);
    hashes = 0;
    treeHash(tree);
    assert.equal(hashes, 7, 'the leaf and its 6 ancestors');
    hashes = 0;
    s.update(leafIndex(12));
    s.remove(leafIndex(50));
    treeHash(tree);
    assert.ok(hashes <= 14, `two paths: ${hashes}`);
  });

  test('treeHashWithout equals the tree hash of the modified array (§7.9 original sibling tree hash)', () => {
    fc.assert(
      fc.property(fc.nat(8), opsArb(30), fc.nat(), fc.array(fc.nat(), { maxLength: 6 }), (initial, ops, pickNode, pickLeaves) => {
        const tree = grow(ops, initial).tree;
        const x = nodeIndex(pickNode % tree.nodeCount);
        const [first, end] = leafRange(x);
        const members = [...tree.leaves()].map(([l]) => l as number);
        const removed = [...new Set(pickLeaves.map((p) => members[p % members.length]!))].sort((a, b) => a - b);
        const modified: (Node | undefined)[] = padded(tree.toRatchetTree()).map((n, i) => {
          if (n === undefined) return n;
          if (n.nodeType === NodeType.leaf) return removed.includes(i / 2) ? undefined : n;
          return { nodeType: NodeType.parent, parentNode: { ...n.parentNode, unmergedLeaves: n.parentNode.unmergedLeaves.filter((l) => !removed.includes(l)) } };
        });
        const want = treeHashesFromScratch(cs, modified)[x];
        assert.deepEqual(treeHashWithout(tree, x, removed), want, `node ${x}, leaves ${removed.join(',')} (range ${first}–${end})`);
      }),
      { numRuns: 150 },
    );
  });
});

describe('fork and merge', () => {
  test('a fork is isolated from its origin, before and after either is merged', () => {
    fc.assert(
      fc.property(fc.nat(5), opsArb(15), opsArb(15), opsArb(10), opsArb(8), (initial, a, b, c, d) => {
        const sim = grow(a, initial);
        if (sim.tree.pendingChanges % 2 === 0) sim.tree.merge(); // start from merged and unmerged origins alike
        const before = sim.tree.encode();
        const hashBefore = treeHash(sim.tree);

        const fork = sim.fork();
        for (const op of b) fork.step(op);
        assert.deepEqual(sim.tree.encode(), before, 'origin unchanged by the fork');
        assert.deepEqual(treeHash(sim.tree), hashBefore);
        const forkBytes = fork.tree.encode();

        fork.tree.merge();
        assert.equal(fork.tree.pendingChanges, 0);
        assert.deepEqual(fork.tree.encode(), forkBytes, 'the fork reads the same after merging');
        assert.deepEqual(sim.tree.encode(), before, 'origin unchanged by the merge');
        checkInvariants(sim.tree);
        checkInvariants(fork.tree);

        for (const op of c) sim.step(op);
        checkInvariants(sim.tree);
        assert.deepEqual(fork.tree.encode(), forkBytes, 'the merged fork is unaffected by its origin');
        const simBytes = sim.tree.encode();
        sim.tree.merge();
        assert.deepEqual(fork.tree.encode(), forkBytes, '… nor by the origin merging in turn');
        checkInvariants(fork.tree);

        const g = fork.fork();
        for (const op of d) g.step(op);
        checkInvariants(g.tree);
        assert.deepEqual(fork.tree.encode(), forkBytes);
        assert.deepEqual(sim.tree.encode(), simBytes);
      }),
      { numRuns: 60 },
    );
  });

  test('forking a merged tree is O(1): nothing pending, nothing copied', () => {
    const sim = grow([], 100);
    sim.tree.merge();
    const fork = sim.fork();
    assert.equal(fork.tree.pendingChanges, 0);
    fork.commit(leafIndex(3));
    assert.ok(fork.tree.pendingChanges < 100, `a commit stages ${fork.tree.pendingChanges} entries`);
  });
});
