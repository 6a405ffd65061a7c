/**
 * Confidentiality (RFC 9420 §16.2, §6.3, §7.4–7.6, §9, §12.4.2; RFC 9750 §8.2).
 *
 * ADVERSARY 1 — the delivery service (and any network observer: it sees a superset).
 *   Capabilities: relays every byte of a multi-epoch conversation (KeyPackages, Welcomes, proposals,
 *   Commits, application messages, both handshake wire formats) and keeps all of it; stores every
 *   public GroupInfo the committers publish (with the ratchet tree in its ratchet_tree extension).
 *   It sees: exactly the bytes in its log (src/cli/delivery-service.ts keeps nothing else).
 *   It may: read, store, search and re-parse everything; it holds no member state and no private key.
 *   Claim: its log contains no plaintext (not even a 16-byte piece of one) and none of the secrets a
 *   member derives — no epoch secret of §8 Table 4, no encryption_secret, no ratchet key, nonce or
 *   ratchet secret of any message sent, no exporter output, no epoch authenticator, no HPKE private
 *   key of any tree node, no signature private key.
 *
 * ADVERSARY 2 — a removed member.
 *   Capabilities: it was a member until a Commit removed it; it keeps its whole state as it was just
 *   before it processed that Commit (a snapshot: every key it ever held), and the DS gives it every
 *   message relayed after the removal.
 *   It may: process them with its old state, and run HPKE itself with each of its private keys
 *   against every UpdatePath ciphertext of every later Commit — even given the exact HPKE context.
 *   Claim: it decrypts nothing sent after its removal is committed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryService, type LogEntry } from '../../src/cli/delivery-service.js';
import { cipherSuite, keyPackageMessage, messageInfo, MlsGroup, readKeyPackageMessage, WireFormat, type CreatedKeyPackage, type GroupConfig } from '../../src/index.js';
import { encodeGroupContext, type GroupContext } from '../../src/key-schedule/group-context.js';
import { RatchetType } from '../../src/secret-tree/secret-tree.js';
import { toHex, utf8 } from '../../src/util/bytes.js';
import { newClient } from '../helpers/group.js';
import { ContentType } from '../../src/framing/content.js';
import { decryptPrivateContent, decryptSenderData } from '../../src/framing/private-message.js';
import { commitOf, contains, epochSecrets, findSecrets, openPathWith, privateKeysOf, privateOf, ratchetSecrets, rejects, type Secret } from './helpers.js';

const SUITE = 1;
const cs = cipherSuite(SUITE);

interface Client {
  readonly name: string;
  readonly keyPackage: () => CreatedKeyPackage;
  ownKeyPackage?: CreatedKeyPackage;
  group?: MlsGroup;
  /** The state just before this client processed the Commit that removed it. */
  lastState?: Uint8Array;
  removedAt?: number;
}

/**
 * A group run through the in-process DS, recording on the side everything the adversary must not
 * learn: every plaintext, and every secret each epoch produced, taken from the members' states.
 */
class Conversation {
  readonly ds = new DeliveryService();
  readonly clients = new Map<string, Client>();
  readonly plaintexts: Secret[] = [];
  readonly secrets: Secret[] = [];
  /** GroupContext of each epoch. */
  readonly contexts = new Map<bigint, GroupContext>();
  /** encryption_secret and leaf count of each epoch. */
  readonly encryption = new Map<bigint, { secret: Uint8Array; leafCount: number }>();
  /** Application messages sent per epoch and leaf (for recomputing their keys). */
  readonly sent = new Map<bigint, Map<number, number>>();
  /** For each Commit (by DS sequence number): private keys the receivers held before it. */
  readonly receiverKeys = new Map<number, Uint8Array[]>();
  #counter = 0;

  constructor(readonly config: Partial<GroupConfig>) {}

  client(name: string): Client {
    const c = this.clients.get(name);
    assert.ok(c !== undefined, name);
    return c;
  }

  live(): Client[] {
    return [...this.clients.values()].filter((c) => c.group !== undefined && !c.group.removed);
  }

  async create(name: string): Promise<void> {
    const nc = newClient(SUITE, name);
    const group = await MlsGroup.create({ cipherSuite: cs, identity: nc.identity, config: this.config });
    this.clients.set(name, { name, keyPackage: nc.keyPackage, group });
    this.ds.subscribe(name);
    this.#record(group);
  }

