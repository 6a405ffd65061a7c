/**
 * RFC 9420 §12.2 (proposal-list validation) and §12.3 (applying a proposal list), for the
 * proposals a Commit covers. One pass builds the next tree on a fork of the current one and
 * checks every rule on the way, each with its checklist id; nothing here touches the current state.
 *
 * R-12.2-01 (every covered proposal is individually valid, §12.1) is this file's per-proposal checks,
 * each raising its own rule id.
 *
 * Cost: O(k) for k proposals (hash sets keyed by leaf, key and PSK identity), plus O(log n) per
 * tree change and O(1) per uniqueness check (tree index). Only a GroupContextExtensions proposal
 * costs O(n): its new requirements must hold for every member (R-12.1.7-01, R-13.4-04).
 */
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { credentialCodec, CredentialType, type Credential } from '../credentials/credential.js';
import { ValidationError } from '../errors.js';
import {
  ExtensionType, findExtension, isGrease, requiredCapabilitiesCodec, externalSendersCodec,
  type Extension, type ExternalSender, type RequiredCapabilities,
} from '../extensions/extension.js';
import { decode, encode } from '../codec/codec.js';
import { LAST_RESORT_EXTENSION_TYPE } from '../extensions/extension.js';

/** Non-default KeyPackage extension types this build understands (R-10-05 applies to them, A-4). */
const KNOWN_KEY_PACKAGE_EXTENSIONS: readonly number[] = [LAST_RESORT_EXTENSION_TYPE];
import type { SenderType } from '../framing/content.js';
import { validateKeyPackage } from '../key-package/validate.js';
import { checkNoDuplicateExtensions } from '../key-package/leaf-check.js';
import type { KeyPackage } from '../messages/key-package.js';
import { ProposalType, type Proposal, type ReInit } from '../messages/proposal.js';
import { PskType, type PreSharedKeyId } from '../psk/psk-id.js';
import { hasValidPskNonce } from '../psk/psk-secret.js';
import { isDefaultExtensionType, isDefaultProposalType, validateLeafNode } from '../ratchet-tree/leaf-validation.js';
import { ownedLeafNode, type LeafNode } from '../ratchet-tree/node.js';
import { keyString } from '../ratchet-tree/tree-index.js';
import type { PublicTree } from '../ratchet-tree/tree.js';
import type { LeafIndex } from '../tree-math/index.js';
import { toHex } from '../util/bytes.js';
import type { GroupConfig, CredentialCheck } from '../group/config.js';

/** A proposal as a Commit covers it: the proposal, who proposed it, and its reference if sent by reference. */
export interface CommittedProposal {
  readonly proposal: Proposal;
  /** The proposer: a member leaf, or an external / new-member sender. */
  readonly sender: ProposalSender;
  /** Present when the Commit referred to it by ProposalRef. */
  readonly ref?: Uint8Array;
}

export type ProposalSender =
  | { readonly senderType: typeof SenderType.member; readonly leafIndex: number }
  | { readonly senderType: typeof SenderType.external; readonly senderIndex: number }
  | { readonly senderType: typeof SenderType.new_member_proposal }
  | { readonly senderType: typeof SenderType.new_member_commit };

/** What applying the list produced: the next tree and GroupContext extensions, and the effects. */
export interface AppliedProposals {
  /** A fork of the current tree with every proposal applied. */
  readonly tree: PublicTree;
  readonly extensions: readonly Extension[];
  readonly extensionsChanged: boolean;
  /** Leaves added, in list order, with their KeyPackages. */
  readonly added: readonly { readonly leaf: LeafIndex; readonly keyPackage: KeyPackage }[];
  /** Leaves replaced by Update proposals, with the new LeafNode. */
  readonly updated: readonly { readonly leaf: LeafIndex; readonly leafNode: LeafNode }[];
  /** Leaves removed, with the LeafNode they held. */
  readonly removed: readonly { readonly leaf: LeafIndex; readonly leafNode: LeafNode }[];
  /** PreSharedKey proposals, in list order (§8.4). */
  readonly psks: readonly PreSharedKeyId[];
  readonly reinit?: ReInit;
  readonly externalInit?: Uint8Array;
  /** R-12.4-01: does this list require an UpdatePath? */
  readonly pathRequired: boolean;
  /** Credentials the application's AS must accept before the Commit may be merged (§5.3.1). */
  readonly credentialChecks: readonly CredentialCheck[];
}

