/**
 * Post-compromise security (RFC 9420 §16.6, §7.4–7.5 TreeKEM, §12.1.2 Update, §12.4 path;
 * RFC 9750 §8.2.2–8.2.3).
 *
 * ADVERSARY — a thief who copied bob's entire state once (MlsGroup.snapshot() bytes) and from then
 *   on is passive-plus: it receives every message the DS relays (it runs a "shadow" bob that
 *   processes everything bob would), and it may inject messages signed with bob's signature key.
 *   It does not control bob's device any more: bob's later randomness is his own.
 *
 * What MLS gives, precisely:
 *   - PCS of the ENCRYPTION keys. The shadow keeps decrypting — through other members' Commits,
 *     whose path secrets reach bob's (copied) private keys — until bob's own leaf gets fresh keys:
 *     bob's next Commit with a path, or an Update of bob's that someone commits (with the path an
 *     Update requires). From that epoch on the shadow decrypts nothing, cannot follow the group,
 *     and cannot inject anything (no membership key, no sender data secret, no ratchet keys).
 *   - An Update heals only if it was made after the copy: a snapshot taken while bob's Update was
 *     pending holds its private key, and the shadow follows through its Commit.
 *   - NOT PCS of the signature key. Until bob's signature key changes, content signed by the shadow
 *     verifies as bob's; after the heal it is stopped only by the missing epoch keys. mlskit's API
 *     keeps a member's signature key across Updates and Commits (proposeUpdate changes the
 *     encryption key and optionally the credential, not the signature key), so a stolen signature
 *     key is healed only by removing the member and adding it back under a new signature key.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cipherSuite, MlsGroup, readKeyPackageMessage, keyPackageMessage, decodeMlsMessage, WireFormat } from '../../src/index.js';
import { verifyContentSignature } from '../../src/framing/auth.js';
import { ContentType, framedContent, SenderType } from '../../src/framing/content.js';
import { encodeGroupContext } from '../../src/key-schedule/group-context.js';
import { EMPTY, toHex, utf8 } from '../../src/util/bytes.js';
import { commitAll, deliver, makeGroup, newClient, type Member } from '../helpers/group.js';
import { commitOf, forgePrivate, forgePublic, openPathWith, PUB, rejects, signAs } from './helpers.js';

const cs = cipherSuite(1);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** The shadow: processes a handshake message as bob would; returns whether it could follow. */
async function follow(shadow: MlsGroup, message: Uint8Array): Promise<boolean> {
  try {
    const r = await shadow.process(message);
    if (r.kind === 'commit') await shadow.merge(r.staged);
    return true;
  } catch {
    return false;
  }
}

async function reads(shadow: MlsGroup, message: Uint8Array, expected: string): Promise<boolean> {
  try {
    const r = await shadow.process(message);
    return r.kind === 'application' && text(r.data) === expected;
  } catch {
    return false;
  }
}

/** §12.4.2 provisional GroupContext of the Commit that moved `after` from `before`'s epoch. */
function provisional(before: MlsGroup['state'], after: MlsGroup['state']): Uint8Array {
  return encodeGroupContext({ ...after.context, confirmedTranscriptHash: before.context.confirmedTranscriptHash });
}

