/**
 * Interop: external Commits (RFC 9420 §12.4.3.2, §8.3) by one implementation into a group run by
 * the other — for every RFC suite and both directions (mlskit creates / ts-mls joins, and the
 * reverse). Every group has members of both implementations; after every step `check()` asserts
 * that all of them agree on the epoch, the epoch authenticator, an exporter output and the roster.
 *
 * Per suite and direction, on one group (the base group of harness.ts: x0, y1, y2, x3; the tests of
 * a `describe` run in order on it):
 *  1. join: a ts-mls client joins by external Commit with a GroupInfo published by an mlskit
 *     member (`commit({ externalPub: true })`, mlskit's only way to publish one), tree in the
 *     GroupInfo; it lands at leaf 4, alone in the right half of the tree. It then sends a message
 *     and an empty Commit.
 *  2. resync (an external Commit that also removes the joiner's old leaf): a ts-mls member of the
 *     base group, with a GroupInfo from an mlskit member, tree out of band; then, leaf 2 having been
 *     removed, the ts-mls joiner of leaf 4: its Remove truncates the tree to 4 leaves (§7.7) and
 *     it takes leaf 2.
 *  3. join: an mlskit client, with a GroupInfo from a ts-mls member
 *     (`createGroupInfoWithExternalPub[AndRatchetTree]`, no Commit), tree out of band, injecting an
 *     external PSK (ts-mls cannot inject one: limitation D10 in docs/interop.md).
 *  4. resync: an mlskit member of the base group (its old state processes the Commit and reports
 *     that it was removed); then, leaf 3 having been removed, the mlskit joiner of leaf 4
 *     (truncating, it takes leaf 3); GroupInfos from ts-mls members.
 *
 * Workarounds (adapter.ts, docs/interop.md):
 *  - D9: ts-mls's external_pub extension holds the bare key, not ExternalPub{HPKEPublicKey<V>}
 *    (§12.4.3.2): a GroupInfo that crosses over is re-encoded for the reader and re-signed by its
 *    publisher (`PublishedGroupInfo.groupInfoFor`). Asserted as it is today at the end of the file.
 *  - D5: a ts-mls member cannot process a Commit that removes it, a resync Commit included: the
 *    old ts-mls member is not given the resync Commit (asserted at the end of the file).
 *  - D10: ts-mls resyncs only with the old leaf's signature key (it finds the leaf by that key).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, cipherSuite, decodeMlsMessage, ExtensionType, WireFormat } from '../../src/index.js';
import { decode } from '../../src/codec/codec.js';
import { externalPubCodec } from '../../src/extensions/extension.js';
import { SenderType } from '../../src/framing/content.js';
import { IMPLS, MlskitPeer, RFC_SUITES, TsMlsPeer, createGroup, joinExternal, newClient, other, publishGroupInfo, utf8, type Impl, type Peer, type PskSpec } from './adapter.js';
import { MixedGroup, OPTIONS, PSK_ID, baseGroup, isRule } from './harness.js';

/** INTEROP_SUITES=1,3 runs a subset (for debugging); default all seven. */
const SUITES = process.env['INTEROP_SUITES'] !== undefined ? process.env['INTEROP_SUITES'].split(',').map(Number) : RFC_SUITES;

/**
 * `publisher` publishes a GroupInfo (mlskit: with a Commit, delivered to everyone), a client of
 * `impl` named `name` joins by external Commit (or, with `resync`, replaces that member), every
 * member processes the Commit, and the joiner enters the group. Checked before and after.
 */
