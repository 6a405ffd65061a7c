/**
 * Part-2 validation tests, RFC 9420 §12.4.3 (GroupInfo), §12.4.3.1 (joining by Welcome),
 * §12.4.3.2 (external Commits: the framing checks that exist) and §12.4.3.3 (ratchet_tree).
 * A real Welcome is opened with the joiner's keys, changed in one respect, and re-encrypted (and,
 * where the rule under test comes after them, re-tagged and re-signed by the committer).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/codec/codec.js';
import { ExtensionType, findExtension, type Extension } from '../../src/extensions/extension.js';
import { signContent } from '../../src/framing/auth.js';
import { ContentType, framedContent, SenderType, WireFormat } from '../../src/framing/content.js';
import { mlsMessageCodec } from '../../src/framing/mls-message.js';
import type { GroupInfo } from '../../src/messages/group-info.js';
import { newExternalPskId, newResumptionPskId } from '../../src/psk/psk-secret.js';
import { NodeType, ratchetTreeCodec, type Node, type RatchetTree } from '../../src/ratchet-tree/node.js';
import { treeHash } from '../../src/ratchet-tree/tree-hash.js';
import { PublicTree } from '../../src/ratchet-tree/tree.js';
import { EMPTY, utf8 } from '../../src/util/bytes.js';
import { commitAll } from '../helpers/group.js';
import {
  client, commitOf, cs, group, join, nonMemberMessage, openWelcome, pendingWelcome, rejectsRule, sealWelcome, welcomeOf,
} from './part2-support.test.js';

/** The GroupInfo's ratchet tree (from its extension), as an array of nodes. */
function treeOf(gi: GroupInfo): (Node | undefined)[] {
  return [...decode(ratchetTreeCodec, findExtension(gi.extensions, ExtensionType.ratchetTree)!.extensionData)];
}
/** `gi` with its ratchet_tree extension replaced by `nodes` (and, if asked, tree_hash recomputed). */
function withTree(gi: GroupInfo, nodes: RatchetTree, rehash = false): GroupInfo {
  const data = encode(ratchetTreeCodec, nodes);
  const extensions: Extension[] = gi.extensions.map((e) => (e.extensionType === ExtensionType.ratchetTree ? { extensionType: e.extensionType, extensionData: data } : e));
  const groupContext = rehash ? { ...gi.groupContext, treeHash: treeHash(PublicTree.decode(cs, data)) } : gi.groupContext;
  return { ...gi, extensions, groupContext };
}
const parentAt = (nodes: (Node | undefined)[], x: number) => {
  const n = nodes[x];
  assert.ok(n?.nodeType === NodeType.parent, `node ${x} is a parent`);
  return n.parentNode;
};

