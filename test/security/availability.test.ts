/**
 * Availability (RFC 9420 §14 sequencing, §15.3 out-of-order delivery and its bounds, §9.1
 * ratchets, §12.1 proposals by reference; D-09 past epochs).
 *
 * ADVERSARY — an unreliable network (or a DS that delays, reorders and drops), and honest members
 *   that go offline. It may delay any message arbitrarily, deliver application messages in any
 *   order, interleave garbage, and deliver everything to a member that was offline for many epochs.
 *   It cannot forge (see authenticity) and a Commit sequence is the one the DS ordered (§14).
 *   Claim: a member offline for many epochs catches up by processing the stored handshake messages
 *   in order; application messages of the previous config.pastEpochs epochs still decrypt after a
 *   Commit; out-of-order delivery within the ratchet window (maxForwardDistance, maxSkippedKeys)
 *   works; beyond it, and beyond the past-epoch window, the result is a typed ValidationError with
 *   a rule id (S-15.3-02, S-15.3-01, D-09, R-9.1-01) — never a crash, never a changed state.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MlsGroup, ValidationError } from '../../src/index.js';
import { assertAgreement, commitAll, deliver, makeGroup, newClient, type Member } from '../helpers/group.js';
import { flipBit, rejects } from './helpers.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function readsAs(g: MlsGroup, message: Uint8Array, expected: string): Promise<void> {
  const r = await g.process(message);
  assert.ok(r.kind === 'application' && text(r.data) === expected, `expected "${expected}"`);
}

describe('a member offline for many epochs catches up', () => {
  test('12 epochs of adds, removes, Updates, proposals by reference and messages, delivered to dave afterwards in order', async () => {
    const members = await makeGroup(1, 5);
    const [alice, bob, carol, dave, erin] = members as [Member, Member, Member, Member, Member];
    const online = [alice, bob, carol, erin]; // dave is offline
    /** Everything the DS stored for dave while he was away, in DS order. */
    const queue: { bytes: Uint8Array; expect?: string }[] = [];
    const broadcast = async (from: Member, bytes: Uint8Array) => {
      await deliver(online.filter((m) => !m.group.removed), from, bytes);
      queue.push({ bytes });
    };
    const commit = async (from: Member, request: Parameters<MlsGroup['commit']>[0] = {}) => {
      const out = await from.group.commit(request);
      await broadcast(from, out.commit);
      await from.group.confirmCommit();
      return out;
    };
    const say = async (from: Member, s: string) => {
      const ct = await from.group.encrypt(s);
      for (const m of online) if (m !== from && !m.group.removed) await readsAs(m.group, ct, s);
      queue.push({ bytes: ct, expect: s });
    };
    let joiners = 0;
    for (let e = 0; e < 12; e++) {
      const live = online.filter((m) => !m.group.removed);
      const by = live[e % live.length]!;
      switch (e % 4) {
        case 0: {
          const name = `joiner-${joiners++}`;
          const c = newClient(1, name);
          const kp = c.keyPackage();
          const out = await commit(by, { add: [kp.keyPackage] });
          online.push({ name, identity: c.identity, group: await MlsGroup.join({ welcome: out.welcome!, keyPackages: [kp] }) });
          break;
        }
        case 1: {
          const other = live[(e + 1) % live.length]!;
          await broadcast(other, await other.group.proposeUpdate());
          await commit(by);
          break;
        }
        case 2:
          await commit(by, { updatePath: true });
          break;
        case 3: {
          const victim = online.find((m) => m.name.startsWith('joiner') && !m.group.removed);
          if (victim !== undefined) {
            await broadcast(by, await by.group.proposeRemove(victim.group.myLeafIndex));
            await commit(by === victim ? live.find((m) => m !== victim)! : by);
          } else await commit(by, { updatePath: true });
          break;
        }
      }
      for (const m of online.filter((x) => !x.group.removed).slice(0, 2)) await say(m, `epoch ${m.group.epoch} from ${m.name}`);
    }
    const epoch = alice.group.epoch;
    assert.ok(epoch - dave.group.epoch >= 12n, `dave is ${epoch - dave.group.epoch} epochs behind`);
    // dave comes back and processes what was stored for him, in order.
    let read = 0;
    for (const item of queue) {
      const r = await dave.group.process(item.bytes);
      if (r.kind === 'commit') await dave.group.merge(r.staged);
      if (r.kind === 'application') {
        assert.equal(text(r.data), item.expect);
        read++;
      }
    }
    assert.equal(read, queue.filter((q) => q.expect !== undefined).length);
    assertAgreement([...online, dave].filter((m) => !m.group.removed));
  });

  test('handshakes first, application messages afterwards: exactly those within pastEpochs decrypt; the others are D-09', async () => {
    for (const pastEpochs of [1, 3]) {
      const members = await makeGroup(1, 3, { config: { pastEpochs } });
      const [alice, bob, carol] = members as [Member, Member, Member];
      const handshakes: Uint8Array[] = [];
      const apps: { epoch: bigint; bytes: Uint8Array; s: string }[] = [];
      for (let e = 0; e < 6; e++) {
        const s = `epoch ${alice.group.epoch}`;
        apps.push({ epoch: alice.group.epoch, bytes: await alice.group.encrypt(s), s });
        const out = await alice.group.commit({ updatePath: true });
        await deliver([alice, bob], alice, out.commit);
        await alice.group.confirmCommit();
        handshakes.push(out.commit);
      }
      for (const h of handshakes) {
        const r = await carol.group.process(h);
        assert.equal(r.kind, 'commit');
        if (r.kind === 'commit') await carol.group.merge(r.staged);
      }
      for (const a of apps) {
        if (carol.group.epoch - a.epoch <= BigInt(pastEpochs)) await readsAs(carol.group, a.bytes, a.s);
        else await rejects(carol.group.process(a.bytes), { rule: 'D-09', code: 'ERR_VALIDATION_EPOCH' }, a.s);
      }
    }
  });

  test('a Commit that refers to a proposal the member has not seen yet: D-05; after the proposal, it applies', async () => {
    const members = await makeGroup(1, 3);
    const [alice, bob, carol] = members as [Member, Member, Member];
    const up = await bob.group.proposeUpdate();
    await alice.group.process(up);
    const out = await alice.group.commit();
    const before = carol.group.snapshot();
    await rejects(carol.group.process(out.commit), { rule: 'D-05' });
    assert.deepEqual(carol.group.snapshot(), before);
    await carol.group.process(up);
    const r = await carol.group.process(out.commit);
    assert.equal(r.kind, 'commit');
    if (r.kind === 'commit') await carol.group.merge(r.staged);
    const rb = await bob.group.process(out.commit);
    if (rb.kind === 'commit') await bob.group.merge(rb.staged);
    await alice.group.confirmCommit();
    assertAgreement(members);
  });
});

