/**
 * Benchmark fixtures (TEST-ONLY): groups of n members synthesized directly, and the states of two
 * of their members, cached on disk under bench/.fixtures/.
 *
 * Building a group of 100,000 members by real Adds would take hours, so this builder writes the
 * end result directly: the ratchet tree, and the states member 0 (the committer of every benchmark)
 * and member 1 (the receiver) would hold in the same epoch. test/bench/fixture.test.ts shows these
 * states are what real members hold: a member loaded from a fixture commits, a member that joined
 * normally (Welcome, full validation of this tree) processes it, and all agree on the epoch
 * authenticator; every path key of the fixture members opens what is sealed to its node's key.
 *
 * What is real and what is not:
 *  - every LeafNode is signed by its member's own Ed25519 key (join validates each one, R-7.3-02);
 *    every signature and HPKE key is a real key pair of the suite, unique in the tree;
 *  - full shape: every parent whose subtree holds a member is set, with parent hashes that verify
 *    (R-7.9.2-01): each parent is covered by its left child, the right child keeps a stale
 *    parent_hash (as after a later Commit from the left side); left-child leaves are commit-source
 *    LeafNodes, the others key_package-source. Member 0 and member 1 know the private keys of their
 *    (common) direct path, as the tree invariant of §7.4 requires;
 *  - sparse shape: members added and never updated, so every parent is blank and a Commit
 *    encrypts to about n leaves;
 *  - the key schedule starts from a random epoch_secret (§8), shared by both members, with a random
 *    confirmed transcript hash standing for the history; the confirmation tag and interim
 *    transcript hash follow from them as §8.2 says. There is no past epoch (as after a join).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CipherSuite, KeyPair } from '../../src/crypto/cipher-suite.js';
import { signWithLabel } from '../../src/crypto/labels.js';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { CredentialType } from '../../src/credentials/credential.js';
import { LIMITS, makeConfig, type GroupConfig } from '../../src/group/config.js';
import { restoreState, snapshotState, SNAPSHOT_VERSION } from '../../src/group/snapshot.js';
import { sealState, type GroupState } from '../../src/group/state.js';
import { encodeGroupContext, type GroupContext } from '../../src/key-schedule/group-context.js';
import { confirmationTag, deriveEpochKeys } from '../../src/key-schedule/key-schedule.js';
import { interimTranscriptHash } from '../../src/key-schedule/transcript-hash.js';
import { leafNodeTbs, LeafNodeSource, NodeType, type Capabilities, type LeafNode, type Node, type ParentNode } from '../../src/ratchet-tree/node.js';
import { parentHash } from '../../src/ratchet-tree/parent-hash.js';
import { hashParentNodeInput, leafNodeHashInput, treeHash } from '../../src/ratchet-tree/tree-hash.js';
import { PublicTree } from '../../src/ratchet-tree/tree.js';
import { SecretTree } from '../../src/secret-tree/secret-tree.js';
import { directPath, isLeaf, leafIndex, leafRange, leafToNode, left, nodeWidth, right, root, type NodeIndex } from '../../src/tree-math/index.js';
import { PathKeys } from '../../src/treekem/path-keys.js';
import { EMPTY, utf8, wipe } from '../../src/util/bytes.js';

/** Bump when the builder's output changes: cached fixtures of other versions are rebuilt. */
export const FIXTURE_VERSION = 1;

export type TreeShape = 'full' | 'sparse';

export interface FixtureMeta {
  readonly version: number;
  readonly suite: number;
  readonly shape: TreeShape;
  readonly members: number;
  /** Leaf of the committer and of the receiver. */
  readonly committer: number;
  readonly receiver: number;
  readonly nonBlankParents: number;
  readonly treeBytes: number;
  readonly buildMs: number;
  readonly built: string;
}

/** Two members' states of one group, as `snapshotState` bytes. */
export interface FixtureFile {
  readonly meta: FixtureMeta;
  readonly committer: Uint8Array;
  readonly receiver: Uint8Array;
}

/** Progress of a build: phase name, done and total units. */
export type Progress = (phase: string, done: number, total: number) => void;

const COMMITTER = 0;
const RECEIVER = 1;
const UINT64_MAX = 0xffffffffffffffffn;

function capabilities(cs: CipherSuite): Capabilities {
  return { versions: [1], cipherSuites: [cs.id], extensions: [], proposals: [], credentials: [CredentialType.basic] };
}

interface Member {
  readonly signature: KeyPair;
  readonly encryption: KeyPair;
}

/**
 * Synthesizes the two members' states (see the file header). `members` ≥ 2; the tree has the
 * next power of two of leaves, the leaves beyond `members` blank.
 */
