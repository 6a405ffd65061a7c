/**
 * One entry point for every incoming MLSMessage of a group (RFC 9420 §6, §12.4.2): decode with a
 * size bound, verify (unprotect.ts), then hand the content to its handler. Returns what the
 * message is; never changes `state` except by consuming the ratchet key of a valid
 * PrivateMessage (§9.2) — proposals and Commits return the state to adopt.
 */
import { decode } from '../codec/codec.js';
import { UsageError, ValidationError } from '../errors.js';
import { ContentType, WireFormat, type FramedContent } from '../framing/content.js';
import { mlsMessageCodec } from '../framing/mls-message.js';
import type { Proposal } from '../messages/proposal.js';
import type { LeafIndex } from '../tree-math/index.js';
import { stageCommit, type ProcessOptions, type StagedCommit } from '../commit/process.js';
import type { CredentialCheck } from './config.js';
import { receiveProposal } from './messages.js';
import type { CachedProposal, GroupState } from './state.js';
import { unprotectPrivate, unprotectPublic, type VerifiedContent } from './unprotect.js';

export type Received =
  | {
      readonly kind: 'application';
      readonly sender: LeafIndex;
      readonly data: Uint8Array;
      readonly authenticatedData: Uint8Array;
      readonly epoch: bigint;
    }
  | {
      readonly kind: 'proposal';
      readonly sender: FramedContent['sender'];
      readonly proposal: Proposal;
      readonly cached: CachedProposal;
      /** The state with the proposal cached: adopt it once the credential checks pass. */
      readonly state: GroupState;
      readonly credentialChecks: readonly CredentialCheck[];
    }
  | { readonly kind: 'commit'; readonly staged: StagedCommit };

/** Decodes and verifies an MLSMessage for this group. */
export function verifyMessage(state: GroupState, bytes: Uint8Array, consumeHandshakeKey: boolean): VerifiedContent {
  if (bytes.length > state.config.maxMessageBytes) {
    throw new ValidationError('ERR_VALIDATION_LIMIT', 'S-2.1.2-01', `message of ${bytes.length} bytes exceeds the limit of ${state.config.maxMessageBytes}`, { field: 'MLSMessage' });
  }
  const msg = decode(mlsMessageCodec, bytes);
  switch (msg.wireFormat) {
    case WireFormat.mls_public_message:
      return unprotectPublic(state, msg.publicMessage);
    case WireFormat.mls_private_message: {
      const app = msg.privateMessage.contentType === ContentType.application;
      return unprotectPrivate(state, msg.privateMessage, app || consumeHandshakeKey);
    }
    default:
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `a ${msg.wireFormat === WireFormat.mls_welcome ? 'Welcome' : msg.wireFormat === WireFormat.mls_group_info ? 'GroupInfo' : 'KeyPackage'} is not a group message: use the join or key-package functions`);
  }
}

/** Processes one incoming group message. */
export function processMessage(state: GroupState, bytes: Uint8Array, options: ProcessOptions = {}): Received {
  // A handshake PrivateMessage is verified on a copy of the secret tree: the current epoch's tree
  // is left as it was whether the Commit is later merged (the epoch then ends) or rejected.
  const v = verifyMessage(state, bytes, false);
  const c = v.content;
  switch (c.contentType) {
    case ContentType.application:
      return {
        kind: 'application',
        sender: (c.sender as { leafIndex: number }).leafIndex as LeafIndex,
        data: c.applicationData,
        authenticatedData: c.authenticatedData,
        epoch: c.epoch,
      };
    case ContentType.proposal: {
      const r = receiveProposal(state, v);
      return { kind: 'proposal', sender: c.sender, proposal: c.proposal, cached: r.cached, state: r.state, credentialChecks: r.credentialChecks };
    }
    case ContentType.commit:
      // A Commit sent as a PrivateMessage was verified on a copy of the secret tree, which consumed
      // its handshake key: that copy is the one the next state keeps as the past epoch (§9.2).
      return { kind: 'commit', staged: stageCommit(v.secretTree !== undefined ? { ...state, secretTree: v.secretTree } : state, v, options) };
  }
}
