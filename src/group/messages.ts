/**
 * Application messages (RFC 9420 §6.3, §15) and proposals sent or received by reference
 * (§12.1, §5.2 ProposalRef): encrypt, decrypt, propose, and cache.
 */
import { encode } from '../codec/codec.js';
import { makeProposalRef } from '../crypto/labels.js';
import { UsageError, ValidationError } from '../errors.js';
import { authenticatedContentCodec, ContentType, SenderType, type FramedContent } from '../framing/content.js';
import type { Proposal } from '../messages/proposal.js';
import { ProposalType } from '../messages/proposal.js';
import { checkPskProposal, checkGroupContextExtensions, requiredCapabilitiesOf } from '../proposals/apply.js';
import { checkNoDuplicateExtensions } from '../key-package/leaf-check.js';
import { validateLeafNode } from '../ratchet-tree/leaf-validation.js';
import { validateKeyPackage } from '../key-package/validate.js';
import type { LeafIndex } from '../tree-math/index.js';
import { EMPTY, toHex } from '../util/bytes.js';
import { WireFormat } from '../framing/content.js';
import { signLeafNode } from '../key-package/create.js';
import { LeafNodeSource } from '../ratchet-tree/node.js';
import type { CredentialCheck } from './config.js';
import { handshakeWireFormat, ownContent, protect, signOwn } from './protect.js';
import type { CachedProposal, GroupState } from './state.js';
import type { VerifiedContent } from './unprotect.js';

/** Refuses to send in a group that was reinitialized (R-12.4.2-08). */
export function assertCanSend(state: GroupState): void {
  if (state.reinit !== undefined) {
    throw new UsageError('ERR_USAGE_INVALID_STATE', 'the group was reinitialized: it may send nothing more (R-12.4.2-08)', { rule: 'R-12.4.2-08' });
  }
}

/** §6.3: encrypts application data as a PrivateMessage (R-6-01: never a PublicMessage). */
export function encryptApplication(state: GroupState, data: Uint8Array, authenticatedData: Uint8Array = EMPTY): Uint8Array {
  assertCanSend(state);
  if (state.proposals.size > 0) {
    // §12.4: "A group member that has observed one or more valid proposals within an epoch MUST
    // send a Commit message before sending application data."
    throw new UsageError('ERR_USAGE_INVALID_STATE', 'proposals are pending in this epoch: commit them before sending application data (§12.4)');
  }
  const content = ownContent(state, { contentType: ContentType.application, applicationData: data }, authenticatedData);
  const wireFormat = WireFormat.mls_private_message;
  const signature = signOwn(state, wireFormat, content);
  return protect(state, wireFormat, content, { signature });
}

/** §5.2: ProposalRef = RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent). */
export function proposalRef(state: GroupState, v: Pick<VerifiedContent, 'wireFormat' | 'content' | 'auth'>): Uint8Array {
  return makeProposalRef(state.cs, encode(authenticatedContentCodec, { wireFormat: v.wireFormat, content: v.content, auth: v.auth }));
}

function withProposal(state: GroupState, cached: CachedProposal): GroupState {
  if (state.proposals.size >= state.config.maxPendingProposals) {
    throw new ValidationError('ERR_VALIDATION_LIMIT', 'S-15.3-01', `more than ${state.config.maxPendingProposals} proposals in one epoch`, { field: 'Proposal' });
  }
  const proposals = new Map(state.proposals);
  proposals.set(toHex(cached.ref), cached);
  return { ...state, proposals };
}

/**
 * §12.1: the checks a proposal passes on its own when it arrives (or is sent) by reference, before
 * it is cached. Whole-list rules run when a Commit covers it (proposals/apply.ts).
 */