export function synthesizeGroup(suite: number, shape: TreeShape, members: number, progress: Progress = () => {}): { committer: GroupState; receiver: GroupState; nonBlankParents: number } {
  if (!Number.isInteger(members) || members < 2) throw new Error(`a fixture needs at least 2 members, got ${members}`);
  const cs = nodeCipherSuite(suite);
  const caps = capabilities(cs);
  const groupId = cs.random(cs.Nh);
  let width = 1;
  while (width < members) width *= 2;
  const nodes = new Array<Node | undefined>(nodeWidth(width));
  const tick = Math.max(1, Math.floor(members / 100));

  // Keys of the two members whose states we keep; everyone else's private keys are dropped.
  const kept = new Map<number, Member>();
  const newMember = (l: number): Member => {
    const m = { signature: cs.signatureScheme.generateKeyPair(), encryption: cs.hpke.generateKeyPair() };
    if (l === COMMITTER || l === RECEIVER) kept.set(l, m);
    return m;
  };
  const signedLeaf = (l: number, m: Member, ph: Uint8Array | undefined): LeafNode => {
    const base = {
      encryptionKey: m.encryption.publicKey,
      signatureKey: m.signature.publicKey,
      credential: { credentialType: CredentialType.basic, identity: utf8(`member-${l}`) },
      capabilities: caps,
      extensions: [],
      signature: EMPTY,
    } as const;
    const unsigned: LeafNode =
      ph === undefined
        ? { ...base, leafNodeSource: LeafNodeSource.keyPackage, lifetime: { notBefore: 0n, notAfter: UINT64_MAX } }
        : { ...base, leafNodeSource: LeafNodeSource.commit, parentHash: ph };
    const signature = signWithLabel(cs, m.signature.privateKey, 'LeafNodeTBS', leafNodeTbs(unsigned, groupId, l));
    if (l !== COMMITTER && l !== RECEIVER) {
      wipe(m.signature.privateKey);
      wipe(m.encryption.privateKey);
    }
    if (l % tick === 0) progress('leaves', l, members);
    return { ...unsigned, signature };
  };

  // Private keys of the parents on member 0's direct path (= member 1's: they are siblings).
  const pathPrivate = new Map<number, KeyPair>();
  const onPath = new Set<number>(directPath(leafToNode(leafIndex(COMMITTER)), width));
  let nonBlankParents = 0;

  if (shape === 'sparse') {
    for (let l = 0; l < members; l++) nodes[2 * l] = { nodeType: NodeType.leaf, leafNode: signedLeaf(l, newMember(l), undefined) };
  } else {
    // Returns the tree hash of x; `ph` is the parent_hash x must carry to cover its parent (§7.9).
    const build = (x: NodeIndex, ph: Uint8Array | undefined): Uint8Array => {
      if (isLeaf(x)) {
        const l = x >>> 1;
        if (l >= members) return cs.hashData(leafNodeHashInput(l, undefined));
        const leaf = signedLeaf(l, newMember(l), ph);
        nodes[x] = { nodeType: NodeType.leaf, leafNode: leaf };
        return cs.hashData(leafNodeHashInput(l, leaf));
      }
      if (leafRange(x)[0] >= members) {
        // A blank subtree right of the last member.
        return hashParentNodeInput(cs, undefined, build(left(x), undefined), build(right(x), undefined));
      }
      const kp = cs.hpke.generateKeyPair();
      if (onPath.has(x)) pathPrivate.set(x, kp);
      else wipe(kp.privateKey);
      const p: ParentNode = { encryptionKey: kp.publicKey, parentHash: ph ?? cs.random(cs.Nh), unmergedLeaves: [] };
      const thR = build(right(x), undefined);
      const thL = build(left(x), parentHash(cs, p.encryptionKey, p.parentHash, thR));
      nodes[x] = { nodeType: NodeType.parent, parentNode: p };
      nonBlankParents++;
      return hashParentNodeInput(cs, p, thL, thR);
    };
    build(root(width), EMPTY);
  }
  progress('leaves', members, members);

  let last = nodes.length - 1;
  while (nodes[last] === undefined) last--;
  progress('tree hash', 0, 1);
  const tree = PublicTree.fromRatchetTree(cs, nodes.slice(0, last + 1));
  const context: GroupContext = {
    version: 1,
    cipherSuite: cs.id,
    groupId,
    epoch: 1n,
    treeHash: treeHash(tree),
    confirmedTranscriptHash: cs.random(cs.Nh),
    extensions: [],
  };
  progress('tree hash', 1, 1);
  const contextBytes = encodeGroupContext(context);
  const epochSecret = cs.random(cs.Nh);
  const keys = deriveEpochKeys(cs, epochSecret);
  wipe(epochSecret);
  const tag = confirmationTag(cs, keys.secrets.confirmationKey, context.confirmedTranscriptHash);
  const interim = interimTranscriptHash(cs, context.confirmedTranscriptHash, tag);
  const config = makeConfig();

  const stateOf = (l: number): GroupState => {
    const m = kept.get(l)!;
    const x = leafToNode(leafIndex(l));
    const own: [NodeIndex, KeyPair][] = [[x, m.encryption]];
    for (const p of directPath(x, width)) {
      const kp = pathPrivate.get(p);
      if (kp !== undefined) own.push([p, kp]);
    }
    return sealState({
      cs,
      config,
      context,
      contextBytes,
      tree,
      myLeaf: leafIndex(l),
      signaturePrivateKey: m.signature.privateKey,
      privateKeys: PathKeys.of(own),
      secrets: keys.secrets,
      secretTree: SecretTree.create(cs, keys.encryptionSecret, tree.leafCount, config.ratchetWindow),
      interimTranscriptHash: interim,
      confirmationTag: tag,
      proposals: new Map(),
      pendingUpdates: new Map(),
      resumptionPsks: new Map([[context.epoch, keys.secrets.resumptionPsk]]),
      past: [],
    });
  };
  const committer = stateOf(COMMITTER);
  const receiver = stateOf(RECEIVER);
  wipe(keys.encryptionSecret);
  return { committer, receiver, nonBlankParents };
}

