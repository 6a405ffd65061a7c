/**
 * Shared support for the part-2 validation tests (RFC 9420 §11–§13, §16 of the validation
 * checklist): groups of real members, and ways to craft messages that are invalid in exactly one
 * respect — a Commit or proposal re-signed and re-tagged by a real member, a Welcome re-encrypted
 * (and, where asked, its GroupInfo re-tagged and re-signed) — so that each negative test trips only
 * the rule it names. This file holds no tests of its own (it is named *.test.ts only to sit with
 * the part-2 files); part2-controls.test.ts checks that the crafting helpers, used without a
 * change, produce messages every member accepts.
 */
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/codec/codec.js';
import type { CipherSuite } from '../../src/crypto/cipher-suite.js';
import { encryptWithLabel, makeKeyPackageRef, signWithLabel, decryptWithLabel } from '../../src/crypto/labels.js';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { basicCredential, generateIdentity, type Identity } from '../../src/group/identity.js';
import { MlsError } from '../../src/errors.js';
import { ContentType, WireFormat, type FramedContent, type FramedContentAuthData } from '../../src/framing/content.js';
import { mlsMessageCodec } from '../../src/framing/mls-message.js';
import { encodeGroupContext } from '../../src/key-schedule/group-context.js';
import { confirmationTag, joinerEpochKeys, joinerWelcomeSecret, welcomeKeyAndNonce } from '../../src/key-schedule/key-schedule.js';
import { createKeyPackage, type CreatedKeyPackage } from '../../src/key-package/create.js';
import { groupInfoCodec, groupInfoTbs, type GroupInfo } from '../../src/messages/group-info.js';
import { keyPackageCodec } from '../../src/messages/key-package.js';
import { ProposalOrRefType, type Proposal, type ProposalOrRef } from '../../src/messages/proposal.js';
import type { Commit, UpdatePath } from '../../src/messages/commit.js';
import { groupSecretsCodec, type GroupSecrets, type Welcome } from '../../src/messages/welcome.js';
import { computePskSecret, type PskInput } from '../../src/psk/psk-secret.js';
import type { Capabilities } from '../../src/ratchet-tree/node.js';
import { createCommit } from '../../src/commit/create.js';
import { ownContent, protect, signOwn } from '../../src/group/protect.js';
import { processMessage } from '../../src/group/receive.js';
import { MlsGroup } from '../../src/group/group.js';
import type { GroupConfig } from '../../src/group/config.js';
import type { GroupState } from '../../src/group/state.js';
import type { PskLookup } from '../../src/psk/lookup.js';
import { EMPTY } from '../../src/util/bytes.js';
import { makeGroup, type Member } from '../helpers/group.js';
import { expectRule } from '../helpers/errors.js';

export const SUITE = 1;
export const cs: CipherSuite = nodeCipherSuite(SUITE);

// ------------------------------------------------------------------------------------------------
// Assertions

/** Asserts that `f` throws (or rejects with) an MlsError carrying `rule`; returns the error. */
export const rejectsRule: (f: (() => unknown) | Promise<unknown>, rule: string, code?: string) => Promise<MlsError> = expectRule;

// ------------------------------------------------------------------------------------------------
// Groups

/** A group of `n` members of suite 1, built through the public API (helpers/group.ts). */
export function group(n: number, options: { config?: Partial<GroupConfig>; psks?: PskLookup } = {}): Promise<Member[]> {
  return makeGroup(SUITE, n, options);
}

/** Capabilities without GREASE, with the given non-default extension types. */
export function caps(extensions: readonly number[] = [], extra: Partial<Capabilities> = {}): Capabilities {
  return { versions: [1], cipherSuites: [SUITE], extensions: [...extensions], proposals: [], credentials: [1], ...extra };
}

export interface Client {
  readonly name: string;
  readonly identity: Identity;
  keyPackage(c?: Capabilities, more?: Partial<Parameters<typeof createKeyPackage>[0]>): CreatedKeyPackage;
}

