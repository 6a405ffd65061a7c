/**
 * Validation tests for external Commits: RFC 9420 §12.4.3.2 (joining by external Commit), §8.3
 * (external init), the external-Commit rules of §12.2 (R-12.2-13…17) and the checks a joiner runs
 * on the GroupInfo and its tree (R-12.4.3.2-01, R-5.1.1-01 for external_pub, R-12.4.3-04,
 * R-12.4.3.3-02 and, by A-10, the §12.4.3.1 tree checks).
 *
 * Member side: a real external Commit is built with `joinByExternalCommit` from a real GroupInfo,
 * decoded, changed in one respect, and re-signed with the joiner's signature key over a TBS that
 * includes the GroupContext (a new_member_commit sender has no membership tag), so that only the
 * rule under test fails. Every rule here comes before the confirmation tag, which a change to the
 * Commit invalidates. Joiner side: the GroupInfo is changed and re-signed with the signer's key.
 * Each negative test's name starts with the id of its rule and asserts `err.rule`; the controls
 * show that the same crafting, without a change, yields messages that members accept.
 *
 *   npx tsx --test test/validation/part3-external.test.ts
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/codec/codec.js';
import { credentialCodec } from '../../src/credentials/credential.js';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import type { CipherSuite } from '../../src/crypto/cipher-suite.js';
import { signWithLabel } from '../../src/crypto/labels.js';
import { ExtensionType, externalPubCodec, findExtension, type Extension } from '../../src/extensions/extension.js';
import { membershipTag, signContent } from '../../src/framing/auth.js';
import { ContentType, framedContent, WireFormat, type FramedContent, type FramedContentAuthData } from '../../src/framing/content.js';
import { mlsMessageCodec } from '../../src/framing/mls-message.js';
import type { PublicMessage } from '../../src/framing/public-message.js';
import type { GroupConfig } from '../../src/group/config.js';
import type { GroupState } from '../../src/group/state.js';
import { joinByExternalCommit, type ExternalJoinOptions } from '../../src/join/external.js';
import { encodeGroupContext } from '../../src/key-schedule/group-context.js';
import { externalInitSender } from '../../src/key-schedule/key-schedule.js';
import { signLeafNode } from '../../src/key-package/create.js';
import type { Commit } from '../../src/messages/commit.js';
import { groupInfoTbs, type GroupInfo } from '../../src/messages/group-info.js';
import { ProposalOrRefType, ProposalType, type Proposal, type ProposalOrRef } from '../../src/messages/proposal.js';
import { newExternalPskId } from '../../src/psk/psk-secret.js';
import type { PskLookup } from '../../src/psk/lookup.js';
import { NodeType, ratchetTreeCodec, type Node, type RatchetTree } from '../../src/ratchet-tree/node.js';
import { treeHash } from '../../src/ratchet-tree/tree-hash.js';
import { PublicTree } from '../../src/ratchet-tree/tree.js';
import type { LeafIndex } from '../../src/tree-math/index.js';
import { bytesEqual, utf8 } from '../../src/util/bytes.js';
import { MlsGroup } from '../../src/index.js';
import { assertAgreement, deliver, makeGroup, newClient, type Member } from '../helpers/group.js';
import { expectRule } from '../helpers/errors.js';

const SUITE = 1;
const cs: CipherSuite = nodeCipherSuite(SUITE);

const rejectsRule = expectRule;

// ------------------------------------------------------------------------------------------------
// Groups and GroupInfos

interface Published {
  readonly members: Member[];
  /** The GroupInfo (MLSMessage bytes) of the current epoch, with external_pub. */
  readonly groupInfo: Uint8Array;
  /** The tree of the current epoch (for a GroupInfo without ratchet_tree). */
  readonly ratchetTree: Uint8Array;
  /** The GroupInfo signer's signature private key (member 0). */
  readonly signer: Uint8Array;
}

/**
 * `n` members; member 0 commits (`request`, external_pub published) and every member merges, so
 * the GroupInfo is for the epoch the members are in.
 */
