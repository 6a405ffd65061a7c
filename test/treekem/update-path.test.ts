/**
 * RFC 9420 §7.4–§7.6: UpdatePath creation, merging and decryption — round trips on random groups
 * (blanks and unmerged leaves from random Adds, Removes and path-less Commits) and the exclusion of
 * new members from the encryption.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/errors.js';
import type { UpdatePath as WireUpdatePath } from '../../src/messages/commit.js';
import { LeafNodeSource } from '../../src/ratchet-tree/node.js';
import { verifyParentHashes } from '../../src/ratchet-tree/parent-hash.js';
import { treeHash } from '../../src/ratchet-tree/tree-hash.js';
import { commonAncestor, leafToNode, type LeafIndex } from '../../src/tree-math/index.js';
import { deriveSecret, encryptContext } from '../../src/crypto/labels.js';
import { nextPathSecret, nodeKeyPair } from '../../src/treekem/path-secrets.js';
import { applyUpdatePath, createUpdatePath, decryptUpdatePath, type UpdatePath } from '../../src/treekem/update-path.js';
import { bytesEqual, EMPTY } from '../../src/util/bytes.js';
import { applyProposals, commitLeaf, cs, Group, groupContextFor, groupOf, newLeaf, overTheWire } from './fixtures.js';

// The TreeKEM UpdatePath and the wire struct of messages/commit.ts are the same shape.
const toWire = (u: UpdatePath): WireUpdatePath => u;
const fromWire = (u: WireUpdatePath): UpdatePath => u;
void toWire;
void fromWire;

/** One random Commit: indices are taken modulo the current members. */
type Step = { committer: number; removes: number[]; adds: number; path: boolean };

const stepArb: fc.Arbitrary<Step> = fc.record({
  committer: fc.nat(),
  removes: fc.array(fc.nat(), { maxLength: 2 }),
  adds: fc.integer({ min: 0, max: 4 }),
  path: fc.boolean(),
});