describe('§12.4.3: GroupInfo', () => {
  test('R-12.4.3-01: unknown GroupInfo extensions (GREASE included) are ignored', async () => {
    const { kp, welcome, signer, members } = await pendingWelcome(2);
    const o = openWelcome(welcome, kp);
    const extensions = [...o.groupInfo.extensions, { extensionType: 0xff00, extensionData: utf8('unknown') }, { extensionType: 0x3a3a, extensionData: cs.random(17) }];
    const g = await join(sealWelcome(o.groupSecrets, { ...o.groupInfo, extensions }, [kp], { signer }), kp);
    await members[0]!.group.confirmCommit();
    assert.deepEqual(g.epochAuthenticator, members[0]!.group.epochAuthenticator);
  });

  test('R-12.4.3-02: a GroupContext extension the joiner does not support makes the GroupInfo invalid', async () => {
    const { kp, welcome, signer } = await pendingWelcome(2);
    const o = openWelcome(welcome, kp);
    const gc = { ...o.groupInfo.groupContext, extensions: [{ extensionType: 0xff00, extensionData: EMPTY }] };
    await rejectsRule(join(sealWelcome(o.groupSecrets, { ...o.groupInfo, groupContext: gc }, [kp], { retag: true, signer }), kp), 'R-12.4.3-02', 'ERR_VALIDATION_EXTENSIONS');
  });

  test('R-12.4.3-03: a GroupInfo for a group the client is already in is rejected (isKnownGroupId)', async () => {
    const { kp, welcome, members } = await pendingWelcome(2);
    const gid = members[0]!.group.groupId;
    await rejectsRule(join(welcome, kp, { isKnownGroupId: (id) => Buffer.from(id).equals(Buffer.from(gid)) }), 'R-12.4.3-03');
    await join(welcome, kp, { isKnownGroupId: () => false });
  });

  test('R-12.4.3-04: the GroupInfo signature must verify under the signer leaf; an out-of-range or blank signer is an error', async () => {
    const members = await group(3);
    const kp = client('j').keyPackage();
    const out = await members[0]!.group.commit({ add: [kp.keyPackage] });
    const signer = members[0]!.identity.signaturePrivateKey;
    const o = openWelcome(out.welcome!, kp);
    const sig = o.groupInfo.signature.slice();
    sig[3]! ^= 1;
    await rejectsRule(join(sealWelcome(o.groupSecrets, { ...o.groupInfo, signature: sig }, [kp]), kp), 'R-12.4.3-04', 'ERR_VALIDATION_SIGNATURE');
    await rejectsRule(join(sealWelcome(o.groupSecrets, o.groupInfo, [kp], { signer: members[2]!.identity.signaturePrivateKey }), kp), 'R-12.4.3-04');
    // a signer outside the tree, and a signer whose leaf is blank (the signer check comes before the tree checks)
    await rejectsRule(join(sealWelcome(o.groupSecrets, { ...o.groupInfo, signer: 9 }, [kp], { signer }), kp), 'R-12.4.3-04');
    const nodes = treeOf(o.groupInfo);
    nodes[2] = undefined; // blank leaf 1
    await rejectsRule(join(sealWelcome(o.groupSecrets, { ...withTree(o.groupInfo, nodes), signer: 1 }, [kp], { signer }), kp), 'R-12.4.3-04');
  });
});

