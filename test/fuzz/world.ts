/**
 * The fuzzing fixture (test-only): a real group, built deterministically from a seed — a seeded
 * random source injected through the cipher suite (STYLE principle 11) and a fixed clock — and a
 * valid sample of every wire type, for the mutators to start from.
 *
 *   alice (leaf 0)  creates the group, commits (PublicMessage), sends application data
 *   bob   (leaf 1)  THE RECEIVER every receive-path input goes to (pastEpochs 1)
 *   carol (leaf 2)  sends its handshake messages as PrivateMessage
 *   dave  (leaf 3)  commits an epoch change, so that a past-epoch message exists
 *   joiner          has a KeyPackage and a Welcome (the join-path target)
 *
 * Same seed, same world, same inputs: a failure is reproduced by its seed (and printed as hex).
 */
import { decode, encode } from '../../src/codec/codec.js';
import type { CipherSuite } from '../../src/crypto/cipher-suite.js';
import { decryptWithLabel, encryptWithLabel, makeKeyPackageRef, signWithLabel } from '../../src/crypto/labels.js';
import { ExtensionType } from '../../src/extensions/extension.js';
import { ContentType, WireFormat, type FramedContent } from '../../src/framing/content.js';
import { mlsMessageCodec, type MlsMessage } from '../../src/framing/mls-message.js';
import { decryptPrivateContent, decryptSenderData } from '../../src/framing/private-message.js';
import type { GroupState } from '../../src/group/state.js';
import { RatchetType } from '../../src/secret-tree/secret-tree.js';
import { basicCredential, cipherSuite, createKeyPackage, generateIdentity, MlsGroup, ProposalType, type CreatedKeyPackage, type GroupConfig, type Identity } from '../../src/index.js';
import { encodeGroupContext } from '../../src/key-schedule/group-context.js';
import { confirmationTag, joinerEpochKeys, joinerWelcomeSecret, welcomeKeyAndNonce } from '../../src/key-schedule/key-schedule.js';
import { groupInfoCodec, groupInfoTbs, type GroupInfo } from '../../src/messages/group-info.js';
import { commitCodec } from '../../src/messages/commit.js';
import { keyPackageCodec } from '../../src/messages/key-package.js';
import { proposalCodec, type Proposal } from '../../src/messages/proposal.js';
import { groupSecretsCodec, type GroupSecrets } from '../../src/messages/welcome.js';
import { computePskSecret } from '../../src/psk/psk-secret.js';
import { PskType } from '../../src/psk/psk-id.js';
import { externalPsks, type PskLookup } from '../../src/psk/lookup.js';
import { leafNodeCodec } from '../../src/ratchet-tree/node.js';
import { EMPTY, utf8 } from '../../src/util/bytes.js';
import type { OwnKeyPackage } from '../../src/join/welcome.js';

