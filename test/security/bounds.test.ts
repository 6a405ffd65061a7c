/**
 * Resource bounds (RFC 9420 §15.3 and the S-15.3-01/02 rules, S-2.1.2-01 message size, §9.1
 * generations, Appendix C tree size; docs/security.md "bounds"). Every bound gets one test AT the
 * limit (accepted) and one PAST it (a typed error with its rule id, state unchanged) — and the
 * configuration that sets it is itself bounded (UsageError past the hard limit).
 *
 * ADVERSARY — anyone who can send bytes to a member (a DS, an outsider, an insider) and wants to
 *   make it spend unbounded memory or time: huge messages, far-future ratchet generations, floods
 *   of out-of-order messages, floods of proposals, indices and sizes at the integer limits.
 *
 *   bound                      config (default, hard limit)                     rule on violation
 *   message size               maxMessageBytes (8 MiB, 1 KiB..64 MiB)           S-2.1.2-01
 *   Welcome / tree on join     maxWelcomeBytes (64 MiB, 1 KiB..1 GiB)           S-2.1.2-01
 *   forward ratchet distance   ratchetWindow.maxForwardDistance (1000, ≤ 2^16)  S-15.3-02
 *   skipped-key cache          ratchetWindow.maxSkippedKeys (32, ≤ 2^16)        S-15.3-01
 *   past epochs kept           pastEpochs (1, ≤ 64)                             D-09
 *   pending proposals          maxPendingProposals (10 000, 1..100 000)          S-15.3-01
 *   resumption PSKs kept       resumptionPsks (8, 1..1024)                      (older ones dropped)
 *   tree size                  MAX_LEAVES = 2^30 (tree math); on the wire the   R-6.1-02, R-6.3.2-02,
 *                              message-size bound is the effective one           R-12.1.3-01
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cipherSuite, MlsGroup, ProposalType, UsageError } from '../../src/index.js';
import { LIMITS } from '../../src/group/config.js';
import { ContentType, framedContent, SenderType } from '../../src/framing/content.js';
import { PublicTree } from '../../src/ratchet-tree/tree.js';
import { MAX_FORWARD_DISTANCE_LIMIT, MAX_SKIPPED_KEYS_LIMIT } from '../../src/secret-tree/ratchet.js';
import { RatchetType, SecretTree } from '../../src/secret-tree/secret-tree.js';
import { leafIndex, MAX_LEAVES, nodeWidth } from '../../src/tree-math/index.js';
import { EMPTY } from '../../src/util/bytes.js';
import { commitAll, makeGroup, newClient, type Member } from '../helpers/group.js';
import { decode, encode } from '../../src/codec/codec.js';
import { ratchetTreeCodec } from '../../src/ratchet-tree/node.js';
import { buildWorld, freshOwn, sealWelcome, treeExtensionIndex } from '../fuzz/world.js';
import { forgePrivate, forgePublic, rejects } from './helpers.js';

const cs = cipherSuite(1);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Creating a group with `config` fails with a UsageError naming the field. */
async function configRejected(config: object, field: string): Promise<void> {
  const c = newClient(1, 'x');
  const e = await rejects(MlsGroup.create({ cipherSuite: cs, identity: c.identity, config }), { code: 'ERR_USAGE_INVALID_ARGUMENT' }, JSON.stringify(config));
  assert.ok(e instanceof UsageError && e.message.includes(field), e.message);
}
async function configAccepted(config: object): Promise<void> {
  const c = newClient(1, 'x');
  await MlsGroup.create({ cipherSuite: cs, identity: c.identity, config });
}

