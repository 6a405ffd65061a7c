/**
 * Shared support for the part-1 validation tests (RFC 9420 §2, §5–§10 of the validation checklist,
 * plus D-01…D-04 and D-06): groups of real members (suite 1), and ways to craft a message that is
 * invalid in exactly one respect — content signed and membership-tagged by a real member, a
 * PrivateMessage encrypted by hand (so padding, reuse guard or SenderData can be chosen), an
 * Update LeafNode or a KeyPackage re-signed after one change, a Commit from createCommit with one
 * field changed and then re-signed and re-tagged — so that each negative test trips only the rule
 * it names. The control tests (part1-framing.test.ts, "control: …") show that the helpers, used
 * without a change, produce messages members accept.
 *
 * This file holds no tests of its own.
 */
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/codec/codec.js';
import { Writer } from '../../src/codec/writer.js';
import type { CipherSuite } from '../../src/crypto/cipher-suite.js';
import { signWithLabel } from '../../src/crypto/labels.js';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { MlsError } from '../../src/errors.js';
import type { Extension } from '../../src/extensions/extension.js';
import { membershipTag } from '../../src/framing/auth.js';
import {
  ContentType, framedContent, framedContentTbs, tbsHasContext, WireFormat, writeAuthData, writeBody,
  type FramedBody, type FramedContent, type FramedContentAuthData, type Sender,
} from '../../src/framing/content.js';
import { mlsMessageCodec, type MlsMessage } from '../../src/framing/mls-message.js';
import { senderDataCodec, type SenderData } from '../../src/framing/private-message.js';
import { senderDataKeyAndNonce as senderDataKeyNonce } from '../../src/secret-tree/sender-data.js';
import type { PublicMessage } from '../../src/framing/public-message.js';
import { createCommit, type CreateCommitOptions, type CreatedCommit } from '../../src/commit/create.js';
import { MlsGroup } from '../../src/group/group.js';
import { makeConfig, type GroupConfig } from '../../src/group/config.js';
import { basicCredential, generateIdentity, type Identity } from '../../src/group/identity.js';
import type { GroupState } from '../../src/group/state.js';
import type { OwnKeyPackage } from '../../src/join/welcome.js';
import { createKeyPackage, signKeyPackage, signLeafNode, type CreatedKeyPackage, type CreateKeyPackageOptions } from '../../src/key-package/create.js';
import type { Commit } from '../../src/messages/commit.js';
import type { KeyPackage } from '../../src/messages/key-package.js';
import type { Proposal } from '../../src/messages/proposal.js';
import { LeafNodeSource, type Capabilities, type KeyPackageLeafNode, type LeafNode, type UpdateLeafNode } from '../../src/ratchet-tree/node.js';
import { RatchetType } from '../../src/secret-tree/secret-tree.js';
import { EMPTY } from '../../src/util/bytes.js';
import { expectRule } from '../helpers/errors.js';

export const SUITE = 1;
export const cs: CipherSuite = nodeCipherSuite(SUITE);
export const PUB = WireFormat.mls_public_message;
export const PRIV = WireFormat.mls_private_message;

// ------------------------------------------------------------------------------------------------
// Assertions

/**
 * Asserts that `f` throws (or rejects with) an MlsError of `kind` carrying `rule`; returns the
 * error. `kind` is 'validation' unless the rule is a decode rule.
 */
export async function rejectsRule(f: (() => unknown) | Promise<unknown>, rule: string, kind: MlsError['kind'] = 'validation', code?: string): Promise<MlsError> {
  const caught = await expectRule(f, rule, code);
  assert.equal(caught.kind, kind, `kind (message: ${caught.message})`);
  return caught;
}

export const isZero = (b: Uint8Array): boolean => b.every((v) => v === 0);

// ------------------------------------------------------------------------------------------------
// Groups

export interface M {
  name: string;
  identity: Identity;
  group: MlsGroup;
}