async function published(n = 3, options: { config?: Partial<GroupConfig>; psks?: PskLookup } = {}, request: Parameters<MlsGroup['commit']>[0] = {}): Promise<Published> {
  const members = await makeGroup(SUITE, n, options);
  const out = await members[0]!.group.commit({ externalPub: true, ...request });
  await deliver(members, members[0]!, out.commit);
  await members[0]!.group.confirmCommit();
  return { members, groupInfo: out.groupInfo, ratchetTree: out.ratchetTree, signer: members[0]!.identity.signaturePrivateKey };
}

function groupInfoOf(bytes: Uint8Array): GroupInfo {
  const m = decode(mlsMessageCodec, bytes);
  assert.equal(m.wireFormat, WireFormat.mls_group_info);
  return m.groupInfo;
}

/** `gi` signed by `signer` (SignWithLabel "GroupInfoTBS"), as an MLSMessage. */
function signedGroupInfo(gi: GroupInfo, signer: Uint8Array): Uint8Array {
  const signature = signWithLabel(cs, signer, 'GroupInfoTBS', groupInfoTbs(gi));
  return encode(mlsMessageCodec, { wireFormat: WireFormat.mls_group_info, groupInfo: { ...gi, signature } });
}

function treeOf(gi: GroupInfo): (Node | undefined)[] {
  return [...decode(ratchetTreeCodec, findExtension(gi.extensions, ExtensionType.ratchetTree)!.extensionData)];
}

/** `gi` with its ratchet_tree replaced by `nodes` (and, if asked, tree_hash recomputed). */
function withTree(gi: GroupInfo, nodes: RatchetTree, rehash = false): GroupInfo {
  const data = encode(ratchetTreeCodec, nodes);
  const extensions: Extension[] = gi.extensions.map((e) => (e.extensionType === ExtensionType.ratchetTree ? { extensionType: e.extensionType, extensionData: data } : e));
  const groupContext = rehash ? { ...gi.groupContext, treeHash: treeHash(PublicTree.decode(cs, data)) } : gi.groupContext;
  return { ...gi, extensions, groupContext };
}

function parentAt(nodes: (Node | undefined)[], x: number) {
  const n = nodes[x];
  assert.ok(n?.nodeType === NodeType.parent, `node ${x} is a parent`);
  return n.parentNode;
}

function leafAt(nodes: (Node | undefined)[], x: number) {
  const n = nodes[x];
  assert.ok(n?.nodeType === NodeType.leaf, `node ${x} is a leaf`);
  return n.leafNode;
}

// ------------------------------------------------------------------------------------------------
// External Commits

interface Joiner {
  readonly identity: ReturnType<typeof newClient>['identity'];
}

function joiner(name = 'external'): Joiner {
  return { identity: newClient(SUITE, name).identity };
}

/** A valid external Commit of `j` into the published group (joinByExternalCommit). */
function externalCommit(p: Published, j: Joiner, extra: Partial<ExternalJoinOptions> = {}) {
  return joinByExternalCommit({ groupInfo: p.groupInfo, identity: j.identity, ...extra });
}

function openPublic(bytes: Uint8Array): PublicMessage {
  const m = decode(mlsMessageCodec, bytes);
  assert.equal(m.wireFormat, WireFormat.mls_public_message);
  return m.publicMessage;
}

function commitOf(content: FramedContent): Commit {
  assert.equal(content.contentType, ContentType.commit);
  if (content.contentType !== ContentType.commit) throw new Error('unreachable');
  return content.commit;
}

/**
 * Re-signs `content` as a new_member_commit PublicMessage with `key` (the TBS includes the
 * GroupContext `context`) and keeps the confirmation tag of `auth`.
 */
function reframe(content: FramedContent, auth: FramedContentAuthData, key: Uint8Array, context: Uint8Array): Uint8Array {
  const signature = signContent(cs, key, WireFormat.mls_public_message, content, context);
  const confirmationTag = auth.confirmationTag;
  return encode(mlsMessageCodec, { wireFormat: WireFormat.mls_public_message, publicMessage: { content, auth: { signature, ...(confirmationTag !== undefined ? { confirmationTag } : {}) } } });
}

