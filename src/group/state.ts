/**
 * The state of one member in one epoch (RFC 9420 §8, §9, §12): a value. A Commit — sent or
 * received — produces the next epoch's state beside the current one; the current state changes
 * only when the application merges it (stage, then merge: R-12.4.2-07).
 *
 * Two parts change within an epoch, each only after every check of the message that changes them
 * has passed: the secret tree (a consumed key is deleted, §9.2) and the proposal cache.
 */
import type { CipherSuite } from '../crypto/cipher-suite.js';
import type { Sender } from '../framing/content.js';
import type { GroupContext } from '../key-schedule/group-context.js';
import type { EpochSecrets } from '../key-schedule/key-schedule.js';
import type { Proposal, ReInit } from '../messages/proposal.js';
import type { PublicTree } from '../ratchet-tree/tree.js';
import type { PathKeys } from '../treekem/path-keys.js';
import type { SecretTree } from '../secret-tree/secret-tree.js';
import type { LeafIndex } from '../tree-math/index.js';
import { redacted } from '../util/secret.js';
import type { GroupConfig } from './config.js';

/** A proposal received (or sent) in the current epoch, kept for a Commit to refer to (§12.1). */
export interface CachedProposal {
  readonly ref: Uint8Array;
  readonly proposal: Proposal;
  readonly sender: Sender;
}

/** What is kept of a past epoch to read late application messages (D-09, bounded by config.pastEpochs). */
export interface PastEpoch {
  readonly epoch: bigint;
  readonly contextBytes: Uint8Array;
  readonly tree: PublicTree;
  readonly senderDataSecret: Uint8Array;
  readonly secretTree: SecretTree;
}


export interface GroupState {
  readonly cs: CipherSuite;
  readonly config: GroupConfig;
  readonly context: GroupContext;
  /** The encoded GroupContext (signature and HPKE contexts use it; computed once per epoch). */
  readonly contextBytes: Uint8Array;
  readonly tree: PublicTree;
  readonly myLeaf: LeafIndex;
  readonly signaturePrivateKey: Uint8Array;
  /** HPKE private keys: this member's leaf and the parent nodes it knows (§7.4 tree invariant). */
  readonly privateKeys: PathKeys;
  readonly secrets: EpochSecrets;
  readonly secretTree: SecretTree;
  readonly interimTranscriptHash: Uint8Array;
  /** The confirmation tag of the Commit that began this epoch (for GroupInfo, §12.4.3). */
  readonly confirmationTag: Uint8Array;
  /** Proposals of this epoch, by ProposalRef (keyed as hex). */
  readonly proposals: ReadonlyMap<string, CachedProposal>;
  /** Private keys of this member's own pending Update proposals, by the new encryption key (hex). */
  readonly pendingUpdates: ReadonlyMap<string, Uint8Array>;
  /** Resumption PSKs of this and past epochs (S-8.6-01: bounded by config.resumptionPsks). */
  readonly resumptionPsks: ReadonlyMap<bigint, Uint8Array>;
  readonly past: readonly PastEpoch[];
  /** Set once a Commit with a ReInit was merged: the group may send nothing more (R-12.4.2-08). */
  readonly reinit?: ReInit;
}

/** Marks the secret-holding state so that it never prints its contents. */
export function sealState<T extends GroupState>(s: T): T {
  return redacted(s, `GroupState(epoch ${s.context.epoch}, leaf ${s.myLeaf})`);
}

/** Keeps the newest `keep` entries of a map keyed by epoch. */
export function boundedEpochMap(m: ReadonlyMap<bigint, Uint8Array>, keep: number): Map<bigint, Uint8Array> {
  const epochs = [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out = new Map<bigint, Uint8Array>();
  for (const e of epochs.slice(Math.max(0, epochs.length - keep))) out.set(e, m.get(e)!);
  return out;
}
