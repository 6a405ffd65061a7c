/**
 * A group state as bytes and back: a versioned msgpack document (msgpackr). Wire structures are
 * stored in their RFC 9420 encodings (GroupContext, ratchet tree, proposals), secrets as byte
 * strings, epochs as decimal strings. Restoring checks the version and every field's shape, and
 * copies every byte string (msgpackr's decoder returns views into the input).
 *
 * The snapshot holds every secret of the member: store it encrypted at rest.
 */
import { Packr } from 'msgpackr';
import { decode, encode } from '../codec/codec.js';
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { MlsError, StorageError } from '../errors.js';
import { senderCodec } from '../framing/content.js';
import { decodeGroupContext, encodeGroupContext } from '../key-schedule/group-context.js';
import { epochSecretsFromState, epochSecretsToState, type EpochSecretsState } from '../key-schedule/key-schedule.js';
import { proposalCodec, type ReInit, reInitCodec } from '../messages/proposal.js';
import { PublicTree } from '../ratchet-tree/tree.js';
import { SecretTree, type SecretTreeState } from '../secret-tree/secret-tree.js';
import { leafIndex } from '../tree-math/index.js';
import { PathKeys, type PathKeysState } from '../treekem/path-keys.js';
import { copy, toHex } from '../util/bytes.js';
import { makeConfig, type GroupConfig } from './config.js';
import { sealState, type CachedProposal, type GroupState, type PastEpoch } from './state.js';

/** Bumped whenever the document's shape changes; older versions are refused with ERR_STORAGE_VERSION. */
export const SNAPSHOT_VERSION = 1;
const MAGIC = 'mlskit-group';

const packr = new Packr({ useRecords: false, moreTypes: false });

interface PastDoc {
  epoch: string;
  context: Uint8Array;
  tree: Uint8Array;
  senderDataSecret: Uint8Array;
  secretTree: SecretTreeState;
}

interface SnapshotDoc {
  magic: string;
  version: number;
  suite: number;
  config: { ratchetWindow: { maxForwardDistance: number; maxSkippedKeys: number }; pastEpochs: number; resumptionPsks: number; strictDefaultCapabilities: boolean; checkLifetimes: boolean; maxLifetimeSeconds: string | null; handshakeWireFormat: 'public' | 'private'; padding: GroupConfig['padding']; maxMessageBytes: number; maxPendingProposals: number; maxLeaves?: number; maxWelcomeBytes?: number };
  context: Uint8Array;
  tree: Uint8Array;
  myLeaf: number;
  signaturePrivateKey: Uint8Array;
  privateKeys: PathKeysState;
  secrets: EpochSecretsState;
  secretTree: SecretTreeState;
  interimTranscriptHash: Uint8Array;
  confirmationTag: Uint8Array;
  proposals: { ref: Uint8Array; proposal: Uint8Array; sender: Uint8Array }[];
  pendingUpdates: { publicKey: string; privateKey: Uint8Array }[];
  resumptionPsks: { epoch: string; psk: Uint8Array }[];
  past: PastDoc[];
  reinit: Uint8Array | null;
}

/** The state as bytes. */
export function snapshotState(s: GroupState): Uint8Array {
  const c = s.config;
  const doc: SnapshotDoc = {
    magic: MAGIC,
    version: SNAPSHOT_VERSION,
    suite: s.cs.id,
    config: {
      ratchetWindow: { ...c.ratchetWindow },
      pastEpochs: c.pastEpochs,
      resumptionPsks: c.resumptionPsks,
      strictDefaultCapabilities: c.strictDefaultCapabilities,
      checkLifetimes: c.checkLifetimes,
      maxLifetimeSeconds: c.maxLifetimeSeconds === undefined ? null : c.maxLifetimeSeconds.toString(),
      handshakeWireFormat: c.handshakeWireFormat,
      padding: c.padding,
      maxMessageBytes: c.maxMessageBytes,
      maxPendingProposals: c.maxPendingProposals,
      maxLeaves: c.maxLeaves,
      maxWelcomeBytes: c.maxWelcomeBytes,
    },
    context: s.contextBytes,
    tree: s.tree.encode(),
    myLeaf: s.myLeaf,
    signaturePrivateKey: s.signaturePrivateKey,
    privateKeys: s.privateKeys.toState(),
    secrets: epochSecretsToState(s.secrets),
    secretTree: s.secretTree.toState(),
    interimTranscriptHash: s.interimTranscriptHash,
    confirmationTag: s.confirmationTag,
    proposals: [...s.proposals.values()].map((p) => ({ ref: p.ref, proposal: encode(proposalCodec, p.proposal), sender: encode(senderCodec, p.sender) })),
    pendingUpdates: [...s.pendingUpdates].map(([publicKey, privateKey]) => ({ publicKey, privateKey })),
    resumptionPsks: [...s.resumptionPsks].map(([epoch, psk]) => ({ epoch: epoch.toString(), psk })),
    past: s.past.map((p) => ({ epoch: p.epoch.toString(), context: p.contextBytes, tree: p.tree.encode(), senderDataSecret: p.senderDataSecret, secretTree: p.secretTree.toState() })),
    reinit: s.reinit === undefined ? null : encode(reInitCodec, s.reinit),
  };
  // msgpackr packs into a slab it shares between calls and returns a Node Buffer viewing it: the
  // bytes of other groups' snapshots would sit in the same ArrayBuffer (and Buffer.slice would
  // not copy). Hand out a Uint8Array that owns its memory, and zero the slab region it came from.
  const packed = packr.pack(doc);
  const out = copy(packed);
  packed.fill(0);
  return out;
}

