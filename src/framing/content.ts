/**
 * RFC 9420 §6 and §6.1: FramedContent, Sender, FramedContentAuthData, AuthenticatedContent,
 * and the byte strings that are signed (FramedContentTBS), MACed (AuthenticatedContentTBM) and
 * hashed into the transcript (ConfirmedTranscriptHashInput, §8.2).
 *
 *   struct {
 *       opaque group_id<V>;
 *       uint64 epoch;
 *       Sender sender;
 *       opaque authenticated_data<V>;
 *       ContentType content_type;
 *       select (FramedContent.content_type) {
 *           case application: opaque application_data<V>;
 *           case proposal:    Proposal proposal;
 *           case commit:      Commit commit;
 *       };
 *   } FramedContent;
 */
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { codec, type Codec } from '../codec/codec.js';
import { DecodeError } from '../errors.js';
import { commitCodec, type Commit } from '../messages/commit.js';
import { proposalCodec, type Proposal } from '../messages/proposal.js';

export const PROTOCOL_VERSION_MLS10 = 1;

export const ContentType = { application: 1, proposal: 2, commit: 3 } as const;
export type ContentType = (typeof ContentType)[keyof typeof ContentType];

export const SenderType = { member: 1, external: 2, new_member_proposal: 3, new_member_commit: 4 } as const;
export type SenderType = (typeof SenderType)[keyof typeof SenderType];

/** RFC 9420 §17.2 wire formats. */
export const WireFormat = {
  mls_public_message: 1,
  mls_private_message: 2,
  mls_welcome: 3,
  mls_group_info: 4,
  mls_key_package: 5,
} as const;
export type WireFormat = (typeof WireFormat)[keyof typeof WireFormat];

export type Sender =
  | { readonly senderType: typeof SenderType.member; readonly leafIndex: number }
  | { readonly senderType: typeof SenderType.external; readonly senderIndex: number }
  | { readonly senderType: typeof SenderType.new_member_proposal }
  | { readonly senderType: typeof SenderType.new_member_commit };

export type FramedBody =
  | { readonly contentType: typeof ContentType.application; readonly applicationData: Uint8Array }
  | { readonly contentType: typeof ContentType.proposal; readonly proposal: Proposal }
  | { readonly contentType: typeof ContentType.commit; readonly commit: Commit };

export type FramedContent = {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly sender: Sender;
  readonly authenticatedData: Uint8Array;
} & FramedBody;

/** FramedContentAuthData: the signature, and for a commit the confirmation tag. */
export interface FramedContentAuthData {
  readonly signature: Uint8Array;
  readonly confirmationTag?: Uint8Array;
}

export interface AuthenticatedContent {
  readonly wireFormat: WireFormat;
  readonly content: FramedContent;
  readonly auth: FramedContentAuthData;
}

export const senderCodec: Codec<Sender> = codec(
  'Sender',
  (w, s) => {
    w.u8(s.senderType);
    if (s.senderType === SenderType.member) w.u32(s.leafIndex);
    else if (s.senderType === SenderType.external) w.u32(s.senderIndex);
  },
  (r) => {
    const senderType = r.u8('Sender.sender_type');
    switch (senderType) {
      case SenderType.member:
        return { senderType, leafIndex: r.u32('Sender.leaf_index') };
      case SenderType.external:
        return { senderType, senderIndex: r.u32('Sender.sender_index') };
      case SenderType.new_member_proposal:
      case SenderType.new_member_commit:
        return { senderType };
      default:
        throw new DecodeError('ERR_DECODE_UNKNOWN_VALUE', `Sender.sender_type: unknown value ${senderType}`, { field: 'Sender.sender_type', rule: 'D-02' });
    }
  },
);

export function readContentType(r: Reader, field: string): ContentType {
  const t = r.u8(field);
  if (t < 1 || t > 3) throw new DecodeError('ERR_DECODE_UNKNOWN_VALUE', `${field}: unknown content type ${t}`, { field, rule: 'D-02' });
  return t as ContentType;
}

/** Writes the `select (content_type)` body (shared by FramedContent and PrivateMessageContent). */
export function writeBody(w: Writer, body: FramedBody): void {
  switch (body.contentType) {
    case ContentType.application:
      w.opaque(body.applicationData);
      break;
    case ContentType.proposal:
      proposalCodec.encode(w, body.proposal);
      break;
    case ContentType.commit:
      commitCodec.encode(w, body.commit);
      break;
  }
}

export function readBody(r: Reader, contentType: ContentType): FramedBody {
  switch (contentType) {
    case ContentType.application:
      return { contentType, applicationData: r.opaque('FramedContent.application_data') };
    case ContentType.proposal:
      return { contentType, proposal: proposalCodec.decode(r) };
    case ContentType.commit:
      return { contentType, commit: commitCodec.decode(r) };
  }
}

