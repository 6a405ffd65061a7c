/**
 * Test helpers (test-only): build groups of real members through the public API, and deliver a
 * handshake message to every other member the way a delivery service would.
 */
import assert from 'node:assert/strict';
import { MlsGroup, basicCredential, cipherSuite, createKeyPackage, generateIdentity, type CreatedKeyPackage, type Identity, type GroupConfig, type PskLookup } from '../../src/index.js';
import { toHex } from '../../src/util/bytes.js';

export interface Member {
  name: string;
  identity: Identity;
  group: MlsGroup;
}

export function newClient(suite: number, name: string): { identity: Identity; keyPackage: () => CreatedKeyPackage } {
  const cs = cipherSuite(suite);
  const identity = generateIdentity(cs, basicCredential(name));
  return {
    identity,
    keyPackage: () => createKeyPackage({ cipherSuite: cs, credential: identity.credential, signaturePrivateKey: identity.signaturePrivateKey, signaturePublicKey: identity.signaturePublicKey }),
  };
}

export interface Options {
  config?: Partial<GroupConfig>;
  psks?: PskLookup;
}

/** A group of `n` members: the first creates it and adds the others in one Commit. */
export async function makeGroup(suite: number, n: number, options: Options = {}): Promise<Member[]> {
  const cs = cipherSuite(suite);
  const names = Array.from({ length: n }, (_, i) => `member-${i}`);
  const creator = newClient(suite, names[0]!);
  const group = await MlsGroup.create({ cipherSuite: cs, identity: creator.identity, ...(options.config ? { config: options.config } : {}), ...(options.psks ? { psks: options.psks } : {}) });
  const members: Member[] = [{ name: names[0]!, identity: creator.identity, group }];
  if (n === 1) return members;
  const others = names.slice(1).map((name) => ({ name, client: newClient(suite, name) }));
  const kps = others.map((o) => o.client.keyPackage());
  const { welcome } = await group.commit({ add: kps.map((k) => k.keyPackage) });
  await group.confirmCommit();
  for (let i = 0; i < others.length; i++) {
    const g = await MlsGroup.join({ welcome: welcome!, keyPackages: [kps[i]!], ...(options.config ? { config: options.config } : {}), ...(options.psks ? { psks: options.psks } : {}) });
    members.push({ name: others[i]!.name, identity: others[i]!.client.identity, group: g });
  }
  return members;
}

/** Delivers a handshake message from `from` to every other member, and merges Commits. */
export async function deliver(members: readonly Member[], from: Member, message: Uint8Array): Promise<void> {
  for (const m of members) {
    if (m === from) continue;
    const r = await m.group.process(message);
    if (r.kind === 'commit') await m.group.merge(r.staged);
  }
}

/** `from` commits `request`, everyone else processes it, the committer confirms. Returns the Welcome. */
export async function commitAll(members: readonly Member[], from: Member, request: Parameters<MlsGroup['commit']>[0] = {}): Promise<Uint8Array | undefined> {
  const out = await from.group.commit(request);
  await deliver(members, from, out.commit);
  await from.group.confirmCommit();
  return out.welcome;
}

/** Every member is in the same epoch with the same epoch authenticator and exporter output. */
export function assertAgreement(members: readonly Member[]): void {
  const live = members.filter((m) => !m.group.removed);
  const epochs = new Set(live.map((m) => m.group.epoch));
  assert.equal(epochs.size, 1, `members disagree on the epoch: ${[...epochs].join(', ')}`);
  const auths = new Set(live.map((m) => toHex(m.group.epochAuthenticator)));
  assert.equal(auths.size, 1, 'members disagree on the epoch authenticator');
  const exported = new Set(live.map((m) => toHex(m.group.exportSecret('test', new Uint8Array([1]), 16))));
  assert.equal(exported.size, 1, 'members disagree on the exporter');
}
