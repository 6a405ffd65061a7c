/**
 * message-protection.json: RFC 9420 §6 (framing), §6.1 (FramedContentTBS signatures), §6.2
 * (PublicMessage and its membership_tag), §6.3 (PrivateMessage: §6.3.1 content encryption with the
 * reuse guard and padding, §6.3.2 sender data), over the §9 secret tree.
 *
 * Per the vectors README: the GroupContext is rebuilt from the case's fields with no extensions;
 * the sender is leaf 1 of a 2-leaf secret tree rooted at `encryption_secret`, and each content
 * gets a fresh tree. Every message is unprotected and checked against the raw content, then
 * protected again by us and unprotected once more (our ciphertexts differ from the file's: the
 * reuse guard is random and ECDSA is not deterministic). The commit's confirmation_tag cannot be
 * checked without a key schedule; it is carried as opaque bytes.
 */
import { decode, encode } from '../src/codec/codec.js';
import type { CipherSuite } from '../src/crypto/cipher-suite.js';
import { nodeCipherSuite } from '../src/crypto/node/provider.js';
import { membershipTag, signContent, verifyContentSignature, verifyMembershipTag } from '../src/framing/auth.js';
import {
  ContentType,
  framedContent,
  SenderType,
  WireFormat,
  type FramedBody,
  type FramedContent,
  type FramedContentAuthData,
} from '../src/framing/content.js';
import { mlsMessageCodec, type MlsMessage } from '../src/framing/mls-message.js';
import { decryptPrivateContent, decryptSenderData, encryptPrivateMessage, type PrivateMessage } from '../src/framing/private-message.js';
import type { PublicMessage } from '../src/framing/public-message.js';
import { assertPublicMessageContentAllowed } from '../src/framing/rules.js';
import { encodeGroupContext, ProtocolVersion } from '../src/key-schedule/group-context.js';
import { commitCodec } from '../src/messages/commit.js';
import { proposalCodec } from '../src/messages/proposal.js';
import { RatchetType, SecretTree } from '../src/secret-tree/secret-tree.js';
import { ValidationError } from '../src/errors.js';
import { bytesEqual, toHex } from '../src/util/bytes.js';
import { expectBytes, expectEqual, expectTrue, hex } from './assert.js';
import type { Json } from './types.js';

/** The README's fixed layout: sender leaf 1 in a tree of 2 leaves. */
const SENDER_LEAF = 1;
const LEAF_COUNT = 2;

interface Ctx {
  readonly cs: CipherSuite;
  readonly tc: Json;
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  /** The encoded GroupContext, part of every member's FramedContentTBS. */
  readonly groupContext: Uint8Array;
  readonly signaturePriv: Uint8Array;
  readonly signaturePub: Uint8Array;
  readonly membershipKey: Uint8Array;
  readonly senderDataSecret: Uint8Array;
  readonly encryptionSecret: Uint8Array;
}

type Kind = 'proposal' | 'commit' | 'application';

function decodeMls(field: string, hexValue: unknown): MlsMessage {
  if (typeof hexValue !== 'string') throw new Error(`${field}: missing from the test case`);
  const bytes = hex(hexValue);
  const msg = decode(mlsMessageCodec, bytes);
  expectTrue(`${field}: MLSMessage round trip`, bytesEqual(encode(mlsMessageCodec, msg), bytes));
  return msg;
}

/** The encoded body of a content, compared with the raw `proposal` / `commit` / `application` field. */
function bodyBytes(body: FramedBody): Uint8Array {
  switch (body.contentType) {
    case ContentType.application:
      return body.applicationData;
    case ContentType.proposal:
      return encode(proposalCodec, body.proposal);
    case ContentType.commit:
      return encode(commitCodec, body.commit);
  }
}

/** The raw value of the case as a FramedBody (decoding it also checks it is well formed). */
function rawBody(ctx: Ctx, kind: Kind): FramedBody {
  const raw = hex(ctx.tc[kind]);
  switch (kind) {
    case 'application':
      return { contentType: ContentType.application, applicationData: raw };
    case 'proposal':
      return { contentType: ContentType.proposal, proposal: decode(proposalCodec, raw) };
    case 'commit':
      return { contentType: ContentType.commit, commit: decode(commitCodec, raw) };
  }
}

