/**
 * TreeKEM benchmarks (RFC 9420 §7.4–§7.6): create, merge and decrypt an UpdatePath on full trees
 * of 1k, 10k and 100k members, suite 1. Medians in ms; only the operation is timed.
 *
 * The trees are synthetic and built once per size: every leaf and every parent whose subtree holds
 * a member is non-blank, with no unmerged leaves. Their keys come from a pool of real X25519 key
 * pairs (so seals and opens do real work) and the parent_hash fields are not meaningful (merging
 * recomputes the committer's path; nothing here verifies the rest). The tree-hash cache is warmed
 * before timing, as in a live group. The committer's LeafNode is really signed (Ed25519), as a
 * Commit must.
 *
 * Run: `npx tsx bench/treekem.bench.ts [sizes…]` (default 1000 10000 100000).
 */
import { cpus } from 'node:os';
import { decode, encode } from '../src/codec/codec.js';
import { nodeCipherSuite } from '../src/crypto/node/provider.js';
import type { KeyPair } from '../src/crypto/cipher-suite.js';
import { CredentialType } from '../src/credentials/credential.js';
import { signLeafNode } from '../src/key-package/create.js';
import { encodeGroupContext, ProtocolVersion } from '../src/key-schedule/group-context.js';
import { updatePathCodec } from '../src/messages/commit.js';
import { LeafNodeSource, NodeType, type CommitLeafNode, type KeyPackageLeafNode, type Node } from '../src/ratchet-tree/node.js';
import { treeHash } from '../src/ratchet-tree/tree-hash.js';
import { PublicTree } from '../src/ratchet-tree/tree.js';
import { commonAncestor, directPath, leafRange, leafToNode, nodeWidth, type LeafIndex, type NodeIndex } from '../src/tree-math/index.js';
import { PathKeys } from '../src/treekem/path-keys.js';
import { applyUpdatePath, createUpdatePath, decryptUpdatePath, type UpdatePath } from '../src/treekem/update-path.js';
import { EMPTY, utf8 } from '../src/util/bytes.js';

const cs = nodeCipherSuite(1);
const POOL = 512;
const pool: KeyPair[] = Array.from({ length: POOL }, () => cs.hpke.generateKeyPair());
const signer = cs.signatureScheme.generateKeyPair();
const GROUP_ID = utf8('bench-group');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

/** A full tree of n members (see the header); keys of node x come from pool[x % POOL]. */
function fullTree(n: number): PublicTree {
  let width = 1;
  while (width < n) width *= 2;
  const total = nodeWidth(width);
  const capabilities = { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [1] };
  const nodes: (Node | undefined)[] = new Array<Node | undefined>(total);
  for (let x = 0; x < total; x++) {
    const kp = pool[x % POOL]!;
    if ((x & 1) === 0) {
      const l = x >>> 1;
      if (l >= n) continue;
      const leafNode: KeyPackageLeafNode = {
        encryptionKey: kp.publicKey,
        signatureKey: l === 0 ? signer.publicKey : kp.publicKey,
        credential: { credentialType: CredentialType.basic, identity: utf8(`member-${l}`) },
        capabilities,
        leafNodeSource: LeafNodeSource.keyPackage,
        lifetime: { notBefore: 0n, notAfter: 0xffff_ffff_ffff_ffffn },
        extensions: [],
        signature: new Uint8Array(64),
      };
      nodes[x] = { nodeType: NodeType.leaf, leafNode };
    } else if (leafRange(x as NodeIndex)[0] < n) {
      nodes[x] = { nodeType: NodeType.parent, parentNode: { encryptionKey: kp.publicKey, parentHash: new Uint8Array(32), unmergedLeaves: [] } };
    }
  }
  let last = total - 1;
  while (nodes[last] === undefined) last--;
  return PublicTree.fromRatchetTree(cs, nodes.slice(0, last + 1));
}

/** The private keys a member at `leaf` holds in the synthetic tree: its leaf and its whole direct path. */
function memberKeys(tree: PublicTree, leaf: LeafIndex): PathKeys {
  const x0 = leafToNode(leaf);
  return PathKeys.of([x0, ...directPath(x0, tree.leafCount)].filter((x) => !tree.isBlank(x)).map((x) => [x, pool[x % POOL]!] as const));
}