export function newIdentity(name: string): Identity {
  return generateIdentity(cs, basicCredential(name));
}

export function keyPackageFor(identity: Identity, extra: Partial<CreateKeyPackageOptions> = {}): CreatedKeyPackage {
  return createKeyPackage({ cipherSuite: cs, credential: identity.credential, signaturePrivateKey: identity.signaturePrivateKey, signaturePublicKey: identity.signaturePublicKey, ...extra });
}

/** A copy of a KeyPackage and its private keys (MlsGroup.join wipes the init key it used). */
export function copyOwn(kp: CreatedKeyPackage): OwnKeyPackage {
  const p = kp.privateKeys;
  return { keyPackage: kp.keyPackage, privateKeys: { initPrivateKey: p.initPrivateKey.slice(), encryptionPrivateKey: p.encryptionPrivateKey.slice(), signaturePrivateKey: p.signaturePrivateKey.slice() } };
}

export interface BuildOptions {
  /** GroupContext extensions of the new group. */
  readonly extensions?: readonly Extension[];
  /** Per-member config (member 0 is the creator). */
  readonly config?: (i: number) => Partial<GroupConfig>;
  /** Per-member KeyPackage options (member 0: only `capabilities` and `lifetime` are used). */
  readonly keyPackage?: (i: number) => Partial<CreateKeyPackageOptions>;
  /** Give every member the private keys of the parent nodes (a Commit with a path after the Adds). */
  readonly withPath?: boolean;
  /** Hand the tree out of band instead of in the GroupInfo. */
  readonly ratchetTreeExtension?: boolean;
}

/** A suite-1 group of `n` members: member 0 creates it and adds the others in one Commit. */
export async function buildGroup(n: number, o: BuildOptions = {}): Promise<M[]> {
  const cfg = (i: number) => o.config?.(i) ?? {};
  const ids = Array.from({ length: n }, (_, i) => newIdentity(`member-${i}`));
  const creator = o.keyPackage?.(0) ?? {};
  const group = await MlsGroup.create({
    cipherSuite: cs,
    identity: ids[0]!,
    config: cfg(0),
    ...(o.extensions !== undefined ? { extensions: o.extensions } : {}),
    ...(creator.capabilities !== undefined ? { capabilities: creator.capabilities } : {}),
    ...(creator.lifetime !== undefined ? { lifetime: creator.lifetime } : {}),
  });
  const members: M[] = [{ name: 'member-0', identity: ids[0]!, group }];
  if (n === 1) return members;
  const kps = ids.slice(1).map((id, j) => keyPackageFor(id, o.keyPackage?.(j + 1) ?? {}));
  const { welcome, ratchetTree } = await group.commit({ add: kps.map((k) => k.keyPackage), ...(o.ratchetTreeExtension === false ? { ratchetTreeExtension: false } : {}) });
  await group.confirmCommit();
  for (let j = 0; j < kps.length; j++) {
    const g = await MlsGroup.join({ welcome: welcome!, keyPackages: [kps[j]!], config: cfg(j + 1), ...(o.ratchetTreeExtension === false ? { ratchetTree } : {}) });
    members.push({ name: `member-${j + 1}`, identity: ids[j + 1]!, group: g });
  }
  if (o.withPath === true) await commitAll(members, members[0]!, { updatePath: true });
  return members;
}

/** Delivers a message from `from` to every other live member, merging Commits. */
export async function deliver(members: readonly M[], from: M, message: Uint8Array): Promise<void> {
  for (const m of members) {
    if (m === from || m.group.removed) continue;
    const r = await m.group.process(message);
    if (r.kind === 'commit') await m.group.merge(r.staged);
  }
}

/** `from` commits `request`, everyone else processes and merges it, `from` confirms. */
export async function commitAll(members: readonly M[], from: M, request: Parameters<MlsGroup['commit']>[0] = {}): Promise<Uint8Array | undefined> {
  const out = await from.group.commit(request);
  await deliver(members, from, out.commit);
  await from.group.confirmCommit();
  return out.welcome;
}