describe('maximum message size (config.maxMessageBytes, S-2.1.2-01)', () => {
  test('a message of exactly maxMessageBytes is processed; one byte more is rejected before decoding', async () => {
    const limit = 2048;
    const [alice, bob] = (await makeGroup(1, 2, { config: { maxMessageBytes: limit } })) as [Member, Member];
    // Find the plaintext size that makes the MLSMessage exactly `limit` bytes (padding is none).
    const base = (await alice.group.encrypt(new Uint8Array(1000))).length;
    const size = 1000 + (limit - base);
    const atLimit = await alice.group.encrypt(new Uint8Array(size));
    assert.equal(atLimit.length, limit);
    const past = await alice.group.encrypt(new Uint8Array(size + 1));
    assert.equal(past.length, limit + 1);
    // (the receiver gets the later message first: it is within the forward window)
    const before = bob.group.snapshot();
    await rejects(bob.group.process(past), { rule: 'S-2.1.2-01', code: 'ERR_VALIDATION_LIMIT' });
    assert.deepEqual(bob.group.snapshot(), before);
    assert.equal((await bob.group.process(atLimit)).kind, 'application');
    // Garbage past the limit is refused by size alone (never parsed).
    await rejects(bob.group.process(new Uint8Array(limit + 1).fill(0xff)), { rule: 'S-2.1.2-01' });
    await rejects(bob.group.process(new Uint8Array(limit).fill(0xff)), { code: 'ERR_DECODE_UNKNOWN_VALUE' }, 'garbage at the limit is parsed and rejected');
  });

  test('maxWelcomeBytes bounds a Welcome and an out-of-band ratchet tree on join', async () => {
    const members = await makeGroup(1, 8);
    const alice = members[0]!;
    // A Welcome carrying the tree (ratchet_tree extension).
    const c1 = newClient(1, 'joiner-1');
    const kp1 = c1.keyPackage();
    const w1 = (await commitAll(members, alice, { add: [kp1.keyPackage] }))!;
    assert.ok(w1.length > 1024, `welcome of ${w1.length} bytes`);
    await rejects(MlsGroup.join({ welcome: w1, keyPackages: [kp1], config: { maxWelcomeBytes: w1.length - 1 } }), { rule: 'S-2.1.2-01', code: 'ERR_VALIDATION_LIMIT' }, 'Welcome past the limit');
    assert.ok(kp1.privateKeys.initPrivateKey.some((b) => b !== 0), 'a refused Welcome does not consume the KeyPackage');
    assert.equal((await MlsGroup.join({ welcome: w1, keyPackages: [kp1], config: { maxWelcomeBytes: w1.length } })).epoch, alice.group.epoch);
    // A Welcome without the tree, and the tree out of band.
    const c2 = newClient(1, 'joiner-2');
    const kp2 = c2.keyPackage();
    const out = await alice.group.commit({ add: [kp2.keyPackage], ratchetTreeExtension: false });
    await alice.group.confirmCommit();
    const n = out.welcome!.length;
    const t = out.ratchetTree.length;
    assert.ok(t > Math.max(n, 1024), `tree of ${t} bytes, Welcome of ${n}`);
    await rejects(MlsGroup.join({ welcome: out.welcome!, keyPackages: [kp2], ratchetTree: out.ratchetTree, config: { maxWelcomeBytes: t - 1 } }), { rule: 'S-2.1.2-01' }, 'tree past the limit');
    assert.equal((await MlsGroup.join({ welcome: out.welcome!, keyPackages: [kp2], ratchetTree: out.ratchetTree, config: { maxWelcomeBytes: t } })).epoch, alice.group.epoch);
  });

  test('the setting is bounded: 1 KiB..64 MiB', async () => {
    await configAccepted({ maxMessageBytes: 1024 });
    await configAccepted({ maxMessageBytes: LIMITS.maxMessageBytes });
    await configRejected({ maxMessageBytes: 1023 }, 'maxMessageBytes');
    await configRejected({ maxMessageBytes: LIMITS.maxMessageBytes + 1 }, 'maxMessageBytes');
  });
});

