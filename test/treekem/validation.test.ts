/**
 * One negative test per TreeKEM validation rule (RFC 9420 §7.5, §7.6, §7.9.2, §12.4.2, §12.4.3.1),
 * each asserting the rule id; a rejected UpdatePath leaves the staged tree unchanged (R-12.4.2-07).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encryptContext } from '../../src/crypto/labels.js';
import { LeafNodeSource, type LeafNode } from '../../src/ratchet-tree/node.js';
import { treeHash } from '../../src/ratchet-tree/tree-hash.js';
import type { PublicTree } from '../../src/ratchet-tree/tree.js';
import { commonAncestor, leafToNode, type LeafIndex } from '../../src/tree-math/index.js';
import { pathKeysFromJoinerSecret } from '../../src/treekem/join.js';
import { applyUpdatePath, createUpdatePath, decryptUpdatePath, pathSecretForJoiner, type CreatedUpdatePath, type UpdatePath, type UpdatePathNode } from '../../src/treekem/update-path.js';
import { bytesEqual, EMPTY } from '../../src/util/bytes.js';
import { applyProposals, commitLeaf, cs, groupContextFor, groupOf, newLeaf, overTheWire, throwsRule, type Group } from './fixtures.js';

const SENDER = 0 as LeafIndex;
const RECEIVER = 5 as LeafIndex; // common ancestor with leaf 0 is the root of an 8-leaf tree

/** A group of 8, and a fresh UpdatePath from leaf 0 merged into the committer's staged tree. */
function setup(): { g: Group; staged: PublicTree; created: CreatedUpdatePath; wire: UpdatePath } {
  const g = groupOf(8);
  const staged = g.tree.fork();
  const before = staged.leafNode(SENDER)!;
  const created = createUpdatePath({ tree: staged, leaf: SENDER, groupContext: (t) => groupContextFor(t, 1n), buildLeafNode: (f) => commitLeaf(before, f) });
  return { g, staged, created, wire: overTheWire(created.updatePath) };
}

function withNode(up: UpdatePath, k: number, change: (n: UpdatePathNode) => UpdatePathNode): UpdatePath {
  return { ...up, nodes: up.nodes.map((n, i) => (i === k ? change(n) : n)) };
}

function withLeaf(up: UpdatePath, change: (l: LeafNode) => LeafNode): UpdatePath {
  return { ...up, leafNode: change(up.leafNode) };
}

/** Applies `up` to a fresh copy of the group's tree, asserting the copy is unchanged when it throws. */
function applyFresh(g: Group, up: UpdatePath): PublicTree {
  const t = g.tree.fork();
  const hash = treeHash(t);
  try {
    applyUpdatePath({ tree: t, sender: SENDER, updatePath: up });
  } catch (err) {
    assert.ok(bytesEqual(treeHash(t), hash), 'a rejected UpdatePath changed the tree');
    throw err;
  }
  return t;
}

function decryptFor(g: Group, tree: PublicTree, up: UpdatePath, receiver: LeafIndex = RECEIVER, gc?: Uint8Array) {
  return decryptUpdatePath({ tree, sender: SENDER, receiver, updatePath: up, keys: g.members.get(receiver)!.keys, groupContext: gc ?? groupContextFor(tree, 1n) });
}

