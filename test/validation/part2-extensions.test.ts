/**
 * Part-2 validation tests, RFC 9420 §13.4 (extensions), §13.5 (GREASE) and D-07 (where the known
 * extension types may appear), across LeafNodes, GroupContext (creation, GCE, Welcome), GroupInfo,
 * KeyPackages in Adds and ReInit.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '../../src/codec/codec.js';
import { ExtensionType, requiredCapabilitiesCodec, type Extension } from '../../src/extensions/extension.js';
import { MlsGroup } from '../../src/group/group.js';
import { updateProposal } from '../../src/group/messages.js';
import { signKeyPackage, signLeafNode } from '../../src/key-package/create.js';
import type { KeyPackage } from '../../src/messages/key-package.js';
import { ProposalType, type Proposal } from '../../src/messages/proposal.js';
import { applyProposals } from '../../src/proposals/apply.js';
import { EMPTY, utf8 } from '../../src/util/bytes.js';
import { assertAgreement, commitAll, deliver } from '../helpers/group.js';
import {
  byValue, caps, client, craftCommit, craftProposal, cs, customGroup, group, join, openWelcome, patch, pendingWelcome, rejectsRule, sealWelcome, somePath,
} from './part2-support.test.js';

const add = (keyPackage: KeyPackage): Proposal => ({ proposalType: ProposalType.add, add: { keyPackage } });
const gce = (extensions: readonly Extension[]): Proposal => ({ proposalType: ProposalType.groupContextExtensions, groupContextExtensions: { extensions } });
const ext = (extensionType: number, extensionData: Uint8Array = EMPTY): Extension => ({ extensionType, extensionData });
const rc = (r: { extensionTypes?: number[]; proposalTypes?: number[]; credentialTypes?: number[] }): Extension =>
  ext(ExtensionType.requiredCapabilities, encode(requiredCapabilitiesCodec, { extensionTypes: r.extensionTypes ?? [], proposalTypes: r.proposalTypes ?? [], credentialTypes: r.credentialTypes ?? [] }));
const GREASE = 0x4a4a;

describe('§13.4: extensions', () => {
  test('R-13.4-01: unknown LeafNode extensions listed in capabilities (GREASE included) are ignored', async () => {
    const leafExt = [ext(0xff00, utf8('opaque to us')), ext(GREASE, cs.random(9))];
    const members = await customGroup([caps([0xff00, GREASE]), caps([0xff00, GREASE]), caps([])], { leafExtensions: [leafExt, leafExt, []] });
    await commitAll(members, members[1]!, { updatePath: true }); // the commit leaf keeps them
    const up = await members[0]!.group.proposeUpdate(); // and an Update
    await deliver(members, members[0]!, up);
    await commitAll(members, members[2]!);
    assertAgreement(members);
    assert.equal(members[2]!.group.state.tree.leafNode(0 as never)!.extensions.length, 2);
  });

  test('R-13.4-02: no extension list may hold two extensions of one type (GCE, GroupContext, GroupInfo, ReInit, LeafNode in an Add)', async () => {
    const [a, b] = await group(2);
    const twice = [rc({}), rc({})];
    await rejectsRule(a!.group.commit({ groupContextExtensions: twice }), 'R-13.4-02', 'ERR_VALIDATION_EXTENSIONS');
    await rejectsRule(b!.group.process(craftProposal(a!.group.state, gce(twice))), 'R-13.4-02');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(gce(twice))], { path: somePath(a!.group.state) })), 'R-13.4-02');
    // ReInit.extensions
    const reinit: Proposal = { proposalType: ProposalType.reinit, reInit: { groupId: utf8('n'), version: 1, cipherSuite: 1, extensions: twice } };
    await rejectsRule(a!.group.propose(reinit), 'R-13.4-02');
    await rejectsRule(b!.group.process(craftProposal(a!.group.state, reinit)), 'R-13.4-02');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(reinit)])), 'R-13.4-02');
    // a LeafNode in an Add
    const x = client('x');
    const kp = x.keyPackage(caps([0xff00]), { leafNodeExtensions: [ext(0xff00)] }).keyPackage;
    const leaf = signLeafNode(cs, x.identity.signaturePrivateKey, { ...kp.leafNode, extensions: [ext(0xff00), ext(0xff00, utf8('2'))] });
    await rejectsRule(a!.group.commit({ add: [signKeyPackage(cs, x.identity.signaturePrivateKey, { ...kp, leafNode: leaf })] }), 'R-13.4-02');
    // GroupContext and GroupInfo of a Welcome
    const p = await pendingWelcome(2);
    const o = openWelcome(p.welcome, p.kp);
    const gc = { ...o.groupInfo.groupContext, extensions: twice };
    await rejectsRule(join(sealWelcome(o.groupSecrets, { ...o.groupInfo, groupContext: gc }, [p.kp], { retag: true, signer: p.signer }), p.kp), 'R-13.4-02');
    const giExt = [...o.groupInfo.extensions, ext(0xff00), ext(0xff00)];
    await rejectsRule(join(sealWelcome(o.groupSecrets, { ...o.groupInfo, extensions: giExt }, [p.kp], { signer: p.signer }), p.kp), 'R-13.4-02');
  });

  test('R-13.4-03: a new member must support every non-default GroupContext extension (list validation)', async () => {
    const [a] = await group(1);
    const st = a!.group.state;
    // This build admits no non-default GroupContext extension (R-13.4-04), so a group never has one:
    // the check is exercised on the list validation with such a context.
    const ctx = { cs, config: st.config, groupId: st.context.groupId, tree: st.tree, extensions: [ext(0xff00)], committer: 0 as never, sending: false };
    const lacking = client('x').keyPackage(caps([])).keyPackage;
    await rejectsRule(() => applyProposals(ctx, [{ proposal: add(lacking), sender: { senderType: 1, leafIndex: 0 } }]), 'R-13.4-03', 'ERR_VALIDATION_CAPABILITIES');
    const supporting = client('y').keyPackage(caps([0xff00])).keyPackage;
    assert.equal(applyProposals(ctx, [{ proposal: add(supporting), sender: { senderType: 1, leafIndex: 0 } }]).added.length, 1);
  });

  test('R-13.4-04: a GCE may not add a non-default extension a member does not support; a LeafNode may not drop a required type', async () => {
    const members = await customGroup([caps([0xff00]), caps([0xff00]), caps([])]);
    const [a, b] = members;
    await rejectsRule(a!.group.commit({ groupContextExtensions: [ext(0xff00)] }), 'R-13.4-04', 'ERR_VALIDATION_EXTENSIONS');
    await rejectsRule(b!.group.process(craftProposal(a!.group.state, gce([ext(0xff00)]))), 'R-13.4-04');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(gce([ext(0xff00)]))], { path: somePath(a!.group.state) })), 'R-13.4-04');
    await rejectsRule(MlsGroup.create({ cipherSuite: cs, identity: client('c').identity, extensions: [ext(0xff00)] }), 'R-13.4-04');
    // a requirement in use: once required, an Update whose capabilities drop it is rejected (R-7.3-03)
    const two = members.slice(0, 2);
    await commitAll(members, a!, { groupContextExtensions: [rc({ extensionTypes: [0xff00] })], remove: [2] });
    const st = b!.group.state;
    const up = updateProposal(st).proposal;
    assert.ok(up.proposalType === ProposalType.update);
    const dropped = signLeafNode(cs, st.signaturePrivateKey, { ...up.update.leafNode, capabilities: caps([]) }, st.context.groupId, st.myLeaf);
    await rejectsRule(a!.group.process(craftProposal(st, { proposalType: ProposalType.update, update: { leafNode: dropped } })), 'R-7.3-03');
    assertAgreement(two);
  });
});

describe('§13.5: GREASE', () => {
  test('R-13.5-01: a GREASE value in proposal_type, credential_type, GroupContext.extensions or a GCE is unsupported: rejected', async () => {
    const [a, b] = await group(2);
    const st = a!.group.state;
    // Proposal.proposal_type (in a Commit and on its own)
    const marker = [0xde, 0xad, 0xbe, 0xef];
    const commit = craftCommit(st, [byValue({ proposalType: ProposalType.remove, remove: { removed: 0xdeadbeef } })], { path: somePath(st) });
    await rejectsRule(b!.group.process(patch(commit, [1, 0, 3, ...marker], [1, 0x0a, 0x0a, ...marker])), 'R-13.5-01', 'ERR_DECODE_UNKNOWN_VALUE');
    const proposal = craftProposal(st, { proposalType: ProposalType.remove, remove: { removed: 0xdeadbeef } });
    await rejectsRule(b!.group.process(patch(proposal, [0, 3, ...marker], [0xea, 0xea, ...marker])), 'R-13.5-01');
    // Credential.credential_type (a KeyPackage in an Add)
    const name = utf8('grease-credential-marker');
    const x = client('grease-credential-marker');
    const withKp = craftCommit(st, [byValue(add(x.keyPackage().keyPackage))]);
    await rejectsRule(b!.group.process(patch(withKp, [0, 1, name.length, ...name], [0x1a, 0x1a, name.length, ...name])), 'R-13.5-01', 'ERR_DECODE_UNKNOWN_VALUE');
    // GroupContextExtensions.extensions (committer, standalone, in a Commit)
    await rejectsRule(a!.group.commit({ groupContextExtensions: [ext(GREASE)] }), 'R-13.5-01', 'ERR_VALIDATION_EXTENSIONS');
    await rejectsRule(b!.group.process(craftProposal(st, gce([ext(GREASE)]))), 'R-13.5-01');
    await rejectsRule(b!.group.process(craftCommit(st, [byValue(gce([ext(GREASE)]))], { path: somePath(st) })), 'R-13.5-01');
    // GroupContext.extensions of a Welcome
    const p = await pendingWelcome(2);
    const o = openWelcome(p.welcome, p.kp);
    const gc = { ...o.groupInfo.groupContext, extensions: [ext(GREASE)] };
    await rejectsRule(join(sealWelcome(o.groupSecrets, { ...o.groupInfo, groupContext: gc }, [p.kp], { retag: true, signer: p.signer }), p.kp), 'R-13.5-01');
  });

  test('R-13.5-02: GREASE takes the same path as any other unknown value (same outcome, error code and field)', async () => {
    const [a, b] = await group(2);
    const st = a!.group.state;
    const marker = [0xde, 0xad, 0xbe, 0xef];
    const proposal = craftProposal(st, { proposalType: ProposalType.remove, remove: { removed: 0xdeadbeef } });
    const g = await rejectsRule(b!.group.process(patch(proposal, [0, 3, ...marker], [0x0a, 0x0a, ...marker])), 'R-13.5-01');
    const u = await rejectsRule(b!.group.process(patch(proposal, [0, 3, ...marker], [0xff, 0x00, ...marker])), 'R-12.2-11');
    assert.deepEqual([g.code, g.field], [u.code, u.field]);
    const g2 = await rejectsRule(b!.group.process(craftProposal(st, gce([ext(GREASE)]))), 'R-13.5-01');
    const u2 = await rejectsRule(b!.group.process(craftProposal(st, gce([ext(0xff00)]))), 'R-13.4-04');
    assert.deepEqual([g2.code, g2.field], [u2.code, u2.field]);
    const name = utf8('grease-credential-marker');
    const withKp = craftCommit(st, [byValue(add(client('grease-credential-marker').keyPackage().keyPackage))]);
    const g3 = await rejectsRule(b!.group.process(patch(withKp, [0, 1, name.length, ...name], [0x2a, 0x2a, name.length, ...name])), 'R-13.5-01');
    let u3: unknown;
    await b!.group.process(patch(withKp, [0, 1, name.length, ...name], [0x77, 0x77, name.length, ...name])).catch((e: unknown) => (u3 = e));
    assert.deepEqual([g3.code, g3.field], [(u3 as { code: string }).code, (u3 as { field: string }).field]);
    // ignored alike: unknown and GREASE GroupInfo extensions (R-12.4.3-01) and LeafNode extensions (R-13.4-01), each with both kinds
    const p = await pendingWelcome(2);
    const o = openWelcome(p.welcome, p.kp);
    await join(sealWelcome(o.groupSecrets, { ...o.groupInfo, extensions: [...o.groupInfo.extensions, ext(GREASE), ext(0xff00)] }, [p.kp], { signer: p.signer }), p.kp);
  });

  test('R-13.5-03: our own capabilities exclude GREASE: a GREASE requirement is never met, whatever the leaves advertise', async () => {
    const members = await customGroup([caps([GREASE, 0xff00]), caps([GREASE, 0xff00])]);
    const [a, b] = members;
    await rejectsRule(a!.group.commit({ groupContextExtensions: [rc({ extensionTypes: [GREASE] })] }), 'R-12.1.7-01');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(gce([rc({ credentialTypes: [0x5a5a] })]))], { path: somePath(a!.group.state) })), 'R-12.1.7-01');
    // the same requirement of a non-GREASE type the leaves list is met
    await commitAll(members, a!, { groupContextExtensions: [rc({ extensionTypes: [0xff00] })] });
    assertAgreement(members);
    // joining: a GroupContext requiring a GREASE type the joiner's leaf advertises is refused
    const p = await pendingWelcome(2);
    const o = openWelcome(p.welcome, p.kp);
    const gc = { ...o.groupInfo.groupContext, extensions: [rc({ extensionTypes: [p.kp.keyPackage.leafNode.capabilities.extensions.find((t) => (t & 0x0f0f) === 0x0a0a)!] })] };
    await rejectsRule(join(sealWelcome(o.groupSecrets, { ...o.groupInfo, groupContext: gc }, [p.kp], { retag: true, signer: p.signer }), p.kp), 'R-7.3-03');
  });
});

describe('D-07: known extension types only where the registry allows them', () => {
  test('D-07: ratchet_tree, external_pub or application_id in a GroupContext; GroupContext-only types in a GroupInfo; a GroupInfo type in a LeafNode', async () => {
    const [a, b] = await group(2);
    for (const t of [ExtensionType.applicationId, ExtensionType.ratchetTree, ExtensionType.externalPub]) {
      await rejectsRule(a!.group.commit({ groupContextExtensions: [ext(t)] }), 'D-07', 'ERR_VALIDATION_EXTENSIONS');
      await rejectsRule(b!.group.process(craftProposal(a!.group.state, gce([ext(t)]))), 'D-07');
    }
    const p = await pendingWelcome(2);
    const o = openWelcome(p.welcome, p.kp);
    const gc = { ...o.groupInfo.groupContext, extensions: [ext(ExtensionType.externalPub)] };
    await rejectsRule(join(sealWelcome(o.groupSecrets, { ...o.groupInfo, groupContext: gc }, [p.kp], { retag: true, signer: p.signer }), p.kp), 'D-07');
    for (const t of [ExtensionType.applicationId, ExtensionType.requiredCapabilities, ExtensionType.externalSenders]) {
      await rejectsRule(join(sealWelcome(o.groupSecrets, { ...o.groupInfo, extensions: [...o.groupInfo.extensions, ext(t)] }, [p.kp], { signer: p.signer }), p.kp), 'D-07');
    }
    // a LeafNode (in an Add) carrying external_pub
    const x = client('x');
    const kp = x.keyPackage().keyPackage;
    const leaf = signLeafNode(cs, x.identity.signaturePrivateKey, { ...kp.leafNode, extensions: [ext(ExtensionType.externalPub)] });
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(add(signKeyPackage(cs, x.identity.signaturePrivateKey, { ...kp, leafNode: leaf })))])), 'D-07');
  });
});