export function checkStandaloneProposal(state: GroupState, proposal: Proposal, sender: FramedContent['sender'], sending: boolean): CredentialCheck[] {
  const cs = state.cs;
  const rc = requiredCapabilitiesOf(state.context.extensions);
  const opts = { checkLifetime: state.config.checkLifetimes, now: state.config.now(), sending, maxLifetime: state.config.maxLifetimeSeconds, allowDefaultTypesInCapabilities: !state.config.strictDefaultCapabilities };
  switch (proposal.proposalType) {
    case ProposalType.add: {
      const kp = proposal.add.keyPackage;
      validateKeyPackage(cs, kp, { context: sending ? 'send' : 'receive', checkLifetime: opts.checkLifetime, now: opts.now, maxLifetime: opts.maxLifetime, allowDefaultTypesInCapabilities: !state.config.strictDefaultCapabilities, ...(rc !== undefined ? { requiredCapabilities: rc } : {}) });
      return [{ credential: kp.leafNode.credential, signatureKey: kp.leafNode.signatureKey, reason: 'add' }];
    }
    case ProposalType.update: {
      if (sender.senderType !== SenderType.member) throw new ValidationError('ERR_VALIDATION_PROPOSAL', 'R-12.1.2-01', 'an Update must come from a member', { field: 'Sender' });
      const leaf = sender.leafIndex as LeafIndex;
      validateLeafNode(cs, proposal.update.leafNode, { context: 'update', groupId: state.context.groupId, leafIndex: leaf, tree: state.tree, ...(rc !== undefined ? { requiredCapabilities: rc } : {}) }, opts);
      const old = state.tree.leafNode(leaf);
      return [{ credential: proposal.update.leafNode.credential, signatureKey: proposal.update.leafNode.signatureKey, reason: 'update', leafIndex: leaf, ...(old !== undefined ? { previous: old.credential } : {}) }];
    }
    case ProposalType.remove: {
      const r = proposal.remove.removed;
      if (r >= state.tree.leafCount || state.tree.leafNode(r as LeafIndex) === undefined) {
        throw new ValidationError('ERR_VALIDATION_PROPOSAL', 'R-12.1.3-01', `Remove targets leaf ${r}, which is not a member`, { field: 'Remove.removed' });
      }
      return [];
    }
    case ProposalType.psk:
      checkPskProposal(cs, proposal.preSharedKey.psk);
      return [];
    case ProposalType.reinit:
      if (proposal.reInit.version < state.context.version) {
        throw new ValidationError('ERR_VALIDATION_PROPOSAL', 'R-12.1.5-01', 'ReInit lowers the protocol version', { field: 'ReInit.version' });
      }
      checkNoDuplicateExtensions(proposal.reInit.extensions, 'ReInit.extensions');
      return [];
    case ProposalType.externalInit:
      throw new ValidationError('ERR_VALIDATION_PROPOSAL', 'R-12.1.6-01', 'an ExternalInit may only appear inline in an external Commit', { field: 'Proposal' });
    case ProposalType.groupContextExtensions:
      checkGroupContextExtensions(proposal.groupContextExtensions.extensions, 'R-13.4-04');
      return [];
  }
}

/** Sends a proposal by reference: the message, and the state with the proposal cached (by its ref). */
export function sendProposal(state: GroupState, proposal: Proposal, authenticatedData: Uint8Array = EMPTY): { message: Uint8Array; state: GroupState; ref: Uint8Array } {
  assertCanSend(state);
  const sender = { senderType: SenderType.member, leafIndex: state.myLeaf } as const;
  checkStandaloneProposal(state, proposal, sender, true);
  const wireFormat = handshakeWireFormat(state);
  const content = ownContent(state, { contentType: ContentType.proposal, proposal }, authenticatedData);
  const auth = { signature: signOwn(state, wireFormat, content) };
  const ref = proposalRef(state, { wireFormat, content, auth });
  const message = protect(state, wireFormat, content, auth);
  return { message, state: withProposal(state, { ref, proposal, sender }), ref };
}

/** A received, verified proposal: validated on its own and cached by reference. */
export function receiveProposal(state: GroupState, v: VerifiedContent): { state: GroupState; cached: CachedProposal; credentialChecks: CredentialCheck[] } {
  if (v.content.contentType !== ContentType.proposal) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'not a proposal');
  const { proposal, sender } = v.content;
  // R-12.1.8-01: proposals from outside the group (external senders, new members) need the application's consent.
  if (sender.senderType !== SenderType.member && !state.config.authorizeExternalProposal(proposal, sender)) {
    throw new ValidationError('ERR_VALIDATION_SENDER', 'R-12.1.8-01', 'the application does not authorize this proposal from outside the group', { field: 'Sender' });
  }
  const credentialChecks = checkStandaloneProposal(state, proposal, sender, false);
  const cached: CachedProposal = { ref: proposalRef(state, v), proposal, sender };
  // A PrivateMessage was verified on a copy of the secret tree: adopting this state consumes its key.
  const base = v.secretTree !== undefined ? { ...state, secretTree: v.secretTree } : state;
  return { state: withProposal(base, cached), cached, credentialChecks };
}

/**
 * §12.1.2: an Update of this member's leaf — a fresh encryption key (its private half kept in
 * `pendingUpdates` until a Commit applies the Update), the same credential unless a new one is given.
 */
export function updateProposal(state: GroupState, options: { readonly credential?: import('../credentials/credential.js').Credential } = {}): { proposal: Proposal; state: GroupState } {
  const current = state.tree.leafNode(state.myLeaf);
  if (current === undefined) throw new UsageError('ERR_USAGE_INVALID_STATE', 'our leaf is blank');
  const kp = state.cs.hpke.generateKeyPair();
  const unsigned = {
    encryptionKey: kp.publicKey,
    signatureKey: current.signatureKey,
    credential: options.credential ?? current.credential,
    capabilities: current.capabilities,
    leafNodeSource: LeafNodeSource.update,
    extensions: current.extensions,
    signature: EMPTY,
  } as const;
  const leafNode = signLeafNode(state.cs, state.signaturePrivateKey, unsigned, state.context.groupId, state.myLeaf);
  const pendingUpdates = new Map(state.pendingUpdates);
  pendingUpdates.set(toHex(kp.publicKey), kp.privateKey);
  return { proposal: { proposalType: ProposalType.update, update: { leafNode } }, state: { ...state, pendingUpdates } };
}
