/**
 * RFC 9420 §6, §6.1–§6.3 and §12.4.2 (first steps): turning a received PublicMessage or
 * PrivateMessage into verified content. Parse, then verify: the result of this module is content
 * whose sender is known and whose signature (and membership tag) verified under the right epoch.
 *
 * The checks, in order: group id (D-04); epoch (R-12.1-01, R-12.4.2-01, D-09); wire-format rules
 * (R-6-01); sender resolution (R-6.1-02…08, R-6.3.2-02); membership tag (R-6.2-01) or decryption
 * (R-6.3.2-01, R-6.3.1-01…03); signature (R-6.1-01).
 */
import { ValidationError } from '../errors.js';
import { verifyContentSignature, verifyMembershipTag } from '../framing/auth.js';
import { ContentType, SenderType, WireFormat, type FramedContent, type FramedContentAuthData } from '../framing/content.js';
import { decryptPrivateContent, decryptSenderData, type PrivateMessage } from '../framing/private-message.js';
import type { PublicMessage } from '../framing/public-message.js';
import { assertPublicMessageContentAllowed } from '../framing/rules.js';
import { ProposalType } from '../messages/proposal.js';
import type { PublicTree } from '../ratchet-tree/tree.js';
import { RatchetType, type SecretTree } from '../secret-tree/secret-tree.js';
import type { LeafIndex } from '../tree-math/index.js';
import { bytesEqual } from '../util/bytes.js';
import { externalSendersOf } from '../proposals/apply.js';
import type { GroupState, PastEpoch } from './state.js';

/** Content that passed every framing check. Only this module produces it. */
export interface VerifiedContent {
  readonly wireFormat: typeof WireFormat.mls_public_message | typeof WireFormat.mls_private_message;
  readonly content: FramedContent;
  readonly auth: FramedContentAuthData;
  /** For an application message of a past epoch: which epoch it was read in. */
  readonly pastEpoch?: bigint;
  /** When verified without consuming: the copy of the secret tree in which the key was consumed. */
  readonly secretTree?: SecretTree;
}

function reject(code: `ERR_VALIDATION_${string}`, rule: string, message: string, field: string): never {
  throw new ValidationError(code, rule, message, { field });
}

/** R-6.1-02 / R-6.3.2-02: the signature key of a member sender, which must be a non-blank leaf. */
function memberKey(tree: PublicTree, leaf: number, rule: string): Uint8Array {
  const node = leaf < tree.leafCount ? tree.leafNode(leaf as LeafIndex) : undefined;
  if (node === undefined) reject('ERR_VALIDATION_SENDER', rule, `sender leaf ${leaf} is not a member`, 'Sender.leaf_index');
  return node.signatureKey;
}

/** The key a PublicMessage's signature is checked with, by sender type (§6.1). */
function publicSenderKey(state: GroupState, content: FramedContent): Uint8Array {
  const s = content.sender;
  switch (s.senderType) {
    case SenderType.member:
      return memberKey(state.tree, s.leafIndex, 'R-6.1-02');
    case SenderType.external: {
      const senders = externalSendersOf(state.context.extensions);
      if (senders === undefined) reject('ERR_VALIDATION_SENDER', 'R-6.1-03', 'the group has no external_senders extension', 'Sender.sender_index');
      const es = senders[s.senderIndex];
      if (es === undefined) reject('ERR_VALIDATION_SENDER', 'R-6.1-03', `external sender index ${s.senderIndex} is out of range`, 'Sender.sender_index');
      if (content.contentType !== ContentType.proposal) reject('ERR_VALIDATION_SENDER', 'R-6.1-04', 'an external sender may only send proposals', 'FramedContent.content_type');
      const t = content.proposal.proposalType;
      // R-12.1.8-02: the proposal types an external sender may send.
      if (t === ProposalType.update || t === ProposalType.externalInit) {
        reject('ERR_VALIDATION_SENDER', 'R-12.1.8-02', `an external sender may not send a proposal of type ${t}`, 'Proposal.proposal_type');
      }
      return es.signatureKey;
    }
    case SenderType.new_member_proposal:
      if (content.contentType !== ContentType.proposal || content.proposal.proposalType !== ProposalType.add) {
        reject('ERR_VALIDATION_SENDER', 'R-6.1-08', 'a new_member_proposal sender may only send an Add proposal', 'FramedContent.content_type');
      }
      return content.proposal.add.keyPackage.leafNode.signatureKey; // R-6.1-07
    case SenderType.new_member_commit:
      if (content.contentType !== ContentType.commit) reject('ERR_VALIDATION_SENDER', 'R-6.1-06', 'a new_member_commit sender may only send a Commit', 'FramedContent.content_type');
      if (content.commit.path === undefined) reject('ERR_VALIDATION_COMMIT', 'R-12.4.3.2-02', 'an external Commit must have a path', 'Commit.path');
      return content.commit.path.leafNode.signatureKey; // R-6.1-05
  }
}

