/**
 * A mixed group as a delivery service sees it (test-only): every handshake message goes to every
 * other live member, whichever implementation it runs, and after each step `check()` asserts that
 * all members agree on the epoch, the epoch authenticator (§8.7), an MLS-Exporter output (§8.5)
 * and the roster.
 */
import assert from 'node:assert/strict';
import { MlsError } from '../../src/index.js';
import { createGroup, newClient, other, toHex, utf8, type Client, type ClientOptions, type CommitOutput, type CommitSpec, type Impl, type Peer, type Processed } from './adapter.js';

export const EXPORTER_LABEL = 'interop test';
export const EXPORTER_CONTEXT = new Uint8Array([0x69, 0x6f, 0x70]);
export const EXPORTER_LENGTH = 32;

export interface MixedCommit extends CommitSpec {
  /** Clients added by value: their KeyPackages go into `add`, and they join from the Welcome. */
  readonly addClients?: readonly Client[];
  /** Clients whose Add proposals were sent by reference earlier: they join from the Welcome too. */
  readonly joinersByReference?: readonly Client[];
  /** A joiner's failure this returns true for is tolerated (the client stays out of `members`). */
  readonly tolerateJoinFailure?: (client: Client, err: unknown) => boolean;
}

export class MixedGroup {
  members: Peer[];

  private constructor(
    readonly suite: number,
    readonly options: ClientOptions,
    creator: Peer,
  ) {
    this.members = [creator];
  }

  static async create(impl: Impl, suite: number, name: string, options: ClientOptions = {}): Promise<MixedGroup> {
    return new MixedGroup(suite, options, await createGroup(impl, suite, name, options));
  }

  byName(name: string): Peer {
    const p = this.members.find((m) => m.name === name);
    if (p === undefined) throw new Error(`no member ${name}`);
    return p;
  }