/** `bytes` (an external Commit of `j`) with its Commit changed by `change`, re-signed by `j`. */
function recraft(p: Published, j: Joiner, bytes: Uint8Array, change: (c: Commit) => Commit): Uint8Array {
  const { content, auth } = openPublic(bytes);
  const changed = { ...content, commit: change(commitOf(content)) } as FramedContent;
  return reframe(changed, auth, j.identity.signaturePrivateKey, encodeGroupContext(groupInfoOf(p.groupInfo).groupContext));
}

const byValue = (proposal: Proposal): ProposalOrRef => ({ type: ProposalOrRefType.proposal, proposal });
/** A fresh, valid ExternalInit for the published group (another encapsulation to its external_pub). */
function externalInit(p: Published): Proposal {
  const ext = findExtension(groupInfoOf(p.groupInfo).extensions, ExtensionType.externalPub)!;
  const kemOutput = externalInitSender(cs, decode(externalPubCodec, ext.extensionData).externalPub).kemOutput;
  return { proposalType: ProposalType.externalInit, externalInit: { kemOutput } };
}
const remove = (removed: number): Proposal => ({ proposalType: ProposalType.remove, remove: { removed } });

/** The member processes `bytes` and merges the staged Commit. */
async function accept(m: Member, bytes: Uint8Array): Promise<void> {
  const r = await m.group.process(bytes);
  assert.equal(r.kind, 'commit');
  if (r.kind === 'commit') await m.group.merge(r.staged);
}

function memberCommitWith(state: GroupState, signer: Uint8Array, bytes: Uint8Array, change: (c: Commit) => Commit): Uint8Array {
  // A member's own Commit (a PublicMessage), changed, re-signed and re-tagged with the member's keys.
  const { content, auth } = openPublic(bytes);
  const changed = { ...content, commit: change(commitOf(content)) } as FramedContent;
  const signature = signContent(cs, signer, WireFormat.mls_public_message, changed, state.contextBytes);
  const newAuth: FramedContentAuthData = { signature, ...(auth.confirmationTag !== undefined ? { confirmationTag: auth.confirmationTag } : {}) };
  const tag = membershipTag(cs, state.secrets.membershipKey, WireFormat.mls_public_message, changed, newAuth, state.contextBytes);
  return encode(mlsMessageCodec, { wireFormat: WireFormat.mls_public_message, publicMessage: { content: changed, auth: newAuth, membershipTag: tag } });
}

// ------------------------------------------------------------------------------------------------

describe('controls: crafted external Commits', () => {
  test('controls: an unmodified external Commit (and the same Commit re-signed by the crafting helper) is accepted by every member', async () => {
    const p = await published(3);
    const j = joiner();
    const joined = await MlsGroup.joinExternal({ groupInfo: p.groupInfo, identity: j.identity });
    const again = recraft(p, j, joined.commit, (c) => c);
    // the helper's re-signing reproduces a signature that verifies (Ed25519 is deterministic: same bytes)
    assert.ok(bytesEqual(again, joined.commit));
    for (const m of p.members) await accept(m, again);
    const all = [...p.members, { name: 'external', identity: j.identity, group: joined.group }];
    assertAgreement(all);
    assert.equal(p.members[1]!.group.members().length, 4);
  });

  test('controls: a resync (ExternalInit + Remove of our old leaf) is accepted', async () => {
    const p = await published(3);
    const me = p.members[2]!;
    const r = externalCommit(p, { identity: me.identity }, { resync: 2 });
    for (const m of p.members.slice(0, 2)) await accept(m, r.commit);
    assert.ok(bytesEqual(p.members[0]!.group.epochAuthenticator, p.members[1]!.group.epochAuthenticator));
  });
});