export function client(name: string): Client {
  const identity = generateIdentity(cs, basicCredential(name));
  return {
    name,
    identity,
    keyPackage: (c, more = {}) =>
      createKeyPackage({
        cipherSuite: cs,
        credential: identity.credential,
        signaturePrivateKey: identity.signaturePrivateKey,
        signaturePublicKey: identity.signaturePublicKey,
        ...(c !== undefined ? { capabilities: c } : {}),
        ...more,
      }),
  };
}

/**
 * A group whose members have exactly the given capabilities (no GREASE unless listed): member 0
 * creates it and adds the others in one Commit. `leafExtensions[i]` go into member i's LeafNode.
 */
export async function customGroup(
  capabilities: readonly Capabilities[],
  options: { leafExtensions?: readonly (readonly { extensionType: number; extensionData: Uint8Array }[])[]; config?: Partial<GroupConfig> } = {},
): Promise<Member[]> {
  const clients = capabilities.map((_, i) => client(`member-${i}`));
  const first = clients[0]!;
  const g = await MlsGroup.create({
    cipherSuite: cs,
    identity: first.identity,
    capabilities: capabilities[0]!,
    ...(options.leafExtensions?.[0] !== undefined ? { leafExtensions: options.leafExtensions[0] } : {}),
    ...(options.config !== undefined ? { config: options.config } : {}),
  });
  const members: Member[] = [{ name: first.name, identity: first.identity, group: g }];
  if (clients.length === 1) return members;
  const kps = clients.slice(1).map((c, i) => {
    const ext = options.leafExtensions?.[i + 1];
    return c.keyPackage(capabilities[i + 1]!, ext !== undefined ? { leafNodeExtensions: ext } : {});
  });
  const { welcome } = await g.commit({ add: kps.map((k) => k.keyPackage) });
  await g.confirmCommit();
  for (let i = 0; i < kps.length; i++) {
    const joined = await MlsGroup.join({ welcome: welcome!, keyPackages: [kps[i]!], ...(options.config !== undefined ? { config: options.config } : {}) });
    members.push({ name: clients[i + 1]!.name, identity: clients[i + 1]!.identity, group: joined });
  }
  return members;
}

// ------------------------------------------------------------------------------------------------
// Crafting handshake messages from a real member

export const byValue = (proposal: Proposal): ProposalOrRef => ({ type: ProposalOrRefType.proposal, proposal });
export const byRef = (reference: Uint8Array): ProposalOrRef => ({ type: ProposalOrRefType.reference, reference });

/** A real UpdatePath of `state`'s member (from an empty Commit with a path): structurally fine, not meant to verify. */
export function somePath(state: GroupState): UpdatePath {
  const created = createCommit(state, { includePending: false, updatePath: true });
  const m = decode(mlsMessageCodec, created.commit);
  if (m.wireFormat !== WireFormat.mls_public_message || m.publicMessage.content.contentType !== ContentType.commit) throw new Error('unexpected');
  return m.publicMessage.content.commit.path!;
}

/**
 * A Commit from `state`'s member over `proposals` (and `path`), signed and membership-tagged by that
 * member with no validation at all. The confirmation tag is random unless given: rules checked
 * before it fire first.
 */
export function craftCommit(state: GroupState, proposals: readonly ProposalOrRef[], options: { path?: UpdatePath; confirmationTag?: Uint8Array; epoch?: bigint } = {}): Uint8Array {
  const commit: Commit = options.path !== undefined ? { proposals, path: options.path } : { proposals };
  let content = ownContent(state, { contentType: ContentType.commit, commit }, EMPTY);
  if (options.epoch !== undefined) content = { ...content, epoch: options.epoch };
  return reframe(state, content, { signature: EMPTY, confirmationTag: options.confirmationTag ?? cs.random(cs.Nh) });
}

/** A proposal message from `state`'s member, signed and tagged, with no validation. */
export function craftProposal(state: GroupState, proposal: Proposal): Uint8Array {
  const content = ownContent(state, { contentType: ContentType.proposal, proposal }, EMPTY);
  return reframe(state, content, { signature: EMPTY });
}