describe("post-compromise security: healing bob's encryption keys", () => {
  test("the shadow reads everything, through other members' Commits, until bob commits with a path — then nothing", async () => {
    const members = await makeGroup(1, 4);
    const [alice, bob, carol, dave] = members as [Member, Member, Member, Member];
    const shadow = MlsGroup.restore(bob.group.snapshot());

    // Before the heal: messages, and carol's and dave's Commits with paths — the shadow follows.
    assert.ok(await reads(shadow, await alice.group.encrypt('one'), 'one'), 'reads epoch 1');
    for (const committer of [carol, dave]) {
      const out = await committer.group.commit({ updatePath: true });
      await deliver(members, committer, out.commit);
      await committer.group.confirmCommit();
      assert.ok(await follow(shadow, out.commit), `follows ${committer.name}'s Commit`);
      assert.equal(toHex(shadow.epochAuthenticator), toHex(alice.group.epochAuthenticator), 'the shadow is in the group\'s epoch');
      assert.ok(await reads(shadow, await alice.group.encrypt(`after ${committer.name}`), `after ${committer.name}`), 'and reads it');
    }
    // ...and it can inject messages that members accept as bob's.
    const injected = await shadow.encrypt('sent by the thief');
    const acc = await alice.group.process(injected);
    assert.ok(acc.kind === 'application' && acc.sender === bob.group.myLeafIndex, "accepted as bob's");

    // The heal: bob's own Commit with a path (fresh leaf and path keys from bob's own randomness).
    const before = alice.group.state;
    const controlKeys = carol.group.state.privateKeys.toState().keys.map((k) => k.privateKey);
    const heal = await bob.group.commit({ updatePath: true });
    await deliver(members, bob, heal.commit);
    await bob.group.confirmCommit();
    assert.equal(await follow(shadow, heal.commit), false, "the shadow cannot process bob's healing Commit");
    // Cryptographically: none of the copied private keys opens any ciphertext of the healing path.
    const copied = shadow.state.privateKeys.toState().keys.map((k) => k.privateKey);
    const ctx = provisional(before, alice.group.state);
    assert.equal(openPathWith(cs, commitOf(heal.commit).content.commit, copied, ctx), 0);
    assert.ok(openPathWith(cs, commitOf(heal.commit).content.commit, controlKeys, ctx) >= 1, "control: carol's keys of the time open her ciphertext");

    // After the heal: it reads nothing, follows nothing, injects nothing.
    for (let i = 0; i < 3; i++) assert.equal(await reads(shadow, await alice.group.encrypt(`secret ${i}`), `secret ${i}`), false);
    const next = await carol.group.commit({ updatePath: true });
    await deliver(members, carol, next.commit);
    await carol.group.confirmCommit();
    assert.equal(await follow(shadow, next.commit), false, 'cannot follow later Commits');
    await rejects(alice.group.process(await shadow.encrypt('too late')), { rule: 'D-09' });
    assert.notEqual(toHex(shadow.exportSecret('x')), toHex(alice.group.exportSecret('x')));
  });

  test("an Update of bob's, committed by alice (with the path an Update requires), heals too", async () => {
    const members = await makeGroup(1, 4);
    const [alice, bob] = members as [Member, Member];
    const shadow = MlsGroup.restore(bob.group.snapshot());
    const up = await bob.group.proposeUpdate();
    await deliver(members, bob, up);
    assert.ok(await follow(shadow, up), 'the shadow sees the Update (it is public)');
    const before = alice.group.state;
    const out = await alice.group.commit();
    assert.ok(commitOf(out.commit).content.commit.path !== undefined, 'an Update requires a path (§12.4)');
    await deliver(members, alice, out.commit);
    await alice.group.confirmCommit();
    await rejects(shadow.process(out.commit), { rule: 'R-12.1.2-01' }, "the shadow lacks the Update's private key");
    const copied = shadow.state.privateKeys.toState().keys.map((k) => k.privateKey);
    assert.equal(openPathWith(cs, commitOf(out.commit).content.commit, copied, provisional(before, alice.group.state)), 0);
    assert.equal(await reads(shadow, await alice.group.encrypt('healed'), 'healed'), false);
  });

  test('boundary: a copy taken while the Update was pending holds its key — the shadow follows through that Commit', async () => {
    const members = await makeGroup(1, 3);
    const [alice, bob] = members as [Member, Member];
    const up = await bob.group.proposeUpdate();
    const copy = MlsGroup.restore(bob.group.snapshot()); // taken after proposing: the Update's private key is in it
    await deliver(members, bob, up);
    const out = await alice.group.commit();
    await deliver(members, alice, out.commit);
    await alice.group.confirmCommit();
    assert.ok(await follow(copy, out.commit), 'the copy follows the Commit of the Update');
    assert.ok(await reads(copy, await alice.group.encrypt('not healed'), 'not healed'), 'and reads the new epoch');
  });
});

