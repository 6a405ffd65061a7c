/**
 * RFC 9420 §12.4.2: processing a received Commit into a staged next epoch. The current state is
 * not touched: the result holds the next state, to be merged (or dropped) by the application.
 *
 * Steps and rules, in order: the framing checks were done by group/unprotect.ts (R-12.4.2-01,
 * R-6.2-01 / R-6.3.x, R-6.1-01); resolve proposals by reference (D-05); validate and apply the list
 * (proposals/apply.ts, §12.2–§12.3); path required (R-12.4-01); the path's LeafNode (R-12.4.2-03,
 * R-5.3.1-05); merge the path (treekem: R-7.5-01, R-12.4.2-04/05, R-7.6-01, R-7.9.2-02); decrypt it
 * (R-7.5-02/03); PSKs (R-12.4.2-02); key schedule; confirmation tag (R-12.4.2-06).
 */
import { ValidationError } from '../errors.js';
import { ContentType, SenderType, type FramedContent } from '../framing/content.js';
import { ProposalOrRefType, ProposalType, type Proposal } from '../messages/proposal.js';
import type { Commit } from '../messages/commit.js';
import { resolvePsks, type PskLookup } from '../psk/lookup.js';
import { validateLeafNode } from '../ratchet-tree/leaf-validation.js';
import { ownedLeafNode, type LeafNode } from '../ratchet-tree/node.js';
import { leafToNode, type LeafIndex } from '../tree-math/index.js';
import { applyUpdatePath, decryptUpdatePath } from '../treekem/update-path.js';
import type { PathKeys } from '../treekem/path-keys.js';
import { encodeGroupContext } from '../key-schedule/group-context.js';
import { externalInitReceiver, externalKeyPair } from '../key-schedule/key-schedule.js';
import { bytesEqual, toHex, wipe } from '../util/bytes.js';
import { encode } from '../codec/codec.js';
import { credentialCodec } from '../credentials/credential.js';
import { applyProposals, requiredCapabilitiesOf, type AppliedProposals, type CommittedProposal } from '../proposals/apply.js';
import type { CredentialCheck } from '../group/config.js';
import type { GroupState } from '../group/state.js';
import type { VerifiedContent } from '../group/unprotect.js';
import { epochState, nextEpoch, provisionalContext } from './epoch.js';

/** What a Commit does, for the application to inspect before merging. */
export interface CommitEffects {
  readonly committer: LeafIndex;
  readonly added: readonly { readonly leaf: LeafIndex; readonly leafNode: LeafNode }[];
  readonly updated: readonly { readonly leaf: LeafIndex; readonly leafNode: LeafNode }[];
  readonly removed: readonly { readonly leaf: LeafIndex; readonly leafNode: LeafNode }[];
  readonly psks: readonly import('../psk/psk-id.js').PreSharedKeyId[];
  readonly extensionsChanged: boolean;
  readonly reinit?: Proposal & { readonly proposalType: typeof ProposalType.reinit };
  /** Did the committer update its own leaf and path? */
  readonly path: boolean;
  /** This member was removed by the Commit: there is no next state. */
  readonly removedSelf: boolean;
}

/** The effects of a Commit, from its applied proposals (shared by the committer and the receivers). */
export function commitEffects(applied: AppliedProposals, committer: LeafIndex, path: boolean, removedSelf: boolean): CommitEffects {
  return {
    committer,
    added: applied.added.map((a) => ({ leaf: a.leaf, leafNode: a.keyPackage.leafNode })),
    updated: applied.updated,
    removed: applied.removed,
    psks: applied.psks,
    extensionsChanged: applied.extensionsChanged,
    ...(applied.reinit !== undefined ? { reinit: { proposalType: ProposalType.reinit, reInit: applied.reinit } as const } : {}),
    path,
    removedSelf,
  };
}

/** A received Commit, validated and staged: `state` becomes current only when merged. */
export interface StagedCommit {
  readonly epoch: bigint;
  /** The next epoch's state, or undefined if the Commit removed this member. */
  readonly state: GroupState | undefined;
  readonly effects: CommitEffects;
  /** Credentials the application's AS must accept before merging (§5.3.1). */
  readonly credentialChecks: readonly CredentialCheck[];
}

export interface ProcessOptions {
  readonly psks?: PskLookup;
}

function reject(code: `ERR_VALIDATION_${string}`, rule: string, message: string, field: string): never {
  throw new ValidationError(code, rule, message, { field });
}

