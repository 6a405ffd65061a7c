/**
 * Authenticity (RFC 9420 §6.1 signatures, §6.2 membership tag, §6.3 sender data, §7.3 leaf
 * validation, §12.1.8 external senders, §5.3.1 the Authentication Service; RFC 9750 §8.3).
 *
 * ADVERSARY 1 — an insider: a current member ("mallory", leaf 2) who wants to send as another
 *   member ("bob", leaf 1).
 *   Holds: its own whole state — its signature key, the epoch's membership key, sender data secret
 *   and encryption secret (so it can derive EVERY member's ratchet keys: the secret tree is shared),
 *   and everything public (the tree, every LeafNode, every message).
 *   May: craft any PublicMessage or PrivateMessage, re-sign it with its key, re-tag it with the
 *   membership key, encrypt it with any member's ratchet key, and put any LeafNode in an Update.
 *   Claim: no member accepts it as coming from bob. What stops it is bob's signature key alone
 *   (the membership tag and the AEAD keys are shared by every member, so they cannot tell members
 *   apart) — and for credentials, the application's AS hook.
 *
 * ADVERSARY 2 — an outsider: holds nothing, or a stolen state of an old epoch (a removed member's,
 *   or a snapshot of a member from epochs ago).
 *   May: inject any bytes to any member through the DS.
 *   Claim: no member accepts a PublicMessage or PrivateMessage from it — except, by the configured
 *   policy, application messages for an epoch the receivers still keep (config.pastEpochs):
 *   those are shown and reported with their epoch.
 *
 * ADVERSARY 3 — an external sender (a server or bot with its own signature key).
 *   Claim: its proposals are accepted only if the group lists it in external_senders (R-6.1-03),
 *   only as proposals (R-6.1-04) of the allowed types (R-12.1.8-02), signed by the listed key.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basicCredential, cipherSuite, ExtensionType, generateIdentity, MlsGroup, ProposalType, type Credential } from '../../src/index.js';
import { encode } from '../../src/codec/codec.js';
import { externalSendersCodec } from '../../src/extensions/extension.js';
import { ContentType, framedContent, SenderType, type FramedContent } from '../../src/framing/content.js';
import { signLeafNode } from '../../src/key-package/create.js';
import { LeafNodeSource, type LeafNode } from '../../src/ratchet-tree/node.js';
import { RatchetType } from '../../src/secret-tree/secret-tree.js';
import { EMPTY, toHex, utf8 } from '../../src/util/bytes.js';
import { commitAll, deliver, makeGroup, newClient, type Member } from '../helpers/group.js';
import { forgePrivate, forgePublic, publicOf, rejects, rewritePublic } from './helpers.js';

const cs = cipherSuite(1);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function header(state: MlsGroup['state'], sender: FramedContent['sender']) {
  return { groupId: state.context.groupId, epoch: state.context.epoch, sender, authenticatedData: EMPTY };
}

/** alice (0), bob (1), mallory (2), carol (3). */
async function group(config = {}): Promise<{ members: Member[]; alice: Member; bob: Member; mallory: Member; carol: Member }> {
  const members = await makeGroup(1, 4, { config });
  const [alice, bob, mallory, carol] = members as [Member, Member, Member, Member];
  return { members, alice, bob, mallory, carol };
}

