/**
 * Part-2 validation tests, RFC 9420 §12.1.x: individual proposals, received on their own (by
 * reference) and inside Commits, and the committer-side checks. Each test name starts with the id
 * of the rule it triggers (docs/validation/part-2.md).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '../../src/codec/codec.js';
import { signContent } from '../../src/framing/auth.js';
import { ContentType, framedContent, SenderType, WireFormat } from '../../src/framing/content.js';
import { ExtensionType, externalSendersCodec, requiredCapabilitiesCodec, type Extension } from '../../src/extensions/extension.js';
import { basicCredential, generateIdentity } from '../../src/group/identity.js';
import { MlsGroup } from '../../src/group/group.js';
import { updateProposal } from '../../src/group/messages.js';
import { ownContent, protect } from '../../src/group/protect.js';
import { signKeyPackage, signLeafNode } from '../../src/key-package/create.js';
import { ProposalType, type Proposal } from '../../src/messages/proposal.js';
import { applyProposals } from '../../src/proposals/apply.js';
import { PskType, type PreSharedKeyId } from '../../src/psk/psk-id.js';
import { newExternalPskId, newResumptionPskId } from '../../src/psk/psk-secret.js';
import type { LeafIndex } from '../../src/tree-math/index.js';
import { EMPTY, utf8 } from '../../src/util/bytes.js';
import { commitAll, deliver } from '../helpers/group.js';
import {
  byValue, caps, client, craftCommit, craftProposal, cs, customGroup, group, nonMemberMessage, reframe, rejectsRule, somePath,
} from './part2-support.test.js';

const remove = (removed: number): Proposal => ({ proposalType: ProposalType.remove, remove: { removed } });
const psk = (id: PreSharedKeyId): Proposal => ({ proposalType: ProposalType.psk, preSharedKey: { psk: id } });
const gce = (extensions: readonly Extension[]): Proposal => ({ proposalType: ProposalType.groupContextExtensions, groupContextExtensions: { extensions } });
const required = (r: { extensionTypes?: number[]; proposalTypes?: number[]; credentialTypes?: number[] }): Extension => ({
  extensionType: ExtensionType.requiredCapabilities,
  extensionData: encode(requiredCapabilitiesCodec, { extensionTypes: r.extensionTypes ?? [], proposalTypes: r.proposalTypes ?? [], credentialTypes: r.credentialTypes ?? [] }),
});

describe('§12.1: proposals on their own', () => {
  test('R-12.1-01: a proposal of another epoch is rejected, and a proposal whose signature fails is not cached', async () => {
    const members = await group(3);
    const [a, b, c] = members;
    const stale = craftProposal(a!.group.state, remove(2));
    const future = reframe(a!.group.state, { ...ownContent(a!.group.state, { contentType: ContentType.proposal, proposal: remove(2) }, EMPTY), epoch: a!.group.epoch + 1n }, { signature: EMPTY });
    await rejectsRule(c!.group.process(future), 'R-12.1-01', 'ERR_VALIDATION_EPOCH');
    await commitAll(members, b!);
    await rejectsRule(c!.group.process(stale), 'R-12.1-01', 'ERR_VALIDATION_EPOCH');
    // The signature is checked before caching: a correctly tagged message with a bad signature changes nothing.
    const content = ownContent(a!.group.state, { contentType: ContentType.proposal, proposal: remove(2) }, EMPTY);
    const badSig = protect(a!.group.state, WireFormat.mls_public_message, content, { signature: new Uint8Array(64) });
    await rejectsRule(c!.group.process(badSig), 'R-6.1-01');
    assert.equal(c!.group.state.proposals.size, 0);
  });

  test('R-12.1.1-01: an Add whose KeyPackage fails §10.1 is rejected (the error names the §10.1 rule)', async () => {
    const [a, b] = await group(3);
    const kp = client('x').keyPackage().keyPackage;
    const badSignature = { ...kp, signature: new Uint8Array(kp.signature.length) };
    const add = (keyPackage: import('../../src/messages/key-package.js').KeyPackage): Proposal => ({ proposalType: ProposalType.add, add: { keyPackage } });
    // by reference: the standalone check
    await rejectsRule(b!.group.process(craftProposal(a!.group.state, add(badSignature))), 'R-10.1-03');
    // inline in a Commit (no path needed for an Add)
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(add(badSignature))])), 'R-10.1-03');
    // another §10.1 failure: a KeyPackage of another suite
    const other = client('y');
    const kp2 = signKeyPackage(cs, other.identity.signaturePrivateKey, { ...other.keyPackage().keyPackage, cipherSuite: 2 });
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(add(kp2))])), 'R-10.1-01');
    // committer side
    await rejectsRule(a!.group.commit({ add: [badSignature] }), 'R-10.1-03');
  });

  test('R-12.1.2-01: an Update whose LeafNode fails §7.3 (update context), or that no member sent, is rejected', async () => {
    const members = await group(3);
    const [a, b, c] = members;
    const st = b!.group.state;
    const leaf = st.tree.leafNode(st.myLeaf)!;
    const good = updateProposal(st).proposal;
    assert.ok(good.proposalType === ProposalType.update);
    // signed for another leaf index: the TBS binds the sender's leaf (R-7.3-02)
    const wrongIndex = signLeafNode(cs, st.signaturePrivateKey, good.update.leafNode, st.context.groupId, 0);
    await rejectsRule(c!.group.process(craftProposal(st, { proposalType: ProposalType.update, update: { leafNode: wrongIndex } })), 'R-7.3-02');
    // the same encryption key as the leaf it replaces (R-7.3-09)
    const sameKey = signLeafNode(cs, st.signaturePrivateKey, { ...good.update.leafNode, encryptionKey: leaf.encryptionKey }, st.context.groupId, st.myLeaf);
    await rejectsRule(c!.group.process(craftProposal(st, { proposalType: ProposalType.update, update: { leafNode: sameKey } })), 'R-7.3-09');

    // An Update of our own leaf that we did not send (e.g. sent from a lost copy of our state):
    // we hold no private key for it, so the Commit applying it is rejected.
    const foreign = craftProposal(st, good);
    await deliver(members, a!, foreign); // everyone but a caches it …
    await a!.group.process(foreign).then((r) => assert.equal(r.kind, 'proposal')); // … and a too (a's MlsGroup state)
    const cm = await a!.group.commit();
    await rejectsRule(b!.group.process(cm.commit), 'R-12.1.2-01');
    await c!.group.process(cm.commit).then((r) => assert.equal(r.kind, 'commit'));
  });

  test('R-12.1.2-01: an Update from a non-member sender or a blank leaf is invalid (list validation)', async () => {
    const [a, b] = await group(3);
    const st = a!.group.state;
    const update = updateProposal(b!.group.state).proposal;
    const ctx = { cs, config: st.config, groupId: st.context.groupId, tree: st.tree, extensions: st.context.extensions, committer: 0 as LeafIndex, sending: false };
    await rejectsRule(() => applyProposals(ctx, [{ proposal: update, sender: { senderType: SenderType.external, senderIndex: 0 } }]), 'R-12.1.2-01');
    await rejectsRule(() => applyProposals(ctx, [{ proposal: update, sender: { senderType: SenderType.member, leafIndex: 7 } }]), 'R-12.1.2-01');
  });

  test('R-12.1.3-01: a Remove of a blank or missing leaf is rejected (sent, received, committed)', async () => {
    const members = await group(4);
    const [a, b, c] = members;
    await commitAll(members, a!, { remove: [1] }); // leaf 1 is now blank; leaf 3 keeps the tree at 4 leaves
    const live = [a!, c!, members[3]!];
    await rejectsRule(a!.group.proposeRemove(1), 'R-12.1.3-01');
    await rejectsRule(a!.group.commit({ remove: [99] }), 'R-12.1.3-01');
    await rejectsRule(c!.group.process(craftProposal(a!.group.state, remove(1))), 'R-12.1.3-01');
    await rejectsRule(c!.group.process(craftCommit(a!.group.state, [byValue(remove(99))], { path: somePath(a!.group.state) })), 'R-12.1.3-01');
    assert.ok(b!.group.removed && live.every((m) => m.group.epoch === a!.group.epoch));
  });

  test('R-12.1.4-01: a PreSharedKey proposal with a resumption PSK of usage reinit is rejected', async () => {
    const [a, b] = await group(2);
    const id = newResumptionPskId(cs, 2, a!.group.groupId, 0n);
    await rejectsRule(a!.group.proposePsk(id), 'R-12.1.4-01');
    await rejectsRule(b!.group.process(craftProposal(a!.group.state, psk(id))), 'R-12.1.4-01');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(psk(id))])), 'R-12.1.4-01');
  });

  test('R-12.1.4-02: a PreSharedKey proposal with a resumption PSK of usage branch is rejected', async () => {
    const [a, b] = await group(2);
    const id = newResumptionPskId(cs, 3, a!.group.groupId, 0n);
    await rejectsRule(a!.group.proposePsk(id), 'R-12.1.4-02');
    await rejectsRule(b!.group.process(craftProposal(a!.group.state, psk(id))), 'R-12.1.4-02');
    await rejectsRule(a!.group.commit({ psks: [id] }), 'R-12.1.4-02');
  });

  test('R-12.1.4-03: a PreSharedKey proposal whose psk_nonce is not Nh bytes is rejected', async () => {
    const [a, b] = await group(2);
    const short: PreSharedKeyId = { pskType: PskType.external, pskId: utf8('k'), pskNonce: new Uint8Array(cs.Nh - 1) };
    const long: PreSharedKeyId = { ...newResumptionPskId(cs, 1, a!.group.groupId, 0n), pskNonce: new Uint8Array(cs.Nh + 1) };
    await rejectsRule(a!.group.proposePsk(short), 'R-12.1.4-03');
    await rejectsRule(b!.group.process(craftProposal(a!.group.state, psk(short))), 'R-12.1.4-03');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(psk(long))])), 'R-12.1.4-03');
  });

  test('R-12.1.5-01: a ReInit to a lower protocol version is rejected', async () => {
    const [a, b] = await group(2);
    const reinit: Proposal = { proposalType: ProposalType.reinit, reInit: { groupId: utf8('new'), version: 0, cipherSuite: 1, extensions: [] } };
    await rejectsRule(a!.group.propose(reinit), 'R-12.1.5-01');
    await rejectsRule(b!.group.process(craftProposal(a!.group.state, reinit)), 'R-12.1.5-01');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(reinit)])), 'R-12.1.5-01');
    // the same version is fine
    const same: Proposal = { proposalType: ProposalType.reinit, reInit: { groupId: utf8('new'), version: 1, cipherSuite: 1, extensions: [] } };
    assert.equal((await b!.group.process(craftProposal(a!.group.state, same))).kind, 'proposal');
  });

  test('R-12.1.6-01: an ExternalInit sent as a standalone proposal is rejected', async () => {
    const [a, b] = await group(2);
    const ei: Proposal = { proposalType: ProposalType.externalInit, externalInit: { kemOutput: cs.hpke.generateKeyPair().publicKey } };
    await rejectsRule(a!.group.propose(ei), 'R-12.1.6-01');
    await rejectsRule(b!.group.process(craftProposal(a!.group.state, ei)), 'R-12.1.6-01');
  });

  test('R-12.1.7-01: a GroupContextExtensions whose required_capabilities a member does not support is rejected', async () => {
    const [a, b] = await customGroup([caps([0xff00]), caps([0xff00]), caps([])]);
    const needExt = gce([required({ extensionTypes: [0xff00] })]);
    await rejectsRule(a!.group.commit({ proposals: [needExt] }), 'R-12.1.7-01');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(needExt)], { path: somePath(a!.group.state) })), 'R-12.1.7-01');
    await rejectsRule(a!.group.commit({ proposals: [gce([required({ proposalTypes: [0xff01] })])] }), 'R-12.1.7-01');
    await rejectsRule(a!.group.commit({ proposals: [gce([required({ credentialTypes: [2] })])] }), 'R-12.1.7-01');
  });

  test('R-12.1.7-01: the resulting group counts: a member removed by the same Commit need not support it', async () => {
    const members = await customGroup([caps([0xff00]), caps([0xff00]), caps([])]);
    const [a, b] = members;
    await commitAll(members, a!, { groupContextExtensions: [required({ extensionTypes: [0xff00] })], remove: [2] });
    assert.ok(members[2]!.group.removed);
    assert.deepEqual(a!.group.epochAuthenticator, b!.group.epochAuthenticator);
    assert.equal(b!.group.extensions.length, 1);
  });

  test('R-12.1.8-02: an external sender may not send an Update (nor an ExternalInit); a Remove is accepted', async () => {
    const ds = generateIdentity(cs, basicCredential('delivery-service'));
    const ext: Extension = { extensionType: ExtensionType.externalSenders, extensionData: encode(externalSendersCodec, [{ signatureKey: ds.signaturePublicKey, credential: ds.credential }]) };
    const a = await MlsGroup.create({ cipherSuite: cs, identity: client('a').identity, extensions: [ext] });
    const bob = client('b');
    const kp = bob.keyPackage();
    const { welcome } = await a.commit({ add: [kp.keyPackage] });
    await a.confirmCommit();
    const b = await MlsGroup.join({ welcome: welcome!, keyPackages: [kp] });
    const external = (proposal: Proposal) => {
      const content = framedContent({ groupId: b.groupId, epoch: b.epoch, sender: { senderType: SenderType.external, senderIndex: 0 }, authenticatedData: EMPTY }, { contentType: ContentType.proposal, proposal });
      return nonMemberMessage(content, { signature: signContent(cs, ds.signaturePrivateKey, WireFormat.mls_public_message, content, undefined) });
    };
    await rejectsRule(b.process(external(updateProposal(a.state).proposal)), 'R-12.1.8-02');
    await rejectsRule(b.process(external({ proposalType: ProposalType.externalInit, externalInit: { kemOutput: cs.hpke.generateKeyPair().publicKey } })), 'R-12.1.8-02');
    const ok = await b.process(external(remove(0)));
    assert.equal(ok.kind, 'proposal');
  });
});

describe('§12.1: the committer side uses the same checks', () => {
  test('R-12.1.4-03: the committer refuses its own malformed PSK id; a well-formed one is fine', async () => {
    const psks = { external: () => new Uint8Array(32).fill(1) };
    const members = await group(2, { psks });
    const a = members[0]!;
    await rejectsRule(a.group.commit({ psks: [{ ...newExternalPskId(cs, utf8('p')), pskNonce: new Uint8Array(3) }] }), 'R-12.1.4-03');
    await commitAll(members, a, { psks: [newExternalPskId(cs, utf8('p'))] });
    assert.deepEqual(members[0]!.group.epochAuthenticator, members[1]!.group.epochAuthenticator);
  });
});