/** Builds a FramedContent from its header fields and a body. */
export function framedContent(
  header: { groupId: Uint8Array; epoch: bigint; sender: Sender; authenticatedData: Uint8Array },
  body: FramedBody,
): FramedContent {
  return { ...header, ...body } as FramedContent;
}

export const framedContentCodec: Codec<FramedContent> = codec(
  'FramedContent',
  (w, c) => {
    w.opaque(c.groupId).u64(c.epoch);
    senderCodec.encode(w, c.sender);
    w.opaque(c.authenticatedData).u8(c.contentType);
    writeBody(w, c);
  },
  (r) => {
    const groupId = r.opaque('FramedContent.group_id');
    const epoch = r.u64('FramedContent.epoch');
    const sender = senderCodec.decode(r);
    const authenticatedData = r.opaque('FramedContent.authenticated_data');
    const contentType = readContentType(r, 'FramedContent.content_type');
    return framedContent({ groupId, epoch, sender, authenticatedData }, readBody(r, contentType));
  },
);

export function writeAuthData(w: Writer, contentType: ContentType, auth: FramedContentAuthData): void {
  w.opaque(auth.signature);
  if (contentType === ContentType.commit) {
    if (auth.confirmationTag === undefined) {
      throw new DecodeError('ERR_DECODE_INVALID', 'FramedContentAuthData.confirmation_tag: missing for a commit', {
        field: 'FramedContentAuthData.confirmation_tag',
      });
    }
    w.opaque(auth.confirmationTag);
  }
}

export function readAuthData(r: Reader, contentType: ContentType): FramedContentAuthData {
  const signature = r.opaque('FramedContentAuthData.signature');
  if (contentType !== ContentType.commit) return { signature };
  return { signature, confirmationTag: r.opaque('FramedContentAuthData.confirmation_tag') };
}

function readWireFormat(r: Reader, field: string): WireFormat {
  const wf = r.u16(field);
  if (wf < 1 || wf > 5) throw new DecodeError('ERR_DECODE_UNKNOWN_VALUE', `${field}: unknown wire format ${wf}`, { field, rule: 'D-02' });
  return wf as WireFormat;
}

export const authenticatedContentCodec: Codec<AuthenticatedContent> = codec(
  'AuthenticatedContent',
  (w, a) => {
    w.u16(a.wireFormat);
    framedContentCodec.encode(w, a.content);
    writeAuthData(w, a.content.contentType, a.auth);
  },
  (r) => {
    const wireFormat = readWireFormat(r, 'AuthenticatedContent.wire_format');
    const content = framedContentCodec.decode(r);
    return { wireFormat, content, auth: readAuthData(r, content.contentType) };
  },
);

/** Does FramedContentTBS carry the GroupContext for this sender type? (member, new_member_commit) */
export function tbsHasContext(sender: Sender): boolean {
  return sender.senderType === SenderType.member || sender.senderType === SenderType.new_member_commit;
}

/**
 * FramedContentTBS{version, wire_format, content, [context]}. `groupContext` is the encoded
 * GroupContext; it is required exactly when the sender is a member or a new_member_commit.
 */
export function framedContentTbs(wireFormat: WireFormat, content: FramedContent, groupContext: Uint8Array | undefined): Uint8Array {
  const w = new Writer(256);
  writeTbs(w, wireFormat, content, groupContext);
  return w.finish();
}

function writeTbs(w: Writer, wireFormat: WireFormat, content: FramedContent, groupContext: Uint8Array | undefined): void {
  w.u16(PROTOCOL_VERSION_MLS10).u16(wireFormat);
  framedContentCodec.encode(w, content);
  if (tbsHasContext(content.sender)) {
    if (groupContext === undefined) {
      throw new DecodeError('ERR_DECODE_INVALID', 'FramedContentTBS.context: missing GroupContext for a member sender', { field: 'FramedContentTBS.context' });
    }
    w.bytes(groupContext);
  }
}

/** AuthenticatedContentTBM{FramedContentTBS content_tbs; FramedContentAuthData auth} — the membership_tag input. */
export function authenticatedContentTbm(wireFormat: WireFormat, content: FramedContent, auth: FramedContentAuthData, groupContext: Uint8Array): Uint8Array {
  const w = new Writer(512);
  writeTbs(w, wireFormat, content, groupContext);
  writeAuthData(w, content.contentType, auth);
  return w.finish();
}

/** §8.2 ConfirmedTranscriptHashInput{wire_format; FramedContent content; opaque signature<V>}. */
export function confirmedTranscriptHashInput(wireFormat: WireFormat, content: FramedContent, signature: Uint8Array): Uint8Array {
  const w = new Writer(512);
  w.u16(wireFormat);
  framedContentCodec.encode(w, content);
  w.opaque(signature);
  return w.finish();
}