describe('TreeKEM round trips (§7.4–§7.6)', () => {
  it('every member decrypts the same commit_secret and keeps the tree invariant, on random groups', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(stepArb, { minLength: 1, maxLength: 6 }), (initial, steps) => {
        const g = groupOf(initial);
        for (const s of steps) {
          const leaves = [...g.members.keys()].sort((a, b) => a - b);
          const committer = leaves[s.committer % leaves.length]! as LeafIndex;
          const others = leaves.filter((l) => l !== committer);
          const removes = [...new Set(s.removes.filter(() => others.length > 0).map((r) => others[r % others.length]!))] as LeafIndex[];
          // A Commit with Removes must carry a path (§12.4).
          g.commit(committer, { removes, adds: s.adds }, s.path || removes.length > 0);
          verifyParentHashes(g.tree);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('produces one UpdatePathNode per filtered-direct-path node and seals exactly to the resolutions', () => {
    const g = groupOf(7);
    g.commit(3 as LeafIndex, { removes: [5 as LeafIndex], adds: 0 }, true); // blanks on the way
    const staged = g.tree.fork();
    const path = staged.filteredDirectPathWithCopath(1 as LeafIndex);
    const sizes = path.map((e) => staged.resolution(e.copathChild).length);
    const before = staged.leafNode(1 as LeafIndex)!;
    const created = createUpdatePath({ tree: staged, leaf: 1 as LeafIndex, groupContext: (t) => groupContextFor(t, 9n), buildLeafNode: (f) => commitLeaf(before, f) });
    assert.equal(created.updatePath.nodes.length, path.length);
    assert.deepEqual(created.updatePath.nodes.map((n) => n.encryptedPathSecret.length), sizes);
    assert.equal(created.pathSecrets.size, path.length);
    // Path secrets chain: each is DeriveSecret(previous, "path"); commit_secret follows the last.
    const secrets = path.map((e) => created.pathSecrets.get(e.node)!);
    for (let k = 1; k < secrets.length; k++) assert.ok(bytesEqual(secrets[k]!, nextPathSecret(cs, secrets[k - 1]!)));
    assert.ok(bytesEqual(created.commitSecret, nextPathSecret(cs, secrets[secrets.length - 1]!)));
    // The new parents are set with no unmerged leaves and the tree is parent-hash valid.
    for (const [k, e] of path.entries()) {
      const p = staged.parentNode(e.node)!;
      assert.ok(bytesEqual(p.encryptionKey, created.updatePath.nodes[k]!.encryptionKey));
      assert.deepEqual(p.unmergedLeaves, []);
    }
    for (const x of staged.directPath(1 as LeafIndex)) if (!path.some((e) => e.node === x)) assert.equal(staged.node(x), undefined);
    verifyParentHashes(staged);
    assert.equal(created.updatePath.leafNode.leafNodeSource, LeafNodeSource.commit);
  });

  it('derives the leaf key and path from an injected leaf secret (Figure 14)', () => {
    const g = groupOf(4);
    const leafSecret = new Uint8Array(32).fill(7);
    const run = () => {
      const t = g.tree.fork();
      const before = t.leafNode(2 as LeafIndex)!;
      return createUpdatePath({ tree: t, leaf: 2 as LeafIndex, leafSecret, groupContext: (x) => groupContextFor(x, 1n), buildLeafNode: (f) => commitLeaf(before, f) });
    };
    const a = run();
    const b = run();
    assert.ok(bytesEqual(a.commitSecret, b.commitSecret));
    assert.ok(bytesEqual(a.updatePath.leafNode.encryptionKey, nodeKeyPair(cs, leafSecret).publicKey));
    const first = [...a.pathSecrets.values()][0]!; // bottom-up: path_secret[0]
    assert.ok(bytesEqual(first, deriveSecret(cs, leafSecret, 'path')));
    assert.ok(bytesEqual(leafSecret, new Uint8Array(32).fill(7)), 'an injected leaf secret is not wiped');
  });

  it('handles an empty filtered direct path (one member): commit_secret = DeriveSecret(leaf_secret, "path")', () => {
    const g = new Group();
    const t = g.tree.fork();
    const leafSecret = new Uint8Array(32).fill(1);
    const before = t.leafNode(0 as LeafIndex)!;
    const c = createUpdatePath({ tree: t, leaf: 0 as LeafIndex, leafSecret, groupContext: (x) => groupContextFor(x, 1n), buildLeafNode: (f) => commitLeaf(before, f) });
    assert.equal(c.updatePath.nodes.length, 0);
    assert.equal(c.updatePath.leafNode.leafNodeSource === LeafNodeSource.commit && c.updatePath.leafNode.parentHash.length, 0);
    assert.ok(bytesEqual(c.commitSecret, nextPathSecret(cs, leafSecret)));
  });

  it('leaves the leaves added by the Commit out of the encryption', () => {
    const g = groupOf(5);
    const staged = g.tree.fork();
    const joiner = newLeaf();
    const [added] = applyProposals(staged, { removes: [], adds: [joiner.leafNode] });
    const exclude = new Set<number>([added!]);
    const before = staged.leafNode(0 as LeafIndex)!;
    const withAll = staged.fork();
    const c = createUpdatePath({ tree: staged, leaf: 0 as LeafIndex, excludeLeaves: exclude, groupContext: (t) => groupContextFor(t, 1n), buildLeafNode: (f) => commitLeaf(before, f) });
    const path = withAll.filteredDirectPathWithCopath(0 as LeafIndex);
    const lca = commonAncestor(leafToNode(0 as LeafIndex), leafToNode(added!));
    const k = path.findIndex((e) => e.node === lca);
    assert.ok(k >= 0, 'the joiner keeps its side of the path in the filtered direct path');
    // One ciphertext fewer at the joiner's common ancestor, and none opens with the joiner's key.
    assert.equal(c.updatePath.nodes[k]!.encryptedPathSecret.length, withAll.resolution(path[k]!.copathChild).length - 1);
    const info = encryptContext('UpdatePathNode', c.groupContext);
    for (const n of c.updatePath.nodes) {
      for (const ct of n.encryptedPathSecret) assert.throws(() => cs.hpke.open(joiner.keyPair.privateKey, ct.kemOutput, info, EMPTY, ct.ciphertext));
    }
    // …and a receiver that forgot to exclude the joiner rejects the counts.
    const theirs = g.tree.fork();
    applyProposals(theirs, { removes: [], adds: [joiner.leafNode] });
    assert.throws(() => applyUpdatePath({ tree: theirs, sender: 0 as LeafIndex, updatePath: overTheWire(c.updatePath) }), /R-7.6-01/);
  });

  it('a new member cannot decrypt the path (it gets its path secret from the Welcome)', () => {
    const g = groupOf(3);
    const staged = g.tree.fork();
    const joiner = newLeaf();
    const [added] = applyProposals(staged, { removes: [], adds: [joiner.leafNode] });
    const exclude = new Set<number>([added!]);
    const before = staged.leafNode(1 as LeafIndex)!;
    const c = createUpdatePath({ tree: staged, leaf: 1 as LeafIndex, excludeLeaves: exclude, groupContext: (t) => groupContextFor(t, 1n), buildLeafNode: (f) => commitLeaf(before, f) });
    const keys = (() => {
      const k = g.members.get(0)!.keys.clone();
      k.destroy();
      k.set(leafToNode(added!), joiner.keyPair);
      return k;
    })();
    assert.throws(
      () => decryptUpdatePath({ tree: staged, sender: 1 as LeafIndex, receiver: added!, updatePath: c.updatePath, keys, groupContext: c.groupContext, excludeLeaves: exclude }),
      (e: unknown) => e instanceof UsageError,
    );
  });

  it('supports an external Commit: the joiner places its leaf, then creates the path', () => {
    const g = groupOf(4);
    const joiner = newLeaf();
    const staged = g.tree.fork();
    const leaf = staged.addLeaf(joiner.leafNode);
    const c = createUpdatePath({ tree: staged, leaf, groupContext: (t) => groupContextFor(t, 1n), buildLeafNode: (f) => commitLeaf(joiner.leafNode, f) });
    const wire = overTheWire(c.updatePath);
    for (const m of g.members.values()) {
      const theirs = g.tree.fork();
      assert.equal(theirs.addLeaf(wire.leafNode), leaf);
      applyUpdatePath({ tree: theirs, sender: leaf, updatePath: wire, external: true });
      assert.ok(bytesEqual(treeHash(theirs), treeHash(staged)));
      const d = decryptUpdatePath({ tree: theirs, sender: leaf, receiver: m.leaf, updatePath: wire, keys: m.keys, groupContext: groupContextFor(theirs, 1n) });
      assert.ok(bytesEqual(d.commitSecret, c.commitSecret));
    }
    // Without `external`, the placed leaf's own key reads as "unchanged" (R-12.4.2-04).
    const theirs = g.tree.fork();
    theirs.addLeaf(wire.leafNode);
    assert.throws(() => applyUpdatePath({ tree: theirs, sender: leaf, updatePath: wire }), /R-12.4.2-04/);
  });

  it('does not change the tree when the LeafNode builder fails or cheats', () => {
    const g = groupOf(4);
    const t = g.tree.fork();
    const hash = treeHash(t);
    const before = t.leafNode(0 as LeafIndex)!;
    assert.throws(() =>
      createUpdatePath({ tree: t, leaf: 0 as LeafIndex, groupContext: (x) => groupContextFor(x, 1n), buildLeafNode: (f) => commitLeaf(before, { ...f, parentHash: new Uint8Array(32) }) }),
    );
    assert.throws(() =>
      createUpdatePath({
        tree: t,
        leaf: 0 as LeafIndex,
        groupContext: (x) => groupContextFor(x, 1n),
        buildLeafNode: () => {
          throw new Error('signing failed');
        },
      }),
    );
    assert.ok(bytesEqual(treeHash(t), hash));
  });

  it('keeps no view of the received message in the tree', () => {
    const g = groupOf(4);
    const t = g.tree.fork();
    const before = t.leafNode(0 as LeafIndex)!;
    const c = createUpdatePath({ tree: t, leaf: 0 as LeafIndex, groupContext: (x) => groupContextFor(x, 1n), buildLeafNode: (f) => commitLeaf(before, f) });
    const wire = overTheWire(c.updatePath);
    const theirs = g.tree.fork();
    applyUpdatePath({ tree: theirs, sender: 0 as LeafIndex, updatePath: wire });
    const msgBuffer = wire.nodes[0]!.encryptionKey.buffer;
    for (const x of theirs.directPath(0 as LeafIndex)) {
      const p = theirs.parentNode(x);
      if (p !== undefined) assert.notEqual(p.encryptionKey.buffer, msgBuffer);
    }
    assert.notEqual(theirs.leafNode(0 as LeafIndex)!.encryptionKey.buffer, msgBuffer);
  });
});