describe('an insider cannot send as another member', () => {
  test('PublicMessage with the sender leaf index rewritten to bob, re-tagged with the membership key: R-6.1-01', async () => {
    const { alice, bob, mallory, carol } = await group();
    const m = mallory.group.state;
    const remove = { proposalType: ProposalType.remove, remove: { removed: carol.group.myLeafIndex } } as const;
    const content = framedContent(header(m, { senderType: SenderType.member, leafIndex: bob.group.myLeafIndex }), { contentType: ContentType.proposal, proposal: remove });
    const forged = forgePublic(m, content); // signed by mallory, tagged with the real membership key
    const before = alice.group.snapshot();
    await rejects(alice.group.process(forged), { rule: 'R-6.1-01', code: 'ERR_VALIDATION_SIGNATURE' });
    assert.deepEqual(alice.group.snapshot(), before);
    // The same for a real message of mallory's whose sender is rewritten (a Commit this time).
    const commit = await mallory.group.commit();
    await mallory.group.discardCommit();
    const relabelled = rewritePublic(m, commit.commit, (c) => ({ ...c, sender: { senderType: SenderType.member, leafIndex: bob.group.myLeafIndex } }), { keepSignature: true });
    await rejects(alice.group.process(relabelled), { rule: 'R-6.1-01' });
    // Control: the membership tag was valid — the same forgery with a wrong tag fails earlier.
    await rejects(alice.group.process(forgePublic(m, content, { membershipKey: new Uint8Array(cs.Nh) })), { rule: 'R-6.2-01' });
  });

  test("PrivateMessage encrypted with bob's own ratchet key (every member can derive it) but signed by mallory: R-6.1-01, and bob's key is not burnt", async () => {
    const { alice, bob, mallory } = await group();
    const m = mallory.group.state;
    // Mallory derives bob's next application key from her copy of the epoch's secret tree.
    const bobKey = m.secretTree.clone().nextSendKey(bob.group.myLeafIndex, RatchetType.application);
    assert.equal(bobKey.generation, 0);
    const content = framedContent(header(m, { senderType: SenderType.member, leafIndex: bob.group.myLeafIndex }), { contentType: ContentType.application, applicationData: utf8('transfer all the money') });
    const forged = forgePrivate(m, content, { signatureKey: m.signaturePrivateKey, senderDataSecret: m.secrets.senderDataSecret, key: bobKey });
    const before = alice.group.snapshot();
    await rejects(alice.group.process(forged), { rule: 'R-6.1-01' });
    assert.deepEqual(alice.group.snapshot(), before, 'the rejected forgery consumed nothing');
    // bob's real generation-0 message still decrypts: an insider cannot burn another member's keys.
    const real = await bob.group.encrypt('the real one');
    const r = await alice.group.process(real);
    assert.ok(r.kind === 'application' && text(r.data) === 'the real one' && r.sender === bob.group.myLeafIndex, 'the real message is accepted');
  });

  test("an Update carrying bob's signature key (signed by mallory's key): rejected", async () => {
    const { alice, bob, mallory } = await group();
    const m = mallory.group.state;
    const own = m.tree.leafNode(m.myLeaf)!;
    const leafNode = signLeafNode(cs, m.signaturePrivateKey, { ...own, leafNodeSource: LeafNodeSource.update, encryptionKey: cs.hpke.generateKeyPair().publicKey, signatureKey: bob.identity.signaturePublicKey, signature: EMPTY } as LeafNode, m.context.groupId, m.myLeaf);
    const content = framedContent(header(m, { senderType: SenderType.member, leafIndex: m.myLeaf }), { contentType: ContentType.proposal, proposal: { proposalType: ProposalType.update, update: { leafNode } } });
    const e = await rejects(alice.group.process(forgePublic(m, content)));
    assert.equal(e.rule, 'R-7.3-11', 'the signature key is already bob\'s');
    // Even with a key nobody uses, the LeafNode signature must be by the key it names (R-7.3-02).
    const stranger = generateIdentity(cs, basicCredential('stranger'));
    const leaf2 = signLeafNode(cs, m.signaturePrivateKey, { ...own, leafNodeSource: LeafNodeSource.update, encryptionKey: cs.hpke.generateKeyPair().publicKey, signatureKey: stranger.signaturePublicKey, signature: EMPTY } as LeafNode, m.context.groupId, m.myLeaf);
    const c2 = framedContent(header(m, { senderType: SenderType.member, leafIndex: m.myLeaf }), { contentType: ContentType.proposal, proposal: { proposalType: ProposalType.update, update: { leafNode: leaf2 } } });
    await rejects(alice.group.process(forgePublic(m, c2)), { rule: 'R-7.3-02' });
  });

  test("an Update replaying another member's LeafNode (its tree leaf, or its own signed Update): rejected", async () => {
    const { members, alice, bob, mallory } = await group();
    const m = mallory.group.state;
    const updateWith = (leafNode: LeafNode) =>
      forgePublic(m, framedContent(header(m, { senderType: SenderType.member, leafIndex: m.myLeaf }), { contentType: ContentType.proposal, proposal: { proposalType: ProposalType.update, update: { leafNode } } }));
    // bob's LeafNode as it is in the tree (source key_package)
    const bobsLeaf = m.tree.leafNode(bob.group.myLeafIndex)!;
    const e1 = await rejects(alice.group.process(updateWith(bobsLeaf)));
    // bob's own Update LeafNode, signed by bob for leaf 1 (source update), lifted from his proposal
    const bobUpdate = await bob.group.proposeUpdate();
    const pm = publicOf(bobUpdate);
    assert.ok(pm.content.contentType === ContentType.proposal && pm.content.proposal.proposalType === ProposalType.update, 'an Update');
    const lifted = pm.content.proposal.update.leafNode;
    const e2 = await rejects(alice.group.process(updateWith(lifted)));
    assert.equal(e1.rule, 'R-7.3-08', 'an Update needs leaf_node_source update');
    assert.equal(e2.rule, 'R-7.3-11', "the signature key is bob's (and the LeafNode signature covers bob's leaf index)");
    // bob's genuine Update is still accepted and applies to bob
    await deliver(members, bob, bobUpdate);
    await commitAll(members, alice);
    assert.ok(toHex(alice.group.member(bob.group.myLeafIndex)!.encryptionKey) === toHex(lifted.encryptionKey), "bob's key changed");
  });

  test('a credential claiming to be bob: accepted by the default AS, rejected by an AS that binds identities to signature keys (R-5.3.1-08)', async () => {
    // The default validateCredential accepts everything: credentials are only as good as the AS.
    {
      const { alice, bob, mallory } = await group();
      const claim = await mallory.group.proposeUpdate({ credential: bob.group.member(bob.group.myLeafIndex)!.credential });
      const r = await alice.group.process(claim);
      assert.equal(r.kind, 'proposal');
    }
    // An AS that knows which signature key each identity owns refuses the claim.
    const directory = new Map<string, string>();
    const as = ({ credential, signatureKey }: { credential: Credential; signatureKey: Uint8Array }) => {
      if (credential.credentialType !== 1) return false;
      const name = text(credential.identity);
      const known = directory.get(name);
      if (known === undefined) directory.set(name, toHex(signatureKey));
      return known === undefined || known === toHex(signatureKey);
    };
    const { alice, bob, mallory } = await group({ validateCredential: as });
    const before = alice.group.snapshot();
    const claim = await mallory.group.proposeUpdate({ credential: bob.group.member(bob.group.myLeafIndex)!.credential });
    await rejects(alice.group.process(claim), { rule: 'R-5.3.1-08', code: 'ERR_VALIDATION_CREDENTIAL' });
    assert.deepEqual(alice.group.snapshot(), before);
  });
});