describe("post-compromise security: what is NOT healed — bob's signature key", () => {
  test("after the heal, content signed with bob's stolen key still verifies as bob's; only the missing epoch keys stop it", async () => {
    const members = await makeGroup(1, 3);
    const [alice, bob] = members as [Member, Member];
    const stolen = MlsGroup.restore(bob.group.snapshot()).state;
    await commitAll(members, bob, { updatePath: true }); // heals the encryption keys
    const s = alice.group.state;
    assert.equal(toHex(s.tree.leafNode(bob.group.myLeafIndex)!.signatureKey), toHex(stolen.tree.leafNode(stolen.myLeaf)!.signatureKey), 'the signature key did not change');
    // The new epoch's GroupContext is public (every GroupInfo carries it): the thief signs for it.
    const content = framedContent({ groupId: s.context.groupId, epoch: s.context.epoch, sender: { senderType: SenderType.member, leafIndex: bob.group.myLeafIndex }, authenticatedData: EMPTY }, { contentType: ContentType.proposal, proposal: { proposalType: 3, remove: { removed: 2 } } });
    const signature = signAs(s, stolen.signaturePrivateKey, content);
    assert.doesNotThrow(() => verifyContentSignature(cs, s.tree.leafNode(bob.group.myLeafIndex)!.signatureKey, PUB, content, { signature }, s.contextBytes), "the thief's signature verifies as bob's");
    // ...but without the new membership key the PublicMessage fails, without the new sender data
    // secret the PrivateMessage fails.
    await rejects(alice.group.process(forgePublic({ ...s, signaturePrivateKey: stolen.signaturePrivateKey, secrets: stolen.secrets }, content)), { rule: 'R-6.2-01' });
    const app = framedContent({ groupId: s.context.groupId, epoch: s.context.epoch, sender: { senderType: SenderType.member, leafIndex: bob.group.myLeafIndex }, authenticatedData: EMPTY }, { contentType: ContentType.application, applicationData: utf8('x') });
    const key = stolen.secretTree.nextSendKey(stolen.myLeaf, 'application');
    await rejects(alice.group.process(forgePrivate(s, app, { signatureKey: stolen.signaturePrivateKey, senderDataSecret: stolen.secrets.senderDataSecret, key })), { rule: 'R-6.3.2-01' });
  });

  test('the API keeps the signature key across Updates (a new credential is possible, a new signature key is not)', async () => {
    const members = await makeGroup(1, 3);
    const [alice, bob] = members as [Member, Member];
    const sigBefore = toHex(bob.group.member(bob.group.myLeafIndex)!.signatureKey);
    await deliver(members, bob, await bob.group.proposeUpdate({ credential: { credentialType: 1, identity: utf8('bob, new credential') } }));
    await commitAll(members, alice);
    const after = alice.group.member(bob.group.myLeafIndex)!;
    assert.equal(text((after.credential as { identity: Uint8Array }).identity), 'bob, new credential');
    assert.equal(toHex(after.signatureKey), sigBefore);
  });

  test('healing the signature key: remove bob and add him back under a new signature key — the old key verifies nothing', async () => {
    const members = await makeGroup(1, 3);
    const [alice, bob, carol] = members as [Member, Member, Member];
    const stolen = MlsGroup.restore(bob.group.snapshot()).state;
    const oldFingerprint = alice.group.fingerprint(alice.group.member(bob.group.myLeafIndex)!);
    await commitAll(members, alice, { remove: [bob.group.myLeafIndex] });
    const fresh = newClient(1, 'member-1'); // the same name, a new signature key pair
    const kp = fresh.keyPackage();
    const kpBytes = keyPackageMessage(kp.keyPackage);
    const welcome = await commitAll([alice, carol], alice, { add: [readKeyPackageMessage(kpBytes)] });
    const bob2 = await MlsGroup.join({ welcome: welcome!, keyPackages: [kp] });
    assert.equal(decodeMlsMessage(welcome!).wireFormat, WireFormat.mls_welcome);
    const s = alice.group.state;
    const leaf = s.tree.leafNode(bob2.myLeafIndex)!;
    assert.notEqual(toHex(leaf.signatureKey), toHex(stolen.tree.leafNode(stolen.myLeaf)!.signatureKey));
    assert.notEqual(alice.group.fingerprint(alice.group.member(bob2.myLeafIndex)!), oldFingerprint, 'the fingerprint others compare changed');
    const content = framedContent({ groupId: s.context.groupId, epoch: s.context.epoch, sender: { senderType: SenderType.member, leafIndex: bob2.myLeafIndex }, authenticatedData: EMPTY }, { contentType: ContentType.proposal, proposal: { proposalType: 3, remove: { removed: 0 } } });
    const signature = signAs(s, stolen.signaturePrivateKey, content);
    assert.throws(() => verifyContentSignature(cs, leaf.signatureKey, PUB, content, { signature }, s.contextBytes), /R-6.1-01/);
  });
});