/** Re-signs `content` as `state`'s member and wraps it as a PublicMessage with a fresh membership tag (auth.signature is replaced). */
export function reframe(state: GroupState, content: FramedContent, auth: FramedContentAuthData): Uint8Array {
  const signature = signOwn(state, WireFormat.mls_public_message, content);
  return protect(state, WireFormat.mls_public_message, content, { ...auth, signature });
}

/** The FramedContent and auth data of a PublicMessage. */
export function openPublic(bytes: Uint8Array): { content: FramedContent; auth: FramedContentAuthData } {
  const m = decode(mlsMessageCodec, bytes);
  if (m.wireFormat !== WireFormat.mls_public_message) throw new Error('not a PublicMessage');
  return { content: m.publicMessage.content, auth: m.publicMessage.auth };
}

/** The Commit inside a PublicMessage. */
export function commitOf(bytes: Uint8Array): Commit {
  const { content } = openPublic(bytes);
  if (content.contentType !== ContentType.commit) throw new Error('not a Commit');
  return content.commit;
}

/** A non-member's PublicMessage (external, new_member_*): no membership tag. */
export function nonMemberMessage(content: FramedContent, auth: FramedContentAuthData): Uint8Array {
  return encode(mlsMessageCodec, { wireFormat: WireFormat.mls_public_message, publicMessage: { content, auth } });
}

/** Processes `bytes` on `m`'s current state without touching the MlsGroup (throws on rejection). */
export function processOn(m: Member, bytes: Uint8Array, psks?: PskLookup) {
  return processMessage(m.group.state, bytes, psks !== undefined ? { psks } : {});
}

/** Replaces the first occurrence of `find` in `bytes` by `replace` (same length); throws if absent. */
export function patch(bytes: Uint8Array, find: readonly number[], replace: readonly number[]): Uint8Array {
  assert.equal(find.length, replace.length);
  outer: for (let i = 0; i + find.length <= bytes.length; i++) {
    for (let j = 0; j < find.length; j++) if (bytes[i + j] !== find[j]) continue outer;
    const out = bytes.slice();
    out.set(replace, i);
    return out;
  }
  throw new Error('pattern not found');
}

// ------------------------------------------------------------------------------------------------
// Crafting Welcomes

export interface OpenedWelcome {
  readonly welcome: Welcome;
  readonly groupSecrets: GroupSecrets;
  readonly groupInfo: GroupInfo;
}

export function welcomeOf(bytes: Uint8Array): Welcome {
  const m = decode(mlsMessageCodec, bytes);
  if (m.wireFormat !== WireFormat.mls_welcome) throw new Error('not a Welcome');
  return m.welcome;
}

function pskSecretOf(groupSecrets: GroupSecrets, psks: readonly Uint8Array[]): Uint8Array {
  const inputs: PskInput[] = groupSecrets.psks.map((id, i) => ({ id, psk: psks[i]! }));
  return computePskSecret(cs, inputs);
}

/** Opens a Welcome as the joiner `kp` would (`psks`: the secrets of GroupSecrets.psks, in order). */
export function openWelcome(bytes: Uint8Array, kp: CreatedKeyPackage, psks: readonly Uint8Array[] = []): OpenedWelcome {
  const welcome = welcomeOf(bytes);
  const ref = makeKeyPackageRef(cs, encode(keyPackageCodec, kp.keyPackage));
  const entry = welcome.secrets.find((s) => Buffer.from(s.newMember).equals(Buffer.from(ref)))!;
  const gsBytes = decryptWithLabel(cs, kp.privateKeys.initPrivateKey, 'Welcome', welcome.encryptedGroupInfo, entry.encryptedGroupSecrets.kemOutput, entry.encryptedGroupSecrets.ciphertext);
  const groupSecrets = decode(groupSecretsCodec, gsBytes);
  const wkn = welcomeKeyAndNonce(cs, joinerWelcomeSecret(cs, groupSecrets.joinerSecret, pskSecretOf(groupSecrets, psks)));
  const groupInfo = decode(groupInfoCodec, cs.open(wkn.key, wkn.nonce, EMPTY, welcome.encryptedGroupInfo));
  return { welcome, groupSecrets, groupInfo };
}

