/**
 * The adversary's toolkit for the security suites (test-only).
 *
 * Every adversarial test builds its attack from what the adversary it describes holds: a delivery
 * service holds bytes; an insider holds its own GroupState (signature key, membership key, sender
 * data secret, its ratchets); a thief holds a copy of someone's snapshot. These helpers turn such
 * holdings into messages — re-signed, re-tagged, re-encrypted — with the library's own framing
 * functions, so an attack fails only because the receiver's checks catch it, never because the
 * forgery was malformed by accident.
 */
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/codec/codec.js';
import type { CipherSuite } from '../../src/crypto/cipher-suite.js';
import { decryptWithLabel } from '../../src/crypto/labels.js';
import { MlsError } from '../../src/errors.js';
import { membershipTag, signContent } from '../../src/framing/auth.js';
import { ContentType, SenderType, WireFormat, type FramedContent, type FramedContentAuthData } from '../../src/framing/content.js';
import { mlsMessageCodec, type MlsMessage } from '../../src/framing/mls-message.js';
import { encryptPrivateMessage, type PrivateMessage, type RatchetKey } from '../../src/framing/private-message.js';
import type { PublicMessage } from '../../src/framing/public-message.js';
import type { GroupState } from '../../src/group/state.js';
import type { Commit } from '../../src/messages/commit.js';
import { RatchetType, SecretTree } from '../../src/secret-tree/secret-tree.js';
import { toHex } from '../../src/util/bytes.js';

export const PUB = WireFormat.mls_public_message;
export const PRIV = WireFormat.mls_private_message;

// ------------------------------------------------------------------------------------------------
// Reading messages (what anyone on the wire can do)

export function decodeMessage(bytes: Uint8Array): MlsMessage {
  return decode(mlsMessageCodec, bytes);
}

export function publicOf(bytes: Uint8Array): PublicMessage {
  const m = decodeMessage(bytes);
  assert.equal(m.wireFormat, PUB, 'expected a PublicMessage');
  return (m as Extract<MlsMessage, { wireFormat: typeof PUB }>).publicMessage;
}

export function privateOf(bytes: Uint8Array): PrivateMessage {
  const m = decodeMessage(bytes);
  assert.equal(m.wireFormat, PRIV, 'expected a PrivateMessage');
  return (m as Extract<MlsMessage, { wireFormat: typeof PRIV }>).privateMessage;
}

export type CommitContent = Extract<FramedContent, { readonly contentType: typeof ContentType.commit }>;

/** The Commit inside a PublicMessage commit. */
export function commitOf(bytes: Uint8Array): { content: CommitContent; auth: FramedContentAuthData } {
  const pm = publicOf(bytes);
  assert.equal(pm.content.contentType, ContentType.commit);
  return pm as { content: CommitContent; auth: FramedContentAuthData };
}

/** 'public' or 'private': the wire format of a framed message. */
export function messageKind(bytes: Uint8Array): 'public' | 'private' | 'other' {
  const wf = decodeMessage(bytes).wireFormat;
  return wf === PUB ? 'public' : wf === PRIV ? 'private' : 'other';
}

export function encodePublic(pm: PublicMessage): Uint8Array {
  return encode(mlsMessageCodec, { wireFormat: PUB, publicMessage: pm });
}

// ------------------------------------------------------------------------------------------------
// Forging (what a holder of keys can do)

/** The FramedContent signature (§6.1) under `signatureKey`, with `state`'s GroupContext for member senders. */
export function signAs(state: Pick<GroupState, 'cs' | 'contextBytes'>, signatureKey: Uint8Array, content: FramedContent, wireFormat: WireFormat = PUB): Uint8Array {
  const withContext = content.sender.senderType === SenderType.member || content.sender.senderType === SenderType.new_member_commit;
  return signContent(state.cs, signatureKey, wireFormat, content, withContext ? state.contextBytes : undefined);
}

/**
 * A PublicMessage as an insider holding `state` (its membership key) would send it: `content`
 * signed with `signatureKey` (default: the insider's own) and tagged with the insider's membership key.
 */
