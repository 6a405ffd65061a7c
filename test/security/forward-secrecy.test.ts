/**
 * Forward secrecy (RFC 9420 §9.2 deletion schedule, §8 key schedule, §7.5 R-7.5-04, §16.6;
 * RFC 9750 §8.2.2).
 *
 * ADVERSARY — a thief who, at one moment, copies a member's ENTIRE persisted state: the bytes of
 *   MlsGroup.snapshot() (every key the member holds), and who also has every ciphertext ever
 *   relayed (it is, or bought the logs of, the delivery service).
 *   May: restore the snapshot with MlsGroup.restore and process any old message; and search the
 *   snapshot bytes for any secret of the past.
 *   Claim (after the §9.2 deletions): it reads no application message of an epoch older than the
 *   config.pastEpochs window, and no message whose key the member already consumed — in the current
 *   epoch too. What stays readable is exactly what the policy keeps: messages the member had not
 *   received yet, of the current epoch and of the past `pastEpochs` epochs (and, for the current
 *   epoch, the skipped keys kept for out-of-order delivery, bounded by maxSkippedKeys).
 *   The snapshot holds, of an old epoch, nothing but what that policy keeps — checked byte for byte
 *   against every secret recorded along the way (Table 4 epoch secrets, encryption_secret, every
 *   message key, nonce and ratchet secret, replaced HPKE private keys).
 *
 * Set-up: alice sends 3 messages per past epoch (bob reads #0 and #1; #2 is still in flight when
 * the epoch ends), and 4 in the current epoch (bob reads #0, #1 and #3; #2 is skipped). carol and
 * bob commit with paths between epochs. config.resumptionPsks is 1 so that no resumption PSK of a
 * past epoch is kept either (they are kept for `resumptionPsks` epochs when configured: they are
 * one-way outputs of the epoch secret and decrypt nothing, but they are secrets of past epochs).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cipherSuite, MlsError, MlsGroup } from '../../src/index.js';
import { RatchetType } from '../../src/secret-tree/secret-tree.js';
import { commitAll, makeGroup, type Member } from '../helpers/group.js';
import { epochSecrets, findSecrets, ratchetSecrets, rejects, type Secret } from './helpers.js';

const cs = cipherSuite(1);

interface Sent {
  readonly epoch: bigint;
  readonly index: number;
  readonly bytes: Uint8Array;
  read: boolean;
}

interface Run {
  readonly members: Member[];
  readonly sent: Sent[];
  readonly secrets: Secret[];
  /** bob's HPKE private keys that later Commits replaced. */
  readonly replacedKeys: Secret[];
  readonly current: bigint;
}

