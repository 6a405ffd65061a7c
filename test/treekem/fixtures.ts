/**
 * Test-only fixtures for TreeKEM (RFC 9420 §7.4–§7.6): a small simulated group in which every
 * member keeps its own PathKeys and processes each Commit on its own copy of the tree, so round
 * trips check what the members really agree on. LeafNodes carry no valid signature (TreeKEM does
 * not verify them; §7.3 validation belongs to the Commit code).
 */
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/codec/codec.js';
import type { CipherSuite, KeyPair } from '../../src/crypto/cipher-suite.js';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { CredentialType } from '../../src/credentials/credential.js';
import { encodeGroupContext, ProtocolVersion } from '../../src/key-schedule/group-context.js';
import { updatePathCodec } from '../../src/messages/commit.js';
import { LeafNodeSource, NodeType, type CommitLeafNode, type KeyPackageLeafNode, type LeafNode } from '../../src/ratchet-tree/node.js';
import { treeHash } from '../../src/ratchet-tree/tree-hash.js';
import { PublicTree } from '../../src/ratchet-tree/tree.js';
import { directPath, leafToNode, type LeafIndex } from '../../src/tree-math/index.js';
import { PathKeys } from '../../src/treekem/path-keys.js';
import { pathKeysFromJoinerSecret } from '../../src/treekem/join.js';
import {
  applyUpdatePath,
  createUpdatePath,
  decryptUpdatePath,
  pathSecretForJoiner,
  type CommitLeafFields,
  type CreatedUpdatePath,
  type UpdatePath,
} from '../../src/treekem/update-path.js';
import { bytesEqual, EMPTY, utf8 } from '../../src/util/bytes.js';

export const cs: CipherSuite = nodeCipherSuite(1);
export const GROUP_ID = utf8('treekem-test-group');

let counter = 0;

/** A fresh key_package-source LeafNode (unsigned) and its encryption key pair. */
export function newLeaf(suite: CipherSuite = cs): { leafNode: KeyPackageLeafNode; keyPair: KeyPair } {
  const keyPair = suite.hpke.generateKeyPair();
  const leafNode: KeyPackageLeafNode = {
    encryptionKey: keyPair.publicKey,
    signatureKey: suite.random(32),
    credential: { credentialType: CredentialType.basic, identity: utf8(`member-${counter++}`) },
    capabilities: { versions: [1], cipherSuites: [suite.id], extensions: [], proposals: [], credentials: [1] },
    leafNodeSource: LeafNodeSource.keyPackage,
    lifetime: { notBefore: 0n, notAfter: 0xffff_ffff_ffff_ffffn },
    extensions: [],
    signature: EMPTY,
  };
  return { leafNode, keyPair };
}

/** The committer's new LeafNode: `old` with the fields TreeKEM chose (unsigned). */
export function commitLeaf(old: LeafNode, f: CommitLeafFields): CommitLeafNode {
  return {
    encryptionKey: f.encryptionKey,
    signatureKey: old.signatureKey,
    credential: old.credential,
    capabilities: old.capabilities,
    leafNodeSource: LeafNodeSource.commit,
    parentHash: f.parentHash,
    extensions: old.extensions,
    signature: EMPTY,
  };
}

export function groupContextFor(tree: PublicTree, epoch: bigint): Uint8Array {
  return encodeGroupContext({
    version: ProtocolVersion.mls10,
    cipherSuite: tree.suite.id,
    groupId: GROUP_ID,
    epoch,
    treeHash: treeHash(tree),
    confirmedTranscriptHash: new Uint8Array(32),
    extensions: [],
  });
}

/** The wire round trip a received UpdatePath goes through. */
export function overTheWire(up: UpdatePath): UpdatePath {
  return decode(updatePathCodec, encode(updatePathCodec, up));
}

export interface Member {
  readonly leaf: LeafIndex;
  keys: PathKeys;
}

/** What one Commit changes before its path: Removes, then Adds (§12.3 order). */
export interface Proposals {
  readonly removes: readonly LeafIndex[];
  readonly adds: readonly KeyPackageLeafNode[];
}

/** Applies the proposals to `tree` (in place); returns the leaves the Adds took. */
export function applyProposals(tree: PublicTree, p: Proposals): LeafIndex[] {
  for (const r of p.removes) tree.removeLeaf(r);
  return p.adds.map((a) => tree.addLeaf(a));
}

/** A simulated group. */
export class Group {
  tree: PublicTree;
  epoch = 0n;
  readonly members = new Map<number, Member>();

  constructor(suite: CipherSuite = cs) {
    const { leafNode, keyPair } = newLeaf(suite);
    this.tree = PublicTree.create(suite, leafNode);
    this.members.set(0, { leaf: 0 as LeafIndex, keys: PathKeys.of([[leafToNode(0 as LeafIndex), keyPair]]) });
  }