describe('UpdatePath validation', () => {
  it('accepts the untampered path (control)', () => {
    const { g, created, wire } = setup();
    const t = applyFresh(g, wire);
    assert.ok(bytesEqual(decryptFor(g, t, wire).commitSecret, created.commitSecret));
  });

  it('R-7.5-01: one UpdatePathNode per filtered-direct-path node', () => {
    const { g, staged, wire } = setup();
    const short = { ...wire, nodes: wire.nodes.slice(1) };
    throwsRule(() => applyFresh(g, short), 'R-7.5-01', 'ERR_VALIDATION_UPDATE_PATH');
    const long = { ...wire, nodes: [...wire.nodes, wire.nodes[0]!] };
    throwsRule(() => applyFresh(g, long), 'R-7.5-01');
    throwsRule(() => decryptFor(g, staged, short), 'R-7.5-01');
  });

  it('R-7.6-01: as many ciphertexts as the copath resolution', () => {
    const { g, staged, wire } = setup();
    const fewer = withNode(wire, 2, (n) => ({ ...n, encryptedPathSecret: [] }));
    throwsRule(() => applyFresh(g, fewer), 'R-7.6-01', 'ERR_VALIDATION_UPDATE_PATH');
    const more = withNode(wire, 0, (n) => ({ ...n, encryptedPathSecret: [...n.encryptedPathSecret, n.encryptedPathSecret[0]!] }));
    throwsRule(() => applyFresh(g, more), 'R-7.6-01');
    throwsRule(() => decryptFor(g, staged, fewer), 'R-7.6-01');
  });

  it('R-7.5-02: a ciphertext that does not decrypt', () => {
    const { g, wire } = setup();
    const t = applyFresh(g, wire);
    const k = wire.nodes.length - 1; // the root: where leaf 5 decrypts
    const corrupt = withNode(wire, k, (n) => ({
      ...n,
      encryptedPathSecret: n.encryptedPathSecret.map((c) => {
        const ct = c.ciphertext.slice();
        ct[0]! ^= 1;
        return { ...c, ciphertext: ct };
      }),
    }));
    const err = throwsRule(() => decryptFor(g, t, corrupt), 'R-7.5-02', 'ERR_VALIDATION_UPDATE_PATH');
    assert.ok(err.cause !== undefined, 'keeps the HPKE error as cause');
    // The wrong provisional GroupContext fails the same way.
    throwsRule(() => decryptFor(g, t, wire, RECEIVER, groupContextFor(t, 2n)), 'R-7.5-02');
  });

  it('R-7.5-03: a path secret whose keys differ from the UpdatePath', () => {
    const { g, staged, created, wire } = setup();
    // A committer that encrypts another secret to leaf 1: the path merges (keys and parent hashes
    // are consistent), but what leaf 1 derives does not match.
    const receiver = 1 as LeafIndex;
    const path = staged.filteredDirectPathWithCopath(SENDER);
    const k = path.findIndex((e) => e.node === commonAncestor(leafToNode(SENDER), leafToNode(receiver)));
    const info = encryptContext('UpdatePathNode', created.groupContext);
    const leafKey = staged.leafNode(receiver)!.encryptionKey;
    const bogus = withNode(wire, k, (n) => ({ ...n, encryptedPathSecret: [cs.hpke.seal(leafKey, info, EMPTY, cs.random(32))] }));
    const t = applyFresh(g, bogus);
    throwsRule(() => decryptFor(g, t, bogus, receiver), 'R-7.5-03', 'ERR_VALIDATION_UPDATE_PATH');
    // A key changed above the receiver's common ancestor (decrypting against a tampered copy).
    const other = cs.hpke.generateKeyPair().publicKey;
    throwsRule(() => decryptFor(g, t, withNode(wire, wire.nodes.length - 1, (n) => ({ ...n, encryptionKey: other })), receiver), 'R-7.5-03');
  });

  it('R-7.9.2-02: the leaf parent_hash must be the parent hash of the first path node', () => {
    const { g, wire } = setup();
    const badHash = withLeaf(wire, (l) => (l.leafNodeSource === LeafNodeSource.commit ? { ...l, parentHash: new Uint8Array(32) } : l));
    throwsRule(() => applyFresh(g, badHash), 'R-7.9.2-02', 'ERR_VALIDATION_PARENT_HASH');
    // A swapped node key breaks the chain too.
    const swapped = withNode(wire, 1, (n) => ({ ...n, encryptionKey: cs.hpke.generateKeyPair().publicKey }));
    throwsRule(() => applyFresh(g, swapped), 'R-7.9.2-02');
  });

  it('R-7.3-10: the LeafNode has source commit', () => {
    const { g, wire } = setup();
    const l = wire.leafNode;
    const update: LeafNode = { ...l, leafNodeSource: LeafNodeSource.update } as LeafNode;
    throwsRule(() => applyFresh(g, { ...wire, leafNode: update }), 'R-7.3-10', 'ERR_VALIDATION_LEAF_NODE');
  });

  it("R-12.4.2-04: the leaf's encryption_key changes", () => {
    const { g, wire } = setup();
    const same = withLeaf(wire, (l) => ({ ...l, encryptionKey: g.tree.leafNode(SENDER)!.encryptionKey }));
    throwsRule(() => applyFresh(g, same), 'R-12.4.2-04', 'ERR_VALIDATION_DUPLICATE_KEY');
  });

  it('R-12.4.2-05: no key of the path is already in the tree, or twice in the path', () => {
    const { g, wire } = setup();
    const taken = g.tree.leafNode(3 as LeafIndex)!.encryptionKey;
    throwsRule(() => applyFresh(g, withNode(wire, 0, (n) => ({ ...n, encryptionKey: taken }))), 'R-12.4.2-05', 'ERR_VALIDATION_DUPLICATE_KEY');
    throwsRule(() => applyFresh(g, withLeaf(wire, (l) => ({ ...l, encryptionKey: taken }))), 'R-12.4.2-05');
    const oldParent = g.tree.parentNode(g.tree.root)!.encryptionKey;
    throwsRule(() => applyFresh(g, withNode(wire, 2, (n) => ({ ...n, encryptionKey: oldParent }))), 'R-12.4.2-05');
    throwsRule(() => applyFresh(g, withNode(wire, 1, () => wire.nodes[0]!)), 'R-12.4.2-05');
  });

  it('R-5.1.1-01: path keys are valid HPKE public keys', () => {
    const { g, wire } = setup();
    throwsRule(() => applyFresh(g, withNode(wire, 0, (n) => ({ ...n, encryptionKey: new Uint8Array(31).fill(9) }))), 'R-5.1.1-01', 'ERR_VALIDATION_PUBLIC_KEY');
  });
});

