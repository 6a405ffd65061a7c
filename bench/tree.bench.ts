/**
 * Ratchet tree benchmarks (RFC 9420 §7.7–§7.9, §12.4.3.1) on prebuilt full trees of 1k, 10k and
 * 100k leaves, suite 1. Run: `npx tsx bench/tree.bench.ts [sizes…]` (default 1024 10240 102400).
 *
 * The synthetic tree: every leaf and parent non-blank, unique keys (counter-derived encryption
 * keys; real Ed25519 signature keys), and valid parent hashes — each parent is covered by its left
 * child, whose parent_hash is computed top-down, so the tree passes validation exactly as a real
 * group's tree would. Leaves really are signed (commit source for left children, key_package
 * otherwise), so whole-tree validation includes one Ed25519 verification per member. Building
 * the tree (key generation and signing) is setup and is not timed; each timed run starts from a
 * fresh PublicTree where a cold cache matters. Medians of wall time and of CPU time are printed; on
 * the shared two-core machines the CPU time is the steadier figure.
 */
import { cpus } from 'node:os';
import type { CipherSuite, KeyPair } from '../src/crypto/cipher-suite.js';
import { signWithLabel } from '../src/crypto/labels.js';
import { nodeCipherSuite } from '../src/crypto/node/provider.js';
import { CredentialType } from '../src/credentials/credential.js';
import { decode } from '../src/codec/codec.js';
import { leafNodeTbs, LeafNodeSource, NodeType, ratchetTreeCodec, type LeafNode, type Node, type ParentNode } from '../src/ratchet-tree/node.js';
import { computePathParentHashes, parentHash, verifyParentHashes } from '../src/ratchet-tree/parent-hash.js';
import { leafNodeHashInput, parentNodeHashInput, treeHash } from '../src/ratchet-tree/tree-hash.js';
import { validateRatchetTree } from '../src/ratchet-tree/tree-validation.js';
import { PublicTree } from '../src/ratchet-tree/tree.js';
import { isLeaf, leafIndex, left, nodeWidth, right, root, type NodeIndex } from '../src/tree-math/index.js';
import { EMPTY, utf8 } from '../src/util/bytes.js';

const cs = nodeCipherSuite(1);
const GROUP_ID = utf8('bench group');
const caps = { versions: [1], cipherSuites: [1], extensions: [0x0a0a], proposals: [], credentials: [CredentialType.basic] };

let counter = 0;
const KEY_TAIL = cs.random(28);
/** A unique 32-byte X25519 public key (any 32 bytes are one) without key generation. */
function uniqueKey(): Uint8Array {
  const k = new Uint8Array(32);
  new DataView(k.buffer).setUint32(0, ++counter);
  k.set(KEY_TAIL, 4);
  return k;
}

function leafNode(l: number, signer: KeyPair, ph: Uint8Array | undefined): LeafNode {
  const base = { encryptionKey: uniqueKey(), signatureKey: signer.publicKey, credential: { credentialType: CredentialType.basic, identity: utf8(`member ${l}`) }, capabilities: caps, extensions: [], signature: EMPTY };
  const unsigned: LeafNode =
    ph === undefined
      ? { ...base, leafNodeSource: LeafNodeSource.keyPackage, lifetime: { notBefore: 0n, notAfter: 0xffffffffffffffffn } }
      : { ...base, leafNodeSource: LeafNodeSource.commit, parentHash: ph };
  return { ...unsigned, signature: signWithLabel(cs, signer.privateKey, 'LeafNodeTBS', leafNodeTbs(unsigned, GROUP_ID, l)) };
}