describe('a non-member cannot inject a message any member accepts', () => {
  test('holding nothing: random keys give R-6.2-01 (PublicMessage) and R-6.3.2-01 (PrivateMessage)', async () => {
    const { alice, bob } = await group();
    const a = alice.group.state;
    const outsider = generateIdentity(cs, basicCredential('outsider'));
    const fakeState = { ...a, signaturePrivateKey: outsider.signaturePrivateKey, secrets: { ...a.secrets, membershipKey: cs.random(cs.Nh), senderDataSecret: cs.random(cs.Nh) } };
    const before = alice.group.snapshot();
    for (const leafIndex of [0, 1, 2, 3]) {
      const content = framedContent(header(a, { senderType: SenderType.member, leafIndex }), { contentType: ContentType.proposal, proposal: { proposalType: ProposalType.remove, remove: { removed: 3 } } });
      await rejects(bob.group.process(forgePublic(fakeState, content)), { rule: 'R-6.2-01' });
      const app = framedContent(header(a, { senderType: SenderType.member, leafIndex }), { contentType: ContentType.application, applicationData: utf8('hi') });
      const key = { generation: 0, key: cs.random(cs.Nk), nonce: cs.random(cs.Nn) };
      await rejects(alice.group.process(forgePrivate(a, app, { signatureKey: outsider.signaturePrivateKey, senderDataSecret: cs.random(cs.Nh), key })), { rule: 'R-6.3.2-01' });
    }
    assert.deepEqual(alice.group.snapshot(), before);
  });

  test("holding bob's state from two epochs ago: rejected as stale, and rewriting the epoch fails the tag / decryption", async () => {
    const { members, alice, bob } = await group();
    const thief = MlsGroup.restore(bob.group.snapshot()); // epoch 1
    await commitAll(members, alice);
    await commitAll(members, alice); // epoch 3: epoch 1 is beyond pastEpochs = 1
    const before = alice.group.snapshot();
    await rejects(alice.group.process(await thief.encrypt('stale')), { rule: 'D-09' });
    const proposal = await thief.proposeRemove(3);
    await rejects(alice.group.process(proposal), { rule: 'R-12.1-01' });
    const commit = await thief.commit();
    await rejects(alice.group.process(commit.commit), { rule: 'R-12.4.2-01' });
    // Relabelled with the current epoch: bob's signature key has not changed, so the signature can
    // be redone — but the old membership key gives a wrong tag.
    const t = thief.state;
    const current = alice.group.epoch;
    const relabelled = rewritePublic(t, proposal, (c) => ({ ...c, epoch: current }));
    await rejects(alice.group.process(relabelled), { rule: 'R-6.2-01' });
    // PrivateMessage with the current epoch in its header: the old sender data secret fails.
    const app = framedContent({ ...header(t, { senderType: SenderType.member, leafIndex: t.myLeaf }), epoch: current }, { contentType: ContentType.application, applicationData: utf8('x') });
    const key = t.secretTree.nextSendKey(t.myLeaf, RatchetType.application);
    await rejects(alice.group.process(forgePrivate(t, app, { signatureKey: t.signaturePrivateKey, senderDataSecret: t.secrets.senderDataSecret, key })), { rule: 'R-6.3.2-01' });
    assert.deepEqual(alice.group.snapshot(), before);
  });

  test('a removed member: its application messages for its last epoch are accepted exactly while receivers keep that epoch (pastEpochs), flagged with the epoch', async () => {
    for (const pastEpochs of [0, 1]) {
      const { members, alice, carol } = await group({ pastEpochs });
      const removed = members[1]!; // bob
      const lastEpoch = removed.group.epoch;
      const thief = MlsGroup.restore(removed.group.snapshot());
      await commitAll(members, alice, { remove: [removed.group.myLeafIndex] });
      assert.ok(removed.group.removed, 'bob is out');
      const late = await thief.encrypt('sent after the removal, in the old epoch');
      if (pastEpochs === 0) {
        await rejects(carol.group.process(late), { rule: 'D-09' });
      } else {
        const r = await carol.group.process(late);
        assert.ok(r.kind === 'application' && r.epoch === lastEpoch && r.epoch < carol.group.epoch, 'accepted as a message of the previous epoch');
        // One more epoch and the window has passed.
        await commitAll(members.filter((m) => m !== removed), alice);
        await rejects(carol.group.process(await thief.encrypt('later')), { rule: 'D-09' });
      }
      // Handshake messages of a past epoch are never accepted.
      await rejects(carol.group.process(await thief.proposeRemove(0)), { rule: 'R-12.1-01' });
    }
  });
});

