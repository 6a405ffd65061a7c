/**
 * Part-2 validation tests, RFC 9420 §12.2 (proposal lists), §12.3 (applying them), §12.4 and
 * §12.4.2 (Commits), with D-05 (proposal references), D-09 (past epochs) and R-16.7-01 (key
 * uniqueness). Receiver-side tests feed a Commit crafted and re-signed by a real member, so that
 * only the rule under test fails; committer-side tests call MlsGroup.commit with a bad list.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '../../src/codec/codec.js';
import { createCommit } from '../../src/commit/create.js';
import { ExtensionType, requiredCapabilitiesCodec, type Extension } from '../../src/extensions/extension.js';
import { ContentType, WireFormat } from '../../src/framing/content.js';
import { updateProposal } from '../../src/group/messages.js';
import { ownContent, protect, signOwn } from '../../src/group/protect.js';
import { createKeyPackage, signKeyPackage, signLeafNode } from '../../src/key-package/create.js';
import type { KeyPackage } from '../../src/messages/key-package.js';
import { ProposalType, type Proposal } from '../../src/messages/proposal.js';
import { applyProposals } from '../../src/proposals/apply.js';
import { newExternalPskId, newResumptionPskId } from '../../src/psk/psk-secret.js';
import { LeafNodeSource } from '../../src/ratchet-tree/node.js';
import type { LeafIndex, NodeIndex } from '../../src/tree-math/index.js';
import { EMPTY, utf8 } from '../../src/util/bytes.js';
import { MlsGroup } from '../../src/group/group.js';
import type { Identity } from '../../src/group/identity.js';
import { assertAgreement, commitAll, deliver } from '../helpers/group.js';
import {
  byRef, byValue, caps, client, commitOf, craftCommit, craftProposal, cs, customGroup, group, openPublic, patch, reframe, rejectsRule, somePath,
} from './part2-support.test.js';

const remove = (removed: number): Proposal => ({ proposalType: ProposalType.remove, remove: { removed } });
const add = (keyPackage: KeyPackage): Proposal => ({ proposalType: ProposalType.add, add: { keyPackage } });
const gce = (extensions: readonly Extension[]): Proposal => ({ proposalType: ProposalType.groupContextExtensions, groupContextExtensions: { extensions } });
const reinit: Proposal = { proposalType: ProposalType.reinit, reInit: { groupId: utf8('next'), version: 1, cipherSuite: 1, extensions: [] } };
const externalInit = (): Proposal => ({ proposalType: ProposalType.externalInit, externalInit: { kemOutput: cs.hpke.generateKeyPair().publicKey } });
const requireExt = (t: number): Extension => ({
  extensionType: ExtensionType.requiredCapabilities,
  extensionData: encode(requiredCapabilitiesCodec, { extensionTypes: [t], proposalTypes: [], credentialTypes: [] }),
});
/** A KeyPackage of `identity` (a member's, to make a "same client" Add). */
const kpOf = (identity: Identity) =>
  createKeyPackage({ cipherSuite: cs, credential: identity.credential, signaturePrivateKey: identity.signaturePrivateKey, signaturePublicKey: identity.signaturePublicKey });

/** `kp` with its LeafNode changed and both signatures redone by `key`. */
function resignKp(kp: KeyPackage, key: Uint8Array, change: { leaf?: object; initKey?: Uint8Array }): KeyPackage {
  const leaf = signLeafNode(cs, key, { ...kp.leafNode, ...change.leaf });
  return signKeyPackage(cs, key, { ...kp, ...(change.initKey !== undefined ? { initKey: change.initKey } : {}), leafNode: leaf });
}