function bad(what: string, cause?: unknown): never {
  throw new StorageError('ERR_STORAGE_FORMAT', `snapshot: ${what}`, cause === undefined ? { field: 'snapshot' } : { field: 'snapshot', cause });
}

function bytes(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) bad(`${what} must be bytes`);
  return copy(v);
}

function epochOf(v: unknown, what: string): bigint {
  if (typeof v !== 'string' || !/^\d{1,20}$/.test(v)) bad(`${what} must be a decimal epoch`);
  return BigInt(v);
}

/**
 * Rebuilds a state from `snapshotState` bytes. `config` supplies what a snapshot cannot hold (the
 * AS hook, the clock) and may override stored policy.
 */
export function restoreState(input: Uint8Array, suites: (id: number) => CipherSuite, config: Partial<GroupConfig> = {}): GroupState {
  let doc: SnapshotDoc;
  try {
    doc = packr.unpack(input) as SnapshotDoc;
    // msgpackr keeps a reference to the last buffer it decoded: release the snapshot (which may be
    // tens of MiB) by decoding a one-byte nil.
    packr.unpack(Uint8Array.of(0xc0));
  } catch (cause) {
    bad('not a msgpack document', cause);
  }
  if (doc === null || typeof doc !== 'object' || doc.magic !== MAGIC) bad('not an mlskit group snapshot');
  if (doc.version !== SNAPSHOT_VERSION) {
    throw new StorageError('ERR_STORAGE_VERSION', `snapshot version ${String(doc.version)} is not supported (this build reads ${SNAPSHOT_VERSION})`, { field: 'snapshot.version' });
  }
  try {
    const cs = suites(doc.suite);
    const stored = doc.config;
    const cfg = makeConfig({
      ratchetWindow: stored.ratchetWindow,
      pastEpochs: stored.pastEpochs,
      resumptionPsks: stored.resumptionPsks,
      strictDefaultCapabilities: stored.strictDefaultCapabilities === true,
      checkLifetimes: stored.checkLifetimes,
      maxLifetimeSeconds: stored.maxLifetimeSeconds === null ? undefined : BigInt(stored.maxLifetimeSeconds),
      handshakeWireFormat: stored.handshakeWireFormat,
      padding: stored.padding,
      maxMessageBytes: stored.maxMessageBytes,
      maxPendingProposals: stored.maxPendingProposals,
      ...(stored.maxLeaves !== undefined ? { maxLeaves: stored.maxLeaves } : {}),
      ...(stored.maxWelcomeBytes !== undefined ? { maxWelcomeBytes: stored.maxWelcomeBytes } : {}),
      ...config,
    });
    const contextBytes = bytes(doc.context, 'context');
    const context = decodeGroupContext(contextBytes);
    const tree = PublicTree.decode(cs, bytes(doc.tree, 'tree'));
    const proposals = new Map<string, CachedProposal>();
    for (const p of doc.proposals) {
      const ref = bytes(p.ref, 'proposal ref');
      proposals.set(toHex(ref), { ref, proposal: decode(proposalCodec, bytes(p.proposal, 'proposal')), sender: decode(senderCodec, bytes(p.sender, 'sender')) });
    }
    const past: PastEpoch[] = doc.past.map((p) => ({
      epoch: epochOf(p.epoch, 'past epoch'),
      contextBytes: bytes(p.context, 'past context'),
      tree: PublicTree.decode(cs, bytes(p.tree, 'past tree')),
      senderDataSecret: bytes(p.senderDataSecret, 'past sender data secret'),
      secretTree: SecretTree.fromState(cs, p.secretTree, cfg.ratchetWindow),
    }));
    const reinit: ReInit | undefined = doc.reinit === null ? undefined : decode(reInitCodec, bytes(doc.reinit, 'reinit'));
    return sealState({
      cs,
      config: cfg,
      context,
      contextBytes: encodeGroupContext(context),
      tree,
      myLeaf: leafIndex(doc.myLeaf),
      signaturePrivateKey: bytes(doc.signaturePrivateKey, 'signature key'),
      privateKeys: PathKeys.fromState(cs, doc.privateKeys),
      secrets: epochSecretsFromState(cs, doc.secrets),
      secretTree: SecretTree.fromState(cs, doc.secretTree, cfg.ratchetWindow),
      interimTranscriptHash: bytes(doc.interimTranscriptHash, 'interim transcript hash'),
      confirmationTag: bytes(doc.confirmationTag, 'confirmation tag'),
      proposals,
      pendingUpdates: new Map(doc.pendingUpdates.map((u) => [String(u.publicKey), bytes(u.privateKey, 'pending update key')])),
      resumptionPsks: new Map(doc.resumptionPsks.map((r) => [epochOf(r.epoch, 'resumption epoch'), bytes(r.psk, 'resumption psk')])),
      past,
      ...(reinit !== undefined ? { reinit } : {}),
    });
  } catch (cause) {
    if (cause instanceof StorageError) throw cause;
    if (cause instanceof MlsError) bad(`a field is invalid: ${cause.message}`, cause);
    bad('malformed document', cause);
  }
}