describe('maximum tree size (MAX_LEAVES = 2^30)', () => {
  test('tree math: the last leaf index is accepted, MAX_LEAVES is not; node indices stay below 2^31 − 1', () => {
    assert.equal(leafIndex(MAX_LEAVES - 1), MAX_LEAVES - 1);
    assert.throws(() => leafIndex(MAX_LEAVES), UsageError);
    assert.equal(nodeWidth(MAX_LEAVES), 2 ** 31 - 1);
    assert.ok(nodeWidth(MAX_LEAVES) <= 0x7fffffff, 'every node index is a non-negative int32');
  });

  test('a secret tree of MAX_LEAVES leaves is accepted (derived lazily: O(log n) per leaf); one more is refused', () => {
    const secret = cs.random(cs.Nh);
    const t = SecretTree.create(cs, secret, MAX_LEAVES);
    const k = t.nextSendKey(MAX_LEAVES - 1, RatchetType.application);
    assert.equal(k.generation, 0);
    assert.ok(t.storedNodeCount <= 31, `${t.storedNodeCount} stored node secrets`);
    assert.throws(() => SecretTree.create(cs, secret, MAX_LEAVES + 1), UsageError);
  });

  test('a ratchet tree longer than the largest tree is refused before it is copied', () => {
    const members = [{ nodeType: 1 as const, leafNode: undefined as never }];
    const huge = new Array(nodeWidth(MAX_LEAVES) + 1); // sparse: no memory for the blanks
    huge[huge.length - 1] = members[0];
    assert.throws(() => PublicTree.fromRatchetTree(cs, huge), (e: unknown) => e instanceof UsageError && e.code === 'ERR_USAGE_UNSUPPORTED');
  });

  test('on the wire, leaf indices at and past every limit are typed errors (R-6.1-02, R-6.3.2-02, R-12.1.3-01)', async () => {
    const [alice, bob] = (await makeGroup(1, 2)) as [Member, Member];
    const s = alice.group.state;
    const before = bob.group.snapshot();
    for (const leaf of [2, MAX_LEAVES - 1, MAX_LEAVES, 2 ** 31, 0xffffffff]) {
      const content = framedContent({ groupId: s.context.groupId, epoch: s.context.epoch, sender: { senderType: SenderType.member, leafIndex: leaf }, authenticatedData: EMPTY }, { contentType: ContentType.proposal, proposal: { proposalType: ProposalType.remove, remove: { removed: 0 } } });
      await rejects(bob.group.process(forgePublic(s, content)), { rule: 'R-6.1-02' }, `sender leaf ${leaf}`);
      // A PrivateMessage whose (encrypted, insider-forged) SenderData names that leaf.
      const app = framedContent({ groupId: s.context.groupId, epoch: s.context.epoch, sender: { senderType: SenderType.member, leafIndex: leaf }, authenticatedData: EMPTY }, { contentType: ContentType.application, applicationData: EMPTY });
      const key = { generation: 0, key: cs.random(cs.Nk), nonce: cs.random(cs.Nn) };
      await rejects(bob.group.process(forgePrivate(s, app, { signatureKey: s.signaturePrivateKey, senderDataSecret: s.secrets.senderDataSecret, key })), { rule: 'R-6.3.2-02' }, `SenderData leaf ${leaf}`);
      const remove = framedContent({ groupId: s.context.groupId, epoch: s.context.epoch, sender: { senderType: SenderType.member, leafIndex: 0 }, authenticatedData: EMPTY }, { contentType: ContentType.proposal, proposal: { proposalType: ProposalType.remove, remove: { removed: leaf } } });
      await rejects(bob.group.process(forgePublic(s, remove)), { rule: 'R-12.1.3-01' }, `Remove of leaf ${leaf}`);
    }
    assert.deepEqual(bob.group.snapshot(), before);
  });
});

describe('tree size on the join path (config.maxLeaves)', () => {
  // A Welcome's ratchet tree is decoded into arrays of its full width (nodes, hashes, counts, the
  // key index): ~100 bytes of heap per byte of a run of blank nodes, then hashed node by node
  // (~3 µs per node) before the tree hash check can fail. Anyone holding one of our KeyPackages
  // can send such a Welcome. maxMessageBytes (now enforced on join) bounds it — at the default
  // 8 MiB, to ~0.8 GB and tens of seconds. Measured: 1 MiB of blanks → 104 MB heap, 3.0 s hashing.
  test(
    'a Welcome whose tree is a 256 KiB run of blank nodes is rejected quickly',
    async () => {
      const world = await buildWorld(3);
      const { own, secrets, groupInfo, signer } = world.joiner;
      const at = treeExtensionIndex(groupInfo);
      const real = decode(ratchetTreeCodec, groupInfo.extensions[at]!.extensionData);
      // the real tree (so the GroupInfo signer is found), a run of blanks, and a last non-blank leaf
      const pad = (1 << 18) - ((real.length + (1 << 18)) % 2 === 0 ? 0 : 1);
      const nodes = [...real, ...new Array<undefined>(pad), real[0]];
      const gi = { ...groupInfo, extensions: groupInfo.extensions.map((e, i) => (i === at ? { ...e, extensionData: encode(ratchetTreeCodec, nodes) } : e)) };
      const welcome = sealWelcome(world.cs, own, gi, secrets, signer);
      const started = performance.now();
      await rejects(MlsGroup.join({ welcome, keyPackages: [freshOwn(own)], config: world.config, cipherSuite: () => world.cs }), { rule: 'S-2.1.2-01' });
      const ms = performance.now() - started;
      assert.ok(ms < 100, `rejected after ${ms.toFixed(0)} ms`);
    },
  );
});