/** Builds a fixture (not cached): synthesize, then snapshot both members. */
export function buildFixture(suite: number, shape: TreeShape, members: number, progress?: Progress): FixtureFile {
  const t0 = performance.now();
  const g = synthesizeGroup(suite, shape, members, progress);
  const committer = snapshotState(g.committer);
  const receiver = snapshotState(g.receiver);
  const meta: FixtureMeta = {
    version: FIXTURE_VERSION,
    suite,
    shape,
    members,
    committer: COMMITTER,
    receiver: RECEIVER,
    nonBlankParents: g.nonBlankParents,
    treeBytes: g.committer.tree.encode().length,
    buildMs: Math.round(performance.now() - t0),
    built: new Date().toISOString(),
  };
  return { meta, committer, receiver };
}

// ---------------------------------------------------------------------------------------------
// On disk: "MLSKITFX" || u32 header length || header (JSON) || u32 length || committer snapshot ||
// u32 length || receiver snapshot.

const MAGIC = utf8('MLSKITFX');

/** The repository root (the directory holding package.json), from this file's location in src or dist. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bench'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export function fixtureDir(): string {
  return process.env['MLS_BENCH_FIXTURES'] ?? join(packageRoot(), 'bench', '.fixtures');
}

export function fixturePath(suite: number, shape: TreeShape, members: number, dir = fixtureDir()): string {
  return resolve(dir, `mlskit-v${FIXTURE_VERSION}-snap${SNAPSHOT_VERSION}-s${suite}-${shape}-${members}.bin`);
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

export function writeFixture(path: string, f: FixtureFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const header = utf8(JSON.stringify(f.meta));
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    for (const part of [MAGIC, u32(header.length), header, u32(f.committer.length), f.committer, u32(f.receiver.length), f.receiver]) writeSync(fd, part);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path); // atomic: a concurrent reader sees the whole file or none
}

export function readFixture(path: string): FixtureFile {
  const bytes = new Uint8Array(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) throw new Error(`${path}: not a fixture file`);
  let at = MAGIC.length;
  const take = (): Uint8Array => {
    const n = view.getUint32(at);
    const out = bytes.subarray(at + 4, at + 4 + n);
    if (out.length !== n) throw new Error(`${path}: truncated`);
    at += 4 + n;
    return out;
  };
  const meta = JSON.parse(new TextDecoder().decode(take())) as FixtureMeta;
  const committer = take();
  const receiver = take();
  return { meta, committer, receiver };
}

/** The cached fixture, built (and cached) if missing or unreadable. `built` says whether it was built now. */
export function getFixture(suite: number, shape: TreeShape, members: number, progress?: Progress): { file: FixtureFile; path: string; built: boolean } {
  const path = fixturePath(suite, shape, members);
  if (existsSync(path)) {
    try {
      const file = readFixture(path);
      if (file.meta.version === FIXTURE_VERSION && file.meta.members === members && file.meta.shape === shape && file.meta.suite === suite) return { file, path, built: false };
    } catch {
      // unreadable: rebuild below
    }
  }
  const file = buildFixture(suite, shape, members, progress);
  writeFixture(path, file);
  return { file, path, built: true };
}

/**
 * The limits an application with groups of this size sets (the defaults stop at 2^17 leaves and
 * 8 MiB messages; a Welcome carries the tree, ~255 B per member in a full tree).
 */
export const LARGE_GROUP_CONFIG: Partial<GroupConfig> = Object.freeze({ maxLeaves: 1 << 20, maxMessageBytes: LIMITS.maxMessageBytes });

/** The two members' states restored from a fixture (restoreState: exactly what an app would load). */
export function loadStates(file: FixtureFile, config: Partial<GroupConfig> = LARGE_GROUP_CONFIG): { committer: GroupState; receiver: GroupState } {
  const suites = (id: number): CipherSuite => nodeCipherSuite(id);
  return { committer: restoreState(file.committer, suites, config), receiver: restoreState(file.receiver, suites, config) };
}
