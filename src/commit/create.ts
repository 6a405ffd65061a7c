/**
 * RFC 9420 §12.4.1 (creating a Commit), §12.4.3 (GroupInfo) and §12.4.3.1 (Welcome): the
 * committer's side. The result holds the messages to send and the pending next state, which the
 * application adopts once the delivery service has accepted the Commit (or discards).
 */
import { encode } from '../codec/codec.js';
import { encryptContext, makeKeyPackageRef, signWithLabel } from '../crypto/labels.js';
import { UsageError } from '../errors.js';
import { ExtensionType, externalPubCodec, type Extension } from '../extensions/extension.js';
import { ContentType, SenderType, WireFormat } from '../framing/content.js';
import { mlsMessageCodec } from '../framing/mls-message.js';
import { encodeGroupContext } from '../key-schedule/group-context.js';
import { externalPub, welcomeKeyAndNonce } from '../key-schedule/key-schedule.js';
import { groupInfoCodec, groupInfoTbs, type GroupInfo } from '../messages/group-info.js';
import { keyPackageCodec } from '../messages/key-package.js';
import { ProposalOrRefType, ProposalType, type Proposal, type ProposalOrRef } from '../messages/proposal.js';
import { groupSecretsCodec, type EncryptedGroupSecrets } from '../messages/welcome.js';
import type { Commit } from '../messages/commit.js';
import { resolvePsks, type PskLookup } from '../psk/lookup.js';
import { signLeafNode } from '../key-package/create.js';
import { LeafNodeSource, type CommitLeafNode, type LeafNode } from '../ratchet-tree/node.js';
import { createUpdatePath, pathSecretForJoiner, type CreatedUpdatePath } from '../treekem/update-path.js';
import { EMPTY, wipe } from '../util/bytes.js';
import { applyProposals, type CommittedProposal } from '../proposals/apply.js';
import { assertCanSend } from '../group/messages.js';
import { handshakeWireFormat, ownContent, protect, signOwn } from '../group/protect.js';
import type { GroupState } from '../group/state.js';
import { epochState, nextEpoch, provisionalContext } from './epoch.js';
import { commitEffects, type CommitEffects } from './process.js';

export interface CreateCommitOptions {
  /** Proposals to include by value (this member is their sender). */
  readonly proposals?: readonly Proposal[];
  /** Include the proposals cached in this epoch, by reference (default true). */
  readonly includePending?: boolean;
  /** Always include an UpdatePath, even when no proposal requires one (default: only when required). */
  readonly updatePath?: boolean;
  /** Put the ratchet tree in the GroupInfo (and so the Welcome) as the ratchet_tree extension (default true). */
  readonly ratchetTreeExtension?: boolean;
  /** Put external_pub in the GroupInfo, so that it can be used for an external join (default false). */
  readonly externalPub?: boolean;
  readonly authenticatedData?: Uint8Array;
  readonly psks?: PskLookup;
  /** Internal: the first Commit of a reinitialized or branched group (its resumption PSK proposal, §11). */
  readonly resumptionUsage?: 2 | 3;
  /** Test seam (tests and vectors only): the leaf secret that seeds the UpdatePath. */
  readonly leafSecret?: Uint8Array;
}

export interface CreatedCommit {
  /** The Commit, as an MLSMessage to send to the group. */
  readonly commit: Uint8Array;
  /** The Welcome for the members this Commit adds (MLSMessage), if any. */
  readonly welcome?: Uint8Array;
  /** The signed GroupInfo of the new epoch (MLSMessage). Built on first access (it holds the tree). */
  readonly groupInfo: Uint8Array;
  /** The new epoch's ratchet tree, encoded (for out-of-band delivery to joiners). Built on first access. */
  readonly ratchetTree: Uint8Array;
  /** The next epoch's state: adopt it once the delivery service accepted the Commit. */
  readonly state: GroupState;
  readonly effects: CommitEffects;
}

