/**
 * Known peer defects and limitations of ts-mls 2.0.0-rc.10, found by the interop suite and
 * checked against RFC 9420 (details and RFC text in docs/interop.md). Each test asserts the
 * divergence as it is today, so a ts-mls release that fixes one makes its test fail: then delete
 * the test and the workaround in scenarios.test.ts / random.test.ts / adapter.ts.
 *
 * The defects are in ts-mls's protocol logic, not in its crypto, so they run on suite 1 in both
 * directions; the ECDSA key-encoding defect runs on the three ECDSA suites.
 *
 * Peer: ts-mls 2.0.0-rc.10 through its public API (adapter.ts). ts-mls 1.6.4 and 2.0.0-rc.10
 * import @noble/hashes without declaring it, so it is a dev dependency here.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as T from 'ts-mls';
import { cipherSuite, decodeMlsMessage, readKeyPackageMessage, validateKeyPackage, WireFormat } from '../../src/index.js';
import { decryptWithLabel, deriveSecret } from '../../src/crypto/labels.js';
import { encodeGroupContext } from '../../src/key-schedule/group-context.js';
import { runKeySchedule } from '../../src/key-schedule/key-schedule.js';
import { toHex } from '../../src/util/bytes.js';
import type { UpdatePath } from '../../src/treekem/update-path.js';
import { leafIndex, leafToNode } from '../../src/tree-math/index.js';
import { IMPLS, MlskitPeer, TsMlsPeer, newClient, other, tsGenerateKeyPackage, tsKeyPackageMessage, type Peer } from './adapter.js';
import { MixedGroup, OPTIONS, PSK_ID, baseGroup, isRule } from './harness.js';

const SUITE = 1;

const tsPeer = (p: Peer | undefined): TsMlsPeer => {
  assert.ok(p instanceof TsMlsPeer);
  return p;
};
const mkPeer = (p: Peer | undefined): MlskitPeer => {
  assert.ok(p instanceof MlskitPeer);
  return p;
};

/** The UpdatePath of a PublicMessage Commit, read with mlskit's decoder. */
function pathOf(commit: Uint8Array): UpdatePath {
  const m = decodeMlsMessage(commit);
  assert.equal(m.wireFormat, WireFormat.mls_public_message);
  if (m.wireFormat !== WireFormat.mls_public_message) throw new Error('unreachable');
  const c = m.publicMessage.content;
  assert.ok('commit' in c && c.commit.path !== undefined);
  return c.commit.path;
}

/** The provisional GroupContext (§12.4.1) of a ts-mls member's new epoch, from its old context. */
function provisionalContext(oldCtx: T.GroupContext, newCtx: T.GroupContext): Uint8Array {
  assert.equal(newCtx.extensions.length, 0);
  return encodeGroupContext({ version: 1, cipherSuite: newCtx.cipherSuite, groupId: newCtx.groupId, epoch: newCtx.epoch, treeHash: newCtx.treeHash, confirmedTranscriptHash: oldCtx.confirmedTranscriptHash, extensions: [] });
}

describe('known peer defects (ts-mls 2.0.0-rc.10): ECDSA signature keys', () => {
  for (const suite of [2, 5, 7]) {
    test(`suite ${suite}: default KeyPackage has a compressed ECDSA signature key (RFC 9420 §5.1.1) — mlskit rejects it`, async () => {
      const kp = await tsGenerateKeyPackage(suite, 'default', true);
      const key = kp.publicPackage.leafNode.signaturePublicKey;
      // UncompressedPointRepresentation starts with 0x04; noble's default is the compressed 0x02/0x03 form
      assert.ok(key[0] === 0x02 || key[0] === 0x03, `expected a compressed point, got prefix ${key[0]}`);
      assert.throws(() => validateKeyPackage(cipherSuite(suite), readKeyPackageMessage(tsKeyPackageMessage(kp.publicPackage))), isRule('R-10-03'));
      // the workaround (adapter.ts): same ts-mls key pair, uncompressed public key, generateKeyPackageWithKey
      const fixed = await tsGenerateKeyPackage(suite, 'fixed');
      assert.equal(fixed.publicPackage.leafNode.signaturePublicKey[0], 0x04);
      validateKeyPackage(cipherSuite(suite), readKeyPackageMessage(tsKeyPackageMessage(fixed.publicPackage)));
    });
  }
});