  /** Sends `message` from `from` to every other member; returns what each one made of it. */
  async deliver(from: Peer, message: Uint8Array): Promise<Processed[]> {
    const out: Processed[] = [];
    for (const m of this.members) {
      if (m === from) continue;
      try {
        out.push(await m.process(message));
      } catch (err) {
        throw new Error(`${m.impl} member ${m.name} rejected a message from ${from.impl} member ${from.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
    return out;
  }

  /** `from` sends a proposal by reference (made by `make`), delivered to everyone else. */
  async propose(from: Peer, make: (p: Peer) => Promise<Uint8Array>): Promise<void> {
    const message = await make(from);
    const results = await this.deliver(from, message);
    for (const r of results) assert.equal(r.kind, 'proposal');
  }

  /**
   * `from` commits and adopts the new epoch, every other member processes the Commit, joiners
   * join.
   *
   * Known peer defect (docs/interop.md, peer-defects.test.ts): a ts-mls member cannot process a
   * Commit that removes it — and every valid Commit with a Remove has a path. It throws an
   * InternalError ("No overlap between provided private keys and update path") or, when the
   * removal truncates the tree past its leaf, loops until V8 aborts the whole process. So the
   * Commit is not delivered to ts-mls members it removes; they are counted in
   * `removedTsMlsSkipped`. Removed mlskit members do process it, and must report the removal.
   */
  async commit(from: Peer, spec: MixedCommit = {}): Promise<CommitOutput> {
    const addClients = spec.addClients ?? [];
    const out = await from.commit({ ...spec, add: [...(spec.add ?? []), ...addClients.map((c) => c.keyPackage)] });
    await from.confirm();
    const stillIn = new Set(from.roster().map((r) => r.slice(r.indexOf(':') + 1)));
    for (const m of this.members) {
      if (m === from) continue;
      const removed = !stillIn.has(m.name);
      if (removed && m.impl === 'ts-mls') {
        this.removedTsMlsSkipped++;
        continue;
      }
      try {
        if (process.env['INTEROP_TRACE'] !== undefined) console.log(`  ${m.impl} ${m.name}@${m.leafIndex} processes`);
        assert.equal((await m.process(out.commit)).kind, 'commit');
      } catch (err) {
        throw new Error(`${m.impl} member ${m.name} rejected a Commit from ${from.impl} member ${from.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      assert.equal(m.removed, removed, `${m.impl} member ${m.name}: removed is ${m.removed}, the roster says ${removed}`);
    }
    // Members removed by this Commit leave the group.
    this.members = this.members.filter((m) => stillIn.has(m.name));
    const joiners = [...addClients, ...(spec.joinersByReference ?? [])];
    if (joiners.length > 0) {
      assert.ok(out.welcome !== undefined, 'a Commit that adds members comes with a Welcome');
      for (const c of joiners) {
        try {
          this.members.push(await c.join(out.welcome, spec.treeInGroupInfo === false ? out.ratchetTree : undefined));
        } catch (err) {
          if (spec.tolerateJoinFailure?.(c, err) === true) continue;
          throw new Error(`${c.impl} client ${c.name} could not join from a ${from.impl} Welcome: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
      }
    }
    return out;
  }

  /** ts-mls members removed by a Commit, which was therefore not delivered to them (known peer defect). */
  removedTsMlsSkipped = 0;

  /** Every member: same epoch, epoch authenticator, exporter output and roster. */
  async check(): Promise<void> {
    const [first, ...rest] = this.members;
    assert.ok(first !== undefined);
    const view = async (p: Peer) => ({
      epoch: p.epoch,
      authenticator: toHex(p.epochAuthenticator()),
      exported: toHex(await p.exportSecret(EXPORTER_LABEL, EXPORTER_CONTEXT, EXPORTER_LENGTH)),
      roster: p.roster().join(','),
    });
    const want = await view(first);
    for (const p of rest) {
      const got = await view(p);
      const who: string = `${p.impl} ${p.name} vs ${first.impl} ${first.name}`;
      assert.equal(got.epoch, want.epoch, `epoch: ${who}`);
      assert.equal(got.roster, want.roster, `roster: ${who}`);
      assert.equal(got.authenticator, want.authenticator, `epoch authenticator: ${who}`);
      assert.equal(got.exported, want.exported, `exporter: ${who}`);
    }
  }

  /** `from` encrypts `data`; every other member decrypts it to the same bytes. */
  async message(from: Peer, data: Uint8Array): Promise<void> {
    const ct = await from.encrypt(data);
    const results = await this.deliver(from, ct);
    for (const r of results) {
      assert.equal(r.kind, 'application');
      if (r.kind === 'application') assert.deepEqual(r.data, data);
    }
  }
}

export const PSK_ID = utf8('interop external psk');
export const PSK_SECRET = new Uint8Array(32).fill(0x5a);
export const OPTIONS: ClientOptions = { psks: [[PSK_ID, PSK_SECRET]] };

/**
 * The base group for a direction: X (the creator's implementation) creates; X adds two Y members,
 * the first with the tree in the GroupInfo, the second with the tree out of band; then a Y member
 * adds a second X member. Agreement is checked after each step. Members: x0, y1, y2, x3.
 */
export async function baseGroup(creator: Impl, suite: number, options: ClientOptions = OPTIONS): Promise<MixedGroup> {
  const X = creator;
  const Y = other(creator);
  const g = await MixedGroup.create(X, suite, 'x0', options);
  await g.check();
  await g.commit(g.byName('x0'), { addClients: [await newClient(Y, suite, 'y1', options)], treeInGroupInfo: true });
  await g.check();
  await g.commit(g.byName('x0'), { addClients: [await newClient(Y, suite, 'y2', options)], treeInGroupInfo: false });
  await g.check();
  await g.commit(g.byName('y1'), { addClients: [await newClient(X, suite, 'x3', options)], treeInGroupInfo: true });
  await g.check();
  return g;
}

/** An MlsError with this RFC rule id (mlskit's errors name the rule they enforce). */
export const isRule = (rule: string) => (e: unknown) => e instanceof MlsError && e.rule === rule;

