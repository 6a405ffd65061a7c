/**
 * RFC 9420 §6.1–§6.3, sending side: sign FramedContent as this member and wrap it as a
 * PublicMessage (with membership tag) or a PrivateMessage (with the next key of this member's
 * handshake or application ratchet, a fresh reuse guard, and the group's padding policy).
 */
import { encode } from '../codec/codec.js';
import { membershipTag, signContent } from '../framing/auth.js';
import {
  ContentType, framedContent, SenderType, WireFormat,
  type FramedBody, type FramedContent, type FramedContentAuthData,
} from '../framing/content.js';
import { mlsMessageCodec, type MlsMessage } from '../framing/mls-message.js';
import { encryptPrivateMessage } from '../framing/private-message.js';
import { assertPublicMessageContentAllowed } from '../framing/rules.js';
import { RatchetType } from '../secret-tree/secret-tree.js';
import { paddingFor } from './config.js';
import type { GroupState } from './state.js';

export type HandshakeWireFormat = typeof WireFormat.mls_public_message | typeof WireFormat.mls_private_message;

/** The wire format this member uses for handshake messages (config.handshakeWireFormat). */
export function handshakeWireFormat(state: GroupState): HandshakeWireFormat {
  return state.config.handshakeWireFormat === 'private' ? WireFormat.mls_private_message : WireFormat.mls_public_message;
}

/** FramedContent from this member in the current epoch. */
export function ownContent(state: GroupState, body: FramedBody, authenticatedData: Uint8Array): FramedContent {
  return framedContent(
    { groupId: state.context.groupId, epoch: state.context.epoch, sender: { senderType: SenderType.member, leafIndex: state.myLeaf }, authenticatedData },
    body,
  );
}

/** The FramedContentAuthData signature of this member over `content` (old GroupContext, §6.1). */
export function signOwn(state: GroupState, wireFormat: HandshakeWireFormat, content: FramedContent): Uint8Array {
  return signContent(state.cs, state.signaturePrivateKey, wireFormat, content, state.contextBytes);
}

/**
 * Wraps signed content as an MLSMessage in `wireFormat`. A PrivateMessage consumes the next key of
 * this member's ratchet in the current epoch (the key is deleted once used, §9.2).
 */
export function protect(state: GroupState, wireFormat: HandshakeWireFormat, content: FramedContent, auth: FramedContentAuthData): Uint8Array {
  let message: MlsMessage;
  if (wireFormat === WireFormat.mls_public_message) {
    assertPublicMessageContentAllowed(content); // R-6-01 on the sending side
    const tag = membershipTag(state.cs, state.secrets.membershipKey, wireFormat, content, auth, state.contextBytes);
    message = { wireFormat, publicMessage: { content, auth, membershipTag: tag } };
  } else {
    const type = content.contentType === ContentType.application ? RatchetType.application : RatchetType.handshake;
    const ratchetKey = state.secretTree.nextSendKey(state.myLeaf, type);
    const privateMessage = encryptPrivateMessage(state.cs, {
      content,
      auth,
      senderDataSecret: state.secrets.senderDataSecret,
      ratchetKey,
      reuseGuard: state.cs.random(4),
      padding: (n) => paddingFor(state.config.padding, n),
    });
    message = { wireFormat, privateMessage };
  }
  return encode(mlsMessageCodec, message);
}