  /** `by` commits `request` (adds by name: KeyPackages go through the DS), everyone syncs. */
  async commit(by: string, request: { add?: string[]; remove?: string[]; updatePath?: boolean } = {}): Promise<void> {
    const committer = this.client(by);
    const keyPackages = [];
    for (const name of request.add ?? []) {
      const nc = newClient(SUITE, name);
      const c: Client = { name, keyPackage: nc.keyPackage };
      c.ownKeyPackage = nc.keyPackage();
      this.clients.set(name, c);
      this.ds.publishKeyPackage(name, keyPackageMessage(c.ownKeyPackage.keyPackage));
      keyPackages.push(readKeyPackageMessage(this.ds.fetchKeyPackage(by, name)));
    }
    const remove = (request.remove ?? []).map((n) => this.client(n).group!.myLeafIndex);
    for (const n of request.remove ?? []) this.client(n).lastState = this.client(n).group!.snapshot();
    const out = await committer.group!.commit({ add: keyPackages, remove, ...(request.updatePath !== undefined ? { updatePath: request.updatePath } : {}) });
    const seq = this.ds.log.length;
    this.receiverKeys.set(seq, this.live().filter((c) => c !== committer && !(request.remove ?? []).includes(c.name)).flatMap((c) => c.group!.state.privateKeys.toState().keys.map((k) => k.privateKey)));
    assert.ok(this.ds.submitCommit(by, out.commit), 'the DS accepts the Commit');
    await committer.group!.confirmCommit();
    this.ds.publishGroupInfo(by, out.groupInfo);
    for (const name of request.add ?? []) this.ds.subscribe(name);
    if (out.welcome !== undefined) this.ds.sendWelcome(by, out.welcome, request.add ?? []);
    await this.sync();
    for (const n of request.remove ?? []) {
      this.client(n).removedAt = seq;
      this.ds.unsubscribe(n);
    }
    this.#record(committer.group!);
  }

  /** `name` proposes an Update of its leaf; `by` commits it. */
  async update(name: string, by: string): Promise<void> {
    this.ds.send(name, await this.client(name).group!.proposeUpdate());
    await this.sync();
    await this.commit(by);
  }

  /** `name` sends an application message (a fresh plaintext) to the group. */
  async say(name: string): Promise<void> {
    const g = this.client(name).group!;
    const text = utf8(`message ${this.#counter++} from ${name}: ${toHex(cs.random(24))}`);
    this.plaintexts.push({ label: `plaintext ${this.#counter - 1} from ${name}`, bytes: text });
    const bytes = await g.encrypt(text);
    const perLeaf = this.sent.get(g.epoch) ?? new Map<number, number>();
    perLeaf.set(g.myLeafIndex, (perLeaf.get(g.myLeafIndex) ?? 0) + 1);
    this.sent.set(g.epoch, perLeaf);
    this.ds.send(name, bytes);
    await this.sync(text);
  }

  /** Every subscriber drains its inbox in order. */
  async sync(expected?: Uint8Array): Promise<void> {
    for (const c of [...this.clients.values()]) {
      for (const e of this.ds.pull(c.name)) await this.#deliver(c, e, expected);
    }
  }

  async #deliver(c: Client, e: LogEntry, expected: Uint8Array | undefined): Promise<void> {
    if (e.kind === 'welcome') {
      c.group = await MlsGroup.join({ welcome: e.bytes, keyPackages: [c.ownKeyPackage!], config: this.config });
      return;
    }
    const r = await c.group!.process(e.bytes);
    if (r.kind === 'commit') {
      await c.group!.merge(r.staged);
    } else if (r.kind === 'application') {
      assert.deepEqual(r.data, expected);
    }
  }

  /** Records the new epoch's secrets from the member that just entered it (its secret tree is untouched). */
  #record(g: MlsGroup): void {
    const s = g.state;
    const epoch = s.context.epoch;
    const tag = `epoch ${epoch}`;
    const secrets = epochSecrets(s, tag);
    const enc = secrets.find((x) => x.label.endsWith('encryption_secret'));
    assert.ok(enc !== undefined, 'the encryption_secret is recorded while the secret tree is untouched');
    this.encryption.set(epoch, { secret: enc.bytes, leafCount: s.tree.leafCount });
    this.contexts.set(epoch, s.context);
    this.secrets.push(...secrets);
    this.secrets.push({ label: `${tag} exporter output`, bytes: g.exportSecret('confidentiality test', utf8('ctx'), 32) });
    this.secrets.push({ label: `${tag} epoch authenticator (public API)`, bytes: g.epochAuthenticator });
    for (const c of this.live()) this.secrets.push(...privateKeysOf(c.group!.state, `${tag} ${c.name}`));
    // Every member agrees on the epoch (the conversation is not testing a broken group).
    const auths = new Set(this.live().map((c) => toHex(c.group!.epochAuthenticator)));
    assert.equal(auths.size, 1);
  }

  /** The keys, nonces and ratchet secrets of every application message sent (recomputed). */
  messageKeys(): Secret[] {
    const out: Secret[] = [];
    for (const [epoch, perLeaf] of this.sent) {
      const enc = this.encryption.get(epoch)!;
      for (const [leaf, count] of perLeaf) out.push(...ratchetSecrets(cs, enc.secret, enc.leafCount, leaf, RatchetType.application, count, `epoch ${epoch}`));
    }
    return out;
  }

  /** §12.4.2: the provisional GroupContext under which the UpdatePath of the Commit ending `epoch` was encrypted. */
  provisionalContext(epoch: bigint): Uint8Array {
    const next = this.contexts.get(epoch + 1n)!;
    return encodeGroupContext({ ...next, confirmedTranscriptHash: this.contexts.get(epoch)!.confirmedTranscriptHash });
  }
}

