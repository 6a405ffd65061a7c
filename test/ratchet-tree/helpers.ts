/**
 * Test-only fixtures for the ratchet tree: LeafNodes (really signed, or with fake signatures for
 * the fast property tests), a group simulator that evolves a tree the way the protocol does
 * (Add, Update, Remove, Commit with an UpdatePath and correct parent hashes), reference
 * implementations straight from the RFC text, and an assertion on rule ids.
 */
import type { CipherSuite, KeyPair } from '../../src/crypto/cipher-suite.js';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { signWithLabel } from '../../src/crypto/labels.js';
import { CredentialType, type Credential } from '../../src/credentials/credential.js';
import type { Extension } from '../../src/extensions/extension.js';
import {
  leafNodeTbs, LeafNodeSource, NodeType, type Capabilities, type CommitLeafNode, type KeyPackageLeafNode, type LeafNode, type Node, type ParentNode, type UpdateLeafNode,
} from '../../src/ratchet-tree/node.js';
import { computePathParentHashes } from '../../src/ratchet-tree/parent-hash.js';
import { PublicTree } from '../../src/ratchet-tree/tree.js';
import { isLeaf, left, leafToNode, level, nodeWidth, parent, right, root, sibling, type LeafIndex, type NodeIndex } from '../../src/tree-math/index.js';
import { utf8 } from '../../src/util/bytes.js';

export const cs: CipherSuite = nodeCipherSuite(1);
export const GROUP_ID = utf8('ratchet-tree test group');
/** A fixed clock (2026-01-01T00:00:00Z). */
export const NOW = 1_767_225_600n;

let counter = 0;
/** 32 distinct bytes per call: unique keys without key generation (X25519 accepts any 32 bytes). */
export function uniqueKey(): Uint8Array {
  const k = cs.random(32);
  new DataView(k.buffer).setUint32(0, ++counter);
  return k;
}

export function caps(extra: Partial<Capabilities> = {}): Capabilities {
  return { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [CredentialType.basic], ...extra };
}

export function basic(name: string): Credential {
  return { credentialType: CredentialType.basic, identity: utf8(name) };
}

export interface LeafFields {
  encryptionKey?: Uint8Array;
  credential?: Credential;
  capabilities?: Capabilities;
  extensions?: Extension[];
}

/** Signs `leaf` (LeafNodeTBS with group_id and leaf index for the update and commit sources). */
export function sign<T extends LeafNode>(leaf: T, signer: KeyPair | undefined, groupId: Uint8Array = GROUP_ID, leafIndex = 0): T {
  if (signer === undefined) return { ...leaf, signature: uniqueKey() };
  return { ...leaf, signature: signWithLabel(cs, signer.privateKey, 'LeafNodeTBS', leafNodeTbs(leaf, groupId, leafIndex)) };
}

function fields(signer: KeyPair | undefined, f: LeafFields): Omit<KeyPackageLeafNode, 'leafNodeSource' | 'lifetime'> {
  return {
    encryptionKey: f.encryptionKey ?? uniqueKey(),
    signatureKey: signer?.publicKey ?? uniqueKey(),
    credential: f.credential ?? basic('member'),
    capabilities: f.capabilities ?? caps(),
    extensions: f.extensions ?? [],
    signature: new Uint8Array(0),
  };
}

/** A key_package-source LeafNode; signed when a signer is given, else with a fake signature. */
export function kpLeaf(signer?: KeyPair, f: LeafFields & { lifetime?: { notBefore: bigint; notAfter: bigint } } = {}): KeyPackageLeafNode {
  const lifetime = f.lifetime ?? { notBefore: 0n, notAfter: 0xffffffffffffffffn };
  return sign({ ...fields(signer, f), leafNodeSource: LeafNodeSource.keyPackage, lifetime }, signer);
}

export function updateLeaf(leafIndex: number, signer?: KeyPair, f: LeafFields = {}, groupId: Uint8Array = GROUP_ID): UpdateLeafNode {
  return sign({ ...fields(signer, f), leafNodeSource: LeafNodeSource.update }, signer, groupId, leafIndex);
}

export function commitLeaf(leafIndex: number, parentHash: Uint8Array, signer?: KeyPair, f: LeafFields = {}, groupId: Uint8Array = GROUP_ID): CommitLeafNode {
  return sign({ ...fields(signer, f), leafNodeSource: LeafNodeSource.commit, parentHash }, signer, groupId, leafIndex);
}