export function forgePublic(
  state: GroupState,
  content: FramedContent,
  o: { signatureKey?: Uint8Array; auth?: FramedContentAuthData; confirmationTag?: Uint8Array; membershipKey?: Uint8Array } = {},
): Uint8Array {
  const signature = o.auth?.signature ?? signAs(state, o.signatureKey ?? state.signaturePrivateKey, content);
  const confirmationTag = o.confirmationTag ?? o.auth?.confirmationTag;
  const auth: FramedContentAuthData = content.contentType === ContentType.commit ? { signature, confirmationTag: confirmationTag ?? new Uint8Array(state.cs.Nh) } : { signature };
  const tag = content.sender.senderType === SenderType.member ? membershipTag(state.cs, o.membershipKey ?? state.secrets.membershipKey, PUB, content, auth, state.contextBytes) : undefined;
  return encodePublic({ content, auth, ...(tag !== undefined ? { membershipTag: tag } : {}) });
}

/** Re-signs and re-tags a PublicMessage after `change` rewrote its content (an insider's forgery). */
export function rewritePublic(state: GroupState, bytes: Uint8Array, change: (c: FramedContent) => FramedContent, o: { keepSignature?: boolean; confirmationTag?: Uint8Array } = {}): Uint8Array {
  const pm = publicOf(bytes);
  const content = change(pm.content);
  return forgePublic(state, content, {
    ...(o.keepSignature === true ? { auth: pm.auth } : {}),
    ...(o.confirmationTag !== undefined ? { confirmationTag: o.confirmationTag } : pm.auth.confirmationTag !== undefined ? { confirmationTag: pm.auth.confirmationTag } : {}),
  });
}

/**
 * A PrivateMessage from `content.sender` encrypted with `key` (a ratchet key the forger holds) and
 * `senderDataSecret`; the signature is by `signatureKey` over the PrivateMessage TBS.
 */
export function forgePrivate(
  state: Pick<GroupState, 'cs' | 'contextBytes'>,
  content: FramedContent,
  o: { signatureKey: Uint8Array; senderDataSecret: Uint8Array; key: RatchetKey; confirmationTag?: Uint8Array; padding?: number },
): Uint8Array {
  const signature = signAs(state, o.signatureKey, content, PRIV);
  const auth: FramedContentAuthData = content.contentType === ContentType.commit ? { signature, confirmationTag: o.confirmationTag ?? new Uint8Array(state.cs.Nh) } : { signature };
  const privateMessage = encryptPrivateMessage(state.cs, { content, auth, senderDataSecret: o.senderDataSecret, ratchetKey: o.key, reuseGuard: state.cs.random(4), padding: o.padding ?? 0 });
  return encode(mlsMessageCodec, { wireFormat: PRIV, privateMessage });
}

/** The next application key of `state`'s own ratchet (consumed, as a real sender's would be). */
export function nextOwnKey(state: GroupState, type: RatchetType = RatchetType.application): RatchetKey {
  return state.secretTree.nextSendKey(state.myLeaf, type);
}

// ------------------------------------------------------------------------------------------------
// Checking outcomes

export interface Expect {
  readonly rule?: string;
  readonly code?: string;
}

/** Asserts `p` rejects with a typed MlsError (and the rule / code, when given); returns it. */
export async function rejects(p: Promise<unknown> | (() => unknown), expect: Expect = {}, what = 'the message'): Promise<MlsError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, `${what} was accepted`);
  assert.ok(err instanceof MlsError, `${what}: expected an MlsError, got ${String(err)}`);
  if (expect.rule !== undefined) assert.equal(err.rule, expect.rule, `${what}: wrong rule (${err.message})`);
  if (expect.code !== undefined) assert.equal(err.code, expect.code, `${what}: wrong code (${err.message})`);
  return err;
}

export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Searching for secrets

/** Does `needle` occur anywhere in `haystack`? (Native substring search.) */
export function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(Buffer.from(needle.buffer, needle.byteOffset, needle.byteLength)) >= 0;
}

/** A named secret the adversary must not find. */
export interface Secret {
  readonly label: string;
  readonly bytes: Uint8Array;
}