export interface ApplyContext {
  readonly cs: CipherSuite;
  readonly config: GroupConfig;
  readonly groupId: Uint8Array;
  readonly tree: PublicTree;
  readonly extensions: readonly Extension[];
  /** The committer: a member leaf, or 'external' for an external Commit (its leaf is placed later). */
  readonly committer: LeafIndex | 'external';
  /** Whether the committer is this client (the sending side: R-7.3-06 applies, not S-7.3-01). */
  readonly sending: boolean;
  /**
   * The first Commit of a reinitialized (usage 2) or branched (usage 3) group carries its resumption
   * PSK as a proposal (§11.2, §11.3); only its creator processes it. Never set otherwise.
   */
  readonly resumptionUsage?: 2 | 3;
}

function fail(code: `ERR_VALIDATION_${string}`, rule: string, message: string, field = 'Commit.proposals'): never {
  throw new ValidationError(code, rule, message, { field });
}

/** Proposal types whose presence requires a path (§12.4, A-1: the stricter §12.4 list). */
const PATH_REQUIRED: ReadonlySet<number> = new Set([ProposalType.update, ProposalType.remove, ProposalType.externalInit, ProposalType.groupContextExtensions]);

/** a PSK is identified by its type and id (external) or usage, group and epoch (resumption); the nonce is not part of it. */
export function pskIdentity(id: PreSharedKeyId): string {
  return id.pskType === PskType.external ? `e:${toHex(id.pskId)}` : `r:${id.usage}:${toHex(id.pskGroupId)}:${id.pskEpoch}`;
}

export function requiredCapabilitiesOf(extensions: readonly Extension[]): RequiredCapabilities | undefined {
  const e = findExtension(extensions, ExtensionType.requiredCapabilities);
  return e === undefined ? undefined : decode(requiredCapabilitiesCodec, e.extensionData);
}

export function externalSendersOf(extensions: readonly Extension[]): ExternalSender[] | undefined {
  const e = findExtension(extensions, ExtensionType.externalSenders);
  return e === undefined ? undefined : decode(externalSendersCodec, e.extensionData);
}

function credentialEquals(a: Credential, b: Credential): boolean {
  if (a.credentialType !== b.credentialType) return false;
  if (a.credentialType === CredentialType.basic && b.credentialType === CredentialType.basic) return toHex(a.identity) === toHex(b.identity);
  if (a.credentialType === CredentialType.x509 && b.credentialType === CredentialType.x509) {
    return a.certificates.length === b.certificates.length && a.certificates.every((c, i) => toHex(c.certData) === toHex(b.certificates[i]!.certData));
  }
  return false;
}

/**
 * Checks a GroupContext extension list on its own (R-13.4-02 duplicates, D-07 placement, R-13.5-01
 * GREASE and unsupported types) and decodes the known ones so that a malformed body is rejected
 * here, not later.
 */