for (const creator of IMPLS) {
  const X = creator;
  const Y = other(creator);
  describe(`known peer defects (ts-mls 2.0.0-rc.10), suite ${SUITE}, ${X} creates / ${Y} joins`, () => {
    test('Commit covering one Remove has no path (RFC 9420 §12.4) — mlskit rejects it (R-12.4-01), ts-mls accepts it', async () => {
      const g = await baseGroup(creator, SUITE);
      const ts = g.byName(X === 'ts-mls' ? 'x0' : 'y1');
      const tsOther = g.members.find((m) => m.impl === 'ts-mls' && m !== ts)!;
      const [victim, bystander] = g.members.filter((m) => m.impl === 'mlskit');
      // ts-mls adds a path only to an empty Commit or one with more than one Update or Remove
      const out = await ts.commit({ remove: [victim!.leafIndex] });
      await assert.rejects(bystander!.process(out.commit), isRule('R-12.4-01'));
      assert.equal((await tsOther.process(out.commit)).kind, 'commit');
    });

    test('Commit covering one Remove has no path (RFC 9420 §12.4) — so the removed member still computes the new epoch', async () => {
      const g = await baseGroup(creator, SUITE);
      const [ts, victim] = g.members.filter((m) => m.impl === 'ts-mls');
      // without a path the commit_secret is zero: the new epoch follows from the old init_secret,
      // which the removed member has. A ts-mls victim accepts the Commit and holds the new epoch.
      const out = await ts!.commit({ remove: [victim!.leafIndex] });
      await ts!.confirm();
      assert.equal((await victim!.process(out.commit)).kind, 'commit');
      assert.ok(victim!.removed);
      assert.equal(victim!.epoch, ts!.epoch);
      assert.equal(toHex(victim!.epochAuthenticator()), toHex(ts!.epochAuthenticator()));
      assert.equal(toHex(await victim!.exportSecret('after removal', new Uint8Array(0), 32)), toHex(await ts!.exportSecret('after removal', new Uint8Array(0), 32)));
    });

    test('Commit covering one Update has no path (RFC 9420 §12.4) — mlskit rejects it (R-12.4-01)', async () => {
      const g = await baseGroup(creator, SUITE);
      const ts = g.byName(X === 'ts-mls' ? 'x0' : 'y1');
      const [updater, bystander] = g.members.filter((m) => m.impl === 'mlskit');
      await g.propose(updater!, (p) => p.proposeUpdate());
      const out = await ts.commit();
      await assert.rejects(bystander!.process(out.commit), isRule('R-12.4-01'));
    });

    test('Commit over Update proposals encrypts the path to the replaced leaf keys (RFC 9420 §7.5, §12.4.1) — the retired key decrypts it', async () => {
      const g = await baseGroup(creator, SUITE, { ...OPTIONS, handshake: 'public' });
      const ts = tsPeer(g.members.find((m) => m.impl === 'ts-mls'));
      const [m0, m1] = g.members.filter((m) => m.impl === 'mlskit').map(mkPeer);
      const oldLeafKey = Uint8Array.from(m0!.group.state.privateKeys.privateKey(leafToNode(leafIndex(m0!.leafIndex)))!);
      await g.propose(m0!, (p) => p.proposeUpdate());
      await g.propose(m1!, (p) => p.proposeUpdate());
      const newLeafKey = Uint8Array.from([...m0!.group.state.pendingUpdates.values()][0]!);
      const oldCtx = ts.state.groupContext;
      // two Updates: ts-mls adds a path, but createUpdatePath encrypts to `originalTree`, the tree
      // before the proposals, so each updated leaf is encrypted to with its old key
      const out = await ts.commit();
      await assert.rejects(m0!.process(out.commit), isRule('R-7.5-02'));
      await ts.confirm();
      const ctx = provisionalContext(oldCtx, ts.state.groupContext);
      const cs = cipherSuite(SUITE);
      const opens = (key: Uint8Array) =>
        pathOf(out.commit).nodes.some((n) =>
          n.encryptedPathSecret.some((ct) => {
            try {
              decryptWithLabel(cs, key, 'UpdatePathNode', ctx, ct.kemOutput, ct.ciphertext);
              return true;
            } catch {
              return false;
            }
          }),
        );
      assert.equal(opens(newLeafKey), false, 'the key the Update installed opens nothing');
      assert.equal(opens(oldLeafKey), true, 'the key the Update retired opens a path secret');
    });

    test('Commit with a path and an Add encrypts to the new member (RFC 9420 §7.6) — mlskit rejects it (R-7.6-01)', async () => {
      const g = await baseGroup(creator, SUITE);
      const ts = g.members.find((m) => m.impl === 'ts-mls')!;
      const bystander = g.members.find((m) => m.impl === 'mlskit' && m.leafIndex !== 3)!;
      // Two Removes (so that ts-mls adds a path) and an Add that takes a removed member's leaf:
      // ts-mls's resolution includes the new leaf, which §7.6 says MUST be excluded.
      const out = await ts.commit({ remove: [2, 3], add: [(await newClient('mlskit', SUITE, 'late', OPTIONS)).keyPackage] });
      await assert.rejects(bystander.process(out.commit), isRule('R-7.6-01'));
    });

    test('joining rejects a valid tree with nested unmerged leaves (RFC 9420 §12.4.3.1)', async () => {
      const g = await baseGroup(creator, SUITE);
      await g.commit(g.byName('x0'), { addClients: await Promise.all(['a4', 'a5', 'a6', 'a7'].map((n, i) => newClient(i % 2 === 0 ? X : Y, SUITE, n, OPTIONS))) });
      // An mlskit member at leaf 0 or 1 removes leaves 2 and 5: its path leaves nodes 1, 3 and 7
      // non-blank. Two Adds without a path follow: the member at leaf 2 is unmerged at nodes 3
      // and 7, the member at leaf 5 at node 7 only.
      const mk = g.members.find((m) => m.impl === 'mlskit' && (m.leafIndex === 0 || m.leafIndex === 1))!;
      await g.commit(mk, { remove: [2, 5] });
      const joinerM = await newClient('mlskit', SUITE, 'new-mlskit', OPTIONS);
      const joinerT = await newClient('ts-mls', SUITE, 'new-ts-mls', OPTIONS);
      const out = await mk.commit({ add: [joinerM.keyPackage, joinerT.keyPackage] });
      await g.deliver(mk, out.commit);
      await mk.confirm();
      await g.check();
      // §12.4.3.1 asks only that the non-blank nodes *between* an unmerged leaf and the node that
      // lists it list it too; ts-mls (validateRatchetTree) wants every non-blank node on the leaf's
      // whole direct path to have the *same* unmerged_leaves list.
      g.members.push(await joinerM.join(out.welcome!));
      await g.check();
      await assert.rejects(joinerT.join(out.welcome!), /non-blank intermediate node must list leaf node in its unmerged_leaves/);
    });

    test('a member removed by a Commit with a path cannot process it (RFC 9420 §12.4.2: clients must be prepared to be removed)', async () => {
      const g = await baseGroup(creator, SUITE);
      const mk = g.members.find((m) => m.impl === 'mlskit')!;
      const victim = g.members.find((m) => m.impl === 'ts-mls')!;
      const out = await mk.commit({ remove: [victim.leafIndex] });
      // ts-mls decrypts the path before it looks at its own (now blank) leaf, and throws an
      // InternalError ("should never occur") instead of reporting the removal
      await assert.rejects(victim.process(out.commit), /No overlap between provided private keys and update path/);
      assert.equal(victim.removed, false);
      await mk.discard();
      // an mlskit member in the same place learns that it was removed
      const mkVictim = g.members.find((m) => m.impl === 'mlskit' && m !== mk)!;
      await g.commit(mk, { remove: [mkVictim.leafIndex] });
      assert.ok(mkVictim.removed);
      await g.check();
    });

    test('processMessage ignores context.externalPsks for a PrivateMessage (a ts-mls bug; processPrivateMessage works)', async () => {
      const g = await baseGroup(creator, SUITE);
      const committer = g.members.find((m) => m.impl === 'ts-mls')!; // ts-mls sends Commits as PrivateMessage
      const receiver = tsPeer(g.members.find((m) => m.impl === 'ts-mls' && m !== committer));
      const out = await committer.commit({ psks: [{ kind: 'external', id: PSK_ID }] });
      const m = T.decode(T.mlsMessageDecoder, out.commit)!;
      assert.equal(m.wireformat, T.wireformats.mls_private_message);
      if (m.wireformat !== T.wireformats.mls_private_message) return;
      assert.ok(receiver.context.externalPsks !== undefined && Object.keys(receiver.context.externalPsks).length === 1);
      await assert.rejects(T.processMessage({ context: receiver.context, state: receiver.state, message: m }), /Could not find pskId/);
      // the adapter's workaround: call processPrivateMessage directly
      await g.deliver(committer, out.commit);
      await committer.confirm();
      await g.check();
    });

    test('limitation: a ts-mls member cannot commit a resumption PSK of its own group (resumingFromState is not public)', async () => {
      const g = await baseGroup(creator, SUITE);
      const ts = g.members.find((m) => m.impl === 'ts-mls')!;
      await assert.rejects(ts.commit({ psks: [{ kind: 'resumption', epoch: ts.epoch - 1n }] }), /Could not find pskId/);
      await g.check();
    });
  });
}