/** D-04 and the epoch rules shared by both wire formats. */
function checkGroupAndEpoch(state: GroupState, groupId: Uint8Array, epoch: bigint, contentType: ContentType): 'current' | PastEpoch {
  if (!bytesEqual(groupId, state.context.groupId)) reject('ERR_VALIDATION_GROUP_ID', 'D-04', 'the message is for another group', 'FramedContent.group_id');
  if (epoch === state.context.epoch) return 'current';
  if (contentType === ContentType.proposal) reject('ERR_VALIDATION_EPOCH', 'R-12.1-01', `proposal for epoch ${epoch}, current is ${state.context.epoch}`, 'FramedContent.epoch');
  if (contentType === ContentType.commit) reject('ERR_VALIDATION_EPOCH', 'R-12.4.2-01', `commit for epoch ${epoch}, current is ${state.context.epoch}`, 'FramedContent.epoch');
  const past = state.past.find((p) => p.epoch === epoch);
  if (past === undefined) reject('ERR_VALIDATION_EPOCH', 'D-09', `application message for epoch ${epoch}, whose secrets are not kept`, 'FramedContent.epoch');
  return past;
}

/**
 * §6.2: verifies a PublicMessage (membership tag for members, then the signature). R-6.2-02: content
 * is returned only once its FramedContentAuthData verified (a Commit's confirmation tag is checked
 * when the Commit is staged, before anything is adopted).
 */
export function unprotectPublic(state: GroupState, msg: PublicMessage): VerifiedContent {
  const { content, auth } = msg;
  assertPublicMessageContentAllowed(content); // R-6-01, before anything else looks at it
  checkGroupAndEpoch(state, content.groupId, content.epoch, content.contentType);
  const key = publicSenderKey(state, content);
  const wireFormat = WireFormat.mls_public_message;
  const member = content.sender.senderType === SenderType.member;
  if (member) verifyMembershipTag(state.cs, state.secrets.membershipKey, wireFormat, content, auth, state.contextBytes, msg.membershipTag);
  const withContext = member || content.sender.senderType === SenderType.new_member_commit;
  verifyContentSignature(state.cs, key, wireFormat, content, auth, withContext ? state.contextBytes : undefined);
  return { wireFormat, content, auth };
}

/**
 * §6.3: decrypts and verifies a PrivateMessage. The ratchet key is consumed (deleted, §9.2) only if
 * decryption and the signature both succeed: a forged or corrupted message changes nothing.
 * R-6.3.1-04: content is returned only once the signature verified (the confirmation tag of a
 * Commit, when it is staged). `consume: false` verifies without consuming (for handshake messages whose processing may still fail).
 */
export function unprotectPrivate(state: GroupState, msg: PrivateMessage, consume = true): VerifiedContent {
  const epochState = checkGroupAndEpoch(state, msg.groupId, msg.epoch, msg.contentType);
  const cur = epochState === 'current';
  const senderDataSecret = cur ? state.secrets.senderDataSecret : epochState.senderDataSecret;
  const tree = cur ? state.tree : epochState.tree;
  const contextBytes = cur ? state.contextBytes : epochState.contextBytes;
  const secretTree = cur ? (consume ? state.secretTree : state.secretTree.clone()) : epochState.secretTree;
  const senderData = decryptSenderData(state.cs, msg, senderDataSecret);
  const key = memberKey(tree, senderData.leafIndex, 'R-6.3.2-02');
  const type = msg.contentType === ContentType.application ? RatchetType.application : RatchetType.handshake;
  const wireFormat = WireFormat.mls_private_message;
  const { content, auth } = secretTree.openWith(senderData.leafIndex, type, senderData.generation, (k) => {
    const decrypted = decryptPrivateContent(state.cs, msg, senderData, k);
    verifyContentSignature(state.cs, key, wireFormat, decrypted.content, decrypted.auth, contextBytes);
    return decrypted;
  });
  if (!cur) return { wireFormat, content, auth, pastEpoch: epochState.epoch };
  return consume ? { wireFormat, content, auth } : { wireFormat, content, auth, secretTree };
}