/** The scripted conversation: adds, removes, updates, empty Commits, application data in every epoch. */
async function converse(config: Partial<GroupConfig>): Promise<Conversation> {
  const w = new Conversation(config);
  await w.create('alice');
  await w.commit('alice', { add: ['bob', 'carol', 'dave'] }); // epoch 1
  for (const n of ['alice', 'bob', 'carol', 'dave', 'bob']) await w.say(n);
  await w.update('bob', 'carol'); // epoch 2: an Update committed by another member
  for (const n of ['dave', 'alice', 'carol']) await w.say(n);
  await w.commit('alice', { remove: ['dave'] }); // epoch 3: dave is out
  for (const n of ['bob', 'carol', 'alice']) await w.say(n);
  await w.commit('carol', { add: ['erin', 'frank'] }); // epoch 4
  for (const n of ['erin', 'frank', 'alice', 'erin']) await w.say(n);
  await w.commit('frank', { updatePath: true }); // epoch 5: an empty Commit with a path
  for (const n of ['bob', 'frank']) await w.say(n);
  await w.update('erin', 'alice'); // epoch 6
  await w.commit('frank', { remove: ['bob'], add: ['grace'] }); // epoch 7: bob is out, grace in
  for (const n of ['grace', 'carol', 'alice', 'erin', 'frank']) await w.say(n);
  await w.commit('grace', { updatePath: true }); // epoch 8
  for (const n of ['alice', 'grace']) await w.say(n);
  return w;
}

/** Every 16-byte window of every plaintext (a partial leak counts as a leak). */
function plaintextPieces(plaintexts: readonly Secret[]): Secret[] {
  const out: Secret[] = [];
  for (const p of plaintexts) {
    for (let i = 0; i + 16 <= p.bytes.length; i += 8) out.push({ label: `${p.label} [${i}..${i + 16})`, bytes: p.bytes.subarray(i, i + 16) });
  }
  return out;
}

for (const handshake of ['public', 'private'] as const) {
  describe(`confidentiality against the delivery service (handshake messages as ${handshake === 'public' ? 'PublicMessage' : 'PrivateMessage'})`, () => {
    let w: Conversation;
    let log: Uint8Array[];

    test('the conversation runs (8 epochs, 7 clients, adds, removes, updates, 24 application messages)', async () => {
      w = await converse({ handshakeWireFormat: handshake });
      log = w.ds.log.map((e) => e.bytes);
      assert.equal(w.live()[0]!.group!.epoch, 8n);
      assert.equal(w.plaintexts.length, 24);
      const stats = w.ds.stats();
      assert.equal(stats.application.count, 24);
      assert.equal(stats['group-info'].count, 8);
      assert.equal(stats.commit.count, 8);
      assert.equal(stats.welcome.count, 3);
      assert.equal(stats['key-package'].count, 6);
      // The DS only ever saw application data as PrivateMessage, and handshakes in the configured format.
      for (const e of w.ds.log) {
        const info = messageInfo(e.bytes);
        if (e.kind === 'application') assert.equal(info.wireFormat, WireFormat.mls_private_message);
        if (e.kind === 'commit' || e.kind === 'proposal') assert.equal(info.wireFormat, handshake === 'public' ? WireFormat.mls_public_message : WireFormat.mls_private_message);
      }
    });

    test('no plaintext, and no 16-byte piece of one, is in anything the DS stored', () => {
      assert.deepEqual(findSecrets(log, w.plaintexts), []);
      assert.deepEqual(findSecrets(log, plaintextPieces(w.plaintexts)), []);
    });

    test('no epoch secret, encryption_secret, exporter output or epoch authenticator of any epoch is in the log', () => {
      const epochs = w.secrets.filter((s) => !s.label.includes('private key'));
      assert.ok(epochs.length >= 9 * 11, `recorded ${epochs.length} epoch secrets`);
      assert.deepEqual(findSecrets(log, epochs), []);
    });

    test('no key, nonce or ratchet secret of any application message is in the log', () => {
      const keys = w.messageKeys();
      assert.ok(keys.length >= 24 * 3, `${keys.length} keys`);
      assert.deepEqual(findSecrets(log, keys), []);
    });

    test('no HPKE private key of any tree node and no signature private key of any member is in the log', () => {
      const keys = w.secrets.filter((s) => s.label.includes('private key'));
      assert.ok(keys.length > 50, `${keys.length} private keys recorded`);
      assert.deepEqual(findSecrets(log, keys), []);
    });

    test('controls: the search finds what the application itself puts in the clear, and the recorded secrets are the real ones', async () => {
      const alice = w.client('alice').group!;
      const leak = utf8(`leaked in the clear ${toHex(cs.random(16))}`);
      const bytes = await alice.encrypt(utf8('x'), { authenticatedData: leak });
      assert.deepEqual(findSecrets([bytes], [{ label: 'aad', bytes: leak }]), ['aad']);
      // With the recorded sender_data_secret and the recomputed ratchet key, the first application
      // message in the log decrypts to the first plaintext: what was searched for is what protects it.
      const first = w.ds.log.find((e) => e.kind === 'application')!;
      const msg = privateOf(first.bytes);
      const sds = w.secrets.find((s) => s.label === `epoch ${msg.epoch} sender_data_secret`)!;
      const sd = decryptSenderData(cs, msg, sds.bytes);
      const enc = w.encryption.get(msg.epoch)!;
      const keys = ratchetSecrets(cs, enc.secret, enc.leafCount, sd.leafIndex, RatchetType.application, sd.generation + 1, 'control');
      const key = keys.find((k) => k.label.endsWith(`key[${sd.generation}]`))!.bytes;
      const nonce = keys.find((k) => k.label.endsWith(`nonce[${sd.generation}]`))!.bytes;
      const { content } = decryptPrivateContent(cs, msg, sd, { key, nonce });
      assert.ok(content.contentType === ContentType.application, 'application data');
      assert.deepEqual(content.applicationData, w.plaintexts[0]!.bytes);
    });
  });
}