function checkHeader(ctx: Ctx, at: string, content: FramedContent, kind: Kind): void {
  expectTrue(`${at}: group_id`, bytesEqual(content.groupId, ctx.groupId));
  expectEqual(`${at}: epoch`, content.epoch, ctx.epoch);
  expectEqual(`${at}: sender_type`, content.sender.senderType as number, SenderType.member);
  if (content.sender.senderType === SenderType.member) expectEqual(`${at}: leaf_index`, content.sender.leafIndex, SENDER_LEAF);
  expectEqual(`${at}: content_type`, content.contentType as number, ContentType[kind]);
  expectBytes(`${at}: content equals the raw ${kind}`, bodyBytes(content), ctx.tc[kind]);
}

/** Our own content for `kind`: the case's group, sender leaf 1, the raw body. */
function ourContent(ctx: Ctx, kind: Kind, authenticatedData: Uint8Array): FramedContent {
  return framedContent(
    { groupId: ctx.groupId, epoch: ctx.epoch, sender: { senderType: SenderType.member, leafIndex: SENDER_LEAF }, authenticatedData },
    rawBody(ctx, kind),
  );
}

/** FramedContentAuthData for our content; a commit reuses the file's confirmation tag as opaque bytes. */
function ourAuth(ctx: Ctx, wireFormat: WireFormat, content: FramedContent, confirmationTag: Uint8Array | undefined): FramedContentAuthData {
  const signature = signContent(ctx.cs, ctx.signaturePriv, wireFormat, content, ctx.groupContext);
  if (content.contentType !== ContentType.commit) return { signature };
  if (confirmationTag === undefined) throw new Error('commit without confirmation_tag');
  return { signature, confirmationTag };
}

// ---------------------------------------------------------------------------------------------
// PublicMessage (§6.2)

function verifyPublic(ctx: Ctx, at: string, pm: PublicMessage): void {
  assertPublicMessageContentAllowed(pm.content);
  verifyContentSignature(ctx.cs, ctx.signaturePub, WireFormat.mls_public_message, pm.content, pm.auth, ctx.groupContext);
  verifyMembershipTag(ctx.cs, ctx.membershipKey, WireFormat.mls_public_message, pm.content, pm.auth, ctx.groupContext, pm.membershipTag);
  if (pm.content.contentType === ContentType.commit && pm.auth.confirmationTag === undefined) throw new Error(`${at}: commit without confirmation_tag`);
}

function checkPublic(ctx: Ctx, kind: 'proposal' | 'commit'): void {
  const at = `${kind}_pub`;
  const msg = decodeMls(at, ctx.tc[at]);
  if (msg.wireFormat !== WireFormat.mls_public_message) throw new Error(`${at}: wire_format ${msg.wireFormat}, expected mls_public_message`);
  const pm = msg.publicMessage;
  verifyPublic(ctx, at, pm);
  checkHeader(ctx, at, pm.content, kind);

  // Re-protect the raw value ourselves and check the result verifies after a wire round trip.
  const content = ourContent(ctx, kind, pm.content.authenticatedData);
  const auth = ourAuth(ctx, WireFormat.mls_public_message, content, pm.auth.confirmationTag);
  assertPublicMessageContentAllowed(content);
  const tag = membershipTag(ctx.cs, ctx.membershipKey, WireFormat.mls_public_message, content, auth, ctx.groupContext);
  const ours = encode(mlsMessageCodec, { wireFormat: WireFormat.mls_public_message, publicMessage: { content, auth, membershipTag: tag } });
  const back = decode(mlsMessageCodec, ours);
  if (back.wireFormat !== WireFormat.mls_public_message) throw new Error(`${at} (ours): wrong wire format`);
  verifyPublic(ctx, `${at} (ours)`, back.publicMessage);
  checkHeader(ctx, `${at} (ours)`, back.publicMessage.content, kind);

  // The file's signature must not verify as a PrivateMessage's: the wire format is in the TBS.
  let crossed = false;
  try {
    verifyContentSignature(ctx.cs, ctx.signaturePub, WireFormat.mls_private_message, pm.content, pm.auth, ctx.groupContext);
  } catch (err) {
    crossed = err instanceof ValidationError && err.rule === 'R-6.1-01';
  }
  expectTrue(`${at}: signature bound to wire_format`, crossed);
}

/** R-6-01: application data as a PublicMessage must be refused. */
function checkApplicationNotPublic(ctx: Ctx): void {
  const content = ourContent(ctx, 'application', new Uint8Array(0));
  let refused = false;
  try {
    assertPublicMessageContentAllowed(content);
  } catch (err) {
    refused = err instanceof ValidationError && err.rule === 'R-6-01';
  }
  expectTrue('application as PublicMessage is refused (R-6-01)', refused);
}

// ---------------------------------------------------------------------------------------------
// PrivateMessage (§6.3)