describe('§12.4.3.1: joining by Welcome', () => {
  test('R-12.4.3.1-01: without a ratchet_tree extension and with no tree supplied, the client does not join', async () => {
    const { kp, welcome, out } = await pendingWelcome(2, { ratchetTreeExtension: false });
    await rejectsRule(join(welcome, kp), 'R-12.4.3.1-01');
    await join(welcome, kp, { ratchetTree: out.ratchetTree }); // with the tree out of band it works
  });

  test('R-12.4.3.1-02: a Welcome for none of our KeyPackages is rejected', async () => {
    const { welcome, joiner } = await pendingWelcome(2);
    await rejectsRule(join(welcome, joiner.keyPackage()), 'R-12.4.3.1-02');
  });

  test("R-12.4.3.1-03: the KeyPackage's cipher suite must equal Welcome.cipher_suite (and the suite must be known)", async () => {
    const { kp, welcome } = await pendingWelcome(2);
    const o = openWelcome(welcome, kp);
    // suite 2 hashes with SHA-256 like suite 1: the KeyPackageRef still matches, the suites do not
    await rejectsRule(join(sealWelcome(o.groupSecrets, o.groupInfo, [kp], { cipherSuite: 2 }), kp), 'R-12.4.3.1-03');
    await rejectsRule(join(sealWelcome(o.groupSecrets, o.groupInfo, [kp], { cipherSuite: 0x7777 }), kp), 'R-12.4.3.1-03');
  });

  test('R-12.4.3.1-04: encrypted_group_secrets that do not decrypt are rejected', async () => {
    const { kp, welcome } = await pendingWelcome(2);
    const w = welcomeOf(welcome);
    const e = w.secrets[0]!;
    const ct = e.encryptedGroupSecrets.ciphertext.slice();
    ct[0]! ^= 1;
    const bad = encode(mlsMessageCodec, { wireFormat: WireFormat.mls_welcome, welcome: { ...w, secrets: [{ ...e, encryptedGroupSecrets: { ...e.encryptedGroupSecrets, ciphertext: ct } }] } });
    await rejectsRule(join(bad, kp), 'R-12.4.3.1-04');
  });

  test('R-12.4.3.1-05: the joiner must hold every PSK of GroupSecrets.psks', async () => {
    const psk = new Uint8Array(32).fill(3);
    const psks = { external: (id: Uint8Array) => (Buffer.from(id).toString() === 'team' ? psk : undefined) };
    const members = await group(2, { psks });
    const kp = client('j').keyPackage();
    const out = await members[0]!.group.commit({ add: [kp.keyPackage], psks: [newExternalPskId(cs, utf8('team'))] });
    await rejectsRule(join(out.welcome!, kp), 'R-12.4.3.1-05', 'ERR_VALIDATION_PSK');
    await join(out.welcome!, kp, { psks });
  });

  test('R-12.4.3.1-06: at most one resumption PSK of usage reinit or branch', async () => {
    const { kp, welcome, members } = await pendingWelcome(2);
    const o = openWelcome(welcome, kp);
    const gid = members[0]!.group.groupId;
    const psks = [newResumptionPskId(cs, 2, gid, 1n), newResumptionPskId(cs, 3, gid, 1n)];
    await rejectsRule(join(sealWelcome({ ...o.groupSecrets, psks }, o.groupInfo, [kp], { psks: [cs.random(32), cs.random(32)] }), kp), 'R-12.4.3.1-06');
  });

  test('R-12.4.3.1-07: an encrypted_group_info that does not decrypt is rejected', async () => {
    const { kp, welcome } = await pendingWelcome(2);
    const o = openWelcome(welcome, kp);
    const flip = (egi: Uint8Array) => {
      const c = egi.slice();
      c[c.length - 1]! ^= 1;
      return c;
    };
    // the GroupSecrets are re-encrypted with the changed ciphertext as context, so only the GroupInfo fails
    await rejectsRule(join(sealWelcome(o.groupSecrets, o.groupInfo, [kp], { encryptedGroupInfo: flip }), kp), 'R-12.4.3.1-07');
  });

  test("R-12.4.3.1-08: the GroupInfo's cipher suite must equal the KeyPackage's", async () => {
    const { kp, welcome, signer } = await pendingWelcome(2);
    const o = openWelcome(welcome, kp);
    const gi = { ...o.groupInfo, groupContext: { ...o.groupInfo.groupContext, cipherSuite: 3 } };
    await rejectsRule(join(sealWelcome(o.groupSecrets, gi, [kp], { retag: true, signer }), kp), 'R-12.4.3.1-08');
  });

  test('R-12.4.3.1-09: the tree hash must equal GroupContext.tree_hash (in-band or out-of-band tree)', async () => {
    const members = await group(2);
    const before = members[0]!.group.state.tree.encode();
    const kp = client('j').keyPackage();
    const out = await members[0]!.group.commit({ add: [kp.keyPackage], ratchetTreeExtension: false });
    await rejectsRule(join(out.welcome!, kp, { ratchetTree: before }), 'R-12.4.3.1-09', 'ERR_VALIDATION_TREE_HASH');
    // in band: a leaf changed after the tree hash was computed
    const p = await pendingWelcome(2);
    const o = openWelcome(p.welcome, p.kp);
    const nodes = treeOf(o.groupInfo);
    const leaf = nodes[2]!;
    assert.ok(leaf.nodeType === NodeType.leaf);
    nodes[2] = { nodeType: NodeType.leaf, leafNode: { ...leaf.leafNode, signature: new Uint8Array(leaf.leafNode.signature.length) } };
    await rejectsRule(join(sealWelcome(o.groupSecrets, withTree(o.groupInfo, nodes), [p.kp], { signer: p.signer }), p.kp), 'R-12.4.3.1-09');
  });

  test('R-12.4.3.1-10: every leaf of the tree must pass §7.3 (tree hash, tag and signature redone; the error names the §7.3 rule)', async () => {
    const { kp, welcome, signer } = await pendingWelcome(2); // Adds only: no parent node, so no parent hash covers the leaves
    const o = openWelcome(welcome, kp);
    const nodes = treeOf(o.groupInfo);
    const leaf = nodes[2]!;
    assert.ok(leaf.nodeType === NodeType.leaf);
    const badSig = [...nodes];
    badSig[2] = { nodeType: NodeType.leaf, leafNode: { ...leaf.leafNode, signature: new Uint8Array(leaf.leafNode.signature.length) } };
    await rejectsRule(join(sealWelcome(o.groupSecrets, withTree(o.groupInfo, badSig, true), [kp], { retag: true, signer }), kp), 'R-7.3-02');
    // a leaf whose signature key is another leaf's (R-7.3-11)
    const a = nodes[0]!;
    assert.ok(a.nodeType === NodeType.leaf);
    const dupKey = [...nodes];
    dupKey[2] = { nodeType: NodeType.leaf, leafNode: { ...leaf.leafNode, signatureKey: a.leafNode.signatureKey } };
    await rejectsRule(join(sealWelcome(o.groupSecrets, withTree(o.groupInfo, dupKey, true), [kp], { retag: true, signer }), kp), 'R-7.3-11');
    // the AS rejects a leaf credential on join (R-5.3.1-02, through the public API)
    await rejectsRule(join(welcome, kp, { config: { validateCredential: (c) => c.leafIndex !== 1 } }), 'R-5.3.1-02');
  });

  test('R-12.4.3.1-11: each unmerged_leaves entry must be a non-blank leaf below its parent', async () => {
    const { kp, o, signer } = await treeWithParents();
    const nodes = treeOf(o.groupInfo);
    nodes[1] = { nodeType: NodeType.parent, parentNode: { ...parentAt(nodes, 1), unmergedLeaves: [2] } }; // leaf 2 is not below node 1
    await rejectsRule(join(sealWelcome(o.groupSecrets, withTree(o.groupInfo, nodes), [kp], { signer }), kp), 'R-12.4.3.1-11');
  });

  test('R-12.4.3.1-12: a parent between an unmerged leaf and the parent listing it must list it too', async () => {
    const { kp, o, signer } = await treeWithParents();
    const nodes = treeOf(o.groupInfo);
    const root = parentAt(nodes, 3);
    nodes[3] = { nodeType: NodeType.parent, parentNode: { ...root, unmergedLeaves: [0, ...root.unmergedLeaves] } }; // node 1 (non-blank) does not list 0
    await rejectsRule(join(sealWelcome(o.groupSecrets, withTree(o.groupInfo, nodes), [kp], { signer }), kp), 'R-12.4.3.1-12');
  });

  test("R-12.4.3.1-13: a parent's encryption_key must appear in no other node", async () => {
    const { kp, o, signer } = await treeWithParents();
    const nodes = treeOf(o.groupInfo);
    const [a, b] = [nodes[0]!, nodes[2]!];
    assert.ok(a.nodeType === NodeType.leaf && b.nodeType === NodeType.leaf);
    const cases: [number, Uint8Array][] = [
      [1, a.leafNode.encryptionKey], // node 1 holds leaf 0's key
      [3, b.leafNode.encryptionKey], // the root holds leaf 1's key
      [3, parentAt(nodes, 1).encryptionKey], // the root holds node 1's key
    ];
    for (const [x, key] of cases) {
      const changed = [...nodes];
      changed[x] = { nodeType: NodeType.parent, parentNode: { ...parentAt(nodes, x), encryptionKey: key } };
      await rejectsRule(join(sealWelcome(o.groupSecrets, withTree(o.groupInfo, changed), [kp], { signer }), kp), 'R-12.4.3.1-13', 'ERR_VALIDATION_DUPLICATE_KEY');
    }
  });

  test("R-12.4.3.1-14: the tree must contain the joiner's own leaf", async () => {
    const { kp, welcome } = await pendingWelcome(2);
    const o = openWelcome(welcome, kp);
    const stranger = client('stranger').keyPackage(); // a valid Welcome entry for a KeyPackage that was never added
    await rejectsRule(join(sealWelcome(o.groupSecrets, o.groupInfo, [stranger]), stranger), 'R-12.4.3.1-14');
  });

  test('R-12.4.3.1-15: a path_secret whose derived keys differ from the tree is rejected', async () => {
    const { kp, welcome } = await pendingWelcome(3, { updatePath: true });
    const o = openWelcome(welcome, kp);
    assert.ok(o.groupSecrets.pathSecret !== undefined);
    await rejectsRule(join(sealWelcome({ ...o.groupSecrets, pathSecret: { pathSecret: cs.random(cs.Nh) } }, o.groupInfo, [kp]), kp), 'R-12.4.3.1-15');
  });

  test('R-12.4.3.1-16: a wrong GroupInfo confirmation_tag is rejected', async () => {
    const { kp, welcome, signer } = await pendingWelcome(2);
    const o = openWelcome(welcome, kp);
    const tag = o.groupInfo.confirmationTag.slice();
    tag[0]! ^= 1;
    await rejectsRule(join(sealWelcome(o.groupSecrets, { ...o.groupInfo, confirmationTag: tag }, [kp], { signer }), kp), 'R-12.4.3.1-16', 'ERR_VALIDATION_CONFIRMATION_TAG');
  });

  test('R-12.4.3.1-17: with a branch or reinit resumption PSK the GroupInfo epoch must be 1', async () => {
    const { kp, welcome, signer, members } = await pendingWelcome(2); // the Welcome is for epoch 2
    const o = openWelcome(welcome, kp);
    const secret = new Uint8Array(32).fill(8);
    for (const usage of [2, 3] as const) {
      const psk = newResumptionPskId(cs, usage, members[0]!.group.groupId, 1n);
      const bytes = sealWelcome({ ...o.groupSecrets, psks: [psk] }, o.groupInfo, [kp], { psks: [secret], retag: true, signer });
      await rejectsRule(join(bytes, kp, { psks: { resumption: () => secret } }), 'R-12.4.3.1-17');
    }
  });
});