export function checkGroupContextExtensions(extensions: readonly Extension[], rule: string): void {
  const seen = new Set<number>();
  for (const e of extensions) {
    const t = e.extensionType;
    if (seen.has(t)) fail('ERR_VALIDATION_EXTENSIONS', 'R-13.4-02', `GroupContext extensions list type ${t} twice`, 'GroupContext.extensions');
    seen.add(t);
    if (t === ExtensionType.requiredCapabilities || t === ExtensionType.externalSenders) continue;
    if (isDefaultExtensionType(t)) fail('ERR_VALIDATION_EXTENSIONS', 'D-07', `extension type ${t} is not allowed in a GroupContext`, 'GroupContext.extensions');
    // This build implements no non-default GroupContext extension: GREASE and unknown types are unsupported (R-13.5-01).
    fail('ERR_VALIDATION_EXTENSIONS', isGrease(t) ? 'R-13.5-01' : rule, `GroupContext extension type ${t} is not supported`, 'GroupContext.extensions');
  }
  try {
    requiredCapabilitiesOf(extensions);
    externalSendersOf(extensions);
  } catch (cause) {
    throw new ValidationError('ERR_VALIDATION_EXTENSIONS', rule, 'a GroupContext extension does not decode', { field: 'GroupContext.extensions', cause });
  }
}

/**
 * R-13.5-03: a GREASE value among the required types, if any. When this client compares its own
 * capabilities with required_capabilities, its own list holds no GREASE value (whatever its leaf
 * advertises), so such a requirement is one it does not meet.
 */
export function greaseRequirement(rc: RequiredCapabilities | undefined): number | undefined {
  if (rc === undefined) return undefined;
  return [...rc.extensionTypes, ...rc.proposalTypes, ...rc.credentialTypes].find(isGrease);
}

/** R-12.1.7-01 / R-13.4-04: every member of `tree` supports `rc` and every non-default GroupContext extension. O(n). */
function checkMembersSupport(tree: PublicTree, extensions: readonly Extension[], rc: RequiredCapabilities | undefined): void {
  // R-13.5-03: this client's own capabilities exclude GREASE, so it supports no requirement of a GREASE value.
  const grease = greaseRequirement(rc);
  if (grease !== undefined) fail('ERR_VALIDATION_CAPABILITIES', 'R-12.1.7-01', `required type ${grease} is a GREASE value, which this client does not support (R-13.5-03)`, 'GroupContextExtensions.extensions');
  for (let l = 0; l < tree.leafCount; l++) {
    const leaf = tree.leafNode(l as LeafIndex);
    if (leaf === undefined) continue;
    const caps = leaf.capabilities;
    for (const e of extensions) {
      if (!isDefaultExtensionType(e.extensionType) && !caps.extensions.includes(e.extensionType)) {
        fail('ERR_VALIDATION_CAPABILITIES', 'R-13.4-04', `member ${l} does not support GroupContext extension ${e.extensionType}`, 'GroupContextExtensions.extensions');
      }
    }
    if (rc === undefined) continue;
    for (const t of rc.extensionTypes) {
      if (!isDefaultExtensionType(t) && !caps.extensions.includes(t)) fail('ERR_VALIDATION_CAPABILITIES', 'R-12.1.7-01', `member ${l} does not support required extension ${t}`, 'GroupContextExtensions.extensions');
    }
    for (const t of rc.proposalTypes) {
      if (!isDefaultProposalType(t) && !caps.proposals.includes(t)) fail('ERR_VALIDATION_CAPABILITIES', 'R-12.1.7-01', `member ${l} does not support required proposal ${t}`, 'GroupContextExtensions.extensions');
    }
    for (const t of rc.credentialTypes) {
      if (!caps.credentials.includes(t)) fail('ERR_VALIDATION_CAPABILITIES', 'R-12.1.7-01', `member ${l} does not support required credential ${t}`, 'GroupContextExtensions.extensions');
    }
  }
}