describe('out-of-order application messages', () => {
  test('any order within the window decrypts (fast-check permutations of 32 messages, maxSkippedKeys 32)', async () => {
    const [alice, bob] = (await makeGroup(1, 2, { config: { ratchetWindow: { maxForwardDistance: 64, maxSkippedKeys: 32 } } })) as [Member, Member];
    let base = 0;
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray([...Array(32).keys()], { minLength: 32, maxLength: 32 }), async (order) => {
        const msgs: Uint8Array[] = [];
        for (let i = 0; i < 32; i++) msgs.push(await alice.group.encrypt(`m${base + i}`));
        for (const i of order) await readsAs(bob.group, msgs[i]!, `m${base + i}`);
        base += 32;
      }),
      { seed: 42, numRuns: 8 },
    );
  });

  test('garbage interleaved with delayed messages consumes nothing: every genuine message still decrypts', async () => {
    const [alice, bob] = (await makeGroup(1, 2)) as [Member, Member];
    const msgs: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) msgs.push(await alice.group.encrypt(`m${i}`));
    for (const i of [9, 3, 0, 7, 1, 8, 2, 6, 4, 5]) {
      for (let k = 0; k < 5; k++) await rejects(bob.group.process(flipBit(msgs[(i + k) % 10]!, 8 * (20 + k * 7))));
      await readsAs(bob.group, msgs[i]!, `m${i}`);
    }
  });

  test('beyond the window: typed errors with rule ids, and the state is unchanged', async () => {
    const window = { maxForwardDistance: 5, maxSkippedKeys: 3 };
    const [alice, bob] = (await makeGroup(1, 2, { config: { ratchetWindow: window } })) as [Member, Member];
    const msgs: Uint8Array[] = [];
    for (let i = 0; i < 12; i++) msgs.push(await alice.group.encrypt(`m${i}`));
    let before = bob.group.snapshot();
    // generation 6 is 6 ahead of the next expected (0): too far (S-15.3-02)
    const e1 = await rejects(bob.group.process(msgs[6]!), { rule: 'S-15.3-02', code: 'ERR_VALIDATION_GENERATION_TOO_FAR' });
    assert.ok(e1 instanceof ValidationError, 'a ValidationError');
    assert.deepEqual(bob.group.snapshot(), before);
    // generation 5 is within reach: 0..4 are skipped, only the newest 3 (2, 3, 4) are kept
    await readsAs(bob.group, msgs[5]!, 'm5');
    before = bob.group.snapshot();
    for (const i of [0, 1]) await rejects(bob.group.process(msgs[i]!), { rule: 'S-15.3-01', code: 'ERR_VALIDATION_GENERATION_EXPIRED' });
    assert.deepEqual(bob.group.snapshot(), before);
    for (const i of [4, 2, 3]) await readsAs(bob.group, msgs[i]!, `m${i}`);
    // a replay of a used key: R-9.1-01
    await rejects(bob.group.process(msgs[5]!), { rule: 'R-9.1-01', code: 'ERR_VALIDATION_GENERATION_CONSUMED' });
    // and the rest of the stream flows on
    for (let i = 6; i < 12; i++) await readsAs(bob.group, msgs[i]!, `m${i}`);
    await commitAll([alice, bob], alice);
    assert.ok((await bob.group.process(await alice.group.encrypt('next epoch'))).kind === 'application', 'next epoch works');
  });
});