describe(`known peer defect (ts-mls 2.0.0-rc.10), suite ${SUITE}: removal that truncates the tree`, () => {
  test('a ts-mls member removed from the rightmost leaf loops until V8 aborts the process (RFC 9420 §12.4.2, §7.7)', () => {
    // in a child process with a 64 MB heap: the runaway loop would take this one down with it
    // Compiled (npm test): run the .js next to this file; under tsx: the .ts source.
    const compiled = import.meta.url.endsWith('.js');
    const fixture = fileURLToPath(new URL(`./fixtures/removed-rightmost.${compiled ? 'js' : 'ts'}`, import.meta.url));
    const loader = compiled ? [] : ['--import', 'tsx'];
    const r = spawnSync(process.execPath, ['--max-old-space-size=64', ...loader, fixture, '--run-fixture'], { encoding: 'utf8', timeout: 60_000 });
    assert.match(r.stdout, /processing/, `the fixture did not get to the Commit: ${r.stderr}`);
    assert.doesNotMatch(r.stdout, /returned|threw/);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /heap out of memory|invalid size error|Allocation failed/);
  });
});

describe(`known peer defect (ts-mls 2.0.0-rc.10), suite ${SUITE}: consequence of the §7.6 defect`, () => {
  test('a member removed by a ts-mls Commit that re-fills its leaf can compute the new epoch (RFC 9420 §7.6; PCS of the Remove lost)', async () => {
    const g = await MixedGroup.create('ts-mls', SUITE, 'A', { handshake: 'public' });
    await g.commit(g.byName('A'), {
      addClients: [await newClient('mlskit', SUITE, 'B'), await newClient('ts-mls', SUITE, 'C', { handshake: 'public' }), await newClient('mlskit', SUITE, 'D')],
    });
    await g.check();
    const A = tsPeer(g.byName('A'));
    const C = tsPeer(g.byName('C'));
    assert.equal(C.leafIndex, 2);
    // what C keeps from the epoch it is removed in: its leaf private key and the init_secret
    const cLeafKey = C.state.privatePath.privateKeys[2 * C.leafIndex]!;
    const cInitSecret = C.state.keySchedule.initSecret;
    const oldCtx = A.state.groupContext;
    // A removes C and D (two Removes: ts-mls adds a path) and adds E, who takes leaf 2 (C's)
    const E = await newClient('mlskit', SUITE, 'E');
    const out = await A.commit({ remove: [2, 3], add: [E.keyPackage] });
    await A.confirm();
    const newCtx = A.state.groupContext;
    // ts-mls encrypted the root's path secret to "leaf 2" with the key of the tree before the
    // Commit: C's. (C would also need the new tree hash: it can compute it from the old tree and
    // the public Commit; we take it from A for brevity.)
    const cs = cipherSuite(SUITE);
    const path = pathOf(out.commit);
    const root = path.nodes[path.nodes.length - 1]!;
    assert.equal(root.encryptedPathSecret.length, 1);
    const ct = root.encryptedPathSecret[0]!;
    const pathSecret = decryptWithLabel(cs, cLeafKey, 'UpdatePathNode', provisionalContext(oldCtx, newCtx), ct.kemOutput, ct.ciphertext);
    const groupContext = encodeGroupContext({ version: 1, cipherSuite: SUITE, groupId: newCtx.groupId, epoch: newCtx.epoch, treeHash: newCtx.treeHash, confirmedTranscriptHash: newCtx.confirmedTranscriptHash, extensions: [] });
    const stolen = runKeySchedule(cs, { initSecret: cInitSecret, commitSecret: deriveSecret(cs, pathSecret, 'path'), groupContext });
    assert.equal(toHex(stolen.secrets.epochAuthenticator), toHex(A.state.keySchedule.epochAuthenticator));
    assert.equal(toHex(stolen.secrets.exporterSecret), toHex(A.state.keySchedule.exporterSecret));
  });
});