describe('external senders only as the group allows', () => {
  const removeCarol = { proposalType: ProposalType.remove, remove: { removed: 3 } } as const;
  function externalProposal(state: MlsGroup['state'], signer: Uint8Array, senderIndex: number, body: Parameters<typeof framedContent>[1] = { contentType: ContentType.proposal, proposal: removeCarol }): Uint8Array {
    const content = framedContent(header(state, { senderType: SenderType.external, senderIndex }), body);
    return forgePublic(state, content, { signatureKey: signer });
  }

  test('no external_senders extension: an external proposal is rejected (R-6.1-03)', async () => {
    const { alice, bob } = await group();
    const server = generateIdentity(cs, basicCredential('server'));
    const before = bob.group.snapshot();
    await rejects(bob.group.process(externalProposal(alice.group.state, server.signaturePrivateKey, 0)), { rule: 'R-6.1-03' });
    assert.deepEqual(bob.group.snapshot(), before);
  });

  test('listed in external_senders: accepted when signed by the listed key; wrong key, wrong index, a Commit or an Update are rejected', async () => {
    const { members, alice, bob } = await group();
    const server = generateIdentity(cs, basicCredential('server'));
    const ext = { extensionType: ExtensionType.externalSenders, extensionData: encode(externalSendersCodec, [{ signatureKey: server.signaturePublicKey, credential: server.credential }]) };
    await commitAll(members, alice, { groupContextExtensions: [ext] });
    const s = alice.group.state;
    const r = await bob.group.process(externalProposal(s, server.signaturePrivateKey, 0));
    assert.ok(r.kind === 'proposal' && r.sender.senderType === SenderType.external, 'accepted as an external proposal');
    const impostor = generateIdentity(cs, basicCredential('server'));
    await rejects(bob.group.process(externalProposal(s, impostor.signaturePrivateKey, 0)), { rule: 'R-6.1-01' });
    await rejects(bob.group.process(externalProposal(s, server.signaturePrivateKey, 1)), { rule: 'R-6.1-03' });
    const commitBody = { contentType: ContentType.commit, commit: { proposals: [], path: undefined } } as const;
    await rejects(bob.group.process(externalProposal(s, server.signaturePrivateKey, 0, commitBody)), { rule: 'R-6.1-04' });
    const leafNode = s.tree.leafNode(alice.group.myLeafIndex)!;
    await rejects(bob.group.process(externalProposal(s, server.signaturePrivateKey, 0, { contentType: ContentType.proposal, proposal: { proposalType: ProposalType.update, update: { leafNode } } })), { rule: 'R-12.1.8-02' });
  });

  test('new_member_proposal: only an Add, signed by the key in its own KeyPackage (R-6.1-08, R-6.1-01)', async () => {
    const { alice, bob } = await group();
    const s = alice.group.state;
    const joiner = newClient(1, 'joiner');
    const kp = joiner.keyPackage();
    const add = framedContent(header(s, { senderType: SenderType.new_member_proposal }), { contentType: ContentType.proposal, proposal: { proposalType: ProposalType.add, add: { keyPackage: kp.keyPackage } } });
    const r = await bob.group.process(forgePublic(s, add, { signatureKey: joiner.identity.signaturePrivateKey }));
    assert.ok(r.kind === 'proposal' && r.sender.senderType === SenderType.new_member_proposal, 'a self-Add is a proposal the members may commit');
    const other = newClient(1, 'other').keyPackage();
    const addOther = framedContent(header(s, { senderType: SenderType.new_member_proposal }), { contentType: ContentType.proposal, proposal: { proposalType: ProposalType.add, add: { keyPackage: other.keyPackage } } });
    await rejects(bob.group.process(forgePublic(s, addOther, { signatureKey: joiner.identity.signaturePrivateKey })), { rule: 'R-6.1-01' });
    const rm = framedContent(header(s, { senderType: SenderType.new_member_proposal }), { contentType: ContentType.proposal, proposal: removeCarol });
    await rejects(bob.group.process(forgePublic(s, rm, { signatureKey: joiner.identity.signaturePrivateKey })), { rule: 'R-6.1-08' });
  });
});