describe('§12.2: the proposal list of an external Commit', () => {
  test('R-12.2-13: an external Commit without an ExternalInit, or with two, is rejected', async () => {
    const p = await published(3);
    const j = joiner();
    const { commit } = externalCommit(p, j);
    const none = recraft(p, j, commit, (c) => ({ ...c, proposals: [] }));
    await rejectsRule(p.members[1]!.group.process(none), 'R-12.2-13', 'ERR_VALIDATION_PROPOSAL_LIST');
    const two = recraft(p, j, commit, (c) => ({ ...c, proposals: [...c.proposals, byValue(externalInit(p))] }));
    await rejectsRule(p.members[1]!.group.process(two), 'R-12.2-13', 'ERR_VALIDATION_PROPOSAL_LIST');
    // the member's state is untouched: the original Commit is still accepted
    await accept(p.members[1]!, commit);
  });

  test('R-12.2-14: an external Commit with two Removes is rejected', async () => {
    const p = await published(3);
    const j = joiner();
    const { commit } = externalCommit(p, j, { resync: 2 });
    const bytes = recraft(p, j, commit, (c) => ({ ...c, proposals: [...c.proposals, byValue(remove(1))] }));
    await rejectsRule(p.members[0]!.group.process(bytes), 'R-12.2-14', 'ERR_VALIDATION_PROPOSAL_LIST');
  });

  test('R-12.2-15: a resync whose path LeafNode reuses the removed leaf\'s encryption_key is rejected (as an Update of that leaf would be, R-7.3-09)', async () => {
    const p = await published(3);
    const me = p.members[2]!;
    const j = { identity: me.identity };
    const r = externalCommit(p, j, { resync: 2 });
    const old = p.members[0]!.group.state.tree.leafNode(2 as LeafIndex)!;
    const groupId = p.members[0]!.group.groupId;
    const bytes = recraft(p, j, r.commit, (c) => {
      const leafNode = signLeafNode(cs, me.identity.signaturePrivateKey, { ...c.path!.leafNode, encryptionKey: old.encryptionKey }, groupId, r.leaf);
      return { ...c, path: { ...c.path!, leafNode } };
    });
    await rejectsRule(p.members[0]!.group.process(bytes), 'R-12.2-15', 'ERR_VALIDATION_PROPOSAL_LIST');
    // control: the leaf re-signed unchanged passes
    await accept(p.members[0]!, recraft(p, j, r.commit, (c) => ({ ...c, path: { ...c.path!, leafNode: signLeafNode(cs, me.identity.signaturePrivateKey, c.path!.leafNode, groupId, r.leaf) } })));
  });

  test('R-12.2-16: a resync whose new credential the AS does not accept for the removed member is rejected', async () => {
    const identityOf = (c: Parameters<GroupConfig['validateCredential']>[0]['credential']) => encode(credentialCodec, c);
    // The AS: a replaced credential must name the same identity as the one it replaces.
    const validateCredential: GroupConfig['validateCredential'] = (check) => check.previous === undefined || bytesEqual(identityOf(check.previous), identityOf(check.credential));
    const p = await published(3, { config: { validateCredential } });
    // mallory replaces member 2: a valid external Commit, but not an acceptable successor
    const mallory = joiner('mallory');
    const bad = externalCommit(p, mallory, { resync: 2 });
    await rejectsRule(p.members[0]!.group.process(bad.commit), 'R-12.2-16', 'ERR_VALIDATION_CREDENTIAL');
    // mallory joining without a Remove is no resync: the AS sees no `previous` and accepts
    const join = externalCommit(p, mallory);
    const r = await p.members[0]!.group.process(join.commit);
    assert.equal(r.kind, 'commit');
    // member 2 resyncing itself is accepted
    const self = externalCommit(p, { identity: p.members[2]!.identity }, { resync: 2 });
    await accept(p.members[1]!, self.commit);
  });

  test('R-12.2-17: an external Commit with an Add, Update, GroupContextExtensions or ReInit is rejected', async () => {
    const p = await published(3);
    const j = joiner();
    const { commit } = externalCommit(p, j);
    const kp = newClient(SUITE, 'other').keyPackage().keyPackage;
    const update = openPublic(await p.members[2]!.group.proposeUpdate());
    assert.equal(update.content.contentType, ContentType.proposal);
    const others: Proposal[] = [
      { proposalType: ProposalType.add, add: { keyPackage: kp } },
      update.content.contentType === ContentType.proposal ? update.content.proposal : remove(0),
      { proposalType: ProposalType.groupContextExtensions, groupContextExtensions: { extensions: [] } },
      { proposalType: ProposalType.reinit, reInit: { groupId: utf8('new group'), version: 1, cipherSuite: SUITE, extensions: [] } },
    ];
    for (const other of others) {
      const bytes = recraft(p, j, commit, (c) => ({ ...c, proposals: [...c.proposals, byValue(other)] }));
      await rejectsRule(p.members[0]!.group.process(bytes), 'R-12.2-17', 'ERR_VALIDATION_PROPOSAL_LIST');
    }
  });

  test('R-12.2-17 (control): ExternalInit, a Remove and PreSharedKey proposals are allowed', async () => {
    const secret = new Uint8Array(32).fill(7);
    const psks: PskLookup = { external: (id) => (Buffer.from(id).toString() === 'team' ? secret : undefined) };
    const p = await published(3, { psks });
    const me = p.members[2]!;
    const r = externalCommit(p, { identity: me.identity }, { resync: 2, pskIds: [newExternalPskId(cs, utf8('team'))], pskLookup: psks });
    for (const m of p.members.slice(0, 2)) await accept(m, r.commit);
    assert.ok(bytesEqual(p.members[0]!.group.epochAuthenticator, p.members[1]!.group.epochAuthenticator));
  });
});

