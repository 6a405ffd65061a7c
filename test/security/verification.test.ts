/**
 * Key verification and pattern inference (RFC 9420 §8.7 epoch authenticator, §6.3.1 padding,
 * §16.4 (traffic analysis); RFC 9750 §8.3 (out-of-band verification), §8.4.1 metadata).
 *
 * ADVERSARY 1 — a man in the middle / a forking DS that gives members different views of the
 *   group, or an AS that vouches for the wrong key. The defence is people comparing codes out of
 *   band. Claim: every member computes the same safety number for an epoch and it changes every
 *   epoch (so a fork, which gives different epoch authenticators, shows as different codes); every
 *   member computes the same fingerprint for a given member, which changes when that member's
 *   credential or signature key changes (a new credential in an Update, a rejoin) and only then.
 *
 * ADVERSARY 2 — a passive observer of ciphertext sizes (the DS). Claim: with a padding policy,
 *   PrivateMessage ciphertext lengths fall into the policy's buckets — exactly the length computed
 *   from the policy and the AEAD overhead — so sizes reveal only the bucket; without padding they
 *   reveal the exact length. With handshakeWireFormat 'private', proposals and Commits travel as
 *   PrivateMessage: the observer no longer sees their sender nor their content (only that they
 *   are a proposal or a Commit, and the group and epoch).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basicCredential, ContentType, messageInfo, MlsGroup, WireFormat, type PaddingPolicy } from '../../src/index.js';
import { paddingFor } from '../../src/group/config.js';
import { assertAgreement, commitAll, deliver, makeGroup, newClient, type Member } from '../helpers/group.js';
import { privateOf } from './helpers.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const AEAD_TAG = 16; // AES-GCM and ChaCha20-Poly1305

/** Every member's fingerprint of every roster member: [viewer][leaf] → string. */
function fingerprints(members: readonly Member[]): Map<number, string>[] {
  return members.map((viewer) => new Map(viewer.group.members().map((m) => [m.leafIndex as number, viewer.group.fingerprint(m)])));
}

describe('safety numbers', () => {
  test('all members compute the same safety number; it changes every epoch; 30 digits in groups of 5', async () => {
    const members = await makeGroup(1, 4);
    const seen = new Set<string>();
    for (let e = 0; e < 8; e++) {
      const codes = new Set(members.map((m) => m.group.safetyNumber));
      assert.equal(codes.size, 1, `epoch ${members[0]!.group.epoch}: members disagree`);
      const code = [...codes][0]!;
      assert.match(code, /^\d{5}( \d{5}){5}$/);
      assert.ok(!seen.has(code), `epoch ${members[0]!.group.epoch}: the code repeats`);
      seen.add(code);
      await commitAll(members, members[e % 4]!, { updatePath: e % 2 === 0 });
    }
  });

  test('a fork shows as different safety numbers', async () => {
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
    assert.equal(alice.group.safetyNumber, bob.group.safetyNumber);
    assert.equal(carol.group.safetyNumber, dave.group.safetyNumber);
    assert.notEqual(alice.group.safetyNumber, carol.group.safetyNumber);
  });
});

describe('member fingerprints', () => {
  test('equal across members; unchanged by an Update of the encryption key alone; changed by a new credential', async () => {
    const members = await makeGroup(1, 4);
    const [alice, bob, carol] = members as [Member, Member, Member];
    const check = () => {
      const all = fingerprints(members);
      for (const view of all) assert.deepEqual(view, all[0], 'members disagree on a fingerprint');
      assert.equal(new Set(all[0]!.values()).size, members.length, 'fingerprints are distinct');
      return all[0]!;
    };
    const f0 = check();
    await deliver(members, bob, await bob.group.proposeUpdate());
    await commitAll(members, alice);
    const f1 = check();
    assert.deepEqual(f1, f0, 'a new encryption key is not a new identity');
    await commitAll(members, carol, { updatePath: true });
    assert.deepEqual(check(), f0, "a Commit with a path changes carol's keys, not her fingerprint");
    await deliver(members, bob, await bob.group.proposeUpdate({ credential: basicCredential('bob (new device)') }));
    await commitAll(members, alice);
    const f2 = check();
    const leaf = bob.group.myLeafIndex as number;
    assert.notEqual(f2.get(leaf), f0.get(leaf), "bob's fingerprint changed with his credential");
    for (const [l, f] of f2) if (l !== leaf) assert.equal(f, f0.get(l), `leaf ${l} is unchanged`);
  });

  test('a rejoin under a new signature key changes the fingerprint, even with the same credential', async () => {
    const members = await makeGroup(1, 3);
    const [alice, bob, carol] = members as [Member, Member, Member];
    const name = text((bob.group.member(bob.group.myLeafIndex)!.credential as { identity: Uint8Array }).identity);
    const before = alice.group.fingerprint(alice.group.member(bob.group.myLeafIndex)!);
    await commitAll(members, alice, { remove: [bob.group.myLeafIndex] });
    const again = newClient(1, name);
    const kp = again.keyPackage();
    const welcome = await commitAll([alice, carol], alice, { add: [kp.keyPackage] });
    const bob2 = await MlsGroup.join({ welcome: welcome!, keyPackages: [kp] });
    const rest = [alice, carol, { name: 'bob2', identity: again.identity, group: bob2 }];
    assertAgreement(rest);
    const after = rest.map((m) => m.group.fingerprint(m.group.member(bob2.myLeafIndex)!));
    assert.equal(new Set(after).size, 1);
    assert.notEqual(after[0], before);
  });
});

