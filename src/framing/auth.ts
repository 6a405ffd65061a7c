/**
 * RFC 9420 §6.1: signing and verifying FramedContent (SignWithLabel "FramedContentTBS"), and
 * §6.2: the membership tag of a PublicMessage.
 */
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { signWithLabel, verifyWithLabel } from '../crypto/labels.js';
import { ValidationError } from '../errors.js';
import { authenticatedContentTbm, framedContentTbs, type FramedContent, type FramedContentAuthData, type WireFormat } from './content.js';

const LABEL = 'FramedContentTBS';

/** The FramedContentAuthData signature. `groupContext` (encoded) is required for member and new_member_commit senders. */
export function signContent(cs: CipherSuite, signaturePrivateKey: Uint8Array, wireFormat: WireFormat, content: FramedContent, groupContext: Uint8Array | undefined): Uint8Array {
  return signWithLabel(cs, signaturePrivateKey, LABEL, framedContentTbs(wireFormat, content, groupContext));
}

/**
 * R-6.1-01: verify the signature with the key the sender type designates (the caller resolves the
 * key: R-6.1-02/03/05/07). The TBS uses the wire format the message actually arrived in.
 */
export function verifyContentSignature(
  cs: CipherSuite,
  signaturePublicKey: Uint8Array,
  wireFormat: WireFormat,
  content: FramedContent,
  auth: FramedContentAuthData,
  groupContext: Uint8Array | undefined,
): void {
  const tbs = framedContentTbs(wireFormat, content, groupContext);
  if (!verifyWithLabel(cs, signaturePublicKey, LABEL, tbs, auth.signature)) {
    throw new ValidationError('ERR_VALIDATION_SIGNATURE', 'R-6.1-01', 'FramedContent signature does not verify', {
      field: 'FramedContentAuthData.signature',
    });
  }
}

/** membership_tag = MAC(membership_key, AuthenticatedContentTBM). */
export function membershipTag(cs: CipherSuite, membershipKey: Uint8Array, wireFormat: WireFormat, content: FramedContent, auth: FramedContentAuthData, groupContext: Uint8Array): Uint8Array {
  return cs.mac(membershipKey, authenticatedContentTbm(wireFormat, content, auth, groupContext));
}

/** R-6.2-01: constant-time check of a member's membership_tag. */
export function verifyMembershipTag(
  cs: CipherSuite,
  membershipKey: Uint8Array,
  wireFormat: WireFormat,
  content: FramedContent,
  auth: FramedContentAuthData,
  groupContext: Uint8Array,
  tag: Uint8Array | undefined,
): void {
  const ok = tag !== undefined && cs.verifyMac(membershipKey, authenticatedContentTbm(wireFormat, content, auth, groupContext), tag);
  if (!ok) {
    throw new ValidationError('ERR_VALIDATION_MEMBERSHIP_TAG', 'R-6.2-01', 'membership_tag does not verify', { field: 'PublicMessage.membership_tag' });
  }
}