describe('§12.4.3.2: external Commits (member side)', () => {
  test('R-12.4.3.2-02: an external Commit without a path is rejected (before its signature is checked)', async () => {
    const p = await published(3);
    const j = joiner();
    const { commit } = externalCommit(p, j);
    const bytes = recraft(p, j, commit, (c) => ({ proposals: c.proposals }));
    await rejectsRule(p.members[1]!.group.process(bytes), 'R-12.4.3.2-02', 'ERR_VALIDATION_COMMIT');
  });

  test('R-12.4.3.2-03: an external Commit with a proposal by reference is rejected, even one the member holds', async () => {
    const p = await published(3);
    const j = joiner();
    const { commit } = externalCommit(p, j);
    // a proposal of this epoch that member 0 holds (member 1 proposes to remove member 2)
    const proposed = await p.members[0]!.group.process(await p.members[1]!.group.proposeRemove(2));
    assert.equal(proposed.kind, 'proposal');
    const refs = [proposed.kind === 'proposal' ? proposed.ref : new Uint8Array(32), cs.random(32)];
    for (const reference of refs) {
      const bytes = recraft(p, j, commit, (c) => ({ ...c, proposals: [...c.proposals, { type: ProposalOrRefType.reference, reference }] }));
      await rejectsRule(p.members[0]!.group.process(bytes), 'R-12.4.3.2-03', 'ERR_VALIDATION_COMMIT');
    }
  });

  test('R-12.4.3.2-04: members take the epoch\'s init_secret from the ExternalInit: a Commit built from the previous init_secret, or with another kem_output, fails its confirmation tag (R-12.4.2-06)', async () => {
    const p = await published(3);
    const j = joiner();
    // A joiner whose key schedule starts from the group's previous init_secret (as a member Commit
    // would), with a genuine kem_output: the members use the external init secret, so they disagree.
    const previous = p.members[1]!.group.state.secrets.initSecret.slice();
    const oldInit: CipherSuite = {
      ...cs,
      hpke: { ...cs.hpke, exportSender: (...a) => ({ kemOutput: cs.hpke.exportSender(...a).kemOutput, secret: previous.slice() }) },
    };
    const wrong = joinByExternalCommit({ groupInfo: p.groupInfo, identity: j.identity, cipherSuite: () => oldInit });
    await rejectsRule(p.members[0]!.group.process(wrong.commit), 'R-12.4.2-06', 'ERR_VALIDATION_CONFIRMATION_TAG');
    // A valid Commit whose kem_output is replaced by another valid encapsulation to external_pub.
    const { commit } = externalCommit(p, j);
    const swapped = recraft(p, j, commit, (c) => ({ ...c, proposals: [byValue(externalInit(p))] }));
    await rejectsRule(p.members[0]!.group.process(swapped), 'R-12.4.2-06', 'ERR_VALIDATION_CONFIRMATION_TAG');
    // control: the unchanged Commit (init_secret from its kem_output) is accepted
    await accept(p.members[0]!, commit);
  });

  test('R-12.4.3.2-05: a Commit with an ExternalInit from a member (not new_member_commit) is rejected', async () => {
    const p = await published(3);
    const a = p.members[1]!;
    const own = await a.group.commit({ updatePath: true });
    await a.group.discardCommit();
    const bytes = memberCommitWith(a.group.state, a.identity.signaturePrivateKey, own.commit, (c) => ({ ...c, proposals: [byValue(externalInit(p))] }));
    await rejectsRule(p.members[0]!.group.process(bytes), 'R-12.4.3.2-05', 'ERR_VALIDATION_SENDER');
    // control: the member's own Commit, re-signed and re-tagged unchanged, is accepted
    await accept(p.members[0]!, memberCommitWith(a.group.state, a.identity.signaturePrivateKey, own.commit, (c) => c));
  });

  test('D-08: an ExternalInit whose kem_output does not decapsulate rejects the Commit', async () => {
    const p = await published(3);
    const j = joiner();
    const { commit } = externalCommit(p, j);
    // all zeros: an X25519 low-order point (RFC 9180 §7.1.4); and a kem_output of the wrong length
    for (const kemOutput of [new Uint8Array(32), new Uint8Array(31).fill(9)]) {
      const bytes = recraft(p, j, commit, (c) => ({ ...c, proposals: [byValue({ proposalType: ProposalType.externalInit, externalInit: { kemOutput } })] }));
      await rejectsRule(p.members[0]!.group.process(bytes), 'D-08', 'ERR_VALIDATION_EXTERNAL_INIT');
    }
  });

  test('R-6.1-05: an external Commit is verified with its path leaf\'s signature_key (signed by another key, even a member\'s, it fails R-6.1-01)', async () => {
    const p = await published(3);
    const j = joiner();
    const { commit } = externalCommit(p, j);
    const { content, auth } = openPublic(commit);
    const context = encodeGroupContext(groupInfoOf(p.groupInfo).groupContext);
    for (const key of [p.members[2]!.identity.signaturePrivateKey, joiner('x').identity.signaturePrivateKey]) {
      await rejectsRule(p.members[0]!.group.process(reframe(content, auth, key, context)), 'R-6.1-01', 'ERR_VALIDATION_SIGNATURE');
    }
    await accept(p.members[0]!, reframe(content, auth, j.identity.signaturePrivateKey, context));
  });

  test('R-6.1-06: a new_member_commit sender that sends a proposal is rejected', async () => {
    const p = await published(3);
    const j = joiner();
    const { commit } = externalCommit(p, j);
    const { content, auth } = openPublic(commit);
    const { groupId, epoch, sender, authenticatedData } = content;
    const proposal = framedContent({ groupId, epoch, sender, authenticatedData }, { contentType: ContentType.proposal, proposal: remove(1) });
    const bytes = reframe(proposal, { signature: auth.signature }, j.identity.signaturePrivateKey, encodeGroupContext(groupInfoOf(p.groupInfo).groupContext));
    await rejectsRule(p.members[0]!.group.process(bytes), 'R-6.1-06', 'ERR_VALIDATION_SENDER');
  });
});

