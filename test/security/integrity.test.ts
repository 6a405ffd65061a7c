/**
 * Integrity and agreement (RFC 9420 §6.1–6.3 signature, membership tag and AEAD; §8.1–8.2
 * GroupContext and transcript hashes; §12.4.2 the confirmation tag; §7.5 path-secret checks;
 * §8.7 the epoch authenticator).
 *
 * ADVERSARY 1 — the network (or the DS): may modify any bit of any message in transit.
 *   Claim: flipping ANY single bit of a proposal, a Commit (PublicMessage or PrivateMessage) or an
 *   application message makes every receiver reject it with a typed MlsError, and the receiver's
 *   state — its snapshot, byte for byte — is unchanged; the original is still accepted afterwards.
 *
 * ADVERSARY 2 — a malicious committer (a member) that wants to split the group: members ending up
 *   in different states while each believes all is well.
 *   May: build a Commit with a different proposal list behind the confirmation tag of another; put
 *   a wrong confirmation tag; encrypt a bogus path secret to one subtree; (with the DS) deliver
 *   different Commits for the same epoch to different members.
 *   Claim: every member that accepts a Commit reaches the same epoch authenticator as every other
 *   member that accepts it; a member handed an inconsistent Commit rejects it (R-12.4.2-06, R-7.5-03);
 *   a fork by the DS is visible (different epoch authenticators and safety numbers, and each side
 *   rejects the other's messages).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cipherSuite, MlsError, MlsGroup, ProposalType, type GroupConfig } from '../../src/index.js';
import { encode } from '../../src/codec/codec.js';
import { ContentType } from '../../src/framing/content.js';
import { mlsMessageCodec } from '../../src/framing/mls-message.js';
import { encryptWithLabel } from '../../src/crypto/labels.js';
import { nextEpoch, provisionalContext } from '../../src/commit/epoch.js';
import { encodeGroupContext } from '../../src/key-schedule/group-context.js';
import { applyUpdatePath, decryptUpdatePath } from '../../src/treekem/update-path.js';
import { ProposalOrRefType } from '../../src/messages/proposal.js';
import { nodeIndex } from '../../src/tree-math/index.js';
import { toHex } from '../../src/util/bytes.js';
import { assertAgreement, commitAll, deliver, makeGroup, newClient, type Member } from '../helpers/group.js';
import { commitOf, flipBit, forgePublic, messageKind, PRIV, privateOf, PUB, rejects, signAs } from './helpers.js';

const cs = cipherSuite(1);

/**
 * Flips bits of `message` one at a time and hands each copy to `receiver`: every copy must be
 * rejected with an MlsError. Small messages get every bit; larger ones one bit per byte (a
 * different bit position in each byte, cycling). Returns how many copies were tried.
 */
async function everyFlipRejected(receiver: MlsGroup, message: Uint8Array, allBitsBelow = 512): Promise<number> {
  const before = receiver.snapshot();
  const bits: number[] = [];
  if (message.length <= allBitsBelow) for (let b = 0; b < message.length * 8; b++) bits.push(b);
  else for (let i = 0; i < message.length; i++) bits.push(i * 8 + (i % 8));
  let n = 0;
  for (const bit of bits) {
    let err: unknown;
    try {
      await receiver.process(flipBit(message, bit));
    } catch (e) {
      err = e;
    }
    if (!(err instanceof MlsError)) assert.fail(`bit ${bit} (byte ${bit >> 3}) of a ${message.length}-byte message: ${err === undefined ? 'accepted' : `untyped ${String(err)}`}`);
    if (++n % 97 === 0) assert.deepEqual(receiver.snapshot(), before, `state changed after bit ${bit}`);
  }
  assert.deepEqual(receiver.snapshot(), before, 'state changed by a rejected message');
  return n;
}

