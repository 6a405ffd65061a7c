/**
 * A mixed group of 16 (8 mlskit, 8 ts-mls) runs 50 random epochs — Adds, Removes and Updates,
 * by value and by reference, committed by either implementation — with application messages
 * (some out of order) between them; after every epoch all members agree on the epoch, the epoch
 * authenticator, an MLS-Exporter output and the roster. The operations come from a seeded PRNG,
 * so a run is reproducible (INTEROP_SEED overrides the seed). Suite 1 only: the scenario matrix
 * (scenarios.test.ts) covers the seven suites.
 *
 * Peer: ts-mls 2.0.0-rc.10 through its public API (adapter.ts; ts-mls imports the undeclared
 * @noble/hashes, a dev dependency here). The known ts-mls defects (peer-defects.test.ts,
 * docs/interop.md) shape what a ts-mls committer is given:
 *  - its Removes come in pairs (it adds the required path only for more than one Remove, §12.4);
 *  - it never commits Update proposals (no path for one; the wrong keys for several, §7.5) nor
 *    an Add together with a path (§7.6): its Updates are empty Commits;
 *  - a ts-mls member cannot process the Commit that removes it (an error, or a V8 abort of the
 *    whole process when the tree shrinks past its leaf): it is not sent that Commit (counted);
 *  - a ts-mls joiner rejects valid trees with nested unmerged leaves (§12.4.3.1): it stays out,
 *    its leaf ("ghost") is counted and removed in the next epoch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newClient, utf8, text, type Client, type Impl, type Peer } from './adapter.js';
import { MixedGroup, OPTIONS } from './harness.js';

const SUITE = 1;
const EPOCHS = 50;
const SEED = Number(process.env['INTEROP_SEED'] ?? 0x7e57_1d07);

/** mulberry32: a small, well-distributed 32-bit PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test(`random mixed group: 16 members, ${EPOCHS} epochs of add/remove/update/message (suite ${SUITE}, seed ${SEED})`, async () => {
  const rnd = prng(SEED);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => {
    assert.ok(xs.length > 0);
    return xs[int(xs.length)]!;
  };
  const shuffle = <T>(xs: readonly T[]): T[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  let serial = 0;
  const client = (impl: Impl): Promise<Client> => newClient(impl, SUITE, `${impl === 'mlskit' ? 'm' : 't'}${serial++}`, OPTIONS);

  const stats = { add: 0, addByRef: 0, remove: 0, removeByRef: 0, update: 0, updateByRef: 0, emptyCommit: 0, messages: 0, ghosts: 0, ghostRemovals: 0, commitsBy: { mlskit: 0, 'ts-mls': 0 } as Record<Impl, number> };
  const ghostTolerance = (c: Client, err: unknown) => {
    const ok = c.impl === 'ts-mls' && err instanceof Error && /non-blank intermediate node must list leaf node in its unmerged_leaves/.test(err.message);
    if (ok) stats.ghosts++;
    return ok;
  };

  // 16 members: an mlskit member creates and adds 8 ts-mls clients, a ts-mls member adds 7 mlskit ones
  const g = await MixedGroup.create('mlskit', SUITE, `m${serial++}`, OPTIONS);
  await g.commit(g.members[0]!, { addClients: await Promise.all(Array.from({ length: 8 }, () => client('ts-mls'))) });
  await g.commit(g.members[1]!, { addClients: await Promise.all(Array.from({ length: 7 }, () => client('mlskit'))) });
  await g.check();
  const of = (impl: Impl) => g.members.filter((m) => m.impl === impl);
  assert.equal(of('mlskit').length, 8);
  assert.equal(of('ts-mls').length, 8);

  /** Leaves in the roster whose client could not join (ts-mls defect): removed next. */
  const ghosts = (): number[] => {
    const names = new Set(g.members.map((m) => m.name));
    return g.members[0]!.roster()
      .map((r) => [Number(r.slice(0, r.indexOf(':'))), r.slice(r.indexOf(':') + 1)] as const)
      .filter(([, name]) => !names.has(name))
      .map(([leaf]) => leaf);
  };
  /** Members that may be removed without leaving an implementation with fewer than 4. */
  const removable = (except: readonly Peer[]) => g.members.filter((m) => !except.includes(m) && of(m.impl).length - except.filter((e) => e.impl === m.impl && e !== m).length > 4);

  const messages = async () => {
    const from = pick(g.members);
    const n = 1 + int(3);
    const cts: Uint8Array[] = [];
    for (let i = 0; i < n; i++) cts.push(await from.encrypt(utf8(`${from.name} says ${i}`)));
    // delivered to everyone in one random order (out of order within the window)
    const order = shuffle(cts.map((_, i) => i));
    for (const m of g.members) {
      if (m === from) continue;
      for (const i of order) {
        const r = await m.process(cts[i]!);
        assert.ok(r.kind === 'application' && text(r.data) === `${from.name} says ${i}`, `${m.impl} ${m.name} reads ${from.impl} ${from.name}'s message ${i}`);
      }
    }
    stats.messages += n;
  };

  const trace = process.env['INTEROP_TRACE'] !== undefined;
  const commitBy = async (committer: Peer, spec: Parameters<MixedGroup['commit']>[1]) => {
    // eslint-disable-next-line no-console
    if (trace) console.log(`epoch ${committer.epoch}: ${committer.impl} ${committer.name}@${committer.leafIndex} commits ${JSON.stringify({ ...spec, addClients: spec?.addClients?.map((c) => c.name), joinersByReference: spec?.joinersByReference?.map((c) => c.name) })}; roster ${g.members[0]!.roster().join(' ')}`);
    await g.commit(committer, { ...spec, tolerateJoinFailure: ghostTolerance });
    stats.commitsBy[committer.impl]++;
  };

  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    if (rnd() < 0.6) await messages();
    const lost = ghosts();
    const size = g.members.length + lost.length;
    const kind = lost.length > 0 ? 'ghost' : size <= 14 ? 'add' : size >= 20 ? 'remove' : pick(['add', 'remove', 'update', 'update'] as const);
    switch (kind) {
      case 'ghost': {
        // a ts-mls client could not join (known defect): an mlskit member removes its leaf
        const committer = pick(of('mlskit'));
        await commitBy(committer, { remove: lost });
        stats.ghostRemovals++;
        break;
      }
      case 'add': {
        const fewer: Impl = of('mlskit').length < of('ts-mls').length ? 'mlskit' : of('ts-mls').length < of('mlskit').length ? 'ts-mls' : pick(['mlskit', 'ts-mls'] as const);
        const joiners = [await client(fewer), ...(rnd() < 0.3 ? [await client(pick(['mlskit', 'ts-mls'] as const))] : [])];
        const committer = pick(g.members);
        if (rnd() < 0.3) {
          for (const j of joiners) await g.propose(pick(g.members), (p) => p.proposeAdd(j.keyPackage));
          await commitBy(committer, { joinersByReference: joiners });
          stats.addByRef++;
        } else {
          // an mlskit committer sometimes adds a path too (ts-mls must not: §7.6 defect)
          await commitBy(committer, { addClients: joiners, ...(committer.impl === 'mlskit' && rnd() < 0.3 ? { updatePath: true } : {}) });
          stats.add++;
        }
        break;
      }
      case 'remove': {
        const committer = pick(g.members);
        const count = committer.impl === 'ts-mls' ? 2 : 1 + (rnd() < 0.3 ? 1 : 0);
        const victims: Peer[] = [];
        for (let i = 0; i < count; i++) victims.push(pick(removable([committer, ...victims])));
        if (rnd() < 0.3) {
          for (const v of victims) await g.propose(pick(g.members.filter((m) => m !== v)), (p) => p.proposeRemove(v.leafIndex));
          await commitBy(committer, {});
          stats.removeByRef++;
        } else {
          await commitBy(committer, { remove: victims.map((v) => v.leafIndex) });
          stats.remove++;
        }
        break;
      }
      case 'update': {
        const committer = pick(g.members);
        if (committer.impl === 'mlskit' && rnd() < 0.4) {
          // an Update proposal by another mlskit member, committed by this one
          const updater = pick(of('mlskit').filter((m) => m !== committer));
          await g.propose(updater, (p) => p.proposeUpdate());
          await commitBy(committer, {});
          stats.updateByRef++;
        } else {
          await commitBy(committer, {});
          stats.emptyCommit++;
        }
        stats.update++;
        break;
      }
    }
    await g.check();
  }
  await messages();
  assert.ok(of('mlskit').length >= 4 && of('ts-mls').length >= 4);
  // eslint-disable-next-line no-console
  console.log(`random interop run (seed ${SEED}): ${JSON.stringify({ ...stats, removedTsMlsSkipped: g.removedTsMlsSkipped, finalSize: g.members.length })}`);
});