describe('§12.4.3.2 / §12.4.3.3', () => {
  test('R-12.4.3.2-02: an external Commit (new_member_commit) without a path is rejected', async () => {
    const [a, b] = await group(2);
    const content = framedContent({ groupId: a!.group.groupId, epoch: a!.group.epoch, sender: { senderType: SenderType.new_member_commit }, authenticatedData: EMPTY }, { contentType: ContentType.commit, commit: { proposals: [] } });
    await rejectsRule(b!.group.process(nonMemberMessage(content, { signature: new Uint8Array(64), confirmationTag: new Uint8Array(32) })), 'R-12.4.3.2-02');
  });

  test('R-7.3-02: an external Commit whose path leaf was signed by another key is rejected (see part3-external for R-12.4.3.2-05)', async () => {
    const [a, b] = await group(2);
    const joiner = client('ext');
    const path = commitOf((await a!.group.commit({ updatePath: true })).commit).path!;
    await a!.group.discardCommit();
    const content = framedContent(
      { groupId: a!.group.groupId, epoch: a!.group.epoch, sender: { senderType: SenderType.new_member_commit }, authenticatedData: EMPTY },
      { contentType: ContentType.commit, commit: { proposals: [{ type: 1, proposal: { proposalType: 6, externalInit: { kemOutput: cs.hpke.generateKeyPair().publicKey } } }], path: { ...path, leafNode: { ...path.leafNode, signatureKey: joiner.identity.signaturePublicKey } } } },
    );
    const signature = signContent(cs, joiner.identity.signaturePrivateKey, WireFormat.mls_public_message, content, b!.group.state.contextBytes);
    await rejectsRule(b!.group.process(nonMemberMessage(content, { signature, confirmationTag: new Uint8Array(32) })), 'R-7.3-02');
  });

  test('R-12.4.3.3-01: a ratchet_tree ending in a blank node, or empty, is rejected on join', async () => {
    const { kp, welcome, signer } = await pendingWelcome(2);
    const o = openWelcome(welcome, kp);
    const nodes = treeOf(o.groupInfo);
    await rejectsRule(join(sealWelcome(o.groupSecrets, withTree(o.groupInfo, [...nodes, undefined, undefined]), [kp], { signer }), kp), 'R-12.4.3.3-01');
    const noTree = await pendingWelcome(2, { ratchetTreeExtension: false });
    await rejectsRule(join(noTree.welcome, noTree.kp, { ratchetTree: [] }), 'R-12.4.3.3-01');
  });
});

/** A Welcome into a tree with non-blank parents: 3 members, a path Commit, then an Add (no path) of the joiner at leaf 3. */
async function treeWithParents() {
  const members = await group(3);
  await commitAll(members, members[0]!, { updatePath: true }); // nodes 1 and 3 are set
  const kp = client('j').keyPackage();
  const out = await members[0]!.group.commit({ add: [kp.keyPackage] });
  const o = openWelcome(out.welcome!, kp);
  const nodes = treeOf(o.groupInfo);
  assert.deepEqual(parentAt(nodes, 3).unmergedLeaves, [3]);
  parentAt(nodes, 1);
  return { kp, o, signer: members[0]!.identity.signaturePrivateKey };
}

