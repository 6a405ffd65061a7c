/**
 * Part 1 of the validation checklist, secrets: RFC 9420 §8.4 (PSKs in a Welcome), §9.1 (each key
 * used once) and §9.2 (deletion schedule). The §9.2 rules are state obligations: the tests inspect
 * a member's state after it used a key (what is stored, and that replaced buffers are all zeros).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/codec/codec.js';
import { decryptWithLabel, encryptWithLabel, makeKeyPackageRef } from '../../src/crypto/labels.js';
import { WireFormat } from '../../src/framing/content.js';
import { mlsMessageCodec, type MlsMessage } from '../../src/framing/mls-message.js';
import { MlsGroup } from '../../src/group/group.js';
import { keyPackageCodec } from '../../src/messages/key-package.js';
import { groupSecretsCodec, type GroupSecrets } from '../../src/messages/welcome.js';
import { externalPsks, type PskLookup } from '../../src/psk/lookup.js';
import type { CreatedKeyPackage } from '../../src/key-package/create.js';
import type { OwnKeyPackage } from '../../src/join/welcome.js';
import type { SecretTree } from '../../src/secret-tree/secret-tree.js';
import { bytesEqual, utf8 } from '../../src/util/bytes.js';
import { buildGroup, commitAll, copyOwn, cs, isZero, keyPackageFor, newIdentity, rejectsRule, st, type M } from './part1-support.test.js';

/** A view of a stored node secret of a secret tree (test-only access to a private field). */
const storedNode = (t: SecretTree, node: number): Uint8Array | undefined => (t as unknown as { nodes: Map<number, Uint8Array> }).nodes.get(node);

/** `welcome` with the GroupSecrets for `own` decrypted, changed, and re-encrypted to the same KeyPackage. */
function rewelcome(welcome: Uint8Array, own: OwnKeyPackage, change: (gs: GroupSecrets) => GroupSecrets): Uint8Array {
  const m = decode(mlsMessageCodec, welcome) as Extract<MlsMessage, { wireFormat: typeof WireFormat.mls_welcome }>;
  const w = m.welcome;
  const ref = makeKeyPackageRef(cs, encode(keyPackageCodec, own.keyPackage));
  const secrets = w.secrets.map((s) => {
    if (!bytesEqual(s.newMember, ref)) return s;
    const e = s.encryptedGroupSecrets;
    const gs = change(decode(groupSecretsCodec, decryptWithLabel(cs, own.privateKeys.initPrivateKey, 'Welcome', w.encryptedGroupInfo, e.kemOutput, e.ciphertext)));
    return { newMember: ref, encryptedGroupSecrets: encryptWithLabel(cs, own.keyPackage.initKey, 'Welcome', w.encryptedGroupInfo, encode(groupSecretsCodec, gs)) };
  });
  return encode(mlsMessageCodec, { wireFormat: WireFormat.mls_welcome, welcome: { ...w, secrets } });
}

describe('§8.4: PSKs in a Welcome', () => {
  const P1 = utf8('psk one');
  const P2 = utf8('psk two');
  const store = externalPsks([[P1, new Uint8Array(32).fill(1)], [P2, new Uint8Array(32).fill(2)]]);

  async function welcomeWithPsks(): Promise<{ welcome: Uint8Array; kp: CreatedKeyPackage }> {
    const creator = await MlsGroup.create({ cipherSuite: cs, identity: newIdentity('creator'), psks: store });
    const kp = keyPackageFor(newIdentity('joiner'));
    const out = await creator.commit({ add: [kp.keyPackage], psks: [creator.externalPskId(P1), creator.externalPskId(P2)] });
    return { welcome: out.welcome!, kp };
  }

  test('control: the joiner holding both PSKs joins (re-encrypting the GroupSecrets unchanged is harmless)', async () => {
    const { welcome, kp } = await welcomeWithPsks();
    const g = await MlsGroup.join({ welcome: rewelcome(welcome, copyOwn(kp), (gs) => gs), keyPackages: [copyOwn(kp)], psks: store });
    assert.equal(g.members().length, 2);
  });

  test('R-8.4-01: GroupSecrets.psks in another order than the Commit used is detected (the GroupInfo does not decrypt)', async () => {
    const { welcome, kp } = await welcomeWithPsks();
    const swapped = rewelcome(welcome, copyOwn(kp), (gs) => ({ ...gs, psks: [gs.psks[1]!, gs.psks[0]!] }));
    await rejectsRule(MlsGroup.join({ welcome: swapped, keyPackages: [copyOwn(kp)], psks: store }), 'R-12.4.3.1-07', 'validation', 'ERR_VALIDATION_WELCOME');
    const dropped = rewelcome(welcome, copyOwn(kp), (gs) => ({ ...gs, psks: [gs.psks[0]!] }));
    await rejectsRule(MlsGroup.join({ welcome: dropped, keyPackages: [copyOwn(kp)], psks: store }), 'R-12.4.3.1-07');
  });

  test('R-8.4-01: a PSK whose value differs from the one the Commit used is detected (the GroupInfo does not decrypt)', async () => {
    const { welcome, kp } = await welcomeWithPsks();
    const other: PskLookup = externalPsks([[P1, new Uint8Array(32).fill(1)], [P2, new Uint8Array(32).fill(3)]]);
    await rejectsRule(MlsGroup.join({ welcome, keyPackages: [copyOwn(kp)], psks: other }), 'R-12.4.3.1-07');
  });

  test('R-8.4-02: a GroupSecrets PSK whose psk_nonce is not KDF.Nh bytes long is rejected', async () => {
    const { welcome, kp } = await welcomeWithPsks();
    for (const n of [0, cs.Nh - 1, cs.Nh + 1]) {
      const bad = rewelcome(welcome, copyOwn(kp), (gs) => ({ ...gs, psks: gs.psks.map((p, i) => (i === 1 ? { ...p, pskNonce: new Uint8Array(n) } : p)) }));
      await rejectsRule(MlsGroup.join({ welcome: bad, keyPackages: [copyOwn(kp)], psks: store }), 'R-8.4-02', 'validation', 'ERR_VALIDATION_PSK');
    }
  });
});