/** The committer's new LeafNode (source commit): its current leaf with a new key and parent hash, signed (§7.5). */
function commitLeaf(state: GroupState, current: LeafNode, encryptionKey: Uint8Array, parentHash: Uint8Array): CommitLeafNode {
  const leaf: CommitLeafNode = {
    encryptionKey,
    signatureKey: current.signatureKey,
    credential: current.credential,
    capabilities: current.capabilities,
    leafNodeSource: LeafNodeSource.commit,
    parentHash,
    extensions: current.extensions,
    signature: new Uint8Array(0),
  };
  return signLeafNode(state.cs, state.signaturePrivateKey, leaf, state.context.groupId, state.myLeaf);
}

/** §12.4.1: builds a Commit over the pending and given proposals, with its Welcome and GroupInfo. */
export function createCommit(state: GroupState, options: CreateCommitOptions = {}): CreatedCommit {
  assertCanSend(state);
  const cs = state.cs;
  const me = state.myLeaf;
  const self = { senderType: SenderType.member, leafIndex: me } as const;

  // The proposals: cached ones by reference (not our own Updates: R-12.2-02 — a Commit with a
  // path replaces them), then the given ones by value.
  const list: CommittedProposal[] = [];
  const refs: ProposalOrRef[] = [];
  if (options.includePending !== false) {
    for (const c of state.proposals.values()) {
      if (c.proposal.proposalType === ProposalType.update && c.sender.senderType === SenderType.member && c.sender.leafIndex === me) continue;
      list.push({ proposal: c.proposal, sender: c.sender, ref: c.ref });
      refs.push({ type: ProposalOrRefType.reference, reference: c.ref });
    }
  }
  for (const p of options.proposals ?? []) {
    if (p.proposalType === ProposalType.update) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'a Commit cannot carry an Update by value: use updatePath (R-12.2-02)');
    list.push({ proposal: p, sender: self });
    refs.push({ type: ProposalOrRefType.proposal, proposal: p });
  }

  const applied = applyProposals(
    {
      cs,
      config: state.config,
      groupId: state.context.groupId,
      tree: state.tree,
      extensions: state.context.extensions,
      committer: me,
      sending: true,
      ...(options.resumptionUsage !== undefined ? { resumptionUsage: options.resumptionUsage } : {}),
    },
    list,
  );
  const tree = applied.tree;
  const excludeLeaves = new Set<number>(applied.added.map((a) => a.leaf));
  const withPath = applied.pathRequired || options.updatePath === true;
  let created: CreatedUpdatePath | undefined;
  if (withPath) {
    const current = tree.leafNode(me);
    if (current === undefined) throw new UsageError('ERR_USAGE_INVALID_STATE', 'our leaf is blank');
    created = createUpdatePath({
      tree,
      leaf: me,
      buildLeafNode: (f) => commitLeaf(state, current, f.encryptionKey, f.parentHash),
      excludeLeaves,
      groupContext: (t) => encodeGroupContext(provisionalContext(state, t, applied.extensions)),
      ...(options.leafSecret !== undefined ? { leafSecret: options.leafSecret } : {}),
    });
  }

  const commit: Commit = created !== undefined ? { proposals: refs, path: created.updatePath } : { proposals: refs };
  const wireFormat = handshakeWireFormat(state);
  const content = ownContent(state, { contentType: ContentType.commit, commit }, options.authenticatedData ?? new Uint8Array(0));
  const signature = signOwn(state, wireFormat, content);
  const psks = resolvePsks(applied.psks, options.psks, { groupId: state.context.groupId, psks: state.resumptionPsks }, 'R-12.4.2-02');
  const commitSecret = created?.commitSecret ?? new Uint8Array(cs.Nh);
  const next = nextEpoch(cs, { state, tree, extensions: applied.extensions, commitSecret, psks, initSecret: state.secrets.initSecret, wireFormat, content, signature });
  wipe(commitSecret);
  const commitBytes = protect(state, wireFormat, content, { signature, confirmationTag: next.confirmationTag });

  // The committer's private keys for the new epoch (R-7.5-04: replaced ones are wiped).
  const keys = state.privateKeys.clone();
  keys.applyCommit(tree, created?.keys);
  const newState = epochState(state, next, tree, me, keys, applied.reinit);

  // §12.4.3: the GroupInfo of the new epoch, signed by us. It carries the whole ratchet tree, so
  // encoding and signing it is O(n) (~0.1 s at 16k members, most of an empty Commit's time): it is
  // built when first asked for — at once only for a Welcome. The staged tree is not changed after
  // this point (later epochs fork it), so building it later gives the same GroupInfo.
  const extPub = options.externalPub === true ? externalPub(cs, next.keys.secrets.externalSecret) : undefined;
  const signer = state.signaturePrivateKey;
  let ratchetTree: Uint8Array | undefined;
  const ratchetTreeOf = (): Uint8Array => (ratchetTree ??= tree.encode());
  let groupInfo: GroupInfo | undefined;
  const groupInfoOf = (): GroupInfo => {
    if (groupInfo === undefined) {
      const giExtensions: Extension[] = [];
      if (options.ratchetTreeExtension !== false) giExtensions.push({ extensionType: ExtensionType.ratchetTree, extensionData: ratchetTreeOf() });
      if (extPub !== undefined) giExtensions.push({ extensionType: ExtensionType.externalPub, extensionData: encode(externalPubCodec, { externalPub: extPub }) });
      const unsigned: GroupInfo = { groupContext: next.context, extensions: giExtensions, confirmationTag: next.confirmationTag, signer: me, signature: new Uint8Array(0) };
      groupInfo = { ...unsigned, signature: signWithLabel(cs, signer, 'GroupInfoTBS', groupInfoTbs(unsigned)) };
    }
    return groupInfo;
  };
  let groupInfoBytes: Uint8Array | undefined;
  const groupInfoBytesOf = (): Uint8Array => (groupInfoBytes ??= encode(mlsMessageCodec, { wireFormat: WireFormat.mls_group_info, groupInfo: groupInfoOf() }));

  // §12.4.3.1: one Welcome for every member this Commit adds.
  let welcome: Uint8Array | undefined;
  if (applied.added.length > 0) {
    const wkn = welcomeKeyAndNonce(cs, next.keys.welcomeSecret);
    const encryptedGroupInfo = cs.seal(wkn.key, wkn.nonce, new Uint8Array(0), encode(groupInfoCodec, groupInfoOf()));
    // EncryptWithLabel(init_key, "Welcome", encrypted_group_info, group_secrets) for each new member,
    // with the EncryptContext (which holds the whole encrypted GroupInfo) built once, not per member.
    const welcomeInfo = encryptContext('Welcome', encryptedGroupInfo);
    const secrets: EncryptedGroupSecrets[] = applied.added.map(({ leaf, keyPackage }) => {
      const pathSecret = created !== undefined ? pathSecretForJoiner(created, me, leaf) : undefined;
      const gs = encode(groupSecretsCodec, {
        joinerSecret: next.keys.joinerSecret,
        ...(pathSecret !== undefined ? { pathSecret: { pathSecret } } : {}),
        psks: applied.psks,
      });
      const sealed = cs.hpke.seal(keyPackage.initKey, welcomeInfo, EMPTY, gs);
      wipe(gs);
      return { newMember: makeKeyPackageRef(cs, encode(keyPackageCodec, keyPackage)), encryptedGroupSecrets: sealed };
    });
    welcome = encode(mlsMessageCodec, { wireFormat: WireFormat.mls_welcome, welcome: { cipherSuite: cs.id, secrets, encryptedGroupInfo } });
  }
  wipe(next.keys.joinerSecret);
  wipe(next.keys.welcomeSecret);
  if (created !== undefined) for (const s of created.pathSecrets.values()) wipe(s);

  const effects = commitEffects(applied, me, created !== undefined, false);
  return {
    commit: commitBytes,
    ...(welcome !== undefined ? { welcome } : {}),
    get groupInfo() {
      return groupInfoBytesOf();
    },
    get ratchetTree() {
      return ratchetTreeOf();
    },
    state: newState,
    effects,
  };
}