describe('§12.2: the proposal list of a regular Commit', () => {
  test("R-12.2-01: a Commit is rejected if any covered proposal is invalid on its own (the error names that proposal's rule)", async () => {
    const members = await group(4);
    const [a, b, c] = members;
    await deliver(members, c!, craftProposal(c!.group.state, remove(3))); // a valid Remove by reference
    const ref = [...b!.group.state.proposals.values()][0]!.ref;
    const badPsk = { ...newExternalPskId(cs, utf8('x')), pskNonce: new Uint8Array(1) };
    const badKp = { ...client('z').keyPackage().keyPackage, signature: new Uint8Array(64) };
    const st = a!.group.state;
    await rejectsRule(b!.group.process(craftCommit(st, [byRef(ref), byValue({ proposalType: ProposalType.psk, preSharedKey: { psk: badPsk } })], { path: somePath(st) })), 'R-12.1.4-03');
    await rejectsRule(b!.group.process(craftCommit(st, [byRef(ref), byValue(add(badKp))], { path: somePath(st) })), 'R-10.1-03');
    await rejectsRule(b!.group.process(craftCommit(st, [byRef(ref), byValue(remove(9))], { path: somePath(st) })), 'R-12.1.3-01');
    // the valid part alone is accepted
    const ok = createCommit(st, {});
    assert.equal((await b!.group.process(ok.commit)).kind, 'commit');
  });

  test('R-12.2-02: a Commit may not contain an Update from the committer (by value or by reference)', async () => {
    const members = await group(3);
    const [a, b] = members;
    const up = updateProposal(a!.group.state).proposal;
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(up)], { path: somePath(a!.group.state) })), 'R-12.2-02');
    const r = await b!.group.process(craftProposal(a!.group.state, up));
    assert.ok(r.kind === 'proposal');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byRef(r.ref)], { path: somePath(a!.group.state) })), 'R-12.2-02');
    // the committer itself never builds one: an Update by value is a usage error, its own cached Update is left out
    await assert.rejects(a!.group.commit({ proposals: [up] }), (e: unknown) => e instanceof Error && /R-12\.2-02/.test(e.message));
  });

  test('R-12.2-03: a Commit may not remove the committer', async () => {
    const [a, b] = await group(3);
    await rejectsRule(a!.group.commit({ remove: [a!.group.myLeafIndex] }), 'R-12.2-03');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(remove(0))], { path: somePath(a!.group.state) })), 'R-12.2-03');
  });

  test('R-12.2-04: no two Update/Remove proposals may target the same leaf', async () => {
    const members = await group(4);
    const [a, b, c] = members;
    await rejectsRule(a!.group.commit({ remove: [2, 2] }), 'R-12.2-04');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(remove(3)), byValue(remove(3))], { path: somePath(a!.group.state) })), 'R-12.2-04');
    // c's Update and a Remove of c
    const up = await c!.group.proposeUpdate();
    await deliver(members, c!, up);
    const cached = [...b!.group.state.proposals.values()][0]!;
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byRef(cached.ref), byValue(remove(2))], { path: somePath(a!.group.state) })), 'R-12.2-04');
    // the committer does not resolve the conflict itself (S-12.2-01 not implemented): it refuses
    await rejectsRule(a!.group.commit({ remove: [2] }), 'R-12.2-04');
  });

  test('R-12.2-05: no two Adds may carry KeyPackages of the same client (same signature key, A-15)', async () => {
    const [a, b] = await group(2);
    const x = client('x');
    const [k1, k2] = [x.keyPackage().keyPackage, x.keyPackage().keyPackage];
    await rejectsRule(a!.group.commit({ add: [k1, k2] }), 'R-12.2-05');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(add(k1)), byValue(add(k2))])), 'R-12.2-05');
  });

  test('R-12.2-06: an Add of a client already in the group is rejected, unless the same Commit removes it', async () => {
    const members = await group(3);
    const [a, b, c] = members;
    const again = kpOf(c!.identity);
    await rejectsRule(a!.group.commit({ add: [again.keyPackage] }), 'R-12.2-06');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(add(again.keyPackage))])), 'R-12.2-06');
    const welcome = await commitAll(members, a!, { remove: [c!.group.myLeafIndex], add: [again.keyPackage] });
    const back = await MlsGroup.join({ welcome: welcome!, keyPackages: [again] });
    assertAgreement([a!, b!, { name: 'c2', identity: c!.identity, group: back }]);
  });

  test('R-12.2-07: no two PreSharedKey proposals may name the same PSK (A-7: the nonce is not part of the identity)', async () => {
    const [a, b] = await group(2, { psks: { external: () => new Uint8Array(32) } });
    const id = newExternalPskId(cs, utf8('psk'));
    const again = newExternalPskId(cs, utf8('psk'));
    await rejectsRule(a!.group.commit({ psks: [id, again] }), 'R-12.2-07');
    const r1 = newResumptionPskId(cs, 1, a!.group.groupId, 0n);
    const r2 = newResumptionPskId(cs, 1, a!.group.groupId, 0n);
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue({ proposalType: ProposalType.psk, preSharedKey: { psk: r1 } }), byValue({ proposalType: ProposalType.psk, preSharedKey: { psk: r2 } })])), 'R-12.2-07');
  });

  test('R-12.2-08: at most one GroupContextExtensions proposal', async () => {
    const [a, b] = await group(2);
    await rejectsRule(a!.group.commit({ proposals: [gce([]), gce([])] }), 'R-12.2-08');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(gce([])), byValue(gce([]))], { path: somePath(a!.group.state) })), 'R-12.2-08');
  });

  test('R-12.2-09: a ReInit must be the only proposal', async () => {
    const [a, b] = await group(3);
    await rejectsRule(a!.group.commit({ remove: [2], proposals: [reinit] }), 'R-12.2-09');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(reinit), byValue(gce([]))], { path: somePath(a!.group.state) })), 'R-12.2-09');
  });

  test('R-12.2-10: a member Commit may not contain an ExternalInit', async () => {
    const [a, b] = await group(2);
    await rejectsRule(a!.group.commit({ proposals: [externalInit()] }), 'R-12.2-10');
    // On the wire, a member Commit with an ExternalInit also breaks R-12.4.3.2-05, checked first.
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(externalInit())], { path: somePath(a!.group.state) })), 'R-12.4.3.2-05');
  });

  test('R-12.2-11: a Commit with a proposal type this client does not support is rejected', async () => {
    const [a, b] = await group(2);
    const bytes = craftCommit(a!.group.state, [byValue(remove(0xdeadbeef))], { path: somePath(a!.group.state) });
    const unknown = patch(bytes, [1, 0x00, 0x03, 0xde, 0xad, 0xbe, 0xef], [1, 0xff, 0x00, 0xde, 0xad, 0xbe, 0xef]);
    const err = await rejectsRule(b!.group.process(unknown), 'R-12.2-11', 'ERR_DECODE_UNKNOWN_VALUE');
    assert.equal(err.field, 'Proposal.proposal_type');
  });

  test('R-12.2-12: the tree after the Commit must be valid: two Adds may not share keys', async () => {
    const [a, b] = await group(2);
    const x = client('x').keyPackage().keyPackage;
    const y = client('y');
    const yKp = y.keyPackage().keyPackage;
    const sameLeafKey = resignKp(yKp, y.identity.signaturePrivateKey, { leaf: { encryptionKey: x.leafNode.encryptionKey } });
    await rejectsRule(a!.group.commit({ add: [x, sameLeafKey] }), 'R-7.3-12');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(add(x)), byValue(add(sameLeafKey))])), 'R-7.3-12');
    const sameInitKey = resignKp(yKp, y.identity.signaturePrivateKey, { initKey: x.initKey });
    await rejectsRule(a!.group.commit({ add: [x, sameInitKey] }), 'R-10-02');
    // a new leaf with a current member's encryption key
    const bLeafKey = b!.group.state.tree.leafNode(1 as LeafIndex)!.encryptionKey;
    await rejectsRule(a!.group.commit({ add: [resignKp(yKp, y.identity.signaturePrivateKey, { leaf: { encryptionKey: bLeafKey } })] }), 'R-7.3-12');
  });
});