export interface SealOptions {
  /** Re-sign the GroupInfo with this signature private key. */
  readonly signer?: Uint8Array;
  /** Recompute GroupInfo.confirmation_tag from joiner_secret, the PSKs and the (changed) GroupContext. */
  readonly retag?: boolean;
  /** The secrets of GroupSecrets.psks, in order (for the welcome key and the tag). */
  readonly psks?: readonly Uint8Array[];
  /** Replace the encrypted GroupInfo by these bytes (after encryption). */
  readonly encryptedGroupInfo?: (egi: Uint8Array) => Uint8Array;
  /** Override Welcome.cipher_suite. */
  readonly cipherSuite?: number;
}

/**
 * Builds a Welcome from (possibly changed) GroupSecrets and GroupInfo, encrypted for `recipients`
 * exactly as createCommit does: the GroupInfo under the welcome key, the GroupSecrets to each
 * recipient's init_key with the encrypted GroupInfo as context.
 */
export function sealWelcome(groupSecrets: GroupSecrets, groupInfo: GroupInfo, recipients: readonly CreatedKeyPackage[], options: SealOptions = {}): Uint8Array {
  const pskSecret = pskSecretOf(groupSecrets, options.psks ?? []);
  let gi = groupInfo;
  if (options.retag === true) {
    const keys = joinerEpochKeys(cs, groupSecrets.joinerSecret, pskSecret, encodeGroupContext(gi.groupContext));
    gi = { ...gi, confirmationTag: confirmationTag(cs, keys.secrets.confirmationKey, gi.groupContext.confirmedTranscriptHash) };
  }
  if (options.signer !== undefined) gi = { ...gi, signature: signWithLabel(cs, options.signer, 'GroupInfoTBS', groupInfoTbs(gi)) };
  const wkn = welcomeKeyAndNonce(cs, joinerWelcomeSecret(cs, groupSecrets.joinerSecret, pskSecret));
  let egi = cs.seal(wkn.key, wkn.nonce, EMPTY, encode(groupInfoCodec, gi));
  if (options.encryptedGroupInfo !== undefined) egi = options.encryptedGroupInfo(egi);
  const gs = encode(groupSecretsCodec, groupSecrets);
  const secrets = recipients.map((kp) => ({
    newMember: makeKeyPackageRef(cs, encode(keyPackageCodec, kp.keyPackage)),
    encryptedGroupSecrets: encryptWithLabel(cs, kp.keyPackage.initKey, 'Welcome', egi, gs),
  }));
  return encode(mlsMessageCodec, { wireFormat: WireFormat.mls_welcome, welcome: { cipherSuite: options.cipherSuite ?? SUITE, secrets, encryptedGroupInfo: egi } });
}

/**
 * A group of `n` members and a fresh joiner: member 0 commits an Add of the joiner (with `request`)
 * and the Welcome is returned unprocessed; the committer's identity signs GroupInfos.
 */
export async function pendingWelcome(n: number, request: Parameters<MlsGroup['commit']>[0] = {}) {
  const members = await group(n);
  const joiner = client('joiner');
  const kp = joiner.keyPackage();
  const out = await members[0]!.group.commit({ ...request, add: [kp.keyPackage, ...(request.add ?? [])] });
  return { members, joiner, kp, welcome: out.welcome!, out, signer: members[0]!.identity.signaturePrivateKey };
}

/** Joins as `kp` (a copy of its private keys: a successful join wipes the init key it used). */
export function join(welcome: Uint8Array, kp: CreatedKeyPackage, extra: Partial<Parameters<typeof MlsGroup.join>[0]> = {}): Promise<MlsGroup> {
  return MlsGroup.join({ welcome, keyPackages: [copyKp(kp)], ...extra });
}

export function copyKp(kp: CreatedKeyPackage): CreatedKeyPackage {
  const p = kp.privateKeys;
  return { ...kp, privateKeys: { initPrivateKey: p.initPrivateKey.slice(), encryptionPrivateKey: p.encryptionPrivateKey.slice(), signaturePrivateKey: p.signaturePrivateKey.slice() } };
}
