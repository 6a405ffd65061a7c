/**
 * RFC 9420 §8, §8.2, §12.4.1–§12.4.2: the step both the committer and every receiver take once a
 * Commit's proposals and path are settled — the new GroupContext, the transcript hashes, the key
 * schedule and the confirmation tag — and the assembly of the next epoch's state.
 */
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { confirmedTranscriptHashInput, type FramedContent, type WireFormat } from '../framing/content.js';
import { encodeGroupContext, type GroupContext } from '../key-schedule/group-context.js';
import { confirmationTag, runKeySchedule, type KeyScheduleResult } from '../key-schedule/key-schedule.js';
import { confirmedTranscriptHash, interimTranscriptHash } from '../key-schedule/transcript-hash.js';
import { computePskSecret } from '../psk/psk-secret.js';
import type { PskInput } from '../psk/psk-secret.js';
import type { Extension } from '../extensions/extension.js';
import { treeHash } from '../ratchet-tree/tree-hash.js';
import type { PublicTree } from '../ratchet-tree/tree.js';
import { SecretTree } from '../secret-tree/secret-tree.js';
import type { PathKeys } from '../treekem/path-keys.js';
import type { LeafIndex } from '../tree-math/index.js';
import { wipe } from '../util/bytes.js';
import { boundedEpochMap, sealState, type GroupState, type PastEpoch } from '../group/state.js';
import type { ReInit } from '../messages/proposal.js';

/** §12.4.1: the provisional GroupContext: new epoch, tree and extensions, old confirmed transcript hash. */
/**
 * What the step into the next epoch needs of the current one. A member has it all; an external
 * joiner (§12.4.3.2) has only the GroupInfo's public part: no secrets, no secret tree.
 */
export type PriorEpoch = Pick<GroupState, 'cs' | 'config' | 'context' | 'contextBytes' | 'tree' | 'interimTranscriptHash' | 'signaturePrivateKey' | 'resumptionPsks' | 'past'> &
  Partial<Pick<GroupState, 'secrets' | 'secretTree'>>;

export function provisionalContext(state: Pick<GroupState, 'context'>, tree: PublicTree, extensions: readonly Extension[]): GroupContext {
  return {
    ...state.context,
    epoch: state.context.epoch + 1n,
    treeHash: treeHash(tree),
    extensions: [...extensions],
  };
}

export interface NextEpochInput {
  readonly state: Pick<GroupState, 'context' | 'interimTranscriptHash'>;
  readonly tree: PublicTree;
  readonly extensions: readonly Extension[];
  readonly commitSecret: Uint8Array;
  readonly psks: readonly PskInput[];
  /** The previous epoch's init_secret, or the external init secret (§8.3). */
  readonly initSecret: Uint8Array;
  readonly wireFormat: WireFormat;
  readonly content: FramedContent;
  readonly signature: Uint8Array;
}

export interface NextEpoch {
  readonly context: GroupContext;
  readonly contextBytes: Uint8Array;
  readonly keys: KeyScheduleResult;
  /** MAC(confirmation_key, confirmed_transcript_hash): what the Commit's confirmation_tag must be. */
  readonly confirmationTag: Uint8Array;
  readonly pskSecret: Uint8Array;
}

/** Transcript hash, GroupContext and key schedule of the epoch a Commit creates. */
export function nextEpoch(cs: CipherSuite, input: NextEpochInput): NextEpoch {
  const { state } = input;
  const confirmed = confirmedTranscriptHash(cs, state.interimTranscriptHash, confirmedTranscriptHashInput(input.wireFormat, input.content, input.signature));
  const context: GroupContext = {
    ...provisionalContext(state, input.tree, input.extensions),
    confirmedTranscriptHash: confirmed,
  };
  const contextBytes = encodeGroupContext(context);
  const pskSecret = computePskSecret(cs, input.psks);
  const keys = runKeySchedule(cs, { initSecret: input.initSecret, commitSecret: input.commitSecret, pskSecret, groupContext: contextBytes });
  return { context, contextBytes, keys, confirmationTag: confirmationTag(cs, keys.secrets.confirmationKey, confirmed), pskSecret };
}

/** Builds the state of the new epoch (not yet merged: the caller decides). */
export function epochState(
  state: PriorEpoch,
  next: NextEpoch,
  tree: PublicTree,
  myLeaf: LeafIndex,
  privateKeys: PathKeys,
  reinit: ReInit | undefined,
): GroupState {
  const cs = state.cs;
  const secretTree = SecretTree.create(cs, next.keys.encryptionSecret, tree.leafCount, state.config.ratchetWindow);
  wipe(next.keys.encryptionSecret);
  const resumptionPsks = new Map(state.resumptionPsks);
  resumptionPsks.set(next.context.epoch, next.keys.secrets.resumptionPsk);
  // The epoch being left joins the readable past (D-09), if the policy keeps any and we held its secrets.
  const past: PastEpoch[] =
    state.config.pastEpochs === 0 || state.secrets === undefined || state.secretTree === undefined
      ? []
      : [
          ...state.past,
          { epoch: state.context.epoch, contextBytes: state.contextBytes, tree: state.tree, senderDataSecret: state.secrets.senderDataSecret, secretTree: state.secretTree },
        ].slice(-state.config.pastEpochs);
  return sealState({
    cs,
    config: state.config,
    context: next.context,
    contextBytes: next.contextBytes,
    tree,
    myLeaf,
    signaturePrivateKey: state.signaturePrivateKey,
    privateKeys,
    secrets: next.keys.secrets,
    secretTree,
    interimTranscriptHash: interimTranscriptHash(cs, next.context.confirmedTranscriptHash, next.confirmationTag),
    confirmationTag: next.confirmationTag,
    proposals: new Map(),
    pendingUpdates: new Map(),
    resumptionPsks: boundedEpochMap(resumptionPsks, state.config.resumptionPsks),
    past,
    ...(reinit !== undefined ? { reinit } : {}),
  });
}