/** §12.1.4: a PreSharedKey proposal on its own (R-12.1.4-01/02/03). */
export function checkPskProposal(cs: CipherSuite, id: PreSharedKeyId, allowedUsage?: 2 | 3): void {
  if (id.pskType === PskType.resumption && id.usage !== 1 && id.usage !== allowedUsage) {
    fail('ERR_VALIDATION_PSK', id.usage === 2 ? 'R-12.1.4-01' : 'R-12.1.4-02', `a PreSharedKey proposal may not carry a resumption PSK of usage ${id.usage === 2 ? 'reinit' : 'branch'}`, 'PreSharedKey.psk');
  }
  if (!hasValidPskNonce(cs, id)) fail('ERR_VALIDATION_PSK', 'R-12.1.4-03', `psk_nonce must be ${cs.Nh} bytes`, 'PreSharedKeyID.psk_nonce');
}

/**
 * §12.2 + §12.3: validates a regular (member) Commit's proposal list and applies it to a fork of
 * the tree, in the RFC's order: GroupContextExtensions, Updates, Removes, Adds, then PSKs noted,
 * ExternalInit and ReInit noted. Throws a ValidationError with the violated rule's id.
 */
export function applyProposals(ctx: ApplyContext, list: readonly CommittedProposal[]): AppliedProposals {
  const { cs, config, committer } = ctx;
  const external = committer === 'external';
  const checks: CredentialCheck[] = [];

  // ---- Pass 1: the list as a whole (R-12.2-02…10, 13, 14, 17), O(k).
  let gce: readonly Extension[] | undefined;
  let reinit: ReInit | undefined;
  let externalInit: Uint8Array | undefined;
  const targeted = new Set<number>(); // leaves hit by an Update or Remove (R-12.2-04)
  const pskIds = new Set<string>();
  const psks: PreSharedKeyId[] = [];
  let pathRequired = list.length === 0;
  let removes = 0;
  for (const { proposal, sender } of list) {
    const t = proposal.proposalType;
    if (PATH_REQUIRED.has(t)) pathRequired = true;
    switch (proposal.proposalType) {
      case ProposalType.update: {
        if (external) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-17', 'an external Commit may not contain an Update');
        if (sender.senderType !== 1) fail('ERR_VALIDATION_PROPOSAL', 'R-12.1.2-01', 'an Update must come from a member');
        if (sender.leafIndex === committer) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-02', "the Commit contains the committer's own Update");
        if (targeted.has(sender.leafIndex)) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-04', `two Update/Remove proposals target leaf ${sender.leafIndex}`);
        targeted.add(sender.leafIndex);
        break;
      }
      case ProposalType.remove: {
        const r = proposal.remove.removed;
        removes++;
        if (external && removes > 1) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-14', 'an external Commit may contain at most one Remove');
        if (r === committer) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-03', 'the Commit removes the committer');
        if (targeted.has(r)) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-04', `two Update/Remove proposals target leaf ${r}`);
        targeted.add(r);
        break;
      }
      case ProposalType.psk: {
        const id = proposal.preSharedKey.psk;
        checkPskProposal(cs, id, ctx.resumptionUsage);
        const key = pskIdentity(id);
        if (pskIds.has(key)) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-07', 'two PreSharedKey proposals name the same PSK');
        pskIds.add(key);
        psks.push(id);
        break;
      }
      case ProposalType.groupContextExtensions:
        if (external) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-17', 'an external Commit may not contain a GroupContextExtensions proposal');
        if (gce !== undefined) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-08', 'more than one GroupContextExtensions proposal');
        gce = proposal.groupContextExtensions.extensions;
        break;
      case ProposalType.reinit:
        if (external) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-17', 'an external Commit may not contain a ReInit');
        if (list.length !== 1) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-09', 'a ReInit must be the only proposal of its Commit');
        // R-12.1.5-01: the version may not go down (this build speaks mls10 only, the lowest).
        if (proposal.reInit.version < 1) fail('ERR_VALIDATION_PROPOSAL', 'R-12.1.5-01', 'ReInit lowers the protocol version', 'ReInit.version');
        checkNoDuplicateExtensions(proposal.reInit.extensions, 'ReInit.extensions');
        reinit = proposal.reInit;
        break;
      case ProposalType.externalInit:
        if (!external) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-10', 'a member Commit may not contain an ExternalInit');
        if (externalInit !== undefined) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-13', 'an external Commit has exactly one ExternalInit');
        externalInit = proposal.externalInit.kemOutput;
        break;
      case ProposalType.add:
        if (external) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-17', 'an external Commit may not contain an Add');
        break;
    }
  }
  if (external && externalInit === undefined) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-13', 'an external Commit has exactly one ExternalInit');

  const tree = ctx.tree.fork();

  // ---- GroupContextExtensions first: the new extensions govern the other proposals (R-12.3-02).
  const extensions = gce ?? ctx.extensions;
  if (gce !== undefined) checkGroupContextExtensions(gce, 'R-13.4-04');
  const rc = requiredCapabilitiesOf(extensions);
  if (gce !== undefined) {
    const senders = externalSendersOf(gce) ?? [];
    const old = externalSendersOf(ctx.extensions);
    const id = (s: ExternalSender) => `${keyString(s.signatureKey)}/${toHex(encode(credentialCodec, s.credential))}`;
    const before = new Set((old ?? []).map(id));
    for (const s of senders) {
      // R-5.1.1-01: an external sender's signature_key is a key of the suite's signature scheme.
      if (!cs.signatureScheme.isValidPublicKey(s.signatureKey)) fail('ERR_VALIDATION_PUBLIC_KEY', 'R-5.1.1-01', 'an external_senders signature_key is not a valid public key for the suite', 'ExternalSender.signature_key');
      // R-5.3.1-06 (the extension is added) / R-5.3.1-07 (it is changed): a new or changed external
      // sender (new key, or new credential for a key) goes to the AS.
      if (!before.has(id(s))) checks.push({ credential: s.credential, signatureKey: s.signatureKey, reason: old === undefined ? 'external-sender' : 'external-sender-change' });
    }
  }

  const leafOptions = {
    checkLifetime: config.checkLifetimes,
    now: config.now(),
    sending: ctx.sending,
    maxLifetime: config.maxLifetimeSeconds,
    allowDefaultTypesInCapabilities: !config.strictDefaultCapabilities,
  };

  // ---- Updates (R-12.1.2-01 with §7.3 in the update context; R-7.3-09 via the index).
  const updated: { leaf: LeafIndex; leafNode: LeafNode }[] = [];
  for (const { proposal, sender } of list) {
    if (proposal.proposalType !== ProposalType.update || sender.senderType !== 1) continue;
    const leaf = sender.leafIndex as LeafIndex;
    const old = leaf < tree.leafCount ? tree.leafNode(leaf) : undefined;
    if (old === undefined) fail('ERR_VALIDATION_PROPOSAL', 'R-12.1.2-01', `the Update's sender ${leaf} is not a member`);
    const leafNode = proposal.update.leafNode;
    validateLeafNode(cs, leafNode, { context: 'update', groupId: ctx.groupId, leafIndex: leaf, tree, requiredCapabilities: rc }, leafOptions);
    if (!credentialEquals(old.credential, leafNode.credential)) {
      checks.push({ credential: leafNode.credential, signatureKey: leafNode.signatureKey, reason: 'update', previous: old.credential, leafIndex: leaf });
    }
    tree.updateLeaf(leaf, ownedLeafNode(leafNode));
    updated.push({ leaf, leafNode });
  }

  // ---- Removes (R-12.1.3-01): the removed leaf must be a current member.
  const removed: { leaf: LeafIndex; leafNode: LeafNode }[] = [];
  const removedSigKeys = new Set<string>();
  for (const { proposal } of list) {
    if (proposal.proposalType !== ProposalType.remove) continue;
    const leaf = proposal.remove.removed as LeafIndex;
    const old = leaf < tree.leafCount ? tree.leafNode(leaf) : undefined;
    if (old === undefined) fail('ERR_VALIDATION_PROPOSAL', 'R-12.1.3-01', `Remove targets leaf ${leaf}, which is not a member`, 'Remove.removed');
    removedSigKeys.add(keyString(old.signatureKey));
    tree.removeLeaf(leaf);
    removed.push({ leaf, leafNode: old });
  }

  // ---- Adds, in list order (R-12.1.1-01, R-12.2-05, R-12.2-06, R-12.2-12, R-13.4-03).
  const added: { leaf: LeafIndex; keyPackage: KeyPackage }[] = [];
  const addedSigKeys = new Set<string>();
  const addedInitKeys = new Set<string>();
  for (const { proposal } of list) {
    if (proposal.proposalType !== ProposalType.add) continue;
    const kp = proposal.add.keyPackage;
    // The list rules first, so that a duplicate client is reported as such (not as a key clash).
    const sig = keyString(kp.leafNode.signatureKey);
    if (addedSigKeys.has(sig)) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-05', 'two Adds carry KeyPackages of the same client (same signature key)');
    addedSigKeys.add(sig);
    const init = keyString(kp.initKey);
    if (addedInitKeys.has(init)) fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-10-02', 'two Adds carry the same init_key');
    addedInitKeys.add(init);
    const holder = tree.index.signatureKeyHolder(kp.leafNode.signatureKey);
    if (holder !== undefined && !removedSigKeys.has(sig)) {
      fail('ERR_VALIDATION_PROPOSAL_LIST', 'R-12.2-06', `the Add's client is already in the group at leaf ${holder}`);
    }
    // R-13.4-03: the new member supports every non-default GroupContext extension.
    for (const e of extensions) {
      if (!isDefaultExtensionType(e.extensionType) && !kp.leafNode.capabilities.extensions.includes(e.extensionType)) {
        fail('ERR_VALIDATION_CAPABILITIES', 'R-13.4-03', `the new member does not support GroupContext extension ${e.extensionType}`, 'Add.key_package');
      }
    }
    // §10.1 and §7.3 in one pass (one signature check per leaf), against the tree as it stands,
    // earlier Adds included: R-7.3-04/05/11/12, R-16.7-01.
    try {
      validateKeyPackage(cs, kp, {
        context: ctx.sending ? 'send' : 'receive',
        checkLifetime: config.checkLifetimes,
        now: leafOptions.now,
        maxLifetime: config.maxLifetimeSeconds,
        requiredCapabilities: rc,
        allowDefaultTypesInCapabilities: !config.strictDefaultCapabilities,
        knownExtensionTypes: KNOWN_KEY_PACKAGE_EXTENSIONS,
        tree,
      });
    } catch (cause) {
      if (cause instanceof ValidationError) throw cause;
      throw new ValidationError('ERR_VALIDATION_KEY_PACKAGE', 'R-12.1.1-01', 'the Add carries an invalid KeyPackage', { field: 'Add.key_package', cause });
    }
    checks.push({ credential: kp.leafNode.credential, signatureKey: kp.leafNode.signatureKey, reason: 'add' });
    const leaf = tree.addLeaf(ownedLeafNode(kp.leafNode));
    if (tree.leafCount > config.maxLeaves) fail('ERR_VALIDATION_LIMIT', 'S-2.1.2-01', `the tree would grow past ${config.maxLeaves} leaves`, 'Add');
    added.push({ leaf, keyPackage: kp });
  }

  // R-12.1.7-01 / R-13.4-04: new requirements hold for every member of the resulting group.
  if (gce !== undefined) checkMembersSupport(tree, extensions, rc);

  return {
    tree,
    extensions,
    extensionsChanged: gce !== undefined,
    added,
    updated,
    removed,
    psks,
    ...(reinit !== undefined ? { reinit } : {}),
    ...(externalInit !== undefined ? { externalInit } : {}),
    pathRequired,
    credentialChecks: checks,
  };
}