function ratchetTypeOf(kind: Kind): RatchetType {
  return kind === 'application' ? RatchetType.application : RatchetType.handshake;
}

/** Unprotects `pm` with a fresh secret tree; returns the verified content and auth. */
function unprotectPrivate(ctx: Ctx, at: string, pm: PrivateMessage, kind: Kind): { content: FramedContent; auth: FramedContentAuthData } {
  const senderData = decryptSenderData(ctx.cs, pm, ctx.senderDataSecret);
  expectEqual(`${at}: SenderData.leaf_index`, senderData.leafIndex, SENDER_LEAF);
  const tree = SecretTree.create(ctx.cs, ctx.encryptionSecret, LEAF_COUNT);
  const { content, auth } = tree.openWith(senderData.leafIndex, ratchetTypeOf(kind), senderData.generation, (key) =>
    decryptPrivateContent(ctx.cs, pm, senderData, key),
  );
  verifyContentSignature(ctx.cs, ctx.signaturePub, WireFormat.mls_private_message, content, auth, ctx.groupContext);
  if (content.contentType === ContentType.commit && auth.confirmationTag === undefined) throw new Error(`${at}: commit without confirmation_tag`);
  checkHeader(ctx, at, content, kind);
  return { content, auth };
}

function checkPrivate(ctx: Ctx, kind: Kind): void {
  const at = `${kind}_priv`;
  const msg = decodeMls(at, ctx.tc[at]);
  if (msg.wireFormat !== WireFormat.mls_private_message) throw new Error(`${at}: wire_format ${msg.wireFormat}, expected mls_private_message`);
  const got = unprotectPrivate(ctx, at, msg.privateMessage, kind);

  // Re-protect with a fresh sender tree and unprotect with another fresh tree (the round trip).
  const content = ourContent(ctx, kind, got.content.authenticatedData);
  const auth = ourAuth(ctx, WireFormat.mls_private_message, content, got.auth.confirmationTag);
  const sender = SecretTree.create(ctx.cs, ctx.encryptionSecret, LEAF_COUNT);
  const ratchetKey = sender.nextSendKey(SENDER_LEAF, ratchetTypeOf(kind));
  const pm = encryptPrivateMessage(ctx.cs, {
    content,
    auth,
    senderDataSecret: ctx.senderDataSecret,
    ratchetKey,
    reuseGuard: ctx.cs.random(4),
    padding: 13,
  });
  const bytes = encode(mlsMessageCodec, { wireFormat: WireFormat.mls_private_message, privateMessage: pm });
  const back = decode(mlsMessageCodec, bytes);
  if (back.wireFormat !== WireFormat.mls_private_message) throw new Error(`${at} (ours): wrong wire format`);
  const again = unprotectPrivate(ctx, `${at} (ours)`, back.privateMessage, kind);
  expectTrue(`${at} (ours): signature preserved`, bytesEqual(again.auth.signature, auth.signature));
  if (kind === 'commit') {
    const t = again.auth.confirmationTag;
    expectTrue(`${at} (ours): confirmation_tag preserved`, t !== undefined && bytesEqual(t, got.auth.confirmationTag ?? new Uint8Array(0)));
  }
}

export function runCase(tc: Json): void {
  const cs = nodeCipherSuite(tc.cipher_suite);
  const groupId = hex(tc.group_id);
  const epoch = BigInt(tc.epoch);
  const groupContext = encodeGroupContext({
    version: ProtocolVersion.mls10,
    cipherSuite: tc.cipher_suite,
    groupId,
    epoch,
    treeHash: hex(tc.tree_hash),
    confirmedTranscriptHash: hex(tc.confirmed_transcript_hash),
    extensions: [],
  });
  const ctx: Ctx = {
    cs,
    tc,
    groupId,
    epoch,
    groupContext,
    signaturePriv: hex(tc.signature_priv),
    signaturePub: hex(tc.signature_pub),
    membershipKey: hex(tc.membership_key),
    senderDataSecret: hex(tc.sender_data_secret),
    encryptionSecret: hex(tc.encryption_secret),
  };
  // The key pair must match, or "our message verifies" would prove nothing.
  expectEqual('signature_pub = public(signature_priv)', toHex(cs.signatureScheme.publicKeyFromPrivate(ctx.signaturePriv)), tc.signature_pub);

  checkPublic(ctx, 'proposal');
  checkPublic(ctx, 'commit');
  checkApplicationNotPublic(ctx);
  checkPrivate(ctx, 'proposal');
  checkPrivate(ctx, 'commit');
  checkPrivate(ctx, 'application');
}