describe('§12.2: external Commits (not implemented: only the list checks exist, unit-tested here)', () => {
  const ctxOf = async () => {
    const [a, b] = await group(2);
    const st = a!.group.state;
    return { b: b!, ctx: { cs, config: st.config, groupId: st.context.groupId, tree: st.tree, extensions: st.context.extensions, committer: 'external' as const, sending: false } };
  };
  const joiner = { senderType: 4 } as const;

  test('R-12.2-13: an external Commit has exactly one ExternalInit (list check only; external Commits are not yet processed)', async () => {
    const { ctx } = await ctxOf();
    await rejectsRule(() => applyProposals(ctx, []), 'R-12.2-13');
    await rejectsRule(() => applyProposals(ctx, [{ proposal: externalInit(), sender: joiner }, { proposal: externalInit(), sender: joiner }]), 'R-12.2-13');
  });

  test('R-12.2-14: an external Commit has at most one Remove (list check only)', async () => {
    const { ctx } = await ctxOf();
    await rejectsRule(() => applyProposals(ctx, [{ proposal: externalInit(), sender: joiner }, { proposal: remove(0), sender: joiner }, { proposal: remove(1), sender: joiner }]), 'R-12.2-14');
  });

  test('R-12.2-17: an external Commit holds only ExternalInit, Remove and PreSharedKey (list check only)', async () => {
    const { ctx, b } = await ctxOf();
    for (const p of [gce([]), reinit, add(client('q').keyPackage().keyPackage), updateProposal(b.group.state).proposal]) {
      await rejectsRule(() => applyProposals(ctx, [{ proposal: externalInit(), sender: joiner }, { proposal: p, sender: joiner }]), 'R-12.2-17');
    }
  });
});

