/**
 * treekem.json: RFC 9420 §7.4–§7.6 (path secrets, UpdatePath processing and creation), §7.8 and
 * §7.9 (tree and parent hashes after merging a path).
 *
 * Per case: load each private leaf (its keys and the path secrets it holds, checked against the
 * tree); then for each published UpdatePath, merge it into a copy of the tree (parent-hash valid,
 * tree_hash_after), let every other member decrypt it (path secret of the common ancestor,
 * commit_secret), and finally create a fresh UpdatePath for the same sender and check that every
 * other member decrypts it to the same commit_secret.
 *
 * The GroupContext uses the case's epoch as given (not + 1) and empty extensions, with the tree
 * hash of the merged tree (README: "Its tree_hash is the one of the tree after merging").
 */
import type { CipherSuite } from '../src/crypto/cipher-suite.js';
import { nodeCipherSuite } from '../src/crypto/node/provider.js';
import { EMPTY } from '../src/util/bytes.js';
import { decode, encode } from '../src/codec/codec.js';
import { signLeafNode } from '../src/key-package/create.js';
import { encodeGroupContext, ProtocolVersion } from '../src/key-schedule/group-context.js';
import { updatePathCodec } from '../src/messages/commit.js';
import { LeafNodeSource, type CommitLeafNode } from '../src/ratchet-tree/node.js';
import { verifyParentHashes } from '../src/ratchet-tree/parent-hash.js';
import { treeHash } from '../src/ratchet-tree/tree-hash.js';
import { PublicTree } from '../src/ratchet-tree/tree.js';
import { leafIndex, leafToNode, nodeIndex, type LeafIndex } from '../src/tree-math/index.js';
import { PathKeys } from '../src/treekem/path-keys.js';
import { nodeKeyPair } from '../src/treekem/path-secrets.js';
import { applyUpdatePath, createUpdatePath, decryptUpdatePath } from '../src/treekem/update-path.js';
import { bytesEqual, toHex } from '../src/util/bytes.js';
import { expectBytes, expectEqual, expectTrue, hex } from './assert.js';
import type { Json } from './types.js';

interface PrivateLeaf {
  readonly leaf: LeafIndex;
  readonly keys: PathKeys;
  readonly signaturePriv: Uint8Array;
}

