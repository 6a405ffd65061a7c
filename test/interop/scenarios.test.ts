/**
 * Interop scenarios: mlskit and ts-mls in the same group (issue #7).
 *
 * Peer: ts-mls 2.0.0-rc.10 (npm, pinned as a dev dependency), driven through its public API only
 * (test/interop/adapter.ts). Its peers are dev dependencies here too: @noble/ciphers 2.1.1,
 * @noble/curves 2.0.1, @noble/post-quantum 0.5.2, @hpke/*. ts-mls 1.6.4 and 2.0.0-rc.10 import
 * @noble/hashes without declaring it (neither as a dependency nor as a peer), so @noble/hashes is a
 * dev dependency of this repository as well.
 *
 * Other workarounds (adapter.ts, harness.ts; each defect is asserted in peer-defects.test.ts and
 * described in docs/interop.md):
 *  - ECDSA suites (2, 5, 7): ts-mls's signature public keys are compressed points, which RFC 9420
 *    §5.1.1 does not allow; the adapter re-encodes the key of ts-mls's own key pair uncompressed
 *    and builds the KeyPackage with ts-mls's generateKeyPackageWithKey.
 *  - A ratchet tree sent out of band is converted with ts-mls's exported ClientState codec (ts-mls
 *    exports no ratchet-tree codec).
 *  - ts-mls's processMessage drops the external PSKs for a PrivateMessage: the adapter calls
 *    processPublicMessage / processPrivateMessage itself.
 *  - ts-mls cannot process the Commit that removes it: it is not sent that Commit.
 *  - What a ts-mls member commits: Removes only in pairs (it adds the required path only for more
 *    than one, §12.4); no Update proposals (no path for one, the replaced keys for more, §7.5);
 *    no Add together with a path (it encrypts to the new member, §7.6); no resumption PSK (not
 *    reachable through its public API). ts-mls cannot send Update proposals at all (no API): its
 *    members update with empty Commits.
 *  - A ts-mls client rejects valid trees whose non-blank nodes list different unmerged leaves
 *    (§12.4.3.1); one scenario has an mlskit committer add a path to avoid that tree.
 *
 * For each of the seven RFC 9420 suites (ts-mls implements all seven) and each direction — mlskit
 * creates the group and ts-mls joins it, or the reverse — every scenario checks, after every
 * step, that all members of both implementations agree on the epoch, the epoch authenticator, an
 * MLS-Exporter output (same label, context and length) and the roster.
 *
 * Handshake messages: mlskit members send PublicMessage (its default), ts-mls members send
 * PrivateMessage (its default); the last scenario swaps both.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IMPLS, RFC_SUITES, WireFormat, newClient, other, text, utf8, wireFormatOf, type ClientOptions, type Impl } from './adapter.js';
import { MixedGroup, OPTIONS, PSK_ID, baseGroup } from './harness.js';

/** INTEROP_SUITES=1,3 runs a subset (for debugging); default all seven. */
const SUITES = process.env['INTEROP_SUITES'] !== undefined ? process.env['INTEROP_SUITES'].split(',').map(Number) : RFC_SUITES;