/** D-05: every ProposalOrRef of a member Commit resolves to a proposal of this epoch; inline ones are the committer's. */
export function resolveProposals(state: GroupState, commit: Commit, committer: FramedContent['sender']): CommittedProposal[] {
  return commit.proposals.map((p) => {
    if (p.type === ProposalOrRefType.proposal) return { proposal: p.proposal, sender: committer };
    const cached = state.proposals.get(toHex(p.reference));
    if (cached === undefined) reject('ERR_VALIDATION_PROPOSAL_REF', 'D-05', `ProposalRef ${toHex(p.reference).slice(0, 16)}… is not a proposal of this epoch`, 'Commit.proposals');
    return { proposal: cached.proposal, sender: cached.sender, ref: cached.ref };
  });
}

/** §12.4.2: stages a verified Commit from a member. */
export function stageCommit(state: GroupState, v: VerifiedContent, options: ProcessOptions = {}): StagedCommit {
  const { content, auth } = v;
  if (content.contentType !== ContentType.commit) throw new Error('stageCommit: not a commit');
  const sender = content.sender;
  if (sender.senderType !== SenderType.member && sender.senderType !== SenderType.new_member_commit) {
    reject('ERR_VALIDATION_SENDER', 'R-12.4.3.2-05', 'a Commit comes from a member or a new_member_commit sender', 'Sender.sender_type');
  }
  const external = sender.senderType === SenderType.new_member_commit;
  const cs = state.cs;
  const commit = content.commit;
  if (!external && sender.leafIndex === state.myLeaf) {
    throw new ValidationError('ERR_VALIDATION_OWN_COMMIT', 'R-12.4.2-07', 'this is our own Commit: merge the pending commit instead', { field: 'Sender.leaf_index' });
  }
  if (external) {
    // §12.4.3.2: an external Commit has a path and refers to no proposal.
    if (commit.path === undefined) reject('ERR_VALIDATION_COMMIT', 'R-12.4.3.2-02', 'an external Commit must have a path', 'Commit.path');
    if (commit.proposals.some((p) => p.type === ProposalOrRefType.reference)) {
      reject('ERR_VALIDATION_COMMIT', 'R-12.4.3.2-03', 'an external Commit may not refer to proposals by reference', 'Commit.proposals');
    }
  } else if (commit.proposals.some((p) => p.type === ProposalOrRefType.proposal && p.proposal.proposalType === ProposalType.externalInit)) {
    reject('ERR_VALIDATION_SENDER', 'R-12.4.3.2-05', 'a Commit with an ExternalInit must come from a new_member_commit sender', 'Sender.sender_type');
  }

  const list = resolveProposals(state, commit, sender);
  const applied: AppliedProposals = applyProposals(
    {
      cs,
      config: state.config,
      groupId: state.context.groupId,
      tree: state.tree,
      extensions: state.context.extensions,
      committer: external ? 'external' : (sender.leafIndex as LeafIndex),
      sending: false,
    },
    list,
  );
  const checks: CredentialCheck[] = [...applied.credentialChecks];
  const tree = applied.tree;
  // §12.4.3.2: the joiner takes the leftmost blank leaf of the tree after the proposals.
  const committer = external ? tree.addLeaf(ownedLeafNode(commit.path!.leafNode)) : (sender.leafIndex as LeafIndex);
  if (external) {
    const replaced = applied.removed[0];
    const leafNode = commit.path!.leafNode;
    // R-12.2-15: with a Remove (a resync), the path's LeafNode meets what an Update of the removed
    // leaf would: the §7.3 checks (commit context, below) and a new encryption_key (R-7.3-09 for the
    // removed leaf, which is no longer in the tree for R-7.3-12 to see).
    if (replaced !== undefined && bytesEqual(leafNode.encryptionKey, replaced.leafNode.encryptionKey)) {
      reject('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-15', 'a resync Commit reuses the encryption_key of the leaf it removes', 'UpdatePath.leaf_node.encryption_key');
    }
    // R-12.2-16: a resync replaces the removed member: the AS must accept the new credential as its
    // successor (a rejection is reported under R-12.2-16).
    checks.push({
      credential: leafNode.credential,
      signatureKey: leafNode.signatureKey,
      reason: replaced !== undefined ? 'resync' : 'commit-path',
      leafIndex: committer,
      ...(replaced !== undefined ? { previous: replaced.leafNode.credential } : {}),
    });
  }
  // R-12.4-01: a path is required for an empty list and for path-required types.
  if (applied.pathRequired && commit.path === undefined) reject('ERR_VALIDATION_COMMIT', 'R-12.4-01', 'this Commit requires a path', 'Commit.path');

  const removedSelf = applied.removed.some((r) => r.leaf === state.myLeaf);
  // Our private keys for the new epoch, on a copy (a rejected Commit leaves the current ones). If the
  // Commit applies our own Update, our leaf's new private key is the one kept in pendingUpdates.
  const keys = state.privateKeys.clone();
  const mine = applied.updated.find((u) => u.leaf === state.myLeaf);
  if (mine !== undefined) {
    const priv = state.pendingUpdates.get(toHex(mine.leafNode.encryptionKey));
    if (priv === undefined) reject('ERR_VALIDATION_PROPOSAL', 'R-12.1.2-01', 'an Update of our leaf that we did not send', 'Update.leaf_node');
    keys.set(leafToNode(state.myLeaf), { publicKey: mine.leafNode.encryptionKey, privateKey: priv });
  }
  const excludeLeaves = new Set<number>(applied.added.map((a) => a.leaf));
  let commitSecret: Uint8Array = new Uint8Array(cs.Nh);
  let newKeys: PathKeys | undefined;
  if (commit.path !== undefined) {
    const leafNode = commit.path.leafNode;
    // R-12.4.2-03: the new LeafNode, in the commit context, against the new tree and extensions.
    const rc = requiredCapabilitiesOf(applied.extensions);
    validateLeafNode(
      cs,
      leafNode,
      { context: 'commit', groupId: state.context.groupId, leafIndex: committer, tree, ...(rc !== undefined ? { requiredCapabilities: rc } : {}) },
      { checkLifetime: state.config.checkLifetimes, now: state.config.now(), maxLifetime: state.config.maxLifetimeSeconds, allowDefaultTypesInCapabilities: !state.config.strictDefaultCapabilities },
    );
    const old = external ? undefined : tree.leafNode(committer);
    if (old !== undefined && !bytesEqual(encode(credentialCodec, old.credential), encode(credentialCodec, leafNode.credential))) {
      checks.push({ credential: leafNode.credential, signatureKey: leafNode.signatureKey, reason: 'commit-path', previous: old.credential, leafIndex: committer });
    }
    applyUpdatePath({ tree, sender: committer, updatePath: commit.path, excludeLeaves, external });
    if (!removedSelf) {
      const provisional = encodeGroupContext(provisionalContext(state, tree, applied.extensions));
      const dec = decryptUpdatePath({
        tree,
        sender: committer,
        receiver: state.myLeaf,
        updatePath: commit.path,
        keys,
        groupContext: provisional,
        excludeLeaves,
      });
      commitSecret = dec.commitSecret;
      wipe(dec.pathSecret);
      newKeys = dec.keys;
    }
  }

  const effects = commitEffects(applied, committer, commit.path !== undefined, removedSelf);
  if (removedSelf) {
    // A removed member cannot compute the new epoch; it only learns that it is out (§12.4.2).
    return { epoch: state.context.epoch + 1n, state: undefined, effects, credentialChecks: checks };
  }

  // R-12.4.2-02: every PSK is available.
  const psks = resolvePsks(applied.psks, options.psks, { groupId: state.context.groupId, psks: state.resumptionPsks }, 'R-12.4.2-02');
  const next = nextEpoch(cs, {
    state,
    tree,
    extensions: applied.extensions,
    commitSecret,
    psks,
    // R-12.4.3.2-04: an external Commit's epoch starts from the ExternalInit, not from init_secret.
    initSecret: external ? externalInitReceiver(cs, externalKeyPair(cs, state.secrets.externalSecret).privateKey, applied.externalInit!) : state.secrets.initSecret,
    wireFormat: v.wireFormat,
    content,
    signature: auth.signature,
  });
  wipe(commitSecret);
  // §9.2 (R-9.2-02): a receiver has no use for joiner_secret and welcome_secret (only a committer
  // building a Welcome does): delete them at once.
  wipe(next.keys.joinerSecret);
  wipe(next.keys.welcomeSecret);
  // R-12.4.2-06: the confirmation tag (constant time).
  if (auth.confirmationTag === undefined || !cs.verifyMac(next.keys.secrets.confirmationKey, next.context.confirmedTranscriptHash, auth.confirmationTag)) {
    reject('ERR_VALIDATION_CONFIRMATION_TAG', 'R-12.4.2-06', 'the confirmation tag does not verify', 'FramedContentAuthData.confirmation_tag');
  }

  keys.applyCommit(tree, newKeys);
  return {
    epoch: next.context.epoch,
    state: epochState(state, next, tree, state.myLeaf, keys, applied.reinit),
    effects,
    credentialChecks: checks,
  };
}