const gcOf = (t: PublicTree): Uint8Array =>
  encodeGroupContext({ version: ProtocolVersion.mls10, cipherSuite: 1, groupId: GROUP_ID, epoch: 2n, treeHash: treeHash(t), confirmedTranscriptHash: new Uint8Array(32), extensions: [] });

function run(n: number, iterations: number): void {
  const tBuild = performance.now();
  const base = fullTree(n);
  treeHash(base); // warm the cache: one O(n) pass, as when a group is loaded
  const setupMs = performance.now() - tBuild;
  const committer = 0 as LeafIndex;
  const near = 1 as LeafIndex; // sibling: common ancestor at level 1, derives the whole path
  const far = (n - 1) as LeafIndex; // other half: common ancestor is the root
  const nearKeys = memberKeys(base, near);
  const farKeys = memberKeys(base, far);
  const old = base.leafNode(committer)!;
  const build = (f: { encryptionKey: Uint8Array; parentHash: Uint8Array }) =>
    signLeafNode(
      cs,
      signer.privateKey,
      { ...old, leafNodeSource: LeafNodeSource.commit, encryptionKey: f.encryptionKey, parentHash: f.parentHash, signature: EMPTY } as CommitLeafNode,
      GROUP_ID,
      committer,
    );

  const create: number[] = [];
  const apply: number[] = [];
  const hash: number[] = [];
  const decNear: number[] = [];
  const decFar: number[] = [];
  let size = 0;
  let pathNodes = 0;
  for (let i = 0; i < iterations + 3; i++) {
    const mine = base.fork();
    let up!: UpdatePath;
    const c = time(() => {
      up = createUpdatePath({ tree: mine, leaf: committer, buildLeafNode: build, groupContext: gcOf }).updatePath;
    });
    const bytes = encode(updatePathCodec, up);
    size = bytes.length;
    pathNodes = up.nodes.length;
    const wire = decode(updatePathCodec, bytes);
    const theirs = base.fork();
    const a = time(() => applyUpdatePath({ tree: theirs, sender: committer, updatePath: wire }));
    let gc!: Uint8Array;
    const h = time(() => {
      gc = gcOf(theirs);
    });
    const dn = time(() => decryptUpdatePath({ tree: theirs, sender: committer, receiver: near, updatePath: wire, keys: nearKeys, groupContext: gc }));
    const df = time(() => decryptUpdatePath({ tree: theirs, sender: committer, receiver: far, updatePath: wire, keys: farKeys, groupContext: gc }));
    if (i < 3) continue; // warm-up
    create.push(c);
    apply.push(a);
    hash.push(h);
    decNear.push(dn);
    decFar.push(df);
  }
  const f = (xs: number[]) => median(xs).toFixed(2).padStart(7);
  const lcaLevel = Math.log2(commonAncestor(leafToNode(committer), leafToNode(near)) + 1);
  console.log(
    `${String(n).padStart(6)} members (${base.leafCount} leaves, ${pathNodes} path nodes, UpdatePath ${size} B; setup ${(setupMs / 1000).toFixed(1)} s)\n` +
      `        create ${f(create)} ms | merge+validate ${f(apply)} ms | provisional GroupContext (tree hash) ${f(hash)} ms\n` +
      `        decrypt: sibling (level ${lcaLevel}, ${pathNodes} derivations) ${f(decNear)} ms | far leaf (root, 1 derivation) ${f(decFar)} ms\n` +
      `        receiver total (merge + hash + decrypt, sibling) ${(median(apply) + median(hash) + median(decNear)).toFixed(2)} ms`,
  );
}

const sizes = process.argv.slice(2).map(Number).filter((x) => x > 1);
console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} × ${cpus().length}, suite 1 (X25519, AES-128-GCM, SHA-256, Ed25519); medians`);
for (const n of sizes.length > 0 ? sizes : [1000, 10_000, 100_000]) run(n, n >= 100_000 ? 21 : 41);