for (const suite of SUITES) {
  for (const creator of IMPLS) {
    const X = creator;
    const Y = other(creator);
    describe(`suite ${suite}, ${X} creates / ${Y} joins`, () => {
      test('welcome: tree in the GroupInfo and out of band, both ways', async () => {
        const g = await baseGroup(creator, suite);
        assert.equal(g.members.length, 4);
        // the joiners of the other implementation add one of the creator's, tree out of band
        await g.commit(g.byName('y2'), { addClients: [await newClient(X, suite, 'x4', OPTIONS)], treeInGroupInfo: false });
        await g.check();
        // and two at once, one of each implementation
        await g.commit(g.byName('x3'), { addClients: [await newClient(Y, suite, 'y5', OPTIONS), await newClient(X, suite, 'x6', OPTIONS)] });
        await g.check();
        assert.equal(g.members.length, 7);
      });

      test('add, remove and update committed by each side', async () => {
        const g = await baseGroup(creator, suite);
        // add: one of each implementation, by each side
        await g.commit(g.byName('y1'), { addClients: [await newClient(X, suite, 'x4', OPTIONS), await newClient(Y, suite, 'y5', OPTIONS)] });
        await g.check();
        await g.commit(g.byName('x0'), { addClients: [await newClient(Y, suite, 'y6', OPTIONS), await newClient(X, suite, 'x7', OPTIONS)] });
        await g.check();
        const mlskit = () => g.members.filter((m) => m.impl === 'mlskit');
        const tsmls = () => g.members.filter((m) => m.impl === 'ts-mls');
        // remove: mlskit removes one ts-mls member (the Commit carries a path)
        await g.commit(mlskit()[0]!, { remove: [tsmls()[1]!.leafIndex] });
        await g.check();
        // ts-mls removes two members, one of each implementation (ts-mls adds the path that a
        // Remove requires only for more than one: peer-defects.test.ts)
        await g.commit(tsmls()[0]!, { remove: [mlskit()[1]!.leafIndex, tsmls()[1]!.leafIndex] });
        await g.check();
        // update by proposal: an mlskit member sends an Update, the other side processes it, and
        // it is committed by mlskit (a ts-mls committer gets the path wrong: peer-defects.test.ts)
        const [m0, m1] = mlskit();
        assert.ok(m0 !== undefined && m1 !== undefined);
        await g.propose(m0, (p) => p.proposeUpdate());
        await g.check();
        await g.commit(m1);
        await g.check();
        // update by Commit: mlskit forces a path over an Add of a ts-mls client; ts-mls updates
        // its leaf with an empty Commit (the only way it can)
        await g.commit(m0, { updatePath: true, addClients: [await newClient('ts-mls', suite, 'y8', OPTIONS)] });
        await g.check();
        await g.commit(tsmls()[0]!);
        await g.check();
      });

      test('empty Commit with a path from each side', async () => {
        const g = await baseGroup(creator, suite);
        for (const name of ['x0', 'y1', 'y2', 'x3']) {
          const committer = g.byName(name);
          const out = await g.commit(committer);
          // each side's default handshake wire format
          assert.equal(wireFormatOf(out.commit), committer.impl === 'mlskit' ? WireFormat.mls_public_message : WireFormat.mls_private_message);
          await g.check();
        }
      });

      test('proposals by reference, committed by the other side', async () => {
        const g = await baseGroup(creator, suite);
        await g.commit(g.byName('x0'), { addClients: [await newClient(Y, suite, 'y4', OPTIONS), await newClient(X, suite, 'x5', OPTIONS)] });
        await g.check();
        // Adds and Removes go in separate Commits, Removes in pairs: a ts-mls Commit that has a
        // path and an Add is rejected (peer defect, RFC 9420 §7.6), and ts-mls adds the path that
        // Removes require only for more than one (peer defect, §12.4). See peer-defects.test.ts.
        // Y proposes an Add (of an X client); X commits it
        const x6 = await newClient(X, suite, 'x6', OPTIONS);
        await g.propose(g.byName('y1'), (p) => p.proposeAdd(x6.keyPackage));
        await g.check();
        await g.commit(g.byName('x0'), { joinersByReference: [x6] });
        await g.check();
        // Y proposes two Removes (one of each implementation); X commits them
        await g.propose(g.byName('y2'), (p) => p.proposeRemove(g.byName('x3').leafIndex));
        await g.propose(g.byName('y1'), (p) => p.proposeRemove(g.byName('y4').leafIndex));
        await g.commit(g.byName('x5'));
        await g.check();
        assert.deepEqual(g.members.map((m) => m.name).sort(), ['x0', 'x5', 'x6', 'y1', 'y2']);
        // X proposes an Add (of a Y client); Y commits it
        const y7 = await newClient(Y, suite, 'y7', OPTIONS);
        await g.propose(g.byName('x5'), (p) => p.proposeAdd(y7.keyPackage));
        await g.commit(g.byName('y2'), { joinersByReference: [y7] });
        await g.check();
        // X proposes two Removes; Y commits them
        await g.propose(g.byName('x0'), (p) => p.proposeRemove(g.byName('y2').leafIndex));
        await g.propose(g.byName('x6'), (p) => p.proposeRemove(g.byName('x5').leafIndex));
        await g.commit(g.byName('y1'));
        await g.check();
        assert.deepEqual(g.members.map((m) => m.name).sort(), ['x0', 'x6', 'y1', 'y7']);
        // mixed: an Add proposed by Y and an external PSK proposed by X, committed by each side
        const x8 = await newClient(X, suite, 'x8', OPTIONS);
        await g.propose(g.byName('y7'), (p) => p.proposeAdd(x8.keyPackage));
        await g.propose(g.byName('x6'), (p) => p.proposePsk({ kind: 'external', id: PSK_ID }));
        await g.commit(g.byName('y1'), { joinersByReference: [x8] });
        await g.check();
        const y9 = await newClient(Y, suite, 'y9', OPTIONS);
        await g.propose(g.byName('x8'), (p) => p.proposeAdd(y9.keyPackage));
        await g.propose(g.byName('y7'), (p) => p.proposePsk({ kind: 'external', id: PSK_ID }));
        // Without a path, this Add would leave leaf 2 unmerged at node 3 and leaves 2 and 4 at the
        // root: a valid tree that a ts-mls joiner rejects (known peer defect, §12.4.3.1). An
        // mlskit committer adds a path, which clears those lists (a ts-mls one must not: §7.6).
        await g.commit(g.byName('x0'), { joinersByReference: [y9], ...(X === 'mlskit' ? { updatePath: true } : {}) });
        await g.check();
      });

      test('external PSK by value and by reference, from each side', async () => {
        const g = await baseGroup(creator, suite);
        const psk = { kind: 'external', id: PSK_ID } as const;
        await g.commit(g.byName('x0'), { psks: [psk] });
        await g.check();
        await g.commit(g.byName('y1'), { psks: [psk] });
        await g.check();
        await g.propose(g.byName('y2'), (p) => p.proposePsk(psk));
        await g.commit(g.byName('x3'));
        await g.check();
        await g.propose(g.byName('x0'), (p) => p.proposePsk(psk));
        await g.commit(g.byName('y2'));
        await g.check();
      });

      test('resumption PSK (this group, earlier epochs): committed by mlskit, by value and proposed by ts-mls', async () => {
        const g = await baseGroup(creator, suite);
        // two more epochs that every member saw
        await g.commit(g.byName('x0'));
        await g.commit(g.byName('y1'));
        await g.check();
        const mk = g.members.find((m) => m.impl === 'mlskit')!;
        const ts = g.members.find((m) => m.impl === 'ts-mls')!;
        await g.commit(mk, { psks: [{ kind: 'resumption', epoch: mk.epoch - 1n }] });
        await g.check();
        await g.propose(ts, (p) => p.proposePsk({ kind: 'resumption', epoch: ts.epoch - 2n }));
        await g.commit(mk);
        await g.check();
      });

      test('application messages both ways, in order and out of order within the window', async () => {
        const g = await baseGroup(creator, suite);
        for (const from of g.members) await g.message(from, utf8(`hello from ${from.impl} ${from.name}`));
        for (const [a, b] of [
          [g.byName('x0'), g.byName('y1')],
          [g.byName('y2'), g.byName('x3')],
        ] as const) {
          for (const [sender, receiver] of [
            [a, b],
            [b, a],
          ] as const) {
            const cts: Uint8Array[] = [];
            for (let i = 0; i < 6; i++) cts.push(await sender.encrypt(utf8(`${sender.name}#${i}`)));
            for (const i of [4, 0, 5, 2, 1, 3]) {
              const r = await receiver.process(cts[i]!);
              assert.ok(r.kind === 'application' && text(r.data) === `${sender.name}#${i}`, `${receiver.impl} reads ${sender.impl}'s message ${i} out of order`);
            }
          }
        }
        await g.check();
      });

      test('handshake wire formats swapped: mlskit sends PrivateMessage, ts-mls PublicMessage', async () => {
        const swapped = (impl: Impl): ClientOptions => ({ ...OPTIONS, handshake: impl === 'mlskit' ? 'private' : 'public' });
        const g = await MixedGroup.create(X, suite, 'x0', swapped(X));
        await g.commit(g.byName('x0'), { addClients: [await newClient(Y, suite, 'y1', swapped(Y)), await newClient(X, suite, 'x2', swapped(X)), await newClient(Y, suite, 'y3', swapped(Y))] });
        await g.check();
        for (const committer of [g.byName('y1'), g.byName('x2')]) {
          const out = await g.commit(committer);
          assert.equal(wireFormatOf(out.commit), committer.impl === 'mlskit' ? WireFormat.mls_private_message : WireFormat.mls_public_message);
          await g.check();
        }
        const mk = g.members.filter((m) => m.impl === 'mlskit');
        const ts = g.members.filter((m) => m.impl === 'ts-mls');
        // proposals of both sides, committed by mlskit, then by ts-mls
        await g.propose(ts[0]!, (p) => p.proposeRemove(mk[1]!.leafIndex));
        await g.propose(mk[1]!, (p) => p.proposePsk({ kind: 'external', id: PSK_ID }));
        await g.commit(mk[0]!);
        await g.check();
        await g.propose(mk[0]!, (p) => p.proposePsk({ kind: 'external', id: PSK_ID }));
        const m4 = await newClient('mlskit', suite, 'm4', swapped('mlskit'));
        await g.propose(ts[1]!, (p) => p.proposeAdd(m4.keyPackage));
        await g.commit(ts[0]!, { joinersByReference: [m4] });
        await g.check();
        for (const m of g.members) await g.message(m, utf8(`after, from ${m.name}`));
      });
    });
  }
}