/** xoshiro128** seeded through splitmix32: a small deterministic PRNG (not for real keys!). */
export class Rng {
  #s: Uint32Array;
  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s = new Uint32Array([next(), next(), next(), next()]);
  }
  u32(): number {
    const s = this.#s;
    const result = Math.imul(((Math.imul(s[1]!, 5) << 7) | (Math.imul(s[1]!, 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = ((s[3]! << 11) | (s[3]! >>> 21)) >>> 0;
    return result;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

/** Mon, 1 Jan 2024: the fixture's clock (lifetimes are relative to it). */
export const NOW = 1_704_067_200n;

export interface Participant {
  readonly name: string;
  readonly identity: Identity;
  group: MlsGroup;
}

/** A PrivateMessage sample kept with the content it carries (so it can be re-encrypted after mutation). */
export interface PrivateSample {
  readonly bytes: Uint8Array;
  readonly content: FramedContent;
}

export interface World {
  readonly cs: CipherSuite;
  /** The external PSK store every member has (the proposals include a PSK). */
  readonly psks: PskLookup;
  readonly config: Partial<GroupConfig>;
  readonly alice: Participant;
  readonly bob: Participant;
  readonly carol: Participant;
  readonly dave: Participant;
  /** bob's state before any fuzz input (snapshot bytes). */
  readonly baseline: Uint8Array;
  /** Valid MLSMessages bob can process now (PublicMessage). */
  readonly publicMessages: Uint8Array[];
  /** Valid PrivateMessages bob can process now, with their content. */
  readonly privateMessages: PrivateSample[];
  readonly welcome: Uint8Array;
  readonly groupInfo: Uint8Array;
  readonly keyPackage: Uint8Array;
  readonly ratchetTree: Uint8Array;
  readonly leafNodes: Uint8Array[];
  readonly commits: Uint8Array[];
  readonly proposals: Uint8Array[];
  readonly groupSecrets: Uint8Array[];
  /** The joiner's KeyPackage (with private keys) and what it decrypted from the real Welcome. */
  readonly joiner: { readonly own: CreatedKeyPackage; readonly secrets: GroupSecrets; readonly groupInfo: GroupInfo; readonly signer: Uint8Array };
}

/** The seeded suite: every random byte of the fixture comes from `rng`. */
export function seededSuite(rng: Rng): CipherSuite {
  return cipherSuite(1, { random: (n) => rng.bytes(n) });
}

function message(bytes: Uint8Array): MlsMessage {
  return decode(mlsMessageCodec, bytes);
}

/** A fresh copy of an own KeyPackage (join wipes the init key it uses). */
export function freshOwn(own: CreatedKeyPackage): OwnKeyPackage {
  return {
    keyPackage: own.keyPackage,
    privateKeys: { initPrivateKey: own.privateKeys.initPrivateKey.slice(), encryptionPrivateKey: own.privateKeys.encryptionPrivateKey.slice(), signaturePrivateKey: own.privateKeys.signaturePrivateKey.slice() },
  };
}

/**
 * A Welcome for `own` carrying `groupInfo` and `secrets`, sealed the way a committer seals it
 * (§12.4.3.1) — after the confirmation tag and the signature have been recomputed for the GroupInfo
 * as given. Lets mutated GroupInfos and GroupSecrets reach the joiner's validation.
 */
export function sealWelcome(cs: CipherSuite, own: CreatedKeyPackage, groupInfo: GroupInfo, secrets: GroupSecrets, signer: Uint8Array, reTag = true): Uint8Array {
  let gi = groupInfo;
  const pskSecret = computePskSecret(cs, []);
  if (reTag) {
    try {
      const keys = joinerEpochKeys(cs, secrets.joinerSecret, pskSecret, encodeGroupContext(gi.groupContext));
      gi = { ...gi, confirmationTag: confirmationTag(cs, keys.secrets.confirmationKey, gi.groupContext.confirmedTranscriptHash) };
    } catch {
      // an unencodable context or a bad joiner secret: keep the tag as it is
    }
  }
  gi = { ...gi, signature: signWithLabel(cs, signer, 'GroupInfoTBS', groupInfoTbs(gi)) };
  let welcomeSecret: Uint8Array;
  try {
    welcomeSecret = joinerWelcomeSecret(cs, secrets.joinerSecret, pskSecret);
  } catch {
    welcomeSecret = new Uint8Array(cs.Nh);
  }
  const kn = welcomeKeyAndNonce(cs, welcomeSecret);
  const encryptedGroupInfo = cs.seal(kn.key, kn.nonce, EMPTY, encode(groupInfoCodec, gi));
  const sealed = encryptWithLabel(cs, own.keyPackage.initKey, 'Welcome', encryptedGroupInfo, encode(groupSecretsCodec, secrets));
  const newMember = makeKeyPackageRef(cs, encode(keyPackageCodec, own.keyPackage));
  return encode(mlsMessageCodec, { wireFormat: WireFormat.mls_welcome, welcome: { cipherSuite: cs.id, secrets: [{ newMember, encryptedGroupSecrets: sealed }], encryptedGroupInfo } });
}

/** The content of a PrivateMessage `state` can read, decrypted on copies (nothing is consumed). */
export function openPrivate(state: GroupState, bytes: Uint8Array): FramedContent {
  const m = message(bytes);
  if (m.wireFormat !== WireFormat.mls_private_message) throw new Error('not a PrivateMessage');
  const pm = m.privateMessage;
  const past = pm.epoch === state.context.epoch ? undefined : state.past.find((p) => p.epoch === pm.epoch);
  const sd = decryptSenderData(state.cs, pm, past?.senderDataSecret ?? state.secrets.senderDataSecret);
  const tree = (past?.secretTree ?? state.secretTree).clone();
  const key = tree.receiveKey(sd.leafIndex, pm.contentType === ContentType.application ? RatchetType.application : RatchetType.handshake, sd.generation);
  return decryptPrivateContent(state.cs, pm, sd, key).content;
}

/** The GroupSecrets and GroupInfo inside a Welcome, opened as the joiner would. */
function openWelcome(cs: CipherSuite, welcome: Uint8Array, own: CreatedKeyPackage): { secrets: GroupSecrets; groupInfo: GroupInfo } {
  const m = message(welcome);
  if (m.wireFormat !== WireFormat.mls_welcome) throw new Error('not a Welcome');
  const e = m.welcome.secrets[0]!;
  const secrets = decode(groupSecretsCodec, decryptWithLabel(cs, own.privateKeys.initPrivateKey, 'Welcome', m.welcome.encryptedGroupInfo, e.encryptedGroupSecrets.kemOutput, e.encryptedGroupSecrets.ciphertext));
  const kn = welcomeKeyAndNonce(cs, joinerWelcomeSecret(cs, secrets.joinerSecret, computePskSecret(cs, [])));
  const groupInfo = decode(groupInfoCodec, cs.open(kn.key, kn.nonce, EMPTY, m.welcome.encryptedGroupInfo));
  return { secrets, groupInfo };
}

export async function buildWorld(seed: number): Promise<World> {
  const rng = new Rng(seed);
  const cs = seededSuite(rng);
  const suites = () => cs;
  const config: Partial<GroupConfig> = { now: () => NOW, pastEpochs: 1 };
  const psks = externalPsks([[utf8('psk'), rng.bytes(cs.Nh)]]);
  const lifetime = { notBefore: NOW - 3600n, notAfter: NOW + 86_400n * 90n };
  const client = (name: string) => {
    const identity = generateIdentity(cs, basicCredential(name));
    return { identity, kp: () => createKeyPackage({ cipherSuite: cs, credential: identity.credential, signaturePrivateKey: identity.signaturePrivateKey, signaturePublicKey: identity.signaturePublicKey, lifetime }) };
  };
  const a = client('alice');
  const alice: Participant = { name: 'alice', identity: a.identity, group: await MlsGroup.create({ cipherSuite: cs, identity: a.identity, config, lifetime, psks }) };
  const others = ['bob', 'carol', 'dave'].map((name) => ({ name, ...client(name) }));
  const kps = others.map((o) => o.kp());
  const add = await alice.group.commit({ add: kps.map((k) => k.keyPackage) });
  await alice.group.confirmCommit();
  const joined: Participant[] = [];
  for (let i = 0; i < others.length; i++) {
    const cfg = others[i]!.name === 'carol' ? { ...config, handshakeWireFormat: 'private' as const } : config;
    joined.push({ name: others[i]!.name, identity: others[i]!.identity, group: await MlsGroup.join({ welcome: add.welcome!, keyPackages: [kps[i]!], config: cfg, cipherSuite: suites, psks }) });
  }
  const [bob, carol, dave] = joined as [Participant, Participant, Participant];
  const everyone = [alice, bob, carol, dave];
  const deliver = async (from: Participant, bytes: Uint8Array) => {
    for (const p of everyone) {
      if (p === from) continue;
      const r = await p.group.process(bytes);
      if (r.kind === 'commit') await p.group.merge(r.staged);
    }
  };
  // Epoch 1 → 2: an application message bob never reads (a past-epoch sample), then dave commits.
  const stale = await alice.group.encrypt(utf8('from the previous epoch'));
  const dc = await dave.group.commit({ updatePath: true });
  await deliver(dave, dc.commit);
  await dave.group.confirmCommit();

  // Samples bob can process in epoch 2. Application data first (pending proposals block it).
  const privateMessages: PrivateSample[] = [];
  const privateOf = (bytes: Uint8Array, content: FramedContent): PrivateSample => ({ bytes, content });
  for (const [p, text] of [[alice, 'hello'], [alice, ''], [carol, 'x'.repeat(300)]] as const) {
    const bytes = await p.group.encrypt(utf8(text), { authenticatedData: utf8(text.slice(0, 3)) });
    privateMessages.push(privateOf(bytes, openPrivate(bob.group.state, bytes)));
  }
  privateMessages.push(privateOf(stale, openPrivate(bob.group.state, stale)));

  // carol's proposal and Commit travel as PrivateMessage; bob keeps carol's Update cached.
  const carolUpdate = await carol.group.proposeUpdate();
  privateMessages.push(privateOf(carolUpdate, openPrivate(bob.group.state, carolUpdate)));
  await deliver(carol, carolUpdate);

  // A new member's KeyPackage, and alice's proposals (PublicMessage) of every type bob accepts.
  const j = client('joiner');
  const joinerKp = j.kp();
  const publicMessages: Uint8Array[] = [];
  const proposals: Proposal[] = [
    { proposalType: ProposalType.add, add: { keyPackage: joinerKp.keyPackage } },
    { proposalType: ProposalType.remove, remove: { removed: 3 } },
    { proposalType: ProposalType.groupContextExtensions, groupContextExtensions: { extensions: [] } },
    { proposalType: ProposalType.psk, preSharedKey: { psk: { pskType: PskType.external, pskId: utf8('psk'), pskNonce: rng.bytes(cs.Nh) } } },
  ];
  for (const p of proposals) publicMessages.push(await alice.group.propose(p));
  publicMessages.push(await dave.group.proposeUpdate());
  // Commits: alice (by value: add + remove, and by reference to carol's Update), carol (private, empty with path).
  const commit1 = await alice.group.commit({ add: [j.kp().keyPackage], remove: [3], includePending: false });
  await alice.group.discardCommit();
  const commit2 = await alice.group.commit({ includePending: true });
  await alice.group.discardCommit();
  const carolCommit = await carol.group.commit({ updatePath: true, includePending: false });
  await carol.group.discardCommit();
  publicMessages.push(commit1.commit, commit2.commit);
  privateMessages.push(privateOf(carolCommit.commit, openPrivate(bob.group.state, carolCommit.commit)));

  // The joiner's Welcome (from a Commit alice discards: the join target never touches the group).
  const joinCommit = await alice.group.commit({ add: [joinerKp.keyPackage], includePending: false });
  await alice.group.discardCommit();
  const opened = openWelcome(cs, joinCommit.welcome!, joinerKp);

  // bob has seen every proposal (so that the Commits by reference resolve); that is the baseline.
  for (const m of publicMessages.slice(0, proposals.length + 1)) await bob.group.process(m);
  const baseline = bob.group.snapshot();
  const kpMsg = encode(mlsMessageCodec, { wireFormat: WireFormat.mls_key_package, keyPackage: joinerKp.keyPackage });
  const leafNodes = [...bob.group.state.tree.toRatchetTree()].filter((n) => n?.nodeType === 1).map((n) => encode(leafNodeCodec, (n as { leafNode: Parameters<typeof leafNodeCodec.encode>[1] }).leafNode));
  const commits = [commit1.commit, commit2.commit].map((c) => {
    const m = message(c);
    if (m.wireFormat !== WireFormat.mls_public_message || m.publicMessage.content.contentType !== ContentType.commit) throw new Error('fixture');
    return encode(commitCodec, m.publicMessage.content.commit);
  });
  const proposalBytes = [...proposals, { proposalType: ProposalType.reinit, reInit: { groupId: utf8('new group'), version: 1, cipherSuite: 1, extensions: [] } } as Proposal, { proposalType: ProposalType.externalInit, externalInit: { kemOutput: rng.bytes(32) } } as Proposal].map((p) => encode(proposalCodec, p));
  const groupSecrets = [
    encode(groupSecretsCodec, opened.secrets),
    encode(groupSecretsCodec, { joinerSecret: rng.bytes(cs.Nh), pathSecret: { pathSecret: rng.bytes(cs.Nh) }, psks: [{ pskType: PskType.external, pskId: utf8('x'), pskNonce: rng.bytes(cs.Nh) }, { pskType: PskType.resumption, usage: 1, pskGroupId: utf8('g'), pskEpoch: 7n, pskNonce: rng.bytes(cs.Nh) }] } as GroupSecrets),
  ];
  return {
    cs,
    psks,
    config,
    alice,
    bob,
    carol,
    dave,
    baseline,
    publicMessages,
    privateMessages,
    welcome: joinCommit.welcome!,
    groupInfo: joinCommit.groupInfo,
    keyPackage: kpMsg,
    ratchetTree: joinCommit.ratchetTree,
    leafNodes,
    commits,
    proposals: proposalBytes,
    groupSecrets,
    joiner: { own: joinerKp, secrets: opened.secrets, groupInfo: opened.groupInfo, signer: alice.group.state.signaturePrivateKey },
  };
}

/** The ratchet_tree extension of a GroupInfo, if any. */
export function treeExtensionIndex(gi: GroupInfo): number {
  return gi.extensions.findIndex((e) => e.extensionType === ExtensionType.ratchetTree);
}
