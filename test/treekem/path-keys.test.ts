/**
 * PathKeys (RFC 9420 §7.5, R-7.5-04): replaced and blanked keys are dropped and wiped; clones are
 * independent; snapshots round-trip and are checked; no key bytes in JSON or inspect output.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { StorageError } from '../../src/errors.js';
import { leafToNode, type LeafIndex, type NodeIndex } from '../../src/tree-math/index.js';
import { PathKeys } from '../../src/treekem/path-keys.js';
import { bytesEqual, toHex } from '../../src/util/bytes.js';
import { applyUpdatePath, createUpdatePath, decryptUpdatePath } from '../../src/treekem/update-path.js';
import { commitLeaf, cs, groupContextFor, groupOf } from './fixtures.js';

const zero = (b: Uint8Array) => b.every((v) => v === 0);

describe('PathKeys', () => {
  it('R-7.5-04: a Commit with a path replaces the keys above the common ancestor and wipes the old ones', () => {
    const g = groupOf(8);
    g.commit(5 as LeafIndex, { removes: [], adds: 0 }, true); // sets nodes 9, 11, 7
    const staged = g.tree.fork();
    const before = staged.leafNode(0 as LeafIndex)!;
    const created = createUpdatePath({ tree: staged, leaf: 0 as LeafIndex, groupContext: (t) => groupContextFor(t, 1n), buildLeafNode: (f) => commitLeaf(before, f) });
    const theirs = g.tree.fork();
    applyUpdatePath({ tree: theirs, sender: 0 as LeafIndex, updatePath: created.updatePath });
    const keys = g.members.get(4)!.keys; // leaf 4 = node 8; its path 9, 11, 7; common ancestor with leaf 0: the root 7
    const d = decryptUpdatePath({ tree: theirs, sender: 0 as LeafIndex, receiver: 4 as LeafIndex, updatePath: created.updatePath, keys, groupContext: groupContextFor(theirs, 1n) });
    assert.deepEqual(d.keys.nodes(), [7]);
    const oldRoot = keys.privateKey(7 as NodeIndex)!; // views of the stored keys
    const old9 = keys.privateKey(9 as NodeIndex)!;
    keys.applyCommit(theirs, d.keys);
    assert.equal(d.keys.size, 0);
    assert.ok(zero(oldRoot), 'the replaced root key was wiped');
    assert.ok(!zero(old9), 'keys below the common ancestor are kept');
    assert.deepEqual(keys.nodes(), [7, 8, 9, 11].sort((a, b) => a - b));
    assert.ok(bytesEqual(keys.publicKey(7 as NodeIndex)!, theirs.parentNode(7 as NodeIndex)!.encryptionKey));
  });

  it('R-7.5-04: keys of nodes that became blank are dropped (a Remove blanks the removed leaf path)', () => {
    const g = groupOf(4);
    const m = g.members.get(1)!;
    assert.ok(m.keys.has(1 as NodeIndex));
    const k = m.keys.clone();
    const held = k.privateKey(1 as NodeIndex)!;
    // Leaf 0 is removed: its direct path (nodes 1 and 3) is blanked.
    const staged = g.tree.fork();
    staged.removeLeaf(0 as LeafIndex);
    k.applyCommit(staged);
    assert.ok(!k.has(1 as NodeIndex) && !k.has(3 as NodeIndex));
    assert.ok(zero(held), 'the dropped key was wiped');
    assert.ok(k.has(leafToNode(1 as LeafIndex)));
    assert.ok(m.keys.has(1 as NodeIndex), 'the original set is untouched (the clone was staged)');
  });

  it('applyCommit moves the update in (the update is left empty) and prune keeps matching keys', () => {
    const kp = cs.hpke.generateKeyPair();
    const g = groupOf(2);
    const leafKey = g.members.get(0)!.keys;
    const u = PathKeys.of([[99 as NodeIndex, kp]]);
    const c = leafKey.clone();
    c.applyCommit(g.tree, u);
    assert.equal(u.size, 0);
    assert.ok(!c.has(99 as NodeIndex), 'a key for a node outside the tree is pruned');
    assert.deepEqual(c.nodes(), leafKey.nodes());
  });

  it('clone is deep; destroy wipes everything', () => {
    const kp = cs.hpke.generateKeyPair();
    const a = PathKeys.of([[4 as NodeIndex, kp]]);
    const b = a.clone();
    const view = a.privateKey(4 as NodeIndex)!;
    a.destroy();
    assert.equal(a.size, 0);
    assert.ok(zero(view));
    assert.ok(bytesEqual(b.privateKey(4 as NodeIndex)!, kp.privateKey));
    assert.ok(!zero(kp.privateKey), 'set() copied the caller’s key');
  });

  it('toState / fromState round-trip and reject malformed snapshots', () => {
    const k = PathKeys.of([
      [2 as NodeIndex, cs.hpke.generateKeyPair()],
      [3 as NodeIndex, cs.hpke.generateKeyPair()],
    ]);
    const s = k.toState();
    const r = PathKeys.fromState(cs, s);
    assert.deepEqual(r.nodes(), [2, 3]);
    for (const x of [2, 3] as NodeIndex[]) {
      assert.ok(bytesEqual(r.privateKey(x)!, k.privateKey(x)!));
      assert.ok(bytesEqual(r.publicKey(x)!, k.publicKey(x)!));
    }
    const e = s.keys[0]!;
    const bad = [
      { keys: 'x' },
      { keys: [{ ...e, node: -1 }] },
      { keys: [e, e] },
      { keys: [{ ...e, privateKey: new Uint8Array(5) }] },
      { keys: [{ ...e, publicKey: 'ab' }] },
    ];
    for (const b of bad) assert.throws(() => PathKeys.fromState(cs, b as never), (err: unknown) => err instanceof StorageError);
  });

  it('never shows key bytes in JSON or inspect output', () => {
    const kp = cs.hpke.generateKeyPair();
    const k = PathKeys.of([[0 as NodeIndex, kp]]);
    for (const text of [JSON.stringify(k), inspect(k, { depth: 10, showHidden: true }), JSON.stringify({ k })]) {
      assert.ok(!text.includes(toHex(kp.privateKey)));
      assert.ok(!text.includes(String(kp.privateKey[0]) + ','), text);
      assert.match(text, /redacted/);
    }
  });
});