/** A full tree of n leaves (a power of two) with valid parent hashes; see the file header. */
function buildFullTree(n: number): Node[] {
  const nodes = new Array<Node>(nodeWidth(n));
  // Returns the tree hash of x; `ph` is the parent_hash x must carry (undefined: x is no link).
  const build = (x: NodeIndex, ph: Uint8Array | undefined): Uint8Array => {
    if (isLeaf(x)) {
      const leaf = leafNode(x >>> 1, cs.signatureScheme.generateKeyPair(), ph);
      nodes[x] = { nodeType: NodeType.leaf, leafNode: leaf };
      return cs.hashData(leafNodeHashInput(x >>> 1, leaf));
    }
    const p: ParentNode = { encryptionKey: uniqueKey(), parentHash: ph ?? cs.random(32), unmergedLeaves: [] };
    const thR = build(right(x), undefined);
    const thL = build(left(x), parentHash(cs, p.encryptionKey, p.parentHash, thR));
    nodes[x] = { nodeType: NodeType.parent, parentNode: p };
    return cs.hashData(parentNodeHashInput(p, thL, thR));
  };
  build(root(n), EMPTY);
  return nodes;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** CPU time (user + system) in ms: steadier than wall time when other work shares the two cores. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Timing {
  readonly wall: number;
  readonly cpu?: number;
}

/** Median wall and CPU ms of `runs` runs of `op`, each given a fresh input from `setup` (not timed). */
function time<T>(runs: number, setup: () => T, op: (input: T) => unknown): Required<Timing> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const input = setup();
    const c0 = cpuMs();
    const t0 = performance.now();
    op(input);
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** One result line; whole-tree operations also show CPU µs per member (it must stay flat as n grows). */
function row(what: string, t: Timing, n?: number): void {
  const f = (ms: number) => ms.toFixed(ms < 1 ? 3 : 1).padStart(9);
  const cpu = t.cpu === undefined ? '' : `${f(t.cpu)} ms cpu`;
  const per = n === undefined || t.cpu === undefined ? '' : `${((t.cpu * 1000) / n).toFixed(1).padStart(7)} µs/member`;
  console.log(`  ${what.padEnd(66)} ${f(t.wall)} ms wall ${cpu} ${per}`);
}

/** A suite whose signature verification always succeeds: isolates our own work from Ed25519's. */
const noVerify: CipherSuite = { ...cs, signatureScheme: { ...cs.signatureScheme, verify: () => true } };

console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} × ${cpus().length}, suite 1 (X25519, SHA-256, Ed25519)`);
const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
for (const n of sizes.length > 0 ? sizes : [1024, 10240, 102400]) {
  let leaves = 1;
  while (leaves < n) leaves *= 2;
  const t0 = performance.now();
  // n members: a full tree of `leaves` leaves, with the leaves beyond n removed (a real group's shape).
  const bytes = (() => {
    const base = PublicTree.fromRatchetTree(cs, buildFullTree(leaves));
    for (let l = leaves - 1; l >= n; l--) base.removeLeaf(leafIndex(l));
    return base.encode();
  })();
  // The nodes a joiner holds: decoded from the wire, so their fields view one buffer (as in a
  // real join), not the hundreds of thousands of small buffers the builder allocated.
  const nodes = decode(ratchetTreeCodec, bytes.slice());
  const base = PublicTree.fromRatchetTree(cs, nodes);
  const setupMs = performance.now() - t0;
  const runs = n <= 2048 ? 9 : n <= 20000 ? 5 : 3;
  console.log(`\n${n} members (${base.leafCount} leaves, ${bytes.length} bytes serialized; setup ${(setupMs / 1000).toFixed(1)} s, ${runs} runs)`);

  row('decode + build tree (index, counts)', time(runs, () => bytes, (b) => PublicTree.decode(cs, b)), n);
  row('tree hash, full computation (cold cache)', time(runs, () => PublicTree.fromRatchetTree(cs, nodes), (t) => treeHash(t)), n);

  // A Commit's path on a warm tree: fork, parent hashes, merge the path, tree hash. 64 runs.
  const warm = PublicTree.fromRatchetTree(cs, nodes);
  treeHash(warm);
  warm.merge();
  const pathRuns = 64;
  const pathWall: number[] = [];
  const hashWall: number[] = [];
  for (let r = 0; r < pathRuns; r++) {
    const l = leafIndex((r * 7919) % n);
    const t = warm.fork();
    const keys = t.filteredDirectPath(l).map(() => uniqueKey());
    const s0 = performance.now();
    const ph = computePathParentHashes(t, l, keys);
    const old = t.leafNode(l)!;
    const leaf: LeafNode = { ...old, leafNodeSource: LeafNodeSource.commit, parentHash: ph.leaf, encryptionKey: uniqueKey() };
    t.applyUpdatePath(l, leaf, keys.map((k, i) => ({ encryptionKey: k, parentHash: ph.nodes[i]!, unmergedLeaves: [] })));
    const s1 = performance.now();
    treeHash(t);
    const s2 = performance.now();
    pathWall.push(s2 - s0);
    hashWall.push(s2 - s1);
  }
  // Sub-millisecond: the process CPU clock is too coarse here, so wall time only.
  row(`tree hash after a path change (cached, ${Math.log2(base.leafCount)} levels)`, { wall: median(hashWall) });
  row('path change: parent hashes + merge the path + tree hash', { wall: median(pathWall) });

  row('parent-hash verification (tree hashes cached)', time(runs, () => {
    const t = PublicTree.fromRatchetTree(cs, nodes);
    treeHash(t);
    return t;
  }, (t) => verifyParentHashes(t)), n);

  const th = treeHash(warm);
  const params = { groupId: GROUP_ID, treeHash: th };
  row('whole-tree validation, signatures stubbed (our work only)', time(runs, () => PublicTree.fromRatchetTree(noVerify, nodes), (t) => validateRatchetTree(t, params)), n);
  row('whole-tree validation, full (incl. n Ed25519 verifications)', time(n > 50000 ? 1 : runs, () => PublicTree.fromRatchetTree(cs, nodes), (t) => validateRatchetTree(t, params)), n);

  // A sparse variant: 5% of the members removed, 32 members commit, then as many members are added
  // back, so the parents above them list unmerged leaves and verification must recompute original
  // sibling tree hashes (§7.9). The commits' leaves are not re-signed (verification reads no signature).
  const sparse = warm.fork();
  const k = Math.max(1, Math.floor(n / 20));
  for (let i = 0; i < k; i++) {
    const l = leafIndex((i * 104729) % n);
    if (sparse.leafNode(l) !== undefined && sparse.memberCount > 1) sparse.removeLeaf(l);
  }
  for (let i = 0; i < 32; i++) {
    const l = leafIndex(((i * 7919) % sparse.leafCount));
    const old = sparse.leafNode(l);
    if (old === undefined) continue;
    const keys = sparse.filteredDirectPath(l).map(() => uniqueKey());
    const ph = computePathParentHashes(sparse, l, keys);
    const leaf: LeafNode = { ...old, leafNodeSource: LeafNodeSource.commit, parentHash: ph.leaf, encryptionKey: uniqueKey() };
    sparse.applyUpdatePath(l, leaf, keys.map((key, j) => ({ encryptionKey: key, parentHash: ph.nodes[j]!, unmergedLeaves: [] })));
  }
  for (let i = 0; i < k; i++) sparse.addLeaf(leafNode(0, { publicKey: uniqueKey(), privateKey: cs.random(32) }, undefined));
  let unmerged = 0;
  for (const [, p] of sparse.parents()) unmerged += p.unmergedLeaves.length;
  const sparseNodes = sparse.toRatchetTree();
  row(`parent-hash verification, ${k} re-added leaves (${unmerged} unmerged entries)`, time(runs, () => {
    const t = PublicTree.fromRatchetTree(cs, sparseNodes);
    treeHash(t);
    return t;
  }, (t) => verifyParentHashes(t)), n);
}
