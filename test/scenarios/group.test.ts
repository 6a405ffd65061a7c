/**
 * Multi-member scenarios for each of the seven cipher suites, through the public API: create,
 * add several in one Commit, application messages (also out of order), proposals by reference,
 * Update, Remove, external and resumption PSKs, GroupContextExtensions, tampered messages of every
 * kind rejected with the state unchanged; after every step all members agree.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MlsError, ExtensionType, CredentialType } from '../../src/index.js';
import { encode } from '../../src/codec/codec.js';
import { requiredCapabilitiesCodec } from '../../src/extensions/extension.js';
import { utf8 } from '../../src/util/bytes.js';
import { assertAgreement, commitAll, deliver, makeGroup, newClient } from '../helpers/group.js';

const SUITES = [1, 2, 3, 4, 5, 6, 7];
const text = (b: Uint8Array) => new TextDecoder().decode(b);

for (const suite of SUITES) {
  describe(`suite ${suite}`, () => {
    test('create, add three in one Commit, and exchange messages', async () => {
      const members = await makeGroup(suite, 4);
      assertAgreement(members);
      assert.equal(members[0]!.group.members().length, 4);
      const [a, b, c, d] = members;
      const ct = await b!.group.encrypt('hello from b', { authenticatedData: utf8('aad') });
      for (const m of [a!, c!, d!]) {
        const r = await m.group.process(ct);
        assert.equal(r.kind, 'application');
        if (r.kind !== 'application') return;
        assert.equal(text(r.data), 'hello from b');
        assert.equal(text(r.authenticatedData), 'aad');
        assert.equal(r.sender, b!.group.myLeafIndex);
      }
    });

    test('out-of-order application messages within the window', async () => {
      const [a, b] = await makeGroup(suite, 2);
      const msgs = [];
      for (let i = 0; i < 5; i++) msgs.push(await a!.group.encrypt(`m${i}`));
      for (const i of [3, 0, 4, 1, 2]) {
        const r = await b!.group.process(msgs[i]!);
        assert.ok(r.kind === 'application' && text(r.data) === `m${i}`);
      }
      // a replay is rejected (R-9.1-01)
      await assert.rejects(b!.group.process(msgs[2]!), (e: unknown) => e instanceof MlsError && e.rule === 'R-9.1-01');
    });

    test('proposals by reference (Update and Remove) committed by another member', async () => {
      const members = await makeGroup(suite, 4);
      const [a, b, c, d] = members;
      const up = await c!.group.proposeUpdate();
      await deliver(members, c!, up);
      const rm = await b!.group.proposeRemove(d!.group.myLeafIndex);
      await deliver(members, b!, rm);
      await commitAll(members, a!);
      assert.ok(d!.group.removed);
      const live = [a!, b!, c!];
      assertAgreement(live);
      assert.equal(a!.group.members().length, 3);
      const ct = await c!.group.encrypt('after update');
      for (const m of [a!, b!]) {
        const r = await m.group.process(ct);
        assert.ok(r.kind === 'application' && text(r.data) === 'after update');
      }
      // the removed member can no longer read
      await assert.rejects(d!.group.process(ct), MlsError);
    });

    test('empty Commit with a path, handshake as PrivateMessage', async () => {
      const members = await makeGroup(suite, 3, { config: { handshakeWireFormat: 'private' } });
      await commitAll(members, members[1]!);
      assertAgreement(members);
      await commitAll(members, members[2]!, { updatePath: true });
      assertAgreement(members);
    });

    test('external and resumption PSKs', async () => {
      const pskId = utf8('shared-psk');
      const psk = new Uint8Array(32).fill(7);
      const psks = { external: (id: Uint8Array) => (text(id) === 'shared-psk' ? psk : undefined) };
      const members = await makeGroup(suite, 3, { psks });
      const [a, b] = members;
      const external = a!.group.externalPskId(pskId);
      await commitAll(members, a!, { psks: [external] });
      assertAgreement(members);
      const resumption = b!.group.resumptionPskId(b!.group.epoch - 1n);
      const p = await b!.group.proposePsk(resumption);
      await deliver(members, b!, p);
      await commitAll(members, a!);
      assertAgreement(members);
    });

    test('GroupContextExtensions: required_capabilities', async () => {
      const members = await makeGroup(suite, 3);
      const rc = encode(requiredCapabilitiesCodec, { extensionTypes: [], proposalTypes: [], credentialTypes: [CredentialType.basic] });
      await commitAll(members, members[0]!, { groupContextExtensions: [{ extensionType: ExtensionType.requiredCapabilities, extensionData: rc }] });
      assertAgreement(members);
      assert.equal(members[2]!.group.extensions.length, 1);
    });

    test('a late joiner added by a second Commit', async () => {
      const members = await makeGroup(suite, 2);
      const e = newClient(suite, 'late');
      const kp = e.keyPackage();
      const welcome = await commitAll(members, members[1]!, { add: [kp.keyPackage], ratchetTreeExtension: false });
      const { MlsGroup } = await import('../../src/index.js');
      const tree = members[1]!.group.state.tree.encode();
      const g = await MlsGroup.join({ welcome: welcome!, keyPackages: [kp], ratchetTree: tree });
      members.push({ name: 'late', identity: e.identity, group: g });
      assertAgreement(members);
    });

    test('tampered messages of every kind are rejected and change nothing', async () => {
      const members = await makeGroup(suite, 3);
      const [a, b] = members;
      const before = b!.group.snapshot();
      const app = await a!.group.encrypt('x');
      const prop = await a!.group.proposeUpdate();
      const flip = (m: Uint8Array, at: number) => {
        const c = m.slice();
        c[at]! ^= 0x01;
        return c;
      };
      for (const m of [app, prop]) {
        for (const at of [8, Math.floor(m.length / 2), m.length - 1]) {
          await assert.rejects(b!.group.process(flip(m, at)), MlsError);
        }
      }
      assert.deepEqual(b!.group.snapshot(), before);
      // an untampered proposal is still accepted afterwards
      const r = await b!.group.process(prop);
      assert.equal(r.kind, 'proposal');
      const commit = await a!.group.commit();
      const snapshot = b!.group.snapshot();
      for (const at of [8, Math.floor(commit.commit.length / 2), commit.commit.length - 1]) {
        await assert.rejects(b!.group.process(flip(commit.commit, at)), MlsError);
      }
      assert.deepEqual(b!.group.snapshot(), snapshot);
    });

    test('snapshot and restore', async () => {
      const members = await makeGroup(suite, 3);
      const { MlsGroup } = await import('../../src/index.js');
      const restored = MlsGroup.restore(members[2]!.group.snapshot());
      members[2]!.group = restored;
      await commitAll(members, members[0]!);
      assertAgreement(members);
      const ct = await restored.encrypt('from restored');
      const r = await members[1]!.group.process(ct);
      assert.ok(r.kind === 'application' && text(r.data) === 'from restored');
    });
  });
}

describe('operations on one group', () => {
  test('run one at a time even when called concurrently', async () => {
    const [a, b] = await makeGroup(1, 2);
    // Concurrent encryptions each take their own generation; all decrypt.
    const cts = await Promise.all([a!.group.encrypt('one'), a!.group.encrypt('two'), a!.group.encrypt('three')]);
    const got = [];
    for (const ct of cts) {
      const r = await b!.group.process(ct);
      if (r.kind === 'application') got.push(text(r.data));
    }
    assert.deepEqual(got, ['one', 'two', 'three']);
    // A commit queued before an encryption makes the encryption fail (pending commit), deterministically.
    const results = await Promise.allSettled([a!.group.commit(), a!.group.encrypt('blocked')]);
    assert.equal(results[0].status, 'fulfilled');
    assert.equal(results[1].status, 'rejected');
    await a!.group.discardCommit();
    assert.equal(a!.group.hasPendingCommit, false);
  });

  test('the init key of the KeyPackage used to join is wiped', async () => {
    const members = await makeGroup(1, 1);
    const c = newClient(1, 'joiner');
    const kp = c.keyPackage();
    const welcome = await commitAll(members, members[0]!, { add: [kp.keyPackage] });
    const { MlsGroup } = await import('../../src/index.js');
    await MlsGroup.join({ welcome: welcome!, keyPackages: [kp] });
    assert.ok(kp.privateKeys.initPrivateKey.every((b) => b === 0));
  });
});

describe('external commits (§12.4.3.2)', () => {
  for (const suite of SUITES) {
    test(`suite ${suite}: a new member joins by external Commit, then resyncs`, async () => {
      const { MlsGroup } = await import('../../src/index.js');
      const members = await makeGroup(suite, 3);
      const out = await members[0]!.group.commit({ externalPub: true });
      await deliver(members, members[0]!, out.commit);
      await members[0]!.group.confirmCommit();
      const e = newClient(suite, 'external');
      const joined = await MlsGroup.joinExternal({ groupInfo: out.groupInfo, identity: e.identity });
      const newcomer = { name: 'external', identity: e.identity, group: joined.group };
      await deliver(members, newcomer, joined.commit);
      members.push(newcomer);
      assertAgreement(members);
      const ct = await newcomer.group.encrypt('joined from outside');
      const r = await members[1]!.group.process(ct);
      assert.ok(r.kind === 'application' && text(r.data) === 'joined from outside');
      // Resync: the same identity replaces its own leaf from a fresh GroupInfo.
      const gi = await members[1]!.group.commit({ externalPub: true });
      await deliver(members, members[1]!, gi.commit);
      await members[1]!.group.confirmCommit();
      const again = await MlsGroup.joinExternal({ groupInfo: gi.groupInfo, identity: e.identity, resync: newcomer.group.myLeafIndex });
      const old = members.pop()!;
      await deliver(members, { ...old, group: again.group }, again.commit);
      members.push({ ...old, group: again.group });
      assertAgreement(members);
      assert.equal(members[0]!.group.members().length, 4);
    });
  }
});

describe('tree size bound (config.maxLeaves)', () => {
  test('a Commit that would grow the tree past maxLeaves is refused; at the limit it is accepted', async () => {
    const members = await makeGroup(1, 4, { config: { maxLeaves: 4 } });
    assert.equal(members[0]!.group.state.tree.leafCount, 4);
    const kp = newClient(1, 'fifth').keyPackage();
    await assert.rejects(members[0]!.group.commit({ add: [kp.keyPackage] }), (e: unknown) => e instanceof MlsError && e.rule === 'S-2.1.2-01');
  });
});