export function st(m: M): GroupState {
  return m.group.state;
}

/** The state with another config (pure functions such as processMessage take the state as a value). */
export function withConfig(state: GroupState, config: Partial<GroupConfig>): GroupState {
  return { ...state, config: makeConfig({ ...state.config, ...config }) };
}

// ------------------------------------------------------------------------------------------------
// Framing

/** FramedContent from this member in its current epoch, with any header field overridden. */
export function contentOf(
  state: GroupState,
  body: FramedBody,
  o: { groupId?: Uint8Array; epoch?: bigint; sender?: Sender; authenticatedData?: Uint8Array } = {},
): FramedContent {
  return framedContent(
    {
      groupId: o.groupId ?? state.context.groupId,
      epoch: o.epoch ?? state.context.epoch,
      sender: o.sender ?? { senderType: 1, leafIndex: state.myLeaf },
      authenticatedData: o.authenticatedData ?? EMPTY,
    },
    body,
  );
}

/**
 * SignWithLabel(key, label, FramedContentTBS). Defaults: this member's key, the label
 * "FramedContentTBS", `wireFormat` PublicMessage, and the member's current GroupContext when the
 * sender type puts it in the TBS.
 */
export function signFc(
  state: GroupState,
  content: FramedContent,
  o: { key?: Uint8Array; wireFormat?: WireFormat; label?: string; context?: Uint8Array } = {},
): Uint8Array {
  const context = tbsHasContext(content.sender) ? (o.context ?? state.contextBytes) : undefined;
  return signWithLabel(cs, o.key ?? state.signaturePrivateKey, o.label ?? 'FramedContentTBS', framedContentTbs(o.wireFormat ?? PUB, content, context));
}

/** A PublicMessage MLSMessage; a member sender gets a membership tag under `membershipKey` (default: the epoch's). */
export function publicBytes(state: GroupState, content: FramedContent, auth: FramedContentAuthData, o: { tag?: Uint8Array; membershipKey?: Uint8Array } = {}): Uint8Array {
  const member = content.sender.senderType === 1;
  const tag = member ? (o.tag ?? membershipTag(cs, o.membershipKey ?? state.secrets.membershipKey, PUB, content, auth, state.contextBytes)) : undefined;
  return encode(mlsMessageCodec, { wireFormat: PUB, publicMessage: { content, auth, ...(tag !== undefined ? { membershipTag: tag } : {}) } });
}

/** A signed, tagged PublicMessage from this member carrying `body`. */
export function publicMsg(state: GroupState, body: FramedBody, header: Parameters<typeof contentOf>[2] = {}): Uint8Array {
  const content = contentOf(state, body, header);
  return publicBytes(state, content, { signature: signFc(state, content) });
}

/** A proposal by reference from this member, as a PublicMessage. */
export function proposalMsg(state: GroupState, proposal: Proposal): Uint8Array {
  return publicMsg(state, { contentType: ContentType.proposal, proposal });
}

export interface PrivateOptions {
  /** Bytes appended to PrivateMessageContent (the padding; RFC: all zero). */
  readonly padding?: Uint8Array;
  /** SenderData fields to override (default: this member's leaf, the ratchet generation, a random guard). */
  readonly senderData?: Partial<SenderData>;
  /** Encrypt these bytes as the SenderData instead of its encoding. */
  readonly senderDataBytes?: Uint8Array;
  /** The reuse guard XORed into the content nonce (default: the SenderData's). */
  readonly contentGuard?: Uint8Array;
}

/**
 * A PrivateMessage MLSMessage built by hand (§6.3): takes the next key of this member's ratchet
 * (as the real sender would), and lets the test choose the padding, the SenderData and the guard.
 */
