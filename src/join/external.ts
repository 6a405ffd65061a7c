/**
 * RFC 9420 §12.4.3.2 (joining by external Commit) with §8.3 (external initialization): a client
 * that holds a group's GroupInfo (with external_pub) adds itself — or, with `resync`, replaces its
 * own earlier appearance — by sending a Commit as a new_member_commit sender.
 *
 * The GroupInfo and its tree are checked as for a Welcome: signature (R-12.4.3-04), tree
 * hash (R-12.4.3.3-02), parent hashes and every leaf (validateRatchetTree), and the GroupInfo must
 * carry external_pub (R-12.4.3.2-01), a valid key of the suite (R-5.1.1-01).
 */
import { decode, encode } from '../codec/codec.js';
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { nodeCipherSuite } from '../crypto/node/provider.js';
import { UsageError, ValidationError } from '../errors.js';
import { ExtensionType, externalPubCodec, findExtension } from '../extensions/extension.js';
import { signContent } from '../framing/auth.js';
import { ContentType, framedContent, SenderType, WireFormat } from '../framing/content.js';
import { mlsMessageCodec } from '../framing/mls-message.js';
import { encodeGroupContext } from '../key-schedule/group-context.js';
import { externalInitSender } from '../key-schedule/key-schedule.js';
import { interimTranscriptHash } from '../key-schedule/transcript-hash.js';
import type { Commit } from '../messages/commit.js';
import type { GroupInfo } from '../messages/group-info.js';
import { ProposalOrRefType, ProposalType, type Proposal } from '../messages/proposal.js';
import { resolvePsks, type PskLookup } from '../psk/lookup.js';
import type { PreSharedKeyId } from '../psk/psk-id.js';
import { signLeafNode } from '../key-package/create.js';
import { LeafNodeSource, type Capabilities, type CommitLeafNode, type KeyPackageLeafNode, type RatchetTree } from '../ratchet-tree/node.js';
import { validateRatchetTree } from '../ratchet-tree/tree-validation.js';
import { signedGroupTree } from './group-info.js';
import type { LeafIndex } from '../tree-math/index.js';
import { createUpdatePath } from '../treekem/update-path.js';
import { PathKeys } from '../treekem/path-keys.js';
import { wipe } from '../util/bytes.js';
import { makeConfig, type CredentialCheck, type GroupConfig } from '../group/config.js';
import type { Identity } from '../group/identity.js';
import type { GroupState } from '../group/state.js';
import { applyProposals, checkGroupContextExtensions, externalSendersOf, requiredCapabilitiesOf, type CommittedProposal } from '../proposals/apply.js';
import { createKeyPackage } from '../key-package/create.js';
import { epochState, nextEpoch, provisionalContext, type PriorEpoch } from '../commit/epoch.js';

export interface ExternalJoinOptions {
  /** The GroupInfo as an MLSMessage (it must carry external_pub). */
  readonly groupInfo: Uint8Array;
  /** The tree, when the GroupInfo has no ratchet_tree extension. */
  readonly ratchetTree?: RatchetTree | Uint8Array;
  readonly identity: Identity;
  /** Replace our own earlier appearance at this leaf (a "resync" Commit, §12.4.3.2). */
  readonly resync?: number;
  /** PSKs to inject (zero or more PreSharedKey proposals). */
  readonly pskIds?: readonly PreSharedKeyId[];
  readonly pskLookup?: PskLookup;
  readonly config?: Partial<GroupConfig>;
  readonly capabilities?: Capabilities;
  readonly authenticatedData?: Uint8Array;
  readonly cipherSuite?: (id: number) => CipherSuite;
}

export interface ExternalJoin {
  /** The external Commit (a PublicMessage MLSMessage) to send to the group. */
  readonly commit: Uint8Array;
  /** The joiner's state in the new epoch: adopt it once the delivery service accepted the Commit. */
  readonly state: GroupState;
  readonly leaf: LeafIndex;
  /** Every leaf credential of the group's tree, for the application's AS (R-5.3.1-02). */
  readonly credentialChecks: readonly CredentialCheck[];
}