for (const wireFormat of ['public', 'private'] as const) {
  describe(`every single-bit flip is rejected and changes nothing (handshake as ${wireFormat === 'public' ? 'PublicMessage' : 'PrivateMessage'})`, () => {
    const config: Partial<GroupConfig> = { handshakeWireFormat: wireFormat };

    test('an Update proposal', async () => {
      const members = await makeGroup(1, 3, { config });
      const [, bob, carol] = members as [Member, Member, Member];
      const up = await carol.group.proposeUpdate();
      assert.equal(messageKind(up), wireFormat);
      const n = await everyFlipRejected(bob.group, up);
      assert.ok(n >= up.length, `${n} flips`);
      const r = await bob.group.process(up);
      assert.equal(r.kind, 'proposal', 'the original is still accepted');
    });

    test('a Commit with a path (adding a member, removing one)', async () => {
      const members = await makeGroup(1, 4, { config });
      const [alice, bob, , dave] = members as [Member, Member, Member, Member];
      const kp = newClient(1, 'erin').keyPackage();
      const out = await alice.group.commit({ add: [kp.keyPackage], remove: [dave.group.myLeafIndex] });
      assert.equal(messageKind(out.commit), wireFormat);
      const n = await everyFlipRejected(bob.group, out.commit);
      assert.ok(n >= out.commit.length, `${n} flips`);
      const r = await bob.group.process(out.commit);
      assert.equal(r.kind, 'commit', 'the original is still accepted');
      if (r.kind === 'commit') await bob.group.merge(r.staged);
      await alice.group.confirmCommit();
      assert.equal(toHex(bob.group.epochAuthenticator), toHex(alice.group.epochAuthenticator));
    });
  });
}

describe('every single-bit flip of an application message is rejected and changes nothing', () => {
  test('short and long application messages, with authenticated data', async () => {
    const [alice, bob] = (await makeGroup(1, 2)) as [Member, Member];
    for (const [size, aad] of [[0, 0], [13, 5], [300, 40], [4000, 0]] as const) {
      const ct = await alice.group.encrypt(cs.random(size), { authenticatedData: cs.random(aad) });
      await everyFlipRejected(bob.group, ct);
      const r = await bob.group.process(ct);
      assert.equal(r.kind, 'application', 'the original is still accepted');
    }
  });

  test('truncations and extensions are rejected too', async () => {
    const [alice, bob] = (await makeGroup(1, 2)) as [Member, Member];
    const ct = await alice.group.encrypt('truncate me');
    const before = bob.group.snapshot();
    for (let n = 0; n < ct.length; n++) await rejects(bob.group.process(ct.subarray(0, n)), {}, `prefix of ${n} bytes`);
    await rejects(bob.group.process(new Uint8Array([...ct, 0])), { code: 'ERR_DECODE_TRAILING_BYTES' });
    assert.deepEqual(bob.group.snapshot(), before);
  });
});

describe('members that accept the same Commits agree', () => {
  type Op = { kind: 'add' | 'remove' | 'update' | 'empty' | 'path' | 'say'; who: number; target: number };
  const opArb: fc.Arbitrary<Op> = fc.record({
    kind: fc.constantFrom('add', 'remove', 'update', 'empty', 'path', 'say'),
    who: fc.nat(16),
    target: fc.nat(16),
  });

  test('random sequences of adds, removes, updates, empty Commits and messages (fast-check, fixed seed)', async () => {
    let joined = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 10 }), fc.constantFrom<'public' | 'private'>('public', 'private'), async (ops, hs) => {
        const members = await makeGroup(1, 3, { config: { handshakeWireFormat: hs } });
        for (const op of ops) {
          const live = members.filter((m) => !m.group.removed);
          const by = live[op.who % live.length]!;
          const other = live[op.target % live.length]!;
          switch (op.kind) {
            case 'add': {
              const c = newClient(1, `joiner-${joined++}`);
              const kp = c.keyPackage();
              const welcome = await commitAll(live, by, { add: [kp.keyPackage] });
              members.push({ name: 'joiner', identity: c.identity, group: await MlsGroup.join({ welcome: welcome!, keyPackages: [kp], config: { handshakeWireFormat: hs } }) });
              break;
            }
            case 'remove':
              if (live.length <= 2 || other === by) continue;
              await commitAll(live, by, { remove: [other.group.myLeafIndex] });
              break;
            case 'update': {
              if (other === by) continue;
              await deliver(live, other, await other.group.proposeUpdate());
              await commitAll(live, by);
              break;
            }
            case 'empty':
              await commitAll(live, by, { updatePath: false, proposals: [{ proposalType: ProposalType.groupContextExtensions, groupContextExtensions: { extensions: [] } }] });
              break;
            case 'path':
              await commitAll(live, by, { updatePath: true });
              break;
            case 'say': {
              const ct = await by.group.encrypt(`from ${by.name}`);
              for (const m of live) if (m !== by) assert.equal((await m.group.process(ct)).kind, 'application');
              break;
            }
          }
          assertAgreement(members.filter((m) => !m.group.removed));
        }
      }),
      { seed: 0x5eed, numRuns: 6 },
    );
  });
});