async function externalJoin(
  g: MixedGroup,
  publisher: Peer,
  impl: Impl,
  name: string,
  opts: { readonly treeInGroupInfo: boolean; readonly resync?: Peer; readonly psks?: readonly PskSpec[] },
): Promise<Peer> {
  const published = await publishGroupInfo(publisher, opts.treeInGroupInfo);
  if (published.commit !== undefined) {
    const results = await g.deliver(publisher, published.commit);
    for (const r of results) assert.equal(r.kind, 'commit');
  }
  await g.check();
  const epoch = publisher.epoch;
  const { peer, commit } = await joinExternal(
    impl,
    g.suite,
    name,
    {
      groupInfo: published.groupInfoFor(impl),
      ...(opts.treeInGroupInfo ? {} : { ratchetTree: published.ratchetTree }),
      ...(opts.resync !== undefined ? { resync: opts.resync } : {}),
      ...(opts.psks !== undefined ? { psks: opts.psks } : {}),
    },
    g.options,
  );
  // §12.4.3.2: an external Commit is a PublicMessage from a new_member_commit sender, for the GroupInfo's epoch.
  const m = decodeMlsMessage(commit);
  assert.equal(m.wireFormat, WireFormat.mls_public_message);
  if (m.wireFormat === WireFormat.mls_public_message) {
    assert.equal(m.publicMessage.content.sender.senderType, SenderType.new_member_commit);
    assert.equal(m.publicMessage.content.epoch, epoch);
  }
  const old = opts.resync;
  if (old !== undefined) {
    g.members = g.members.filter((p) => p !== old);
    // A removed mlskit member processes the Commit and learns that it is out. A removed ts-mls
    // member cannot process it (D5, asserted below), so it is not given the Commit.
    if (old.impl === 'mlskit') {
      assert.equal((await old.process(commit)).kind, 'commit');
      assert.equal(old.removed, true, `the old ${old.name} is removed by the resync`);
    }
  }
  for (const p of g.members) {
    try {
      assert.equal((await p.process(commit)).kind, 'commit');
    } catch (err) {
      throw new Error(`${p.impl} member ${p.name} rejected the external Commit of ${impl} client ${name} (GroupInfo from ${publisher.impl}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  g.members.push(peer);
  assert.equal(peer.epoch, epoch + 1n);
  await g.check();
  // the joiner sees itself at its leaf, as everyone else does (check() compared the rosters)
  assert.ok(peer.roster().includes(`${peer.leafIndex}:${name}`));
  return peer;
}

/** The joiner sends an application message to everyone and commits an empty Commit (a path). */
async function speaks(g: MixedGroup, p: Peer): Promise<void> {
  await g.message(p, utf8(`hello from ${p.impl} ${p.name}`));
  await g.commit(p);
  await g.check();
}

/** An mlskit member (not the one at `leaf`) removes the member at `leaf` (one Remove: mlskit adds the path). */
async function removeLeaf(g: MixedGroup, leaf: number): Promise<void> {
  const committer = g.members.find((m) => m.impl === 'mlskit' && m.leafIndex !== leaf);
  assert.ok(committer !== undefined);
  await g.commit(committer, { remove: [leaf] });
  await g.check();
}

/** The number of leaves of `p`'s ratchet tree. */
const leafWidth = (p: Peer): number => (p instanceof MlskitPeer ? p.group.state.tree.leafCount : p instanceof TsMlsPeer ? (p.state.ratchetTree.length + 1) / 2 : NaN);

const byImpl = (g: MixedGroup, impl: Impl, i = 0): Peer => {
  const p = g.members.filter((m) => m.impl === impl)[i];
  assert.ok(p !== undefined, `no ${impl} member #${i}`);
  return p;
};

for (const suite of SUITES) {
  for (const creator of IMPLS) {
    const X = creator;
    const Y = other(creator);
    describe(`suite ${suite}, ${X} creates / ${Y} joins: external Commits`, () => {
      let g: MixedGroup;
      before(async () => {
        g = await baseGroup(creator, suite);
      });

      test('join: a ts-mls client joins by external Commit with a GroupInfo from an mlskit member', async () => {
        // tree in the GroupInfo; the joiner lands at leaf 4, alone in the right half of the tree
        const et1 = await externalJoin(g, byImpl(g, 'mlskit', 0), 'ts-mls', 'et1', { treeInGroupInfo: true });
        assert.equal(et1.leafIndex, 4);
        await speaks(g, et1);
      });

      test('resync: ts-mls members replace their leaf with a GroupInfo from an mlskit member (also from the rightmost leaf, truncating)', async () => {
        // a member of the base group, tree out of band: it takes its own old leaf again
        const old = byImpl(g, 'ts-mls', 0);
        const renewed = await externalJoin(g, byImpl(g, 'mlskit', 1), 'ts-mls', old.name, { treeInGroupInfo: false, resync: old });
        assert.equal(renewed.leafIndex, old.leafIndex, 'the joiner takes the leftmost blank leaf: its own old one');
        await g.message(renewed, utf8(`hello from the renewed ${renewed.name}`));
        // leaf 2 becomes blank; then the joiner of leaf 4, alone in the right half, resyncs: its
        // Remove truncates the tree to 4 leaves (§7.7) and it takes leaf 2
        await removeLeaf(g, 2);
        const again = await externalJoin(g, byImpl(g, 'mlskit', 0), 'ts-mls', 'et1', { treeInGroupInfo: true, resync: g.byName('et1') });
        assert.equal(again.leafIndex, 2);
        for (const p of g.members) assert.equal(leafWidth(p), 4, `${p.impl} ${p.name}: the tree was truncated`);
        await speaks(g, again);
        assert.equal(g.members.length, 4);
      });

      test('join: an mlskit client joins by external Commit with a GroupInfo from a ts-mls member (tree out of band, with an external PSK)', async () => {
        const em1 = await externalJoin(g, byImpl(g, 'ts-mls', 0), 'mlskit', 'em1', { treeInGroupInfo: false, psks: [{ kind: 'external', id: PSK_ID }] });
        assert.equal(em1.leafIndex, 4);
        await speaks(g, em1);
      });

      test('resync: mlskit members replace their leaf with a GroupInfo from a ts-mls member (also from the rightmost leaf, truncating)', async () => {
        // a member of the base group, tree in the GroupInfo; the old state processes the Commit
        const old = byImpl(g, 'mlskit', 0);
        const renewed = await externalJoin(g, byImpl(g, 'ts-mls', 0), 'mlskit', old.name, { treeInGroupInfo: true, resync: old });
        assert.equal(renewed.leafIndex, old.leafIndex);
        await g.message(renewed, utf8(`hello from the renewed ${renewed.name}`));
        // leaf 3 becomes blank; the joiner of leaf 4 resyncs (tree out of band): truncation, leaf 3
        await removeLeaf(g, 3);
        const again = await externalJoin(g, byImpl(g, 'ts-mls', 1), 'mlskit', 'em1', { treeInGroupInfo: false, resync: g.byName('em1') });
        assert.equal(again.leafIndex, 3);
        for (const p of g.members) assert.equal(leafWidth(p), 4, `${p.impl} ${p.name}: the tree was truncated`);
        await speaks(g, again);
        assert.equal(g.members.length, 4);
      });
    });
  }
}

// =================================================================================================
// Known peer defects (docs/interop.md), asserted as they are today: a ts-mls release that fixes
// one makes its test fail; then delete the test and the workaround.

describe('known peer defect D9 (ts-mls 2.0.0-rc.10): external_pub is the bare key, not ExternalPub{HPKEPublicKey<V>} (RFC 9420 §12.4.3.2, §5.1.1)', () => {
  for (const suite of SUITES) {
    test(`suite ${suite}: neither side reads the other's external_pub`, async () => {
      const cs = cipherSuite(suite);
      const extPub = (groupInfo: Uint8Array): Uint8Array => {
        const m = decodeMlsMessage(groupInfo);
        assert.ok(m.wireFormat === WireFormat.mls_group_info);
        const e = m.groupInfo.extensions.find((x) => x.extensionType === ExtensionType.externalPub);
        assert.ok(e !== undefined);
        return e.extensionData;
      };
      // ts-mls: the extension data is the HPKE public key itself, with no length prefix ...
      const ts = await publishGroupInfo(await createGroup('ts-mls', suite, 't0', OPTIONS));
      assert.ok(cs.hpke.isValidPublicKey(extPub(ts.groupInfo)));
      // ... so mlskit, reading ExternalPub, rejects it: its first bytes read as a length (and in
      // the rare case that this length fits, the key is one byte short: R-5.1.1-01)
      await assert.rejects(joinExternal('mlskit', suite, 'm9', { groupInfo: ts.groupInfo }), (e) => e instanceof DecodeError || isRule('R-5.1.1-01')(e));
      // mlskit: ExternalPub{opaque external_pub<V>}, which ts-mls takes for the key itself
      const mk = await publishGroupInfo(await createGroup('mlskit', suite, 'm0', OPTIONS));
      assert.ok(cs.hpke.isValidPublicKey(decode(externalPubCodec, extPub(mk.groupInfo)).externalPub));
      await assert.rejects(joinExternal('ts-mls', suite, 't9', { groupInfo: mk.groupInfo }), /DeserializeError: Invalid (public key for the ciphersuite|length of the key)/);
      // each side reads its own, and the other's once re-encoded (and re-signed by the publisher)
      for (const [p, impl] of [
        [ts, 'ts-mls'],
        [ts, 'mlskit'],
        [mk, 'mlskit'],
        [mk, 'ts-mls'],
      ] as const) {
        const j = await joinExternal(impl, suite, `j-${impl}`, { groupInfo: p.groupInfoFor(impl) });
        assert.equal(j.peer.epoch, p.publisher.epoch + 1n);
      }
    });
  }
});

describe('known peer defect D5 (ts-mls 2.0.0-rc.10): a ts-mls member cannot process the resync Commit that removes it (RFC 9420 §12.4.2)', () => {
  test(`suite ${SUITES[0]}: the old ts-mls member throws instead of learning it was removed`, async () => {
    const suite = SUITES[0]!;
    const g = await MixedGroup.create('mlskit', suite, 'x0', OPTIONS);
    await g.commit(g.byName('x0'), { addClients: [await newClient('ts-mls', suite, 'y1', OPTIONS), await newClient('mlskit', suite, 'x2', OPTIONS)] });
    await g.check();
    const old = g.byName('y1');
    const published = await publishGroupInfo(g.byName('x0'));
    await g.deliver(g.byName('x0'), published.commit!);
    const { commit } = await joinExternal('ts-mls', suite, 'y1', { groupInfo: published.groupInfoFor('ts-mls'), resync: old }, OPTIONS);
    // the mlskit members accept the resync
    assert.equal((await g.byName('x2').process(commit)).kind, 'commit');
    // the replaced ts-mls state tries to decrypt the path from its blanked leaf
    await assert.rejects(old.process(commit), /No overlap between provided private keys and update path/);
  });
});