/**
 * A group evolved by the protocol's own operations. With `signed`, every member has a real Ed25519
 * key and every LeafNode a real signature (so the tree passes validateRatchetTree); without, keys
 * and signatures are random bytes (fast, for hash and structure properties).
 */
export class GroupSim {
  tree: PublicTree;
  readonly signers: Map<number, KeyPair | undefined>;

  constructor(readonly signed: boolean, tree?: PublicTree, signers?: Map<number, KeyPair | undefined>) {
    this.signers = signers ?? new Map();
    if (tree !== undefined) {
      this.tree = tree;
    } else {
      const s = this.newSigner();
      this.tree = PublicTree.create(cs, kpLeaf(s));
      this.signers.set(0, s);
    }
  }

  private newSigner(): KeyPair | undefined {
    return this.signed ? cs.signatureScheme.generateKeyPair() : undefined;
  }

  fork(): GroupSim {
    return new GroupSim(this.signed, this.tree.fork(), new Map(this.signers));
  }

  members(): number[] {
    return [...this.tree.leaves()].map(([l]) => l);
  }

  /** The member at position `pick` modulo the member count. */
  member(pick: number): LeafIndex {
    const m = this.members();
    return m[pick % m.length]! as LeafIndex;
  }

  add(): LeafIndex {
    const s = this.newSigner();
    const l = this.tree.addLeaf(kpLeaf(s));
    this.signers.set(l, s);
    return l;
  }

  update(l: LeafIndex): void {
    this.tree.updateLeaf(l, updateLeaf(l, this.signers.get(l)));
  }

  remove(l: LeafIndex): void {
    this.tree.removeLeaf(l);
    this.signers.delete(l);
  }

  /** A Commit with an UpdatePath from leaf l: fresh keys, parent hashes (§7.9), a signed commit leaf. */
  commit(l: LeafIndex): void {
    const path = this.tree.filteredDirectPathWithCopath(l);
    const keys = path.map(() => uniqueKey());
    const ph = computePathParentHashes(this.tree, l, keys);
    const nodes: ParentNode[] = keys.map((k, i) => ({ encryptionKey: k, parentHash: ph.nodes[i]!, unmergedLeaves: [] }));
    this.tree.applyUpdatePath(l, commitLeaf(l, ph.leaf, this.signers.get(l)), nodes);
  }

  /** Applies one random operation; the member count stays ≥ 1 and the committer is never removed. */
  step(op: Op): void {
    const n = this.tree.memberCount;
    switch (op.kind) {
      case 'add':
        this.add();
        break;
      case 'update':
        this.update(this.member(op.pick));
        break;
      case 'remove':
        if (n > 1) this.remove(this.member(op.pick));
        break;
      case 'commit':
        this.commit(this.member(op.pick));
        break;
    }
  }
}

export interface Op {
  readonly kind: 'add' | 'update' | 'remove' | 'commit';
  readonly pick: number;
}

// ---------------------------------------------------------------------------------------------
// References straight from the RFC text, over the plain padded node array.

export function padded(nodes: readonly (Node | undefined)[]): (Node | undefined)[] {
  let w = 1;
  while (nodeWidth(w) < nodes.length) w *= 2;
  const out = nodes.slice();
  while (out.length < nodeWidth(w)) out.push(undefined);
  return out;
}

/** §4.1.1, literally. */
export function naiveResolution(nodes: readonly (Node | undefined)[], x: NodeIndex): number[] {
  const n = nodes[x];
  if (n !== undefined) return n.nodeType === NodeType.parent ? [x, ...n.parentNode.unmergedLeaves.map((l) => 2 * l)] : [x];
  if (isLeaf(x)) return [];
  return [...naiveResolution(nodes, left(x)), ...naiveResolution(nodes, right(x))];
}

/** §4.1.2, literally. */
export function naiveFilteredDirectPath(nodes: readonly (Node | undefined)[], leaf: number): number[] {
  const nLeaves = (nodes.length + 1) / 2;
  const out: number[] = [];
  let x = leafToNode(leaf as LeafIndex);
  while (x !== root(nLeaves)) {
    const p = parent(x, nLeaves);
    if (naiveResolution(nodes, sibling(x, nLeaves)).length > 0) out.push(p);
    x = p;
  }
  return out;
}

export function naiveCount(nodes: readonly (Node | undefined)[], x: NodeIndex): number {
  const own = nodes[x] !== undefined ? 1 : 0;
  return level(x) === 0 ? own : own + naiveCount(nodes, left(x)) + naiveCount(nodes, right(x));
}

export { throwsRule } from '../helpers/errors.js';