describe('joining with GroupSecrets.path_secret (§12.4.3.1)', () => {
  function addOne(): { g: Group; staged: PublicTree; created: CreatedUpdatePath; joiner: LeafIndex; keyPair: ReturnType<typeof newLeaf>['keyPair'] } {
    // Leaf 0 is removed first, so the joiner takes it and its common ancestor with leaf 1 is node 1.
    const g = groupOf(6);
    g.commit(2 as LeafIndex, { removes: [0 as LeafIndex], adds: 0 }, true);
    const staged = g.tree.fork();
    const j = newLeaf();
    const [joiner] = applyProposals(staged, { removes: [], adds: [j.leafNode] });
    const before = staged.leafNode(1 as LeafIndex)!;
    const created = createUpdatePath({
      tree: staged,
      leaf: 1 as LeafIndex,
      excludeLeaves: new Set([joiner!]),
      groupContext: (t) => groupContextFor(t, 1n),
      buildLeafNode: (f) => commitLeaf(before, f),
    });
    return { g, staged, created, joiner: joiner!, keyPair: j.keyPair };
  }

  it('derives the common ancestor and every non-blank node above it', () => {
    const { staged, created, joiner, keyPair } = addOne();
    const keys = pathKeysFromJoinerSecret({ tree: staged, leaf: joiner, signer: 1 as LeafIndex, leafKeyPair: keyPair, pathSecret: pathSecretForJoiner(created, 1 as LeafIndex, joiner) });
    const lca = commonAncestor(leafToNode(joiner), leafToNode(1 as LeafIndex));
    const dp = staged.directPath(joiner);
    const above = dp.slice(dp.indexOf(lca)).filter((x) => staged.parentNode(x) !== undefined);
    assert.equal(lca, 1);
    assert.deepEqual(above, [1, 3, 7]);
    const expected: number[] = [leafToNode(joiner), ...above];
    assert.deepEqual(keys.nodes(), expected.sort((a, b) => a - b));
    assert.ok(keys.has(staged.root));
  });

  it('R-12.4.3.1-15: a wrong path secret, or the wrong signer, is rejected', () => {
    const { staged, created, joiner, keyPair } = addOne();
    throwsRule(() => pathKeysFromJoinerSecret({ tree: staged, leaf: joiner, signer: 1 as LeafIndex, leafKeyPair: keyPair, pathSecret: cs.random(32) }), 'R-12.4.3.1-15');
    const ps = pathSecretForJoiner(created, 1 as LeafIndex, joiner);
    // Another signer moves the common ancestor: the secret no longer fits that node.
    const otherSigner = [...staged.leaves()].map(([l]) => l).find((l) => l !== joiner && commonAncestor(leafToNode(l), leafToNode(joiner)) !== commonAncestor(leafToNode(1 as LeafIndex), leafToNode(joiner)))!;
    throwsRule(() => pathKeysFromJoinerSecret({ tree: staged, leaf: joiner, signer: otherSigner, leafKeyPair: keyPair, pathSecret: ps }), 'R-12.4.3.1-15', 'ERR_VALIDATION_PATH_SECRET');
  });
});