  /**
   * One Commit by `committer`: the proposals, then (if `withPath`) an UpdatePath that every other
   * old member merges on its own copy of the tree and decrypts; joiners get the path secret of
   * their common ancestor with the committer, as a Welcome would carry. Asserts that everyone
   * agrees on the tree hash and the commit_secret. Returns the created path, if any.
   */
  commit(committer: LeafIndex, p: { removes: LeafIndex[]; adds: number }, withPath: boolean): CreatedUpdatePath | undefined {
    const suite = this.tree.suite;
    const joiners = Array.from({ length: p.adds }, () => newLeaf(suite));
    const proposals: Proposals = { removes: p.removes, adds: joiners.map((j) => j.leafNode) };
    const staged = this.tree.fork();
    const added = applyProposals(staged, proposals);
    const exclude = new Set<number>(added);
    const epoch = this.epoch + 1n;
    const old = [...this.members.values()].filter((m) => m.leaf !== committer && !p.removes.includes(m.leaf));
    const nextKeys = new Map<number, PathKeys>();
    let created: CreatedUpdatePath | undefined;

    if (withPath) {
      const before = staged.leafNode(committer)!;
      created = createUpdatePath({
        tree: staged,
        leaf: committer,
        excludeLeaves: exclude,
        groupContext: (t) => groupContextFor(t, epoch),
        buildLeafNode: (f) => commitLeaf(before, f),
      });
      const wire = overTheWire(created.updatePath);
      for (const m of old) {
        const theirs = this.tree.fork();
        assert.deepEqual(applyProposals(theirs, proposals), added);
        applyUpdatePath({ tree: theirs, sender: committer, updatePath: wire, excludeLeaves: exclude });
        assert.ok(bytesEqual(treeHash(theirs), treeHash(staged)), `leaf ${m.leaf} sees another tree`);
        const d = decryptUpdatePath({ tree: theirs, sender: committer, receiver: m.leaf, updatePath: wire, keys: m.keys, groupContext: groupContextFor(theirs, epoch), excludeLeaves: exclude });
        assert.ok(bytesEqual(d.commitSecret, created.commitSecret), `leaf ${m.leaf} got another commit_secret`);
        const k = m.keys.clone();
        k.applyCommit(theirs, d.keys);
        nextKeys.set(m.leaf, k);
      }
      const k = this.members.get(committer)!.keys.clone();
      k.applyCommit(staged, created.keys);
      nextKeys.set(committer, k);
    } else {
      for (const m of [...old, this.members.get(committer)!]) {
        const k = m.keys.clone();
        k.applyCommit(staged);
        nextKeys.set(m.leaf, k);
      }
    }

    // Merge: the old keys are destroyed only now that every member accepted the Commit.
    for (const r of p.removes) {
      this.members.get(r)?.keys.destroy();
      this.members.delete(r);
    }
    for (const [leaf, k] of nextKeys) {
      const m = this.members.get(leaf)!;
      m.keys.destroy();
      m.keys = k;
    }
    added.forEach((leaf, i) => {
      const pathSecret = created === undefined ? undefined : pathSecretForJoiner(created, committer, leaf);
      const keys = pathKeysFromJoinerSecret({ tree: staged, leaf, signer: committer, leafKeyPair: joiners[i]!.keyPair, ...(pathSecret === undefined ? {} : { pathSecret }) });
      this.members.set(leaf, { leaf, keys });
    });
    staged.merge();
    this.tree = staged;
    this.epoch = epoch;
    this.checkInvariant();
    return created;
  }

  /**
   * The tree invariant (§7.4, §7.5): each member holds the private key of its leaf and of every
   * non-blank node on its direct path that does not list it as unmerged, and no other key; each
   * held key matches the tree's public key.
   */
  checkInvariant(): void {
    for (const m of this.members.values()) {
      const expected: number[] = [leafToNode(m.leaf)];
      for (const x of directPath(leafToNode(m.leaf), this.tree.leafCount)) {
        const p = this.tree.parentNode(x);
        if (p !== undefined && !p.unmergedLeaves.includes(m.leaf)) expected.push(x);
      }
      assert.deepEqual(m.keys.nodes(), expected.sort((a, b) => a - b), `keys of leaf ${m.leaf}`);
      for (const x of m.keys.nodes()) {
        const n = this.tree.node(x)!;
        const pub = n.nodeType === NodeType.leaf ? n.leafNode.encryptionKey : n.parentNode.encryptionKey;
        assert.ok(bytesEqual(pub, m.keys.publicKey(x)!), `key of node ${x} held by leaf ${m.leaf}`);
      }
    }
  }
}

/** A group of `n` members built by one Add-only Commit without a path, then a Commit with a path by leaf 0 (so parents are set). */
export function groupOf(n: number, suite: CipherSuite = cs): Group {
  const g = new Group(suite);
  if (n > 1) g.commit(0 as LeafIndex, { removes: [], adds: n - 1 }, false);
  if (n > 1) g.commit(0 as LeafIndex, { removes: [], adds: 0 }, true);
  return g;
}

export { throwsRule } from '../helpers/errors.js';