describe('§12.4.3.2 / §12.4.3.3 / A-10: the joiner checks the GroupInfo and its tree', () => {
  const join = (groupInfo: Uint8Array, extra: Partial<ExternalJoinOptions> = {}) => () => joinByExternalCommit({ groupInfo, identity: joiner().identity, ...extra });

  test('R-12.4.3.2-01: a GroupInfo without external_pub cannot be used for an external join', async () => {
    const p = await published(3);
    const gi = groupInfoOf(p.groupInfo);
    const stripped = { ...gi, extensions: gi.extensions.filter((e) => e.extensionType !== ExtensionType.externalPub) };
    await rejectsRule(join(signedGroupInfo(stripped, p.signer)), 'R-12.4.3.2-01', 'ERR_VALIDATION_GROUP_INFO');
    // a GroupInfo published without external_pub, through the public API
    const plain = await p.members[0]!.group.commit({});
    await rejectsRule(MlsGroup.joinExternal({ groupInfo: plain.groupInfo, identity: joiner().identity }), 'R-12.4.3.2-01');
    // control: the GroupInfo re-signed unchanged is usable
    join(signedGroupInfo(gi, p.signer))();
  });

  test('R-5.1.1-01: an external_pub that is not an HPKE public key of the suite is rejected by the joiner', async () => {
    const p = await published(3);
    const gi = groupInfoOf(p.groupInfo);
    for (const key of [new Uint8Array(32), new Uint8Array(31).fill(5)]) {
      const extensions = gi.extensions.map((e) => (e.extensionType === ExtensionType.externalPub ? { extensionType: e.extensionType, extensionData: encode(externalPubCodec, { externalPub: key }) } : e));
      await rejectsRule(join(signedGroupInfo({ ...gi, extensions }, p.signer)), 'R-5.1.1-01', 'ERR_VALIDATION_PUBLIC_KEY');
    }
  });

  test('R-12.4.3-04: an external join needs a GroupInfo signature that verifies under leaf `signer` (in range, non-blank)', async () => {
    const p = await published(3);
    const gi = groupInfoOf(p.groupInfo);
    const sig = gi.signature.slice();
    sig[5]! ^= 1;
    await rejectsRule(join(encode(mlsMessageCodec, { wireFormat: WireFormat.mls_group_info, groupInfo: { ...gi, signature: sig } })), 'R-12.4.3-04', 'ERR_VALIDATION_SIGNATURE');
    await rejectsRule(join(signedGroupInfo(gi, p.members[2]!.identity.signaturePrivateKey)), 'R-12.4.3-04', 'ERR_VALIDATION_SIGNATURE');
    await rejectsRule(join(signedGroupInfo({ ...gi, signer: 9 }, p.signer)), 'R-12.4.3-04');
    // a blank signer leaf (the signer check comes before the tree checks)
    const nodes = treeOf(gi);
    nodes[2] = undefined; // leaf 1
    await rejectsRule(join(signedGroupInfo({ ...withTree(gi, nodes), signer: 1 }, p.signer)), 'R-12.4.3-04');
  });

  test('R-12.4.3.3-02: an external join rejects a tree whose hash is not GroupContext.tree_hash (in band or fetched out of band)', async () => {
    const p = await published(3);
    const gi = groupInfoOf(p.groupInfo);
    const th = gi.groupContext.treeHash.slice();
    th[0]! ^= 1;
    await rejectsRule(join(signedGroupInfo({ ...gi, groupContext: { ...gi.groupContext, treeHash: th } }, p.signer)), 'R-12.4.3.3-02', 'ERR_VALIDATION_TREE_HASH');
    // out of band: the GroupInfo of the next epoch has no ratchet_tree; the tree supplied is this epoch's
    const next = await p.members[0]!.group.commit({ externalPub: true, ratchetTreeExtension: false });
    assert.equal(findExtension(groupInfoOf(next.groupInfo).extensions, ExtensionType.ratchetTree), undefined);
    await rejectsRule(join(next.groupInfo, { ratchetTree: p.ratchetTree }), 'R-12.4.3.3-02', 'ERR_VALIDATION_TREE_HASH');
    // control: with the right tree it works; with none at all the client does not join (R-12.4.3.1-01)
    join(next.groupInfo, { ratchetTree: next.ratchetTree })();
    await rejectsRule(join(next.groupInfo), 'R-12.4.3.1-01');
  });

  test('R-12.4.3.1-10 (A-10): every leaf of the tree must pass §7.3 on an external join (the error names the §7.3 rule; AS rejection R-5.3.1-02)', async () => {
    // Adds only: no parent node, so no parent hash covers the leaves
    const members = await makeGroup(SUITE, 2);
    const out = await members[0]!.group.commit({ add: [newClient(SUITE, 'c').keyPackage().keyPackage], externalPub: true });
    const signer = members[0]!.identity.signaturePrivateKey;
    const gi = groupInfoOf(out.groupInfo);
    const nodes = treeOf(gi);
    assert.ok(nodes.every((n, i) => i % 2 === 0 || n === undefined));
    const leaf = leafAt(nodes, 2);
    const badSig = [...nodes];
    badSig[2] = { nodeType: NodeType.leaf, leafNode: { ...leaf, signature: new Uint8Array(leaf.signature.length) } };
    await rejectsRule(join(signedGroupInfo(withTree(gi, badSig, true), signer)), 'R-7.3-02');
    const dupKey = [...nodes];
    dupKey[2] = { nodeType: NodeType.leaf, leafNode: { ...leaf, signatureKey: leafAt(nodes, 0).signatureKey } }; // leaf 0's key
    await rejectsRule(join(signedGroupInfo(withTree(gi, dupKey, true), signer)), 'R-7.3-11');
    await rejectsRule(MlsGroup.joinExternal({ groupInfo: out.groupInfo, identity: joiner().identity, config: { validateCredential: (c) => c.leafIndex !== 1 } }), 'R-5.3.1-02');
    join(out.groupInfo)(); // control
  });

  test('R-12.4.3.1-11 (A-10): an external join rejects an unmerged leaf that is not below its parent', async () => {
    const p = await published(3); // member 0's path: nodes 1 and 3 are set
    const gi = groupInfoOf(p.groupInfo);
    const nodes = treeOf(gi);
    nodes[1] = { nodeType: NodeType.parent, parentNode: { ...parentAt(nodes, 1), unmergedLeaves: [2] } };
    await rejectsRule(join(signedGroupInfo(withTree(gi, nodes), p.signer)), 'R-12.4.3.1-11');
  });

  test('R-12.4.3.1-12 (A-10): an external join rejects an unmerged leaf missing from a parent in between', async () => {
    const p = await published(3);
    const gi = groupInfoOf(p.groupInfo);
    const nodes = treeOf(gi);
    nodes[3] = { nodeType: NodeType.parent, parentNode: { ...parentAt(nodes, 3), unmergedLeaves: [0] } }; // node 1 does not list 0
    await rejectsRule(join(signedGroupInfo(withTree(gi, nodes), p.signer)), 'R-12.4.3.1-12');
  });

  test("R-12.4.3.1-13 (A-10): an external join rejects a parent whose encryption_key is another node's", async () => {
    const p = await published(3);
    const gi = groupInfoOf(p.groupInfo);
    const nodes = treeOf(gi);
    nodes[1] = { nodeType: NodeType.parent, parentNode: { ...parentAt(nodes, 1), encryptionKey: leafAt(nodes, 0).encryptionKey } };
    await rejectsRule(join(signedGroupInfo(withTree(gi, nodes), p.signer)), 'R-12.4.3.1-13', 'ERR_VALIDATION_DUPLICATE_KEY');
  });

  test('R-7.9.2-01 (A-10): an external join rejects a tree whose parent hashes do not verify (tree hash recomputed)', async () => {
    const p = await published(3);
    const gi = groupInfoOf(p.groupInfo);
    const nodes = treeOf(gi);
    const leaf = leafAt(nodes, 2); // leaf 1: its tree hash is the original sibling hash of node 1
    nodes[2] = { nodeType: NodeType.leaf, leafNode: { ...leaf, signature: new Uint8Array(leaf.signature.length) } };
    await rejectsRule(join(signedGroupInfo(withTree(gi, nodes, true), p.signer)), 'R-7.9.2-01');
  });
});