describe('§12.3: applying the list', () => {
  test('R-12.3-01: GCE, then Updates, Removes, Adds (list order), PSKs — every member reaches the same epoch', async () => {
    const psks = { external: () => new Uint8Array(32).fill(9) };
    const members = await group(4, { psks });
    const [a, b, c, d] = members;
    const up = await c!.group.proposeUpdate();
    await deliver(members, c!, up);
    const e = client('e');
    const eKp = e.keyPackage();
    const rc: Extension = { extensionType: ExtensionType.requiredCapabilities, extensionData: encode(requiredCapabilitiesCodec, { extensionTypes: [], proposalTypes: [], credentialTypes: [1] }) };
    // Deliberately listed out of order: PSK, Add, Remove, GCE (and c's Update by reference first).
    const created = createCommit(a!.group.state, {
      proposals: [{ proposalType: ProposalType.psk, preSharedKey: { psk: newExternalPskId(cs, utf8('p')) } }, add(eKp.keyPackage), remove(d!.group.myLeafIndex), gce([rc])],
      psks,
    });
    // Removes before Adds: the new member takes the removed member's leaf.
    assert.deepEqual(created.effects.added.map((x) => x.leaf), [d!.group.myLeafIndex]);
    assert.deepEqual(created.effects.updated.map((x) => x.leaf), [c!.group.myLeafIndex]);
    for (const m of [b!, c!, d!]) {
      const r = await m.group.process(created.commit);
      assert.ok(r.kind === 'commit');
      await m.group.merge(r.staged);
    }
    assert.ok(d!.group.removed);
    const eg = await MlsGroup.join({ welcome: created.welcome!, keyPackages: [eKp], psks });
    const auth = created.state.secrets.epochAuthenticator;
    for (const g of [b!.group, c!.group, eg]) assert.deepEqual(g.epochAuthenticator, auth);
    assert.equal(eg.myLeafIndex, 3);
    assert.equal(eg.extensions.length, 1);
  });

  test('R-12.3-02: the other proposals are checked against the extensions a GCE of the same Commit sets (the Add fails R-7.3-03)', async () => {
    const members = await customGroup([caps([0xff00]), caps([0xff00])]);
    const [a, b] = members;
    const lacking = client('x').keyPackage(caps([])).keyPackage;
    await rejectsRule(a!.group.commit({ groupContextExtensions: [requireExt(0xff00)], add: [lacking] }), 'R-7.3-03');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(add(lacking)), byValue(gce([requireExt(0xff00)]))], { path: somePath(a!.group.state) })), 'R-7.3-03');
    // the same Add without the GCE is fine, and so is a supporting KeyPackage with it
    const x2 = client('x2').keyPackage(caps([0xff00]));
    const welcome = await commitAll(members, a!, { groupContextExtensions: [requireExt(0xff00)], add: [x2.keyPackage] });
    const g = await MlsGroup.join({ welcome: welcome!, keyPackages: [x2] });
    assert.deepEqual(g.epochAuthenticator, b!.group.epochAuthenticator);
  });
});