describe('padding: ciphertext lengths fall into the policy buckets', () => {
  const policies: PaddingPolicy[] = [
    { kind: 'block', block: 64 },
    { kind: 'power-of-two', min: 32 },
  ];
  const inBucket = (policy: PaddingPolicy, padded: number): boolean =>
    policy.kind === 'block' ? padded % policy.block === 0 : policy.kind === 'power-of-two' ? padded >= policy.min && (padded & (padded - 1)) === 0 : true;
  const varintSize = (n: number) => (n < 64 ? 1 : n < 16384 ? 2 : 4);

  for (const policy of policies) {
    test(`${JSON.stringify(policy)}: suite 1 — exact lengths for plaintexts of 0..300 bytes, decrypted correctly`, async () => {
      const [alice, bob] = (await makeGroup(1, 2, { config: { padding: policy } })) as [Member, Member];
      const lengths = new Set<number>();
      const messageLengths = new Set<number>();
      for (let size = 0; size <= 300; size++) {
        const data = new Uint8Array(size).fill(0x61);
        const ct = await alice.group.encrypt(data);
        // PrivateMessageContent = application_data<V> || signature<V> (Ed25519: 64 bytes) || padding
        const content = varintSize(size) + size + varintSize(64) + 64;
        const padded = content + paddingFor(policy, content);
        assert.ok(inBucket(policy, padded), `${padded} is a bucket`);
        const ciphertext = privateOf(ct).ciphertext;
        assert.equal(ciphertext.length, padded + AEAD_TAG, `plaintext of ${size} bytes`);
        lengths.add(ciphertext.length);
        messageLengths.add(ct.length);
        const r = await bob.group.process(ct);
        assert.ok(r.kind === 'application' && r.data.length === size, 'decrypts to the original');
      }
      // 301 plaintext sizes, a handful of observable sizes
      assert.ok(lengths.size <= (policy.kind === 'block' ? 6 : 5), `${lengths.size} distinct ciphertext lengths`);
      assert.equal(messageLengths.size, lengths.size, 'the whole message length varies only with the bucket');
    });

    test(`${JSON.stringify(policy)}: suite 2 (ECDSA signatures of varying length) and a handshake PrivateMessage stay in the buckets`, async () => {
      const members = await makeGroup(2, 3, { config: { padding: policy, handshakeWireFormat: 'private' } });
      const [alice, bob] = members as [Member, Member];
      for (let size = 0; size <= 200; size += 7) {
        const ct = await alice.group.encrypt(new Uint8Array(size));
        assert.ok(inBucket(policy, privateOf(ct).ciphertext.length - AEAD_TAG), `plaintext of ${size} bytes`);
        assert.equal((await bob.group.process(ct)).kind, 'application');
      }
      const up = await bob.group.proposeUpdate();
      assert.ok(inBucket(policy, privateOf(up).ciphertext.length - AEAD_TAG), 'a proposal');
      await deliver(members, bob, up);
      const out = await alice.group.commit();
      assert.ok(inBucket(policy, privateOf(out.commit).ciphertext.length - AEAD_TAG), 'a Commit');
    });
  }

  test("{kind:'none'}: the ciphertext length reveals the plaintext length exactly (the baseline the policies improve on)", async () => {
    const [alice] = (await makeGroup(1, 2)) as [Member, Member];
    const lengths = new Set<number>();
    for (let size = 0; size <= 100; size++) lengths.add(privateOf(await alice.group.encrypt(new Uint8Array(size))).ciphertext.length);
    assert.equal(lengths.size, 101);
  });
});

describe('handshake messages as PrivateMessage', () => {
  for (const hs of ['public', 'private'] as const) {
    test(`handshakeWireFormat '${hs}': proposals and Commits travel as ${hs === 'public' ? 'PublicMessage (sender visible)' : 'PrivateMessage (sender hidden)'}`, async () => {
      const members = await makeGroup(1, 3, { config: { handshakeWireFormat: hs } });
      const [alice, bob, carol] = members as [Member, Member, Member];
      const proposals = [await bob.group.proposeUpdate(), await carol.group.proposeRemove(alice.group.myLeafIndex)];
      for (const p of proposals) {
        const info = messageInfo(p);
        assert.equal(info.wireFormat, hs === 'public' ? WireFormat.mls_public_message : WireFormat.mls_private_message);
        assert.equal(info.contentType, ContentType.proposal);
        assert.equal(info.sender === undefined, hs === 'private', 'the sender is hidden exactly for PrivateMessage');
      }
      await deliver(members, bob, proposals[0]!);
      await deliver(members, carol, proposals[1]!);
      const out = await bob.group.commit();
      const info = messageInfo(out.commit);
      assert.equal(info.wireFormat, hs === 'public' ? WireFormat.mls_public_message : WireFormat.mls_private_message);
      assert.equal(info.contentType, ContentType.commit);
      assert.equal(info.sender === undefined, hs === 'private');
      assert.equal(messageInfo(out.groupInfo).wireFormat, WireFormat.mls_group_info, 'the GroupInfo is public either way (for external joiners)');
      await deliver(members, bob, out.commit);
      await bob.group.confirmCommit();
      assertAgreement(members.filter((m) => !m.group.removed));
    });
  }
});