async function run(pastEpochs: number): Promise<Run> {
  const config = { pastEpochs, resumptionPsks: 1 };
  const members = await makeGroup(1, 3, { config });
  const [alice, bob, carol] = members as [Member, Member, Member];
  const sent: Sent[] = [];
  const secrets: Secret[] = [];
  const heldKeys = new Map<string, Secret>();
  const leafCounts = new Map<bigint, number>();
  const record = () => {
    const s = bob.group.state;
    leafCounts.set(s.context.epoch, s.tree.leafCount);
    secrets.push(...epochSecrets(s, `epoch ${s.context.epoch}`));
    for (const k of s.privateKeys.toState().keys) {
      const label = `bob HPKE key of node ${k.node} in epoch ${s.context.epoch}`;
      heldKeys.set(Buffer.from(k.privateKey).toString('hex'), { label, bytes: k.privateKey });
    }
  };
  const send = async (count: number, read: number[]) => {
    const epoch = alice.group.epoch;
    const batch: Sent[] = [];
    for (let i = 0; i < count; i++) batch.push({ epoch, index: i, bytes: await alice.group.encrypt(`epoch ${epoch} message ${i}`), read: false });
    for (const i of read) {
      const r = await bob.group.process(batch[i]!.bytes);
      assert.equal(r.kind, 'application');
      batch[i]!.read = true;
    }
    sent.push(...batch);
  };
  record(); // epoch 1
  for (let e = 0; e < 4; e++) {
    await send(3, [0, 1]);
    await commitAll(members, e === 2 ? bob : carol, { updatePath: true });
    record();
  }
  await send(4, [0, 1, 3]);
  // Keys bob held once but no longer holds (replaced by the Commits above).
  const now = new Set(bob.group.state.privateKeys.toState().keys.map((k) => Buffer.from(k.privateKey).toString('hex')));
  const replacedKeys = [...heldKeys].filter(([h]) => !now.has(h)).map(([, s]) => s);
  // The keys, nonces and ratchet secrets of every message alice sent, recomputed from each epoch's
  // encryption_secret.
  for (const s of secrets.filter((x) => x.label.endsWith('encryption_secret'))) {
    const epoch = BigInt(/^epoch (\d+)/.exec(s.label)![1]!);
    const count = sent.filter((m) => m.epoch === epoch).length;
    secrets.push(...ratchetSecrets(cs, s.bytes, leafCounts.get(epoch)!, alice.group.myLeafIndex, RatchetType.application, count, `epoch ${epoch}`));
  }
  return { members, sent, secrets, replacedKeys, current: bob.group.epoch };
}

/** What the policy says a snapshot taken now still holds (labels of `secrets`). */
function expectedInSnapshot(r: Run, pastEpochs: number): string[] {
  const c = r.current;
  const out: string[] = [];
  // The current epoch: its Table 4 secrets (all in use), the skipped key of #2 and the ratchet secret
  // for the next generation (4). Not the encryption_secret (split once alice's leaf was derived).
  for (const n of ['sender_data_secret', 'exporter_secret', 'external_secret', 'confirmation_key', 'membership_key', 'resumption_psk', 'epoch_authenticator', 'init_secret']) out.push(`epoch ${c} ${n}`);
  out.push(`epoch ${c} leaf 0 application key[2]`, `epoch ${c} leaf 0 application nonce[2]`, `epoch ${c} leaf 0 application ratchet_secret[4]`);
  // Each kept past epoch: the sender data secret (to read late messages) and alice's ratchet at #2.
  for (let k = 1n; k <= BigInt(pastEpochs); k++) out.push(`epoch ${c - k} sender_data_secret`, `epoch ${c - k} leaf 0 application ratchet_secret[2]`);
  return out.sort();
}

for (const pastEpochs of [0, 1, 2]) {
  describe(`forward secrecy against a thief of the whole persisted state (config.pastEpochs = ${pastEpochs})`, () => {
    let r: Run;
    let snapshot: Uint8Array;

    test('set-up: 5 epochs of messages, Commits with paths by carol and bob; the thief copies bob', async () => {
      r = await run(pastEpochs);
      snapshot = r.members[1]!.group.snapshot();
      assert.equal(r.current, 5n);
      assert.equal(r.sent.length, 4 * 3 + 4);
    });

    test('the restored copy reads exactly the messages bob had not received, within the window; everything else is a typed error', async () => {
      const thief = MlsGroup.restore(snapshot);
      const readable: string[] = [];
      for (const m of r.sent) {
        const label = `epoch ${m.epoch} #${m.index}`;
        try {
          const res = await thief.process(m.bytes);
          assert.equal(res.kind, 'application');
          readable.push(label);
        } catch (err) {
          assert.ok(err instanceof MlsError, `${label}: ${String(err)}`);
          const rule = err.rule;
          if (m.read) assert.ok(rule === 'R-9.1-01' || rule === 'D-09', `${label} (consumed): ${rule}`);
          else assert.equal(rule, 'D-09', `${label} (outside the window)`);
        }
      }
      const expected = r.sent.filter((m) => !m.read && r.current - m.epoch <= BigInt(pastEpochs)).map((m) => `epoch ${m.epoch} #${m.index}`);
      assert.deepEqual(readable, expected);
      assert.equal(expected.length, 1 + pastEpochs);
    });

    test('consumed generations of the current epoch are gone: R-9.1-01 from the copy', async () => {
      const thief = MlsGroup.restore(snapshot);
      for (const m of r.sent.filter((x) => x.epoch === r.current && x.read)) await rejects(thief.process(m.bytes), { rule: 'R-9.1-01' }, `#${m.index}`);
    });

    test('the snapshot bytes hold exactly the secrets the policy keeps, and no other recorded secret of any epoch', () => {
      const found = findSecrets([snapshot], r.secrets).sort();
      assert.deepEqual(found, expectedInSnapshot(r, pastEpochs));
    });

    test('no HPKE private key that a later Commit replaced is in the snapshot (R-7.5-04)', () => {
      assert.ok(r.replacedKeys.length >= 4, `${r.replacedKeys.length} replaced keys`);
      assert.deepEqual(findSecrets([snapshot], r.replacedKeys), []);
    });

    test("the sender's snapshot holds no key of a message it sent", () => {
      const aliceSnap = r.members[0]!.group.snapshot();
      const keys = r.secrets.filter((s) => / (key|nonce)\[\d+\]$/.test(s.label));
      assert.deepEqual(findSecrets([aliceSnap], keys), []);
    });
  });
}