describe('§12.4: Commit', () => {
  test('R-12.4-01: a path is required for an empty Commit and for Update, Remove and GroupContextExtensions (A-1)', async () => {
    const members = await group(3);
    const [a, b, c] = members;
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [])), 'R-12.4-01', 'ERR_VALIDATION_COMMIT');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(remove(2))])), 'R-12.4-01');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(gce([]))])), 'R-12.4-01');
    const up = await c!.group.proposeUpdate();
    await deliver(members, c!, up);
    const ref = [...b!.group.state.proposals.values()][0]!.ref;
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byRef(ref)])), 'R-12.4-01');
    // an Add-only or PSK-only Commit needs none: the committer leaves it out, receivers accept it
    const x = client('x').keyPackage();
    const out = await a!.group.commit({ add: [x.keyPackage], includePending: false });
    assert.equal(commitOf(out.commit).path, undefined);
    assert.equal((await b!.group.process(out.commit)).kind, 'commit');
  });
});

describe('§12.4.2: processing a Commit', () => {
  test('R-12.4.2-01: a Commit of another epoch is rejected', async () => {
    const members = await group(3);
    const [a, b, c] = members;
    const early = await b!.group.commit();
    await b!.group.discardCommit();
    await rejectsRule(c!.group.process(craftCommit(a!.group.state, [], { path: somePath(a!.group.state), epoch: a!.group.epoch + 1n })), 'R-12.4.2-01', 'ERR_VALIDATION_EPOCH');
    await commitAll(members, a!);
    await rejectsRule(c!.group.process(early.commit), 'R-12.4.2-01', 'ERR_VALIDATION_EPOCH');
  });

  test('R-12.4.2-02: every PSK must be available (external unknown, resumption not retained)', async () => {
    const lookup = { external: () => new Uint8Array(32).fill(5) };
    const [a, b] = await group(2);
    const created = createCommit(a!.group.state, { proposals: [{ proposalType: ProposalType.psk, preSharedKey: { psk: newExternalPskId(cs, utf8('only-a-knows')) } }], psks: lookup });
    await rejectsRule(b!.group.process(created.commit), 'R-12.4.2-02', 'ERR_VALIDATION_PSK');
    await rejectsRule(a!.group.commit({ psks: [newExternalPskId(cs, utf8('nobody-knows'))] }), 'R-12.4.2-02');
    await rejectsRule(a!.group.commit({ psks: [newResumptionPskId(cs, 1, a!.group.groupId, 1000n)] }), 'R-12.4.2-02');
  });

  test('R-12.4.2-03: the UpdatePath LeafNode must pass §7.3 in the commit context (the error names the §7.3 rule)', async () => {
    const [a, b] = await group(3);
    const real = createCommit(a!.group.state, { updatePath: true });
    const { content, auth } = openPublic(real.commit);
    assert.ok(content.contentType === ContentType.commit);
    const path = content.commit.path!;
    const st = a!.group.state;
    const variants: [object, string][] = [
      [{ ...path.leafNode, signature: new Uint8Array(path.leafNode.signature.length) }, 'R-7.3-02'],
      [signLeafNode(cs, st.signaturePrivateKey, path.leafNode, st.context.groupId, 1), 'R-7.3-02'], // signed for another leaf
      [signLeafNode(cs, st.signaturePrivateKey, { ...path.leafNode, leafNodeSource: LeafNodeSource.update } as never, st.context.groupId, 0), 'R-7.3-10'],
      [signLeafNode(cs, st.signaturePrivateKey, { ...path.leafNode, capabilities: { ...path.leafNode.capabilities, credentials: [2] } }, st.context.groupId, 0), 'R-7.2-04'],
    ];
    for (const [leafNode, rule] of variants) {
      const bytes = reframe(st, { ...content, commit: { ...content.commit, path: { ...path, leafNode: leafNode as typeof path.leafNode } } }, auth);
      await rejectsRule(b!.group.process(bytes), rule);
    }
  });

  test("R-12.4.2-04: the UpdatePath leaf must change the committer's encryption_key", async () => {
    const [a, b] = await group(3);
    const st = a!.group.state;
    const real = createCommit(st, { updatePath: true });
    const { content, auth } = openPublic(real.commit);
    assert.ok(content.contentType === ContentType.commit);
    const path = content.commit.path!;
    const current = st.tree.leafNode(st.myLeaf)!.encryptionKey;
    const leafNode = signLeafNode(cs, st.signaturePrivateKey, { ...path.leafNode, encryptionKey: current }, st.context.groupId, st.myLeaf);
    await rejectsRule(b!.group.process(reframe(st, { ...content, commit: { ...content.commit, path: { ...path, leafNode } } }, auth)), 'R-12.4.2-04');
  });

  test('R-12.4.2-05: no public key of the UpdatePath may already be in the tree', async () => {
    const [a, b] = await group(3);
    const st = a!.group.state;
    const real = createCommit(st, { updatePath: true });
    const { content, auth } = openPublic(real.commit);
    assert.ok(content.contentType === ContentType.commit);
    const path = content.commit.path!;
    const bKey = st.tree.leafNode(1 as LeafIndex)!.encryptionKey;
    const nodes = [{ ...path.nodes[0]!, encryptionKey: bKey }, ...path.nodes.slice(1)];
    await rejectsRule(b!.group.process(reframe(st, { ...content, commit: { ...content.commit, path: { ...path, nodes } } }, auth)), 'R-12.4.2-05');
    // the leaf's new key equal to another member's leaf key: caught first by §7.3 (R-7.3-12)
    const leafNode = signLeafNode(cs, st.signaturePrivateKey, { ...path.leafNode, encryptionKey: bKey }, st.context.groupId, st.myLeaf);
    await rejectsRule(b!.group.process(reframe(st, { ...content, commit: { ...content.commit, path: { ...path, leafNode } } }, auth)), 'R-7.3-12');
  });

  test('R-12.4.2-06: a wrong confirmation tag (only the tag changed, re-tagged for membership) is rejected', async () => {
    const [a, b] = await group(3);
    const st = a!.group.state;
    const real = createCommit(st, { updatePath: true });
    const { content, auth } = openPublic(real.commit);
    const tag = auth.confirmationTag!.slice();
    tag[0]! ^= 1;
    await rejectsRule(b!.group.process(reframe(st, content, { ...auth, confirmationTag: tag })), 'R-12.4.2-06', 'ERR_VALIDATION_CONFIRMATION_TAG');
    // the untouched Commit is accepted
    assert.equal((await b!.group.process(real.commit)).kind, 'commit');
  });

  test('R-12.4.2-07: a rejected Commit leaves the state unchanged (public and private handshakes); our own Commit is refused', async () => {
    for (const wf of ['public', 'private'] as const) {
      const members = await group(3, { config: { handshakeWireFormat: wf } });
      const [a, b] = members;
      const st = a!.group.state;
      const before = b!.group.snapshot();
      const wireFormat = wf === 'public' ? WireFormat.mls_public_message : WireFormat.mls_private_message;
      // bad confirmation tag, after every other check passed (the Commit comes from a public-handshake view of a's state)
      const pub = { ...st, config: { ...st.config, handshakeWireFormat: 'public' as const } };
      const content = ownContent(st, { contentType: ContentType.commit, commit: commitOf(createCommit(pub, { updatePath: true }).commit) }, EMPTY);
      const bad = protect(st, wireFormat, content, { signature: signOwn(st, wireFormat, content), confirmationTag: cs.random(cs.Nh) });
      await rejectsRule(b!.group.process(bad), 'R-12.4.2-06');
      // a list failure and a missing PSK
      await rejectsRule(b!.group.process(craftCommit(st, [byValue(remove(2)), byValue(remove(2))], { path: somePath(pub) })), 'R-12.2-04');
      await rejectsRule(b!.group.process(createCommit(st, { proposals: [{ proposalType: ProposalType.psk, preSharedKey: { psk: newExternalPskId(cs, utf8('?')) } }], psks: { external: () => new Uint8Array(32) } }).commit), 'R-12.4.2-02');
      assert.deepEqual(b!.group.snapshot(), before);
      // and the group goes on
      await commitAll(members, members[2]!);
      assertAgreement(members);
    }
    const [a] = await group(2);
    const own = createCommit(a!.group.state, { updatePath: true });
    await rejectsRule(a!.group.process(own.commit), 'R-12.4.2-07');
  });

  test('R-12.4.2-08: after a ReInit Commit every member refuses to send in the old group', async () => {
    const members = await group(3);
    const [a, b] = members;
    await commitAll(members, a!, { proposals: [reinit] });
    for (const m of members) {
      await rejectsRule(m.group.encrypt('x'), 'R-12.4.2-08', 'ERR_USAGE_INVALID_STATE');
      await rejectsRule(m.group.proposeRemove(1), 'R-12.4.2-08');
      await rejectsRule(m.group.commit(), 'R-12.4.2-08');
    }
    assert.equal(b!.group.state.reinit?.cipherSuite, 1);
  });
});