export function privateBytes(state: GroupState, content: FramedContent, auth: FramedContentAuthData, o: PrivateOptions = {}): Uint8Array {
  const type = content.contentType === ContentType.application ? RatchetType.application : RatchetType.handshake;
  const k = state.secretTree.nextSendKey(state.myLeaf, type);
  const w = new Writer();
  writeBody(w, content);
  writeAuthData(w, content.contentType, auth);
  if (o.padding !== undefined) w.bytes(o.padding);
  const plaintext = w.finish();
  const reuseGuard = o.senderData?.reuseGuard ?? cs.random(4);
  const guard = o.contentGuard ?? reuseGuard;
  const nonce = new Uint8Array(k.nonce);
  for (let i = 0; i < 4; i++) nonce[i] = nonce[i]! ^ guard[i]!;
  const aad = new Writer().opaque(content.groupId).u64(content.epoch).u8(content.contentType).opaque(content.authenticatedData).finish();
  const ciphertext = cs.seal(k.key, nonce, aad, plaintext);
  const sd = o.senderDataBytes ?? encode(senderDataCodec, { leafIndex: state.myLeaf, generation: k.generation, reuseGuard, ...o.senderData });
  const sdKey = senderDataKeyNonce(cs, state.secrets.senderDataSecret, ciphertext);
  const encryptedSenderData = cs.seal(sdKey.key, sdKey.nonce, new Writer().opaque(content.groupId).u64(content.epoch).u8(content.contentType).finish(), sd);
  return encode(mlsMessageCodec, {
    wireFormat: PRIV,
    privateMessage: { groupId: content.groupId, epoch: content.epoch, contentType: content.contentType, authenticatedData: content.authenticatedData, encryptedSenderData, ciphertext },
  });
}

/** A signed PrivateMessage from this member carrying `body` (signature over the PrivateMessage TBS). */
export function privateMsg(state: GroupState, body: FramedBody, o: PrivateOptions & { auth?: FramedContentAuthData } = {}): Uint8Array {
  const content = contentOf(state, body);
  return privateBytes(state, content, o.auth ?? { signature: signFc(state, content, { wireFormat: PRIV }) }, o);
}

export function decodePublic(bytes: Uint8Array): PublicMessage {
  const m = decode(mlsMessageCodec, bytes);
  assert.equal(m.wireFormat, PUB);
  return (m as Extract<MlsMessage, { wireFormat: typeof PUB }>).publicMessage;
}

/** A copy of `b` with byte `i` XORed with `mask` (default: flip the lowest bit of the last byte). */
export function flip(b: Uint8Array, i = b.length - 1, mask = 0x01): Uint8Array {
  const out = b.slice();
  out[i] = out[i]! ^ mask;
  return out;
}

// ------------------------------------------------------------------------------------------------
// LeafNodes, KeyPackages, Commits

/**
 * An Update LeafNode for this member: its current leaf with a fresh encryption key, changed by
 * `change`, then signed (LeafNodeTBS with group_id and leaf index) with `key` (default: its own).
 */
export function updateLeaf(
  state: GroupState,
  change: (l: UpdateLeafNode) => LeafNode = (l) => l,
  o: { key?: Uint8Array; groupId?: Uint8Array; leafIndex?: number } = {},
): LeafNode {
  const cur = state.tree.leafNode(state.myLeaf)!;
  const base: UpdateLeafNode = {
    encryptionKey: cs.hpke.generateKeyPair().publicKey,
    signatureKey: cur.signatureKey,
    credential: cur.credential,
    capabilities: cur.capabilities,
    leafNodeSource: LeafNodeSource.update,
    extensions: cur.extensions,
    signature: EMPTY,
  };
  return signLeafNode(cs, o.key ?? state.signaturePrivateKey, change(base), o.groupId ?? state.context.groupId, o.leafIndex ?? state.myLeaf);
}