describe('snapshot bytes own their memory', () => {
  test("a snapshot is a plain Uint8Array over its own buffer: no other group's state shares it", async () => {
    const [a] = (await makeGroup(1, 2)) as [Member, Member];
    const [b] = (await makeGroup(1, 2)) as [Member, Member];
    const sa = a.group.snapshot();
    const sb = b.group.snapshot();
    for (const s of [sa, sb]) {
      assert.equal(Object.getPrototypeOf(s), Uint8Array.prototype, 'not a Node Buffer (whose slice() does not copy)');
      assert.equal(s.byteOffset, 0);
      assert.equal(s.byteLength, s.buffer.byteLength, 'the ArrayBuffer holds this snapshot only');
    }
    assert.deepEqual(findSecrets([new Uint8Array(sa.buffer)], [{ label: "b's signature key", bytes: b.group.state.signaturePrivateKey }]), []);
  });
});

describe('forward secrecy in memory (§9.2): the previous epoch is wiped when it leaves the window', () => {
  for (const pastEpochs of [0, 1]) {
    test(`pastEpochs = ${pastEpochs}: the state object of an epoch is wiped once the window has passed it`, async () => {
      const members = await makeGroup(1, 3, { config: { pastEpochs, resumptionPsks: 1 } });
      const [alice, bob] = members as [Member, Member];
      await bob.group.process(await alice.group.encrypt('warm up the ratchet'));
      const old = bob.group.state; // a reference an attacker with a heap dump would find
      const names = ['senderDataSecret', 'exporterSecret', 'externalSecret', 'confirmationKey', 'membershipKey', 'epochAuthenticator', 'initSecret', 'resumptionPsk'] as const;
      for (let i = 0; i <= pastEpochs; i++) {
        await commitAll(members, alice, { updatePath: true });
        if (i < pastEpochs) {
          // Still in the window: what reading late messages needs is kept, nothing else.
          assert.ok(old.secrets.senderDataSecret.some((b) => b !== 0), 'the sender data secret is kept');
          assert.doesNotThrow(() => old.secretTree.toState(), 'the secret tree is kept');
          assert.deepEqual(names.filter((n) => n !== 'senderDataSecret' && old.secrets[n].some((b) => b !== 0)), []);
        }
      }
      const notWiped = names.filter((n) => old.secrets[n].some((b) => b !== 0));
      assert.deepEqual(notWiped, [], 'epoch secrets left in memory');
      assert.throws(() => old.secretTree.toState(), MlsError, 'the secret tree is destroyed');
    });
  }
});
