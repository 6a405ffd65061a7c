/**
 * RFC 9420 §6.2: PublicMessage — content that is signed (and, for members, MACed) but not encrypted.
 *
 *   struct {
 *       FramedContent content;
 *       FramedContentAuthData auth;
 *       select (PublicMessage.content.sender.sender_type) {
 *           case member: MAC membership_tag;
 *           case external: case new_member_commit: case new_member_proposal: struct{};
 *       };
 *   } PublicMessage;
 */
import { codec, type Codec } from '../codec/codec.js';
import { framedContentCodec, readAuthData, SenderType, writeAuthData, type FramedContent, type FramedContentAuthData } from './content.js';

export interface PublicMessage {
  readonly content: FramedContent;
  readonly auth: FramedContentAuthData;
  /** Present exactly when the sender is a member. */
  readonly membershipTag?: Uint8Array;
}

export const publicMessageCodec: Codec<PublicMessage> = codec(
  'PublicMessage',
  (w, m) => {
    framedContentCodec.encode(w, m.content);
    writeAuthData(w, m.content.contentType, m.auth);
    if (m.content.sender.senderType === SenderType.member) w.opaque(m.membershipTag ?? new Uint8Array(0));
  },
  (r) => {
    const content = framedContentCodec.decode(r);
    const auth = readAuthData(r, content.contentType);
    if (content.sender.senderType !== SenderType.member) return { content, auth };
    return { content, auth, membershipTag: r.opaque('PublicMessage.membership_tag') };
  },
);