/** The labels of the `secrets` found in any of `haystacks`. */
export function findSecrets(haystacks: readonly Uint8Array[], secrets: readonly Secret[]): string[] {
  const found: string[] = [];
  for (const s of secrets) {
    assert.ok(s.bytes.length >= 8, `${s.label}: too short to search for meaningfully`);
    assert.ok(s.bytes.some((b) => b !== 0), `${s.label}: all zero (was it wiped before it was recorded?)`);
    if (haystacks.some((h) => contains(h, s.bytes))) found.push(s.label);
  }
  return found;
}

/**
 * Every secret of `state`'s current epoch, copied: the epoch-derived secrets of §8 Table 4 and, if
 * the secret tree is still untouched, its root (the encryption_secret).
 */
export function epochSecrets(state: GroupState, tag: string): Secret[] {
  const s = state.secrets;
  const out: Secret[] = [
    { label: `${tag} sender_data_secret`, bytes: s.senderDataSecret.slice() },
    { label: `${tag} exporter_secret`, bytes: s.exporterSecret.slice() },
    { label: `${tag} external_secret`, bytes: s.externalSecret.slice() },
    { label: `${tag} confirmation_key`, bytes: s.confirmationKey.slice() },
    { label: `${tag} membership_key`, bytes: s.membershipKey.slice() },
    { label: `${tag} resumption_psk`, bytes: s.resumptionPsk.slice() },
    { label: `${tag} epoch_authenticator`, bytes: s.epochAuthenticator.slice() },
    { label: `${tag} init_secret`, bytes: s.initSecret.slice() },
  ];
  const tree = state.secretTree.toState();
  if (tree.leaves.length === 0 && tree.nodes.length === 1) out.push({ label: `${tag} encryption_secret`, bytes: tree.nodes[0]!.secret.slice() });
  return out;
}

/** The HPKE private keys (leaf and path) and the signature key `state` holds. */
export function privateKeysOf(state: GroupState, tag: string): Secret[] {
  return [
    ...state.privateKeys.toState().keys.map((k) => ({ label: `${tag} HPKE private key of node ${k.node}`, bytes: k.privateKey })),
    { label: `${tag} signature private key`, bytes: state.signaturePrivateKey.slice() },
  ];
}

/**
 * The keys, nonces and ratchet secrets of generations [0, count) of `leaf`'s `type` ratchet in the
 * epoch whose encryption_secret is `encryptionSecret`, recomputed from scratch (§9, §9.1).
 * `ratchet_secret[g]` is listed for g in [1, count] — the secret after each listed generation.
 */
export function ratchetSecrets(cs: CipherSuite, encryptionSecret: Uint8Array, leafCount: number, leaf: number, type: RatchetType, count: number, tag: string): Secret[] {
  const tree = SecretTree.create(cs, encryptionSecret, leafCount, { maxForwardDistance: 0, maxSkippedKeys: 0 });
  const out: Secret[] = [];
  for (let g = 0; g < count; g++) {
    const k = tree.receiveKey(leaf, type, g);
    out.push({ label: `${tag} leaf ${leaf} ${type} key[${g}]`, bytes: k.key.slice() }, { label: `${tag} leaf ${leaf} ${type} nonce[${g}]`, bytes: k.nonce.slice() });
    const st = tree.toState().leaves.find((l) => l.leaf === leaf)!;
    const next = st[type].secret;
    if (next !== undefined) out.push({ label: `${tag} leaf ${leaf} ${type} ratchet_secret[${g + 1}]`, bytes: next });
  }
  return out;
}

/** Tries every private key on every HPKE ciphertext of `commit`'s UpdatePath; returns how many opened. */
export function openPathWith(cs: CipherSuite, commit: Commit, privateKeys: readonly Uint8Array[], provisionalContext: Uint8Array): number {
  let opened = 0;
  for (const node of commit.path?.nodes ?? []) {
    for (const ct of node.encryptedPathSecret) {
      for (const sk of privateKeys) {
        try {
          decryptWithLabel(cs, sk, 'UpdatePathNode', provisionalContext, ct.kemOutput, ct.ciphertext);
          opened++;
        } catch {
          // expected: not this key
        }
      }
    }
  }
  return opened;
}

export const hex = toHex;