describe('§9.1: each key and nonce is used once', () => {
  test('R-9.1-01: a replayed application message (same sender, ratchet and generation) is rejected', async () => {
    const [a, b] = (await buildGroup(2)) as [M, M];
    const m0 = await a.group.encrypt('zero');
    const m1 = await a.group.encrypt('one');
    assert.equal((await b.group.process(m1)).kind, 'application');
    await rejectsRule(b.group.process(m1), 'R-9.1-01', 'validation', 'ERR_VALIDATION_GENERATION_CONSUMED');
    assert.equal((await b.group.process(m0)).kind, 'application'); // out of order, once
    await rejectsRule(b.group.process(m0), 'R-9.1-01');
  });

  test('R-9.1-01: a replayed handshake PrivateMessage is rejected', async () => {
    const [a, b, c] = (await buildGroup(3, { config: () => ({ handshakeWireFormat: 'private' }) })) as [M, M, M];
    const p = await a.group.proposeRemove(c.group.myLeafIndex);
    assert.equal((await b.group.process(p)).kind, 'proposal');
    await rejectsRule(b.group.process(p), 'R-9.1-01');
  });
});

describe('§9.2: deletion schedule', () => {
  test('R-9.2-01: a received message consumes the secret-tree nodes on its path: they are dropped and wiped, and its key cannot be used again', async () => {
    const [a, b, c] = (await buildGroup(3)) as [M, M, M];
    const tree = st(b).secretTree;
    // Three leaves: a padded tree of four, root node 3; c is leaf 2 (node 4), under node 5.
    assert.deepEqual(tree.toState().nodes.map((n) => n.node), [3]);
    const root = storedNode(tree, 3)!;
    const ct = await c.group.encrypt('hello');
    await b.group.process(ct);
    assert.ok(isZero(root), 'the root secret (the encryption_secret copy) was wiped');
    assert.deepEqual(tree.toState().nodes.map((n) => n.node).sort(), [1, 6], 'only the siblings off the path remain');
    await rejectsRule(b.group.process(ct), 'R-9.1-01');
    assert.equal(a.group.epoch, b.group.epoch);
  });

  test('R-9.2-01: after an epoch change, secret trees no longer kept (pastEpochs: 0) are wiped', async () => {
    const g = await buildGroup(3, { config: () => ({ pastEpochs: 0 }) });
    const [a, b] = g as [M, M];
    const old = st(b).secretTree;
    const root = storedNode(old, 3)!;
    await commitAll(g, a);
    assert.ok(isZero(root), "the previous epoch's stored node secret was wiped");
    assert.equal(st(b).past.length, 0);
  });

  test("R-9.2-01: a Commit received as a PrivateMessage leaves its consumed handshake key out of the past epoch's tree", async () => {
    const g = await buildGroup(3, { config: () => ({ handshakeWireFormat: 'private', pastEpochs: 1 }) });
    const [a, b] = g as [M, M];
    await commitAll(g, a);
    const past = st(b).past[0]!;
    assert.equal(past.secretTree.nextGeneration(a.group.myLeafIndex, 'handshake'), 1, 'generation 0 of the committer was consumed in the kept tree');
  });

  test('R-9.2-02: after using key j of leaf L in epoch n, the path to L, ratchet secrets up to j, key j and the init_secret of epoch n-1 are gone', async () => {
    const g = await buildGroup(3);
    const [a, b, c] = g as [M, M, M];
    const initBefore = st(b).secrets.initSecret; // init_secret_[n-1] once the next Commit is merged
    await commitAll(g, a); // epoch n
    assert.ok(isZero(initBefore), 'the init_secret of epoch n-1 was wiped');
    assert.ok(!isZero(st(b).secrets.initSecret));
    // No epoch-secret fields besides the ones an epoch keeps (Table 4): commit, joiner, epoch and
    // encryption secrets are not part of the state.
    assert.deepEqual(Object.keys(st(b).secrets).sort(), ['confirmationKey', 'epochAuthenticator', 'exporterSecret', 'externalSecret', 'initSecret', 'membershipKey', 'resumptionPsk', 'senderDataSecret']);
    const msgs = [await c.group.encrypt('0'), await c.group.encrypt('1'), await c.group.encrypt('2')];
    const tree = st(b).secretTree;
    const root = storedNode(tree, 3)!;
    await b.group.process(msgs[2]!); // j = 2
    assert.ok(isZero(root));
    const s = tree.toState();
    assert.ok(!s.nodes.some((n) => [3, 5, 4].includes(n.node)), 'no node secret from the root to leaf 2 is stored');
    const ratchet = s.leaves.find((l) => l.leaf === c.group.myLeafIndex)!.application;
    assert.equal(ratchet.generation, 3, 'the ratchet moved past j: ratchet secrets 0..j are gone (A-18)');
    assert.deepEqual(ratchet.skipped.map((k) => k.generation), [0, 1], 'key j is gone; the unused keys 0 and 1 are kept for out-of-order delivery');
    await rejectsRule(b.group.process(msgs[2]!), 'R-9.1-01');
    await b.group.process(msgs[0]!);
    await b.group.process(msgs[1]!);
    assert.equal(tree.toState().leaves.find((l) => l.leaf === c.group.myLeafIndex)!.application.skipped.length, 0);
  });
});