describe('a Commit that would split the group is rejected by everyone it would split off', () => {
  test('a different proposal list behind the same confirmation tag: R-12.4.2-06 for every receiver', async () => {
    const members = await makeGroup(1, 4);
    const [alice, ...others] = members as [Member, ...Member[]];
    const out = await alice.group.commit({ updatePath: true });
    const { content, auth } = commitOf(out.commit);
    // The same path, a different (harmless-looking) proposal list, re-signed and re-tagged by alice.
    const extra = { type: ProposalOrRefType.proposal, proposal: { proposalType: ProposalType.groupContextExtensions, groupContextExtensions: { extensions: [] } } } as const;
    const forged = forgePublic(alice.group.state, { ...content, commit: { ...content.commit, proposals: [extra] } }, { confirmationTag: auth.confirmationTag! });
    for (const m of others) {
      const before = m.group.snapshot();
      await rejects(m.group.process(forged), { rule: 'R-12.4.2-06' });
      assert.deepEqual(m.group.snapshot(), before);
    }
    // the genuine Commit is accepted by all, and they agree
    await deliver(members, alice, out.commit);
    await alice.group.confirmCommit();
    assertAgreement(members);
  });

  test('a wrong confirmation tag: R-12.4.2-06 for every receiver', async () => {
    const members = await makeGroup(1, 4);
    const [alice, ...others] = members as [Member, ...Member[]];
    const out = await alice.group.commit({ updatePath: true });
    const { content } = commitOf(out.commit);
    const forged = forgePublic(alice.group.state, content, { confirmationTag: cs.random(cs.Nh) });
    for (const m of others) await rejects(m.group.process(forged), { rule: 'R-12.4.2-06' });
  });

  test('limit: a member removed by a Commit cannot check its confirmation tag (it gets no commit secret) — it only learns that an authenticated member removed it', async () => {
    const members = await makeGroup(1, 4);
    const [alice, bob, , dave] = members as [Member, Member, Member, Member];
    const out = await alice.group.commit({ remove: [dave.group.myLeafIndex] });
    const forged = forgePublic(alice.group.state, commitOf(out.commit).content, { confirmationTag: cs.random(cs.Nh) });
    await rejects(bob.group.process(forged), { rule: 'R-12.4.2-06' });
    const r = await dave.group.process(forged);
    assert.ok(r.kind === 'commit' && r.staged.effects.removedSelf && r.staged.effects.committer === alice.group.myLeafIndex, 'dave sees an authenticated removal by alice');
    // An outsider cannot do even that: the signature and membership tag still bind it to a member.
    await rejects(dave.group.process(forgePublic({ ...alice.group.state, signaturePrivateKey: newClient(1, 'x').identity.signaturePrivateKey }, commitOf(out.commit).content)), { rule: 'R-6.1-01' });
  });

  test('a bogus path secret encrypted to one subtree: that member rejects (R-7.5-03), the others accept and agree', async () => {
    const members = await makeGroup(1, 4);
    const [alice, bob, carol, dave] = members as [Member, Member, Member, Member];
    const out = await alice.group.commit({ updatePath: true });
    const { content } = commitOf(out.commit);
    const path = content.commit.path!;
    // The provisional GroupContext the path was encrypted under (learned from a bystander's copy).
    const spy = MlsGroup.restore(bob.group.snapshot());
    const r0 = await spy.process(out.commit);
    assert.ok(r0.kind === 'commit', 'commit');
    await spy.merge(r0.staged);
    const ctx = encodeGroupContext({ ...spy.state.context, confirmedTranscriptHash: bob.group.state.context.confirmedTranscriptHash });
    // Leaf 0's filtered direct path is nodes 1 and 3; node 3's copath child is node 5, blank, whose
    // resolution is carol's and dave's leaves: one ciphertext each. Replace carol's (only) with an
    // encryption of a random path secret — well formed, to her real key, under the right context.
    const resolution = alice.group.state.tree.resolution(nodeIndex(5));
    assert.deepEqual(resolution, [4, 6]);
    const carolKey = alice.group.member(carol.group.myLeafIndex)!.encryptionKey;
    const poisoned = encryptWithLabel(cs, carolKey, 'UpdatePathNode', ctx, cs.random(cs.Nh));
    const nodes = path.nodes.map((n, i) => (i === 1 ? { ...n, encryptedPathSecret: [poisoned, n.encryptedPathSecret[1]!] } : n));
    const forgedPath = { ...path, nodes };
    const forgedContent = { ...content, commit: { ...content.commit, path: forgedPath } };
    // The ciphertexts are in the transcript: alice computes the confirmation tag of the forged
    // Commit honestly (she knows the commit secret: here it is recovered through bob's decryption).
    const a = alice.group.state;
    const tree = a.tree.fork();
    applyUpdatePath({ tree, sender: a.myLeaf, updatePath: forgedPath });
    assert.deepEqual(encodeGroupContext(provisionalContext(a, tree, a.context.extensions)), ctx);
    const b = bob.group.state;
    const { commitSecret } = decryptUpdatePath({ tree, sender: a.myLeaf, receiver: b.myLeaf, updatePath: forgedPath, keys: b.privateKeys, groupContext: ctx });
    const signature = signAs(a, a.signaturePrivateKey, forgedContent);
    const next = nextEpoch(cs, { state: a, tree, extensions: a.context.extensions, commitSecret, psks: [], initSecret: a.secrets.initSecret, wireFormat: PUB, content: forgedContent, signature });
    const forged = forgePublic(a, forgedContent, { auth: { signature, confirmationTag: next.confirmationTag } });
    const before = carol.group.snapshot();
    await rejects(carol.group.process(forged), { rule: 'R-7.5-03' });
    assert.deepEqual(carol.group.snapshot(), before);
    // bob and dave decrypt their (honest) ciphertexts: they accept — and reach exactly alice's epoch.
    for (const m of [bob, dave]) {
      const r = await m.group.process(forged);
      assert.ok(r.kind === 'commit', `${m.name} accepts`);
      await m.group.merge(r.staged);
    }
    await alice.group.discardCommit(); // alice's honest pending epoch is not the forged one
    assertAgreement([bob, dave]);
    assert.equal(toHex(bob.group.epochAuthenticator), toHex(next.keys.secrets.epochAuthenticator), 'the epoch alice forged');
    // carol knows she is not in that epoch: she cannot read it, and she can tell the others (out of band).
    await rejects(carol.group.process(await bob.group.encrypt('x')));
  });

  test('two Commits for one epoch delivered to different members: the fork is visible (authenticators, safety numbers) and each side rejects the other', async () => {
    const members = await makeGroup(1, 4);
    const [alice, bob, carol, dave] = members as [Member, Member, Member, Member];
    const c1 = await alice.group.commit({ updatePath: true });
    const c2 = await dave.group.commit({ updatePath: true });
    for (const [m, c] of [[bob, c1], [carol, c2]] as const) {
      const r = await m.group.process(c.commit);
      if (r.kind === 'commit') await m.group.merge(r.staged);
    }
    await alice.group.confirmCommit();
    await dave.group.confirmCommit();
    assertAgreement([alice, bob]);
    assertAgreement([carol, dave]);
    assert.notEqual(toHex(alice.group.epochAuthenticator), toHex(dave.group.epochAuthenticator));
    assert.notEqual(alice.group.safetyNumber, dave.group.safetyNumber);
    await rejects(carol.group.process(await alice.group.encrypt('side 1')), {}, 'side 1 → side 2');
    await rejects(bob.group.process(await dave.group.encrypt('side 2')), {}, 'side 2 → side 1');
    // and the late Commit is refused as one for a past epoch
    await rejects(bob.group.process(c2.commit), { rule: 'R-12.4.2-01' });
  });
});

describe('the content type and wire format of a message are bound to it', () => {
  test('a PrivateMessage relabelled as another content type, or an application PublicMessage, is rejected', async () => {
    const [alice, bob] = (await makeGroup(1, 2)) as [Member, Member];
    const ct = await alice.group.encrypt('typed');
    const pm = privateOf(ct);
    for (const contentType of [ContentType.proposal, ContentType.commit]) {
      const relabelled = encode(mlsMessageCodec, { wireFormat: PRIV, privateMessage: { ...pm, contentType } });
      await rejects(bob.group.process(relabelled), { rule: 'R-6.3.2-01' });
    }
    // An application message as a PublicMessage (signed and tagged by a member): R-6-01.
    const s = alice.group.state;
    const pub = forgePublic(s, { groupId: s.context.groupId, epoch: s.context.epoch, sender: { senderType: 1, leafIndex: 0 }, authenticatedData: new Uint8Array(0), contentType: ContentType.application, applicationData: new Uint8Array([1]) });
    await rejects(bob.group.process(pub), { rule: 'R-6-01' });
  });
});