/** An Update proposal message from this member whose LeafNode is `updateLeaf(state, change, o)`. */
export function updateMsg(state: GroupState, change?: (l: UpdateLeafNode) => LeafNode, o?: Parameters<typeof updateLeaf>[2]): Uint8Array {
  return proposalMsg(state, { proposalType: 2, update: { leafNode: updateLeaf(state, change, o) } });
}

/** `kp` with its leaf and fields changed, the leaf and the KeyPackage re-signed with `key`. */
export function resignKp(kp: KeyPackage, key: Uint8Array, change: { leaf?: (l: KeyPackageLeafNode) => LeafNode; kp?: Partial<Omit<KeyPackage, 'leafNode' | 'signature'>> }): KeyPackage {
  const leaf0 = kp.leafNode as KeyPackageLeafNode;
  const leaf = signLeafNode(cs, key, change.leaf ? change.leaf(leaf0) : leaf0, new Uint8Array(1), 0);
  return signKeyPackage(cs, key, { ...kp, ...change.kp, leafNode: leaf });
}

/** A fresh client's KeyPackage changed by `change` and correctly re-signed. */
export function craftedKp(change: Parameters<typeof resignKp>[2] = {}, extra: Partial<CreateKeyPackageOptions> = {}, name = 'joiner'): { identity: Identity; keyPackage: KeyPackage } {
  const identity = newIdentity(name);
  const created = keyPackageFor(identity, extra);
  return { identity, keyPackage: resignKp(created.keyPackage, identity.signaturePrivateKey, change) };
}

/** An Add proposal message from this member for `keyPackage`. */
export function addMsg(state: GroupState, keyPackage: KeyPackage): Uint8Array {
  return proposalMsg(state, { proposalType: 1, add: { keyPackage } });
}

export function capsWith(state: GroupState, change: Partial<Capabilities>): Capabilities {
  return { ...state.tree.leafNode(state.myLeaf)!.capabilities, ...change };
}

/**
 * A Commit built by createCommit for this member, changed by `modify`, then re-signed and
 * re-tagged (PublicMessage). The confirmation tag is the original one unless given: a test that
 * changes the Commit must trip its rule before the confirmation tag is checked.
 */
export function craftCommit(
  state: GroupState,
  options: CreateCommitOptions,
  modify: (c: Commit, created: CreatedCommit) => Commit = (c) => c,
  o: { confirmationTag?: Uint8Array } = {},
): Uint8Array {
  const created = createCommit(state, options);
  const pm = decodePublic(created.commit);
  const c0 = pm.content as FramedContent & { contentType: typeof ContentType.commit };
  const content: FramedContent = { ...c0, commit: modify(c0.commit, created) };
  const auth = { signature: signFc(state, content), confirmationTag: o.confirmationTag ?? pm.auth.confirmationTag! };
  return publicBytes(state, content, auth);
}

/** The committer's path LeafNode changed by `change` and re-signed (commit source: group_id and leaf index in the TBS). */
export function resignPathLeaf(state: GroupState, commit: Commit, change: (l: LeafNode) => LeafNode, key: Uint8Array = state.signaturePrivateKey): Commit {
  const path = commit.path!;
  const leafNode = signLeafNode(cs, key, change(path.leafNode), state.context.groupId, state.myLeaf);
  return { ...commit, path: { ...path, leafNode } };
}

/**
 * A Commit from this member with the given proposals inline (and an optional path), signed and
 * tagged, with a confirmation_tag of zeros: for rules a receiver checks before the confirmation tag.
 */
export function commitMsg(state: GroupState, proposals: readonly Proposal[], path?: Commit['path']): Uint8Array {
  const commit: Commit = { proposals: proposals.map((proposal) => ({ type: 1, proposal })), ...(path !== undefined ? { path } : {}) };
  const content = contentOf(state, { contentType: ContentType.commit, commit });
  return publicBytes(state, content, { signature: signFc(state, content), confirmationTag: new Uint8Array(cs.Nh) });
}