describe('forward ratchet distance (ratchetWindow.maxForwardDistance, S-15.3-02)', () => {
  test('a generation exactly maxForwardDistance ahead decrypts; one further is rejected', async () => {
    const d = 10;
    const members = await makeGroup(1, 3, { config: { ratchetWindow: { maxForwardDistance: d, maxSkippedKeys: 32 } } });
    const [alice, bob, carol] = members as [Member, Member, Member];
    const msgs: Uint8Array[] = [];
    for (let i = 0; i <= d + 1; i++) msgs.push(await alice.group.encrypt(`m${i}`));
    const r = await bob.group.process(msgs[d]!); // generation d, next expected 0: distance d
    assert.ok(r.kind === 'application' && text(r.data) === `m${d}`, 'at the limit');
    const before = carol.group.snapshot();
    await rejects(carol.group.process(msgs[d + 1]!), { rule: 'S-15.3-02', code: 'ERR_VALIDATION_GENERATION_TOO_FAR' });
    assert.deepEqual(carol.group.snapshot(), before);
  });

  test('the setting is bounded: ≤ 2^16 (so one message costs at most 2^16 hash steps)', async () => {
    await configAccepted({ ratchetWindow: { maxForwardDistance: MAX_FORWARD_DISTANCE_LIMIT, maxSkippedKeys: 0 } });
    await configRejected({ ratchetWindow: { maxForwardDistance: MAX_FORWARD_DISTANCE_LIMIT + 1, maxSkippedKeys: 0 } }, 'maxForwardDistance');
    await configRejected({ ratchetWindow: { maxForwardDistance: -1, maxSkippedKeys: 0 } }, 'maxForwardDistance');
  });

  test('a jump of maxForwardDistance generations keeps only maxSkippedKeys keys, and its work is linear in the distance', async () => {
    // The work is one DeriveTreeSecret per generation stepped over: ~2^16 of them at the hard limit
    // (seconds on a slow machine); the test uses 2^12 to stay light.
    const jump = 1 << 12;
    const [alice, bob] = (await makeGroup(1, 2, { config: { ratchetWindow: { maxForwardDistance: jump, maxSkippedKeys: 4 } } })) as [Member, Member];
    // An insider can claim any generation: forge alice's message far ahead with her real key.
    const s = alice.group.state;
    const t = s.secretTree.clone();
    let key = t.nextSendKey(s.myLeaf, RatchetType.application);
    while (key.generation < jump) key = t.nextSendKey(s.myLeaf, RatchetType.application);
    const content = framedContent({ groupId: s.context.groupId, epoch: s.context.epoch, sender: { senderType: SenderType.member, leafIndex: s.myLeaf }, authenticatedData: EMPTY }, { contentType: ContentType.application, applicationData: EMPTY });
    const started = performance.now();
    const r = await bob.group.process(forgePrivate(s, content, { signatureKey: s.signaturePrivateKey, senderDataSecret: s.secrets.senderDataSecret, key }));
    const ms = performance.now() - started;
    assert.equal(r.kind, 'application');
    assert.ok(ms < 5000, `${ms.toFixed(0)} ms for ${jump} generations`);
    const leaf = bob.group.state.secretTree.toState().leaves.find((l) => l.leaf === s.myLeaf)!;
    assert.equal(leaf.application.skipped.length, 4, 'only maxSkippedKeys keys are materialised');
  });
});

describe('skipped-key cache (ratchetWindow.maxSkippedKeys, S-15.3-01)', () => {
  test('maxSkippedKeys skipped generations all decrypt; with one more skipped, the oldest is evicted', async () => {
    const k = 4;
    const members = await makeGroup(1, 3, { config: { ratchetWindow: { maxForwardDistance: 100, maxSkippedKeys: k } } });
    const [alice, bob, carol] = members as [Member, Member, Member];
    const msgs: Uint8Array[] = [];
    for (let i = 0; i <= k + 1; i++) msgs.push(await alice.group.encrypt(`m${i}`));
    // bob: generation k first — k generations (0..k-1) skipped, all kept
    await bob.group.process(msgs[k]!);
    assert.equal(bob.group.state.secretTree.toState().leaves.find((l) => l.leaf === 0)!.application.skipped.length, k);
    for (let i = 0; i < k; i++) assert.equal((await bob.group.process(msgs[i]!)).kind, 'application', `m${i}`);
    // carol: generation k+1 first — k+1 skipped, the oldest (0) evicted
    await carol.group.process(msgs[k + 1]!);
    const before = carol.group.snapshot();
    await rejects(carol.group.process(msgs[0]!), { rule: 'S-15.3-01', code: 'ERR_VALIDATION_GENERATION_EXPIRED' });
    assert.deepEqual(carol.group.snapshot(), before);
    for (let i = 1; i <= k; i++) assert.equal((await carol.group.process(msgs[i]!)).kind, 'application', `m${i}`);
  });

  test('the setting is bounded: ≤ 2^16', async () => {
    await configAccepted({ ratchetWindow: { maxForwardDistance: 0, maxSkippedKeys: MAX_SKIPPED_KEYS_LIMIT } });
    await configRejected({ ratchetWindow: { maxForwardDistance: 0, maxSkippedKeys: MAX_SKIPPED_KEYS_LIMIT + 1 } }, 'maxSkippedKeys');
  });
});