export function runCase(tc: Json): void {
  const cs = nodeCipherSuite(tc.cipher_suite);
  const base = PublicTree.decode(cs, hex(tc.ratchet_tree));
  const groupContext = (tree: PublicTree): Uint8Array =>
    encodeGroupContext({
      version: ProtocolVersion.mls10,
      cipherSuite: tc.cipher_suite,
      groupId: hex(tc.group_id),
      epoch: BigInt(tc.epoch),
      treeHash: treeHash(tree),
      confirmedTranscriptHash: hex(tc.confirmed_transcript_hash),
      extensions: [],
    });

  const members = new Map<number, PrivateLeaf>();
  for (const lp of tc.leaves_private as Json[]) members.set(lp.index, loadPrivateLeaf(cs, base, lp));
  const nonBlank = [...base.leaves()].map(([l]) => l as number);
  expectEqual('leaves_private covers every member', [...members.keys()].sort((a, b) => a - b).join(','), nonBlank.join(','));

  for (const [k, upv] of (tc.update_paths as Json[]).entries()) {
    const sender = leafIndex(upv.sender);
    const up = decode(updatePathCodec, hex(upv.update_path));
    const what = `update_paths[${k}] (sender ${sender})`;

    // Merge (R-7.5-01, R-7.6-01, R-7.9.2-02 inside), then the full §7.9.2 check and the tree hash.
    const merged = base.fork();
    applyUpdatePath({ tree: merged, sender, updatePath: up });
    verifyParentHashes(merged);
    expectBytes(`${what}: tree_hash_after`, treeHash(merged), upv.tree_hash_after);
    const gc = groupContext(merged);

    expectEqual(`${what}: path_secrets length`, upv.path_secrets.length, base.leafCount);
    for (let j = 0; j < base.leafCount; j++) {
      if (!members.has(j)) expectTrue(`${what}: path_secrets[${j}] (blank leaf) is null`, upv.path_secrets[j] === null);
    }
    for (const [j, m] of members) {
      if (j === sender) {
        expectTrue(`${what}: path_secrets[sender] is null`, upv.path_secrets[j] === null);
        continue;
      }
      const d = decryptUpdatePath({ tree: merged, sender, receiver: m.leaf, updatePath: up, keys: m.keys, groupContext: gc });
      expectBytes(`${what}: path secret of leaf ${j}`, d.pathSecret, upv.path_secrets[j]);
      expectBytes(`${what}: commit_secret of leaf ${j}`, d.commitSecret, upv.commit_secret);
      // The receiver's keys after the Commit: every one must match the merged tree.
      const next = m.keys.clone();
      next.applyCommit(merged, d.keys);
      expectTrue(`${what}: leaf ${j} keeps its leaf key`, next.has(leafToNode(m.leaf)));
      expectTrue(`${what}: leaf ${j} knows the root`, next.has(merged.root) === !merged.isBlank(merged.root));
      next.destroy();
    }

    // A fresh UpdatePath for the same sender: every other member must get the same commit_secret.
    const s = members.get(sender)!;
    const mine = base.fork();
    const created = createUpdatePath({
      tree: mine,
      leaf: sender,
      groupContext,
      buildLeafNode: ({ encryptionKey, parentHash }) => {
        const old = base.leafNode(sender)!;
        const leaf: CommitLeafNode = {
          encryptionKey,
          signatureKey: old.signatureKey,
          credential: old.credential,
          capabilities: old.capabilities,
          leafNodeSource: LeafNodeSource.commit,
          parentHash,
          extensions: old.extensions,
          signature: EMPTY,
        };
        return signLeafNode(cs, s.signaturePriv, leaf, hex(tc.group_id), sender);
      },
    });
    verifyParentHashes(mine);
    expectEqual(`${what}: fresh path length`, created.updatePath.nodes.length, up.nodes.length);
    // Receivers get the wire form, as from a real peer.
    const fresh = decode(updatePathCodec, encode(updatePathCodec, created.updatePath));
    for (const [j, m] of members) {
      if (j === sender) continue;
      const theirs = base.fork();
      applyUpdatePath({ tree: theirs, sender, updatePath: fresh });
      expectTrue(`${what}: fresh path, tree hash seen by leaf ${j}`, bytesEqual(treeHash(theirs), treeHash(mine)));
      const d = decryptUpdatePath({ tree: theirs, sender, receiver: m.leaf, updatePath: fresh, keys: m.keys, groupContext: groupContext(theirs) });
      if (!bytesEqual(d.commitSecret, created.commitSecret)) {
        throw new Error(`${what}: fresh path, leaf ${j} got commit secret ${toHex(d.commitSecret)}, expected ${toHex(created.commitSecret)}`);
      }
    }
  }
}

/**
 * A member's private state from `leaves_private[]`: the leaf's keys (checked against its LeafNode)
 * and the key of each node it holds a path secret for (checked: non-blank, same public key).
 */
function loadPrivateLeaf(cs: CipherSuite, tree: PublicTree, lp: Json): PrivateLeaf {
  const leaf = leafIndex(lp.index);
  const node = tree.leafNode(leaf);
  if (node === undefined) throw new Error(`leaves_private: leaf ${leaf} is blank`);
  const signaturePriv = hex(lp.signature_priv);
  expectBytes(`leaf ${leaf}: signature key`, cs.signatureScheme.publicKeyFromPrivate(signaturePriv), toHex(node.signatureKey));
  // The HPKE interface cannot derive a public key from a private one: a seal/open round trip shows
  // the private key belongs to the leaf's encryption_key.
  const encryptionPriv = hex(lp.encryption_priv);
  const probe = cs.hpke.seal(node.encryptionKey, EMPTY, EMPTY, Uint8Array.of(1, 2, 3));
  expectTrue(`leaf ${leaf}: encryption_priv opens for encryption_key`, bytesEqual(cs.hpke.open(encryptionPriv, probe.kemOutput, EMPTY, EMPTY, probe.ciphertext), Uint8Array.of(1, 2, 3)));
  const keys = PathKeys.empty();
  keys.set(leafToNode(leaf), { publicKey: node.encryptionKey, privateKey: encryptionPriv });
  for (const { node: x, path_secret } of lp.path_secrets as Json[]) {
    const p = tree.parentNode(nodeIndex(x));
    if (p === undefined) throw new Error(`leaf ${leaf}: path secret for node ${x}, which is blank`);
    const kp = nodeKeyPair(cs, hex(path_secret));
    expectBytes(`leaf ${leaf}: public key of node ${x}`, kp.publicKey, toHex(p.encryptionKey));
    keys.set(nodeIndex(x), kp);
  }
  return { leaf, keys, signaturePriv };
}