function reject(code: `ERR_VALIDATION_${string}`, rule: string, message: string, field: string): never {
  throw new ValidationError(code, rule, message, { field });
}

/** §12.4.3.2: builds an external Commit and the joiner's state for the epoch it creates. */
export function joinByExternalCommit(options: ExternalJoinOptions): ExternalJoin {
  const m = decode(mlsMessageCodec, options.groupInfo);
  if (m.wireFormat !== WireFormat.mls_group_info) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'not a GroupInfo message');
  const gi: GroupInfo = m.groupInfo;
  const gc = gi.groupContext;
  const cs = (options.cipherSuite ?? nodeCipherSuite)(gc.cipherSuite);
  const config = makeConfig(options.config);

  // R-12.4.3.2-01: external_pub.
  const extPub = findExtension(gi.extensions, ExtensionType.externalPub);
  if (extPub === undefined) reject('ERR_VALIDATION_GROUP_INFO', 'R-12.4.3.2-01', 'the GroupInfo has no external_pub extension', 'GroupInfo.extensions');
  const externalPub = decode(externalPubCodec, extPub.extensionData).externalPub;
  // R-5.1.1-01: external_pub is an HPKE public key of the group's suite.
  if (!cs.hpke.isValidPublicKey(externalPub)) reject('ERR_VALIDATION_PUBLIC_KEY', 'R-5.1.1-01', 'external_pub is not a valid HPKE public key for the suite', 'ExternalPub.external_pub');

  // The tree (R-12.4.3.1-01 by analogy) and the GroupInfo signature (R-12.4.3-04); its integrity below.
  const tree = signedGroupTree(cs, gi, options.ratchetTree, config.maxLeaves);
  checkGroupContextExtensions(gc.extensions, 'R-12.4.3-02');
  const rc = requiredCapabilitiesOf(gc.extensions);
  try {
    validateRatchetTree(
      tree,
      { groupId: gc.groupId, treeHash: gc.treeHash, version: gc.version, ...(rc !== undefined ? { requiredCapabilities: rc } : {}) },
      { checkLifetime: config.checkLifetimes, now: config.now(), maxLifetime: config.maxLifetimeSeconds, allowDefaultTypesInCapabilities: !config.strictDefaultCapabilities },
    );
  } catch (err) {
    // R-12.4.3.3-02: for an external join, a wrong tree hash is this rule.
    if (err instanceof ValidationError && err.rule === 'R-12.4.3.1-09') reject('ERR_VALIDATION_TREE_HASH', 'R-12.4.3.3-02', err.message, 'GroupContext.tree_hash');
    throw err;
  }
  const credentialChecks: CredentialCheck[] = [];
  for (const [l, leaf] of tree.leaves()) credentialChecks.push({ credential: leaf.credential, signatureKey: leaf.signatureKey, reason: 'tree-on-join', leafIndex: l });
  // R-5.1.1-01 and A-17: the external senders the group already lists are valid keys, and the AS sees them.
  for (const es of externalSendersOf(gc.extensions) ?? []) {
    if (!cs.signatureScheme.isValidPublicKey(es.signatureKey)) reject('ERR_VALIDATION_PUBLIC_KEY', 'R-5.1.1-01', 'an external sender key is not a key of the suite', 'ExternalSender.signature_key');
    credentialChecks.push({ credential: es.credential, signatureKey: es.signatureKey, reason: 'external-sender' });
  }

  // A state for the GroupInfo's epoch, holding what an external joiner knows of it (no secrets).
  const contextBytes = encodeGroupContext(gc);
  const ext = externalInitSender(cs, externalPub);
  const proposals: Proposal[] = [{ proposalType: ProposalType.externalInit, externalInit: { kemOutput: ext.kemOutput } }];
  if (options.resync !== undefined) proposals.push({ proposalType: ProposalType.remove, remove: { removed: options.resync } });
  for (const psk of options.pskIds ?? []) proposals.push({ proposalType: ProposalType.psk, preSharedKey: { psk } });
  const self = { senderType: SenderType.new_member_commit } as const;
  const list: CommittedProposal[] = proposals.map((proposal) => ({ proposal, sender: self }));
  const applied = applyProposals({ cs, config, groupId: gc.groupId, tree, extensions: gc.extensions, committer: 'external', sending: true }, list);

  // Our leaf: a fresh one, placed at the leftmost blank leaf, then replaced by the path's leaf.
  const kp = createKeyPackage({
    cipherSuite: cs,
    credential: options.identity.credential,
    signaturePrivateKey: options.identity.signaturePrivateKey,
    signaturePublicKey: options.identity.signaturePublicKey,
    now: config.now(),
    ...(options.capabilities !== undefined ? { capabilities: options.capabilities } : {}),
  });
  wipe(kp.privateKeys.initPrivateKey);
  wipe(kp.privateKeys.encryptionPrivateKey);
  const placeholder: KeyPackageLeafNode = kp.keyPackage.leafNode;
  const staged = applied.tree;
  const me = staged.addLeaf(placeholder);
  // What an external joiner knows of the GroupInfo's epoch: its public part, no secrets.
  const prior: PriorEpoch = {
    cs,
    config,
    context: gc,
    contextBytes,
    tree,
    signaturePrivateKey: options.identity.signaturePrivateKey,
    interimTranscriptHash: interimTranscriptHash(cs, gc.confirmedTranscriptHash, gi.confirmationTag),
    resumptionPsks: new Map(),
    past: [],
  };
  const created = createUpdatePath({
    tree: staged,
    leaf: me,
    buildLeafNode: (f) =>
      signLeafNode<CommitLeafNode>(
        cs,
        options.identity.signaturePrivateKey,
        {
          encryptionKey: f.encryptionKey,
          signatureKey: placeholder.signatureKey,
          credential: placeholder.credential,
          capabilities: placeholder.capabilities,
          leafNodeSource: LeafNodeSource.commit,
          parentHash: f.parentHash,
          extensions: placeholder.extensions,
          signature: new Uint8Array(0),
        },
        gc.groupId,
        me,
      ),
    groupContext: (t) => encodeGroupContext(provisionalContext(prior, t, applied.extensions)),
  });

  const commit: Commit = { proposals: proposals.map((proposal) => ({ type: ProposalOrRefType.proposal, proposal })), path: created.updatePath };
  const content = framedContent(
    { groupId: gc.groupId, epoch: gc.epoch, sender: self, authenticatedData: options.authenticatedData ?? new Uint8Array(0) },
    { contentType: ContentType.commit, commit },
  );
  const wireFormat = WireFormat.mls_public_message;
  const signature = signContent(cs, options.identity.signaturePrivateKey, wireFormat, content, contextBytes);
  const psks = resolvePsks(applied.psks, options.pskLookup, undefined, 'R-12.4.2-02');
  const next = nextEpoch(cs, { state: prior, tree: staged, extensions: applied.extensions, commitSecret: created.commitSecret, psks, initSecret: ext.initSecret, wireFormat, content, signature });
  wipe(created.commitSecret);
  wipe(ext.initSecret);
  for (const s of created.pathSecrets.values()) wipe(s);
  const bytes = encode(mlsMessageCodec, { wireFormat, publicMessage: { content, auth: { signature, confirmationTag: next.confirmationTag } } });

  const keys = PathKeys.empty();
  keys.applyCommit(staged, created.keys);
  const state = epochState(prior, next, staged, me, keys, undefined);
  wipe(next.keys.joinerSecret);
  wipe(next.keys.welcomeSecret);
  return { commit: bytes, state, leaf: me, credentialChecks };
}