describe('D-05, D-09, R-16.7-01', () => {
  test('D-05: every ProposalRef must resolve to a proposal of the current epoch', async () => {
    const members = await group(3);
    const [a, b] = members;
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byRef(cs.random(32))], { path: somePath(a!.group.state) })), 'D-05', 'ERR_VALIDATION_PROPOSAL_REF');
    const r = await b!.group.process(craftProposal(a!.group.state, remove(2)));
    assert.ok(r.kind === 'proposal');
    await commitAll(members, members[2]!, { includePending: false }); // a new epoch: the cache is emptied
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byRef(r.ref)], { path: somePath(a!.group.state) })), 'D-05');
  });

  test('D-09: an application message of a past epoch is read only while that epoch is kept (config.pastEpochs)', async () => {
    const none = await group(2, { config: { pastEpochs: 0 } });
    const ct0 = await none[0]!.group.encrypt('late');
    await commitAll(none, none[1]!);
    await rejectsRule(none[1]!.group.process(ct0), 'D-09', 'ERR_VALIDATION_EPOCH');
    const one = await group(2); // default: one past epoch
    const m0 = await one[0]!.group.encrypt('one back');
    const m1 = await one[0]!.group.encrypt('two back');
    await commitAll(one, one[1]!);
    const r = await one[1]!.group.process(m0);
    assert.ok(r.kind === 'application' && r.epoch === 1n);
    await commitAll(one, one[1]!);
    await rejectsRule(one[1]!.group.process(m1), 'D-09');
  });

  test('R-16.7-01: a new leaf may not reuse the encryption key of a parent node', async () => {
    const members = await group(3);
    const [a, b] = members;
    await commitAll(members, a!, { updatePath: true }); // sets a's direct path: node 1 and the root 3
    const parentKey = a!.group.state.tree.parentNode(3 as NodeIndex)!.encryptionKey;
    const x = client('x');
    const kp = resignKp(x.keyPackage().keyPackage, x.identity.signaturePrivateKey, { leaf: { encryptionKey: parentKey } });
    await rejectsRule(a!.group.commit({ add: [kp] }), 'R-16.7-01', 'ERR_VALIDATION_DUPLICATE_KEY');
    await rejectsRule(b!.group.process(craftCommit(a!.group.state, [byValue(add(kp))])), 'R-16.7-01');
    // signature keys are unique too (R-7.3-11 / R-12.2-06 report it): a member's key in a new leaf
    const dup = kpOf(b!.identity);
    await rejectsRule(a!.group.commit({ add: [dup.keyPackage] }), 'R-12.2-06');
  });
});
