/**
 * Part 1 of the validation checklist, TreeKEM: RFC 9420 §7.5 (UpdatePath: node count, decryption,
 * derived keys, deletion), §7.6 (ciphertext count) and §7.9.2 (parent hashes). Commits come from
 * createCommit for a real member, changed in one field and re-signed and re-tagged by that member;
 * another member processes them through the public API.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/codec/codec.js';
import { encryptWithLabel } from '../../src/crypto/labels.js';
import { encodeGroupContext } from '../../src/key-schedule/group-context.js';
import { NodeType, ratchetTreeCodec, type LeafNode, type Node } from '../../src/ratchet-tree/node.js';
import { treeHash } from '../../src/ratchet-tree/tree-hash.js';
import { PublicTree } from '../../src/ratchet-tree/tree.js';
import { validateRatchetTree } from '../../src/ratchet-tree/tree-validation.js';
import type { Commit, UpdatePathNode } from '../../src/messages/commit.js';
import type { LeafIndex, NodeIndex } from '../../src/tree-math/index.js';
import { bytesEqual } from '../../src/util/bytes.js';
import { buildGroup, commitAll, craftCommit, cs, deliver, flip, isZero, rejectsRule, resignPathLeaf, st, type M } from './part1-support.test.js';

const withNodes = (cm: Commit, nodes: UpdatePathNode[]): Commit => ({ ...cm, path: { ...cm.path!, nodes } });
const EMPTY_COMMIT = { updatePath: true, includePending: false } as const;

// Three members; a (leaf 0) has given everyone the keys of its path. a's filtered direct path is
// [node 1 (copath: b's leaf), node 3 (copath: node 5, whose resolution is c's leaf)].
let members: M[];
let a: M;
let b: M;
let c: M;

before(async () => {
  members = await buildGroup(3, { withPath: true });
  [a, b, c] = members as [M, M, M];
});

describe('§7.5: UpdatePath', () => {
  test('control: the crafted Commit without a change is accepted and merges', async () => {
    const g = await buildGroup(2);
    const bytes = craftCommit(st(g[0]!), EMPTY_COMMIT);
    const r = await g[1]!.group.process(bytes);
    assert.equal(r.kind, 'commit');
  });

  test("R-7.5-01: an UpdatePath whose node count is not the committer's filtered direct path length is rejected", async () => {
    const state = st(a);
    await rejectsRule(b.group.process(craftCommit(state, EMPTY_COMMIT, (cm) => withNodes(cm, cm.path!.nodes.slice(0, 1)))), 'R-7.5-01', 'validation', 'ERR_VALIDATION_UPDATE_PATH');
    await rejectsRule(b.group.process(craftCommit(state, EMPTY_COMMIT, (cm) => withNodes(cm, [...cm.path!.nodes, cm.path!.nodes[1]!]))), 'R-7.5-01');
  });

  test('R-7.5-02: a path secret ciphertext that does not decrypt is rejected', async () => {
    const corrupt = (cm: Commit) => withNodes(cm, cm.path!.nodes.map((n) => ({ ...n, encryptedPathSecret: n.encryptedPathSecret.map((ct) => ({ ...ct, ciphertext: flip(ct.ciphertext) })) })));
    const bytes = craftCommit(st(a), EMPTY_COMMIT, corrupt);
    await rejectsRule(b.group.process(bytes), 'R-7.5-02', 'validation', 'ERR_VALIDATION_UPDATE_PATH');
    await rejectsRule(c.group.process(bytes), 'R-7.5-02');
  });

  test("R-7.5-03: a path secret whose derived keys differ from the UpdatePath's public keys is rejected", async () => {
    const state = st(a);
    // Re-encrypt a random path secret to b (the resolution of node 1's copath child is b's leaf),
    // under the provisional GroupContext, so that decryption succeeds and only the keys differ.
    const bytes = craftCommit(state, EMPTY_COMMIT, (cm, created) => {
      const provisional = encodeGroupContext({ ...state.context, epoch: state.context.epoch + 1n, treeHash: created.state.context.treeHash });
      const bLeaf = st(b).tree.leafNode(st(b).myLeaf)!.encryptionKey;
      const ct = encryptWithLabel(cs, bLeaf, 'UpdatePathNode', provisional, cs.random(cs.Nh));
      return withNodes(cm, cm.path!.nodes.map((n, i) => (i === 0 ? { ...n, encryptedPathSecret: [ct] } : n)));
    });
    await rejectsRule(b.group.process(bytes), 'R-7.5-03', 'validation', 'ERR_VALIDATION_UPDATE_PATH');
    // c decrypts at node 3, whose ciphertext is untouched: it gets past the path (the Commit is
    // still not valid for it: the confirmation tag was computed for the original Commit).
    await rejectsRule(c.group.process(bytes), 'R-12.4.2-06');
  });

  test('R-7.5-04: after a Commit with a path, the path keys it replaced are deleted (wiped), the others kept', async () => {
    const g = await buildGroup(3, { withPath: true });
    const [, gb, gc] = g as [M, M, M];
    const keys = st(gb).privateKeys;
    assert.deepEqual(keys.nodes(), [1, 2, 3]); // b: its leaf (node 2) and its path (nodes 1, 3)
    const root = keys.privateKey(3 as NodeIndex)!; // views of the stored keys
    const node1 = keys.privateKey(1 as NodeIndex)!;
    const node1Copy = node1.slice();
    const rootCopy = root.slice();
    // c's filtered direct path is [node 3]: c's Commit replaces the root only.
    await commitAll(g, gc, { updatePath: true });
    assert.ok(isZero(root), 'the replaced root key was wiped');
    const now = st(gb).privateKeys;
    assert.ok(!bytesEqual(now.privateKey(3 as NodeIndex)!, rootCopy), 'b holds the new root key');
    assert.ok(bytesEqual(now.privateKey(1 as NodeIndex)!, node1Copy), 'the key of node 1 (not replaced) is kept');
    assert.ok(isZero(node1), "the previous epoch's copy of it is wiped");
  });

  test("R-7.5-04: after an Update is committed, the member's replaced leaf key is deleted", async () => {
    const g = await buildGroup(3, { withPath: true });
    const [ga, , gc] = g as [M, M, M];
    const oldLeaf = st(gc).privateKeys.privateKey(4 as NodeIndex)!;
    const oldLeafCopy = oldLeaf.slice();
    await deliver(g, gc, await gc.group.proposeUpdate());
    const pending = [...st(gc).pendingUpdates.values()][0]!;
    await commitAll(g, ga);
    assert.ok(isZero(oldLeaf), 'the replaced leaf key was wiped');
    assert.ok(isZero(pending), "the pending Update's private key copy was wiped");
    assert.ok(!bytesEqual(st(gc).privateKeys.privateKey(4 as NodeIndex)!, oldLeafCopy));
    assert.ok(bytesEqual(st(gc).privateKeys.publicKey(4 as NodeIndex)!, st(gc).tree.leafNode(2 as LeafIndex)!.encryptionKey));
  });
});

describe('§7.6: encrypted path secrets', () => {
  test('R-7.6-01: an UpdatePathNode with more or fewer ciphertexts than its copath resolution is rejected', async () => {
    const state = st(a);
    const fewer = craftCommit(state, EMPTY_COMMIT, (cm) => withNodes(cm, cm.path!.nodes.map((n, i) => (i === 1 ? { ...n, encryptedPathSecret: [] } : n))));
    await rejectsRule(b.group.process(fewer), 'R-7.6-01', 'validation', 'ERR_VALIDATION_UPDATE_PATH');
    const more = craftCommit(state, EMPTY_COMMIT, (cm) => withNodes(cm, cm.path!.nodes.map((n, i) => (i === 0 ? { ...n, encryptedPathSecret: [...n.encryptedPathSecret, n.encryptedPathSecret[0]!] } : n))));
    await rejectsRule(c.group.process(more), 'R-7.6-01');
  });
});

describe('§7.9.2: parent hashes', () => {
  test('R-7.9.2-01: a joined tree with a parent that is not parent-hash valid is rejected', async () => {
    const state = st(b);
    const nodes = [...decode(ratchetTreeCodec, state.tree.encode())] as (Node | undefined)[];
    const root = nodes[3];
    assert.ok(root?.nodeType === NodeType.parent);
    // Another key at the root: the link from node 1 (whose parent_hash covers the root) breaks.
    nodes[3] = { nodeType: NodeType.parent, parentNode: { ...root.parentNode, encryptionKey: cs.hpke.generateKeyPair().publicKey } };
    const tree = PublicTree.decode(cs, encode(ratchetTreeCodec, nodes));
    // The GroupContext's tree hash is that of the changed tree: only the parent hash fails.
    await rejectsRule(() => validateRatchetTree(tree, { groupId: state.context.groupId, treeHash: treeHash(tree) }, { checkLifetime: false }), 'R-7.9.2-01', 'validation', 'ERR_VALIDATION_PARENT_HASH');
  });

  test("R-7.9.2-02: an UpdatePath whose leaf parent_hash is not the first path node's parent hash is rejected", async () => {
    const state = st(a);
    const bytes = craftCommit(state, EMPTY_COMMIT, (cm) => resignPathLeaf(state, cm, (l: LeafNode) => ({ ...l, parentHash: cs.random(cs.Nh) }) as LeafNode));
    await rejectsRule(b.group.process(bytes), 'R-7.9.2-02', 'validation', 'ERR_VALIDATION_PARENT_HASH');
    // The path nodes in another order (same ciphertext counts): the parent hashes do not chain either.
    const swapped = craftCommit(state, EMPTY_COMMIT, (cm) => withNodes(cm, [cm.path!.nodes[1]!, cm.path!.nodes[0]!]));
    await rejectsRule(b.group.process(swapped), 'R-7.9.2-02');
  });
});