describe('a removed member decrypts nothing sent after its removal is committed', () => {
  let w: Conversation;
  test('setup: the conversation, with dave removed in epoch 2→3 and bob in 6→7', async () => {
    w = await converse({});
    for (const n of ['dave', 'bob']) {
      assert.ok(w.client(n).group!.removed, `${n} is removed`);
      assert.ok(w.client(n).lastState !== undefined && w.client(n).removedAt !== undefined, `${n}'s last state is kept`);
    }
  });

  for (const name of ['dave', 'bob']) {
    test(`${name}, replaying its last state, rejects every later message with a typed error`, async () => {
      const c = w.client(name);
      const thief = MlsGroup.restore(c.lastState!);
      const later = w.ds.log.filter((e) => e.seq > c.removedAt! && (e.kind === 'application' || e.kind === 'commit' || e.kind === 'proposal'));
      assert.ok(later.length >= 8, `${later.length} later messages`);
      for (const e of later) {
        await rejects(thief.process(e.bytes), {}, `${e.kind} #${e.seq}`);
      }
      // The removal itself only tells it that it is out: there is no next state to learn.
      const removal = w.ds.log[c.removedAt!]!;
      const r = await thief.process(removal.bytes);
      assert.ok(r.kind === 'commit' && r.staged.effects.removedSelf, 'the removal is seen as such');
    });

    test(`${name}'s private keys open no UpdatePath ciphertext of the removal or any later Commit (given the exact HPKE context)`, () => {
      const c = w.client(name);
      const state = MlsGroup.restore(c.lastState!).state;
      const keys = state.privateKeys.toState().keys.map((k) => k.privateKey);
      assert.ok(keys.length >= 1, 'the removed member held private keys');
      let commits = 0;
      for (const e of w.ds.log.filter((x) => x.kind === 'commit' && x.seq >= c.removedAt!)) {
        const { content } = commitOf(e.bytes);
        if (content.commit.path === undefined) continue;
        const ctx = w.provisionalContext(content.epoch);
        // Positive control: the members that stayed open it with their own keys under this context.
        assert.ok(openPathWith(cs, content.commit, w.receiverKeys.get(e.seq)!, ctx) >= 1, `control: commit #${e.seq}`);
        assert.equal(openPathWith(cs, content.commit, keys, ctx), 0, `commit #${e.seq}`);
        commits++;
      }
      assert.ok(commits >= 2, `${commits} Commits with a path checked`);
    });

    test(`${name}'s last state holds none of the later epochs' secrets`, () => {
      const c = w.client(name);
      const removedEpoch = MlsGroup.restore(c.lastState!).epoch;
      const later = w.secrets.filter((s) => {
        const m = /^epoch (\d+) /.exec(s.label);
        return m !== null && BigInt(m[1]!) > removedEpoch && !s.label.includes('private key');
      });
      assert.ok(later.length > 20, `${later.length} later secrets`);
      assert.deepEqual(findSecrets([c.lastState!], later), []);
      assert.ok(!contains(c.lastState!, w.encryption.get(removedEpoch + 1n)!.secret), 'the next encryption_secret is not in it');
    });
  }
});