describe('past-epoch window (config.pastEpochs, D-09)', () => {
  test('a message from exactly pastEpochs epochs ago decrypts; one epoch older is rejected', async () => {
    const p = 2;
    const members = await makeGroup(1, 3, { config: { pastEpochs: p } });
    const [alice, bob, carol] = members as [Member, Member, Member];
    const sent: Uint8Array[] = [];
    for (let i = 0; i <= p; i++) {
      sent.push(await alice.group.encrypt(`epoch ${alice.group.epoch}`));
      await commitAll(members, alice);
    }
    // sent[0] is p+1 epochs old, sent[1] is p epochs old
    assert.equal(bob.group.state.past.length, p, 'exactly p past epochs kept');
    assert.equal((await bob.group.process(sent[1]!)).kind, 'application');
    const before = carol.group.snapshot();
    await rejects(carol.group.process(sent[0]!), { rule: 'D-09', code: 'ERR_VALIDATION_EPOCH' });
    assert.deepEqual(carol.group.snapshot(), before);
  });

  test('the setting is bounded: 0..64', async () => {
    await configAccepted({ pastEpochs: 0 });
    await configAccepted({ pastEpochs: LIMITS.pastEpochs });
    await configRejected({ pastEpochs: LIMITS.pastEpochs + 1 }, 'pastEpochs');
    await configRejected({ pastEpochs: -1 }, 'pastEpochs');
  });
});

describe('pending proposals (config.maxPendingProposals, S-15.3-01)', () => {
  test('maxPendingProposals proposals are cached; the next one is rejected and changes nothing; a Commit empties the cache', async () => {
    const m = 3;
    const members = await makeGroup(1, 5, { config: { maxPendingProposals: m } });
    const [alice, bob, ...others] = members as [Member, Member, ...Member[]];
    const updates: Uint8Array[] = [];
    for (const o of [alice, ...others]) updates.push(await o.group.proposeUpdate());
    for (let i = 0; i < m; i++) assert.equal((await bob.group.process(updates[i]!)).kind, 'proposal');
    assert.equal(bob.group.state.proposals.size, m);
    const before = bob.group.snapshot();
    await rejects(bob.group.process(updates[m]!), { rule: 'S-15.3-01', code: 'ERR_VALIDATION_LIMIT' });
    assert.deepEqual(bob.group.snapshot(), before);
    // the sending side is bounded too
    await rejects(bob.group.proposeRemove(4), { rule: 'S-15.3-01' }, 'a fourth (own) proposal');
    // a Commit (here bob's own, over the three) empties the cache for the next epoch
    await bob.group.commit();
    await bob.group.confirmCommit();
    assert.equal(bob.group.state.proposals.size, 0);

  });

  test('the setting is bounded: 1..100 000', async () => {
    await configAccepted({ maxPendingProposals: 1 });
    await configAccepted({ maxPendingProposals: LIMITS.maxPendingProposals });
    await configRejected({ maxPendingProposals: 0 }, 'maxPendingProposals');
    await configRejected({ maxPendingProposals: LIMITS.maxPendingProposals + 1 }, 'maxPendingProposals');
  });
});

describe('resumption PSKs kept (config.resumptionPsks)', () => {
  test('exactly resumptionPsks epochs of resumption PSKs are kept; the setting is bounded 1..1024', async () => {
    const members = await makeGroup(1, 2, { config: { resumptionPsks: 2 } });
    for (let i = 0; i < 4; i++) await commitAll(members, members[0]!);
    const kept = [...members[1]!.group.state.resumptionPsks.keys()];
    assert.deepEqual(kept, [members[1]!.group.epoch - 1n, members[1]!.group.epoch]);
    await configAccepted({ resumptionPsks: LIMITS.resumptionPsks });
    await configRejected({ resumptionPsks: LIMITS.resumptionPsks + 1 }, 'resumptionPsks');
    await configRejected({ resumptionPsks: 0 }, 'resumptionPsks');
  });
});


