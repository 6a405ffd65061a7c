/**
 * RFC 9420 §7.4 (ratchet tree evolution), §7.5 (synchronizing views: merging an UpdatePath and
 * decrypting its path secrets), §7.6 (UpdatePath and the encryption of path secrets to the
 * resolutions of the copath), §7.9 / §7.9.2 (the parent hashes of a new path) and §12.4.1 /
 * §12.4.2 (how a Commit creates and processes its path).
 *
 * Three operations, all on the tree after the Commit's proposals (and, for an external Commit,
 * after the joiner's leaf is placed):
 *
 * - `createUpdatePath` (committer): fresh path secrets, the new LeafNode and parent nodes merged
 *   into the tree, then each path secret sealed to the copath child's resolution under the
 *   provisional GroupContext, whose tree_hash covers the new path.
 * - `applyUpdatePath` (every receiver): validates the path (R-7.5-01, R-7.3-10, R-12.4.2-04,
 *   R-12.4.2-05, R-5.1.1-01, R-7.6-01, R-7.9.2-02) and merges it only when every check passed.
 * - `decryptUpdatePath` (every receiver but new members): one HPKE open at the lowest common
 *   ancestor with the sender, then DeriveSecret / DeriveKeyPair up the filtered direct path
 *   (R-7.5-02, R-7.5-03), giving the new private keys and the commit_secret.
 *
 * Cost. With the tree's hash cache warm: creating is d × (2 DeriveSecret + DeriveKeyPair + one
 * seal per resolution node) + O(d) hashes; applying is O(d) hashes and index lookups plus one
 * resolution per path node (O(number of ciphertexts), which the message itself carries);
 * decrypting is one resolution, one open and (d − level of the common ancestor) DeriveKeyPairs —
 * d = log2(leaves). No step walks the whole tree. The HPKE info, EncryptContext("UpdatePathNode",
 * GroupContext), is built once per UpdatePath, and the HPKE layer reuses its info_hash across
 * seals with the same info (src/crypto/node/hpke.ts).
 *
 * The UpdatePath types below are the wire structs of §7.6, declared here so that TreeKEM does not
 * import from messages/ (which sits above it); messages/commit.ts declares the same shapes, and
 * values of either type are interchangeable (a test checks both directions).
 */
import type { KeyPair } from '../crypto/cipher-suite.js';
import { encryptContext, type HpkeCiphertext } from '../crypto/labels.js';
import { CryptoError, UsageError, ValidationError } from '../errors.js';
import { LeafNodeSource, NodeType, ownedLeafNode, type CommitLeafNode, type HpkePublicKey, type LeafNode, type ParentNode } from '../ratchet-tree/node.js';
import { computePathParentHashes } from '../ratchet-tree/parent-hash.js';
import { keyString } from '../ratchet-tree/tree-index.js';
import type { FilteredPathEntry, PublicTree } from '../ratchet-tree/tree.js';
import { commonAncestor, leafToNode, type LeafIndex, type NodeIndex } from '../tree-math/index.js';
import { bytesEqual, copy, EMPTY, wipe } from '../util/bytes.js';
import { redacted } from '../util/secret.js';
import { PathKeys } from './path-keys.js';
import { nextPathSecret, nodeKeyPair } from './path-secrets.js';

export type { HpkeCiphertext } from '../crypto/labels.js';

/** `struct { HPKEPublicKey encryption_key; HPKECiphertext encrypted_path_secret<V>; } UpdatePathNode;` */
export interface UpdatePathNode {
  readonly encryptionKey: HpkePublicKey;
  readonly encryptedPathSecret: readonly HpkeCiphertext[];
}

/** `struct { LeafNode leaf_node; UpdatePathNode nodes<V>; } UpdatePath;` */
export interface UpdatePath {
  readonly leafNode: LeafNode;
  readonly nodes: readonly UpdatePathNode[];
}

/** The EncryptWithLabel label of path secrets (§7.6). */
const LABEL = 'UpdatePathNode';

// ---------------------------------------------------------------------------------------------
// Creating

/** What the committer's LeafNode builder is given: the two fields TreeKEM decides. */
export interface CommitLeafFields {
  /** The public key of the leaf's fresh key pair (§7.4). */
  readonly encryptionKey: Uint8Array;
  /** The parent hash of the first node of the filtered direct path, empty if there is none (§7.9). */
  readonly parentHash: Uint8Array;
}

export interface CreateUpdatePathParams {
  /**
   * The Commit's staged tree: the current tree after the proposals (and, for an external Commit,
   * with the joiner's leaf placed). Changed in place: the committer's path is merged into it.
   * Its suite (`tree.suite`) is the cipher suite used for every derivation and seal.
   */
  readonly tree: PublicTree;
  /** The committer's leaf. */
  readonly leaf: LeafIndex;
  /**
   * Builds and signs the committer's new LeafNode (source commit) with the given encryption_key and
   * parent_hash (the signature covers both, so it must be made here, §7.5 step 4).
   */
  readonly buildLeafNode: (fields: CommitLeafFields) => LeafNode;
  /** The leaves added by this Commit: they get no ciphertext (§7.5, R-7.6-01). */
  readonly excludeLeaves?: ReadonlySet<number>;
  /**
   * The encoded provisional GroupContext (§12.4.1) for the tree with the path merged (its
   * tree_hash is `treeHash(tree)`, which this callback computes). Called once.
   */
  readonly groupContext: (tree: PublicTree) => Uint8Array;
  /**
   * Test seam (vectors and tests only): the Nh-byte leaf secret that seeds the path, instead of
   * `tree.suite.random(Nh)`. Not wiped (the caller owns it).
   */
  readonly leafSecret?: Uint8Array;
}

export interface CreatedUpdatePath {
  readonly updatePath: UpdatePath;
  /** commit_secret = DeriveSecret(last path secret, "path") (§12.4.1). Wipe after the key schedule. */
  readonly commitSecret: Uint8Array;
  /**
   * The path secret of each node of the filtered direct path, for GroupSecrets.path_secret of the
   * Welcome (see `pathSecretForJoiner`). Wipe them once the Welcome is built.
   */
  readonly pathSecrets: ReadonlyMap<NodeIndex, Uint8Array>;
  /** The committer's new private keys: its leaf and each filtered-direct-path node (give to `PathKeys.applyCommit`). */
  readonly keys: PathKeys;
  /** The provisional GroupContext the path secrets were sealed under. */
  readonly groupContext: Uint8Array;
}

/**
 * Creates the committer's UpdatePath (§7.4–§7.6, §12.4.1) and merges it into `tree`. The tree is
 * changed only after the LeafNode was built (the one step that can fail for the caller's reasons).
 */
export function createUpdatePath(params: CreateUpdatePathParams): CreatedUpdatePath {
  const { tree, leaf } = params;
  const cs = tree.suite;
  if (tree.leafNode(leaf) === undefined) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `leaf ${leaf} is blank: place the committer's leaf before creating its path`, { field: 'leaf' });
  }
  const path = tree.filteredDirectPathWithCopath(leaf);

  // §7.4 and Figure 14: leaf_secret → the leaf key pair and path_secret[0]; each next path secret
  // from the previous one; the commit_secret after the last.
  const leafSecret = params.leafSecret ?? cs.random(cs.Nh);
  const keys = PathKeys.empty();
  adopt(keys, leafToNode(leaf), nodeKeyPair(cs, leafSecret));
  const leafPublicKey = keys.publicKey(leafToNode(leaf))!;
  const pathSecrets = new Map<NodeIndex, Uint8Array>();
  const publicKeys: Uint8Array[] = [];
  let last = leafSecret;
  for (const { node } of path) {
    last = nextPathSecret(cs, last);
    pathSecrets.set(node, last);
    const kp = nodeKeyPair(cs, last);
    publicKeys.push(kp.publicKey);
    adopt(keys, node, kp);
  }
  const commitSecret = nextPathSecret(cs, last);
  if (params.leafSecret === undefined) wipe(leafSecret);

  // §7.9: parent hashes top-down; the copath children's tree hashes do not depend on the path.
  const hashes = computePathParentHashes(tree, leaf, publicKeys);
  let leafNode: LeafNode;
  try {
    leafNode = params.buildLeafNode({ encryptionKey: copy(leafPublicKey), parentHash: hashes.leaf });
    checkBuiltLeaf(leafNode, leafPublicKey, hashes.leaf);
  } catch (err) {
    keys.destroy();
    for (const s of pathSecrets.values()) wipe(s);
    wipe(commitSecret);
    throw err;
  }

  // §7.5: merge (blank the direct path, set the filtered direct path with no unmerged leaves).
  tree.applyUpdatePath(leaf, leafNode, path.map((_, k) => ({ encryptionKey: publicKeys[k]!, parentHash: hashes.nodes[k]!, unmergedLeaves: [] })));

  // §7.6 / §12.4.1: seal each path secret to the resolution of its copath child, new members
  // excluded, under the provisional GroupContext. EncryptWithLabel(pk, "UpdatePathNode", gc, ps)
  // with its EncryptContext computed once.
  const groupContext = params.groupContext(tree);
  const info = encryptContext(LABEL, groupContext);
  const nodes: UpdatePathNode[] = path.map((e, k) => {
    const secret = pathSecrets.get(e.node)!;
    const encryptedPathSecret = tree.resolution(e.copathChild, params.excludeLeaves).map((x) => cs.hpke.seal(nodePublicKey(tree, x), info, EMPTY, secret));
    return { encryptionKey: publicKeys[k]!, encryptedPathSecret };
  });

  return redacted({ updatePath: { leafNode, nodes }, commitSecret, pathSecrets, keys, groupContext }, 'CreatedUpdatePath');
}

/**
 * GroupSecrets.path_secret for a member added by the Commit (§12.4.1): the path secret of the
 * lowest common ancestor of the joiner's and the committer's leaves. That node is always on the
 * committer's filtered direct path, since the joiner makes its side's resolution non-empty.
 */
export function pathSecretForJoiner(created: CreatedUpdatePath, committer: LeafIndex, joiner: LeafIndex): Uint8Array {
  if (committer === joiner) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'the committer is not a joiner');
  const ps = created.pathSecrets.get(commonAncestor(leafToNode(committer), leafToNode(joiner)));
  if (ps === undefined) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `leaf ${joiner} is not below the committer's filtered direct path`);
  return ps;
}

/** The builder's LeafNode must carry what TreeKEM decided, or the path would not verify. */
function checkBuiltLeaf(leaf: LeafNode, encryptionKey: Uint8Array, parentHash: Uint8Array): asserts leaf is CommitLeafNode {
  if (leaf.leafNodeSource !== LeafNodeSource.commit) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `buildLeafNode returned leaf_node_source ${leaf.leafNodeSource}, not commit`, { field: 'LeafNode.leaf_node_source' });
  }
  if (!bytesEqual(leaf.encryptionKey, encryptionKey)) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'buildLeafNode changed the encryption_key', { field: 'LeafNode.encryption_key' });
  }
  if (!bytesEqual(leaf.parentHash, parentHash)) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'buildLeafNode changed the parent_hash', { field: 'LeafNode.parent_hash' });
  }
}

// ---------------------------------------------------------------------------------------------
// Applying (merging) a received UpdatePath

export interface ApplyUpdatePathParams {
  /**
   * The Commit's staged tree after the proposals (for an external Commit: with the joiner's leaf
   * placed). Changed in place, and only if every check passes.
   */
  readonly tree: PublicTree;
  /** The committer's leaf. */
  readonly sender: LeafIndex;
  readonly updatePath: UpdatePath;
  /** The leaves added by this Commit (they must not be counted in the resolutions, R-7.6-01). */
  readonly excludeLeaves?: ReadonlySet<number>;
  /**
   * An external Commit: the sender's leaf was placed for this Commit, so there is no previous
   * encryption_key to differ from (R-12.4.2-04 is for member Commits), and the key the placed leaf
   * carries is not a collision (R-12.4.2-05).
   */
  readonly external?: boolean;
}

/**
 * Validates a received UpdatePath against the staged tree and merges it (§7.5, §12.4.2):
 *
 *   R-7.5-01     one UpdatePathNode per filtered-direct-path node (the order is positional)
 *   R-7.3-10     the LeafNode has leaf_node_source commit (also part of the §7.3 leaf validation
 *                the Commit code runs; needed here for the parent_hash field)
 *   R-12.4.2-04  member Commit: the leaf's encryption_key differs from the current leaf's
 *   R-12.4.2-05  no encryption_key of the path is already in the tree, nor twice in the path
 *   R-5.1.1-01   each parent encryption_key is a valid HPKE public key of the suite
 *   R-7.6-01     encrypted_path_secret has as many entries as the copath child's resolution
 *                without the leaves added by this Commit
 *   R-7.9.2-02   leaf_node.parent_hash is the parent hash of the first filtered-direct-path node
 *
 * The §7.3 validation of the LeafNode itself (signature, capabilities, credential) is the Commit
 * code's. The tree keeps copies of the keys and of the LeafNode, never views into the message.
 */
export function applyUpdatePath(params: ApplyUpdatePathParams): void {
  const { tree, sender, updatePath: up } = params;
  const cs = tree.suite;
  const current = tree.leafNode(sender);
  if (current === undefined) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `sender leaf ${sender} is blank`, { field: 'sender' });
  const path = tree.filteredDirectPathWithCopath(sender);
  checkNodeCount(up, path);

  const leafNode = up.leafNode;
  if (leafNode.leafNodeSource !== LeafNodeSource.commit) {
    throw new ValidationError('ERR_VALIDATION_LEAF_NODE', 'R-7.3-10', `the UpdatePath's LeafNode has leaf_node_source ${leafNode.leafNodeSource}, not commit`, {
      field: 'LeafNode.leaf_node_source',
    });
  }
  if (params.external !== true && bytesEqual(leafNode.encryptionKey, current.encryptionKey)) {
    throw new ValidationError('ERR_VALIDATION_DUPLICATE_KEY', 'R-12.4.2-04', "the UpdatePath's leaf encryption_key equals the committer's current one", {
      field: 'LeafNode.encryption_key',
    });
  }

  // R-12.4.2-05 through the tree index: O(1) per key. In an external Commit the placed leaf is the
  // sender's own slot, about to be replaced.
  const senderNode = leafToNode(sender);
  const seen = new Set<string>();
  const checkNew = (key: Uint8Array, field: string, allowSender: boolean): void => {
    const holder = tree.index.encryptionKeyHolder(key);
    if (holder !== undefined && !(allowSender && holder === senderNode)) {
      throw new ValidationError('ERR_VALIDATION_DUPLICATE_KEY', 'R-12.4.2-05', `an encryption_key of the UpdatePath is already used by node ${holder}`, { field });
    }
    const s = keyString(key);
    if (seen.has(s)) throw new ValidationError('ERR_VALIDATION_DUPLICATE_KEY', 'R-12.4.2-05', 'an encryption_key appears twice in the UpdatePath', { field });
    seen.add(s);
  };
  checkNew(leafNode.encryptionKey, 'LeafNode.encryption_key', params.external === true);
  for (const n of up.nodes) {
    checkNew(n.encryptionKey, 'UpdatePathNode.encryption_key', false);
    if (!cs.hpke.isValidPublicKey(n.encryptionKey)) {
      throw new ValidationError('ERR_VALIDATION_PUBLIC_KEY', 'R-5.1.1-01', 'an UpdatePathNode encryption_key is not a valid HPKE public key for the suite', {
        field: 'UpdatePathNode.encryption_key',
      });
    }
  }

  for (let k = 0; k < path.length; k++) {
    const size = tree.resolution(path[k]!.copathChild, params.excludeLeaves).length;
    checkCiphertextCount(up.nodes[k]!, size, path[k]!.node);
  }

  // R-7.9.2-02: the merged path's parent hashes, computed top-down. Only the copath children's tree
  // hashes enter them, and the merge does not touch those subtrees, so this runs before the merge
  // and a failure leaves the tree unchanged.
  const keys = up.nodes.map((n) => copy(n.encryptionKey));
  const hashes = computePathParentHashes(tree, sender, keys);
  if (!bytesEqual(hashes.leaf, leafNode.parentHash)) {
    throw new ValidationError('ERR_VALIDATION_PARENT_HASH', 'R-7.9.2-02', "the UpdatePath's leaf parent_hash is not the parent hash of its first filtered-direct-path node", {
      field: 'LeafNode.parent_hash',
    });
  }

  const parents: ParentNode[] = keys.map((encryptionKey, k) => ({ encryptionKey, parentHash: hashes.nodes[k]!, unmergedLeaves: [] }));
  tree.applyUpdatePath(sender, ownedLeafNode(leafNode), parents);
}

// ---------------------------------------------------------------------------------------------
// Decrypting

export interface DecryptUpdatePathParams {
  /** The staged tree with the UpdatePath merged (`applyUpdatePath`). Not changed. */
  readonly tree: PublicTree;
  readonly sender: LeafIndex;
  /** The receiving member's leaf. */
  readonly receiver: LeafIndex;
  readonly updatePath: UpdatePath;
  /** The receiver's private keys as of before this Commit (not changed). */
  readonly keys: PathKeys;
  /** The encoded provisional GroupContext (§12.4.2): its tree_hash is that of `tree`. */
  readonly groupContext: Uint8Array;
  /** The leaves added by this Commit, as given to `applyUpdatePath`. */
  readonly excludeLeaves?: ReadonlySet<number>;
}

export interface DecryptedUpdatePath {
  /** commit_secret (§12.4.2). Wipe after the key schedule. */
  readonly commitSecret: Uint8Array;
  /** The lowest common ancestor of sender and receiver: the node whose path secret was decrypted. */
  readonly commonAncestor: NodeIndex;
  /** The decrypted path secret (of `commonAncestor`). Wipe after use (R-7.5-04). */
  readonly pathSecret: Uint8Array;
  /** The receiver's new private keys: `commonAncestor` and the filtered-direct-path nodes above it. */
  readonly keys: PathKeys;
}

/**
 * Decrypts the path secrets of an UpdatePath for one receiver (§7.5 "decrypts the path secrets",
 * §7.6): finds the lowest common ancestor with the sender on the sender's filtered direct path,
 * the node of its copath child's resolution whose private key the receiver holds, opens that one
 * ciphertext (R-7.5-02), derives up the filtered direct path and checks every derived public key
 * against the UpdatePath (R-7.5-03). Also rechecks R-7.5-01 and, for that node, R-7.6-01.
 * O(log n) derivations plus one resolution.
 */
export function decryptUpdatePath(params: DecryptUpdatePathParams): DecryptedUpdatePath {
  const { tree, sender, receiver, updatePath: up, keys } = params;
  const cs = tree.suite;
  if (sender === receiver) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'a committer does not decrypt its own UpdatePath', { field: 'receiver' });
  const path = tree.filteredDirectPathWithCopath(sender);
  checkNodeCount(up, path);
  const lca = commonAncestor(leafToNode(sender), leafToNode(receiver));
  const k = path.findIndex((e) => e.node === lca);
  if (k < 0) {
    throw new UsageError('ERR_USAGE_INVALID_STATE', `leaf ${receiver} is not in the resolution of any copath node of leaf ${sender}`, { field: 'receiver' });
  }
  const entry = path[k]!;
  const upNode = up.nodes[k]!;
  const resolution = tree.resolution(entry.copathChild, params.excludeLeaves);
  checkCiphertextCount(upNode, resolution.length, entry.node);

  // The receiver's keys are its leaf's and its path's; one of them is in this resolution unless
  // the receiver was added by this Commit. A key is used only if it still matches the tree.
  let at = -1;
  for (let i = 0; i < resolution.length; i++) {
    const x = resolution[i]!;
    const pub = keys.publicKey(x);
    if (pub !== undefined && bytesEqual(pub, nodePublicKey(tree, x))) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    throw new UsageError('ERR_USAGE_INVALID_STATE', `leaf ${receiver} holds no private key for the resolution of node ${entry.copathChild}`, { field: 'keys' });
  }
  const ct = upNode.encryptedPathSecret[at]!;
  let pathSecret: Uint8Array;
  try {
    pathSecret = cs.hpke.open(keys.privateKey(resolution[at]!)!, ct.kemOutput, encryptContext(LABEL, params.groupContext), EMPTY, ct.ciphertext);
  } catch (err) {
    if (!(err instanceof CryptoError)) throw err;
    throw new ValidationError('ERR_VALIDATION_UPDATE_PATH', 'R-7.5-02', `cannot decrypt the path secret of node ${entry.node} (ciphertext ${at})`, {
      field: 'UpdatePathNode.encrypted_path_secret',
      cause: err,
    });
  }

  // §7.5 steps 4–7: derive up the filtered direct path, check each public key, keep the private keys.
  const newKeys = PathKeys.empty();
  let secret = pathSecret;
  try {
    for (let m = k; m < path.length; m++) {
      if (m > k) {
        const next = nextPathSecret(cs, secret);
        if (secret !== pathSecret) wipe(secret);
        secret = next;
      }
      const kp = nodeKeyPair(cs, secret);
      if (!bytesEqual(kp.publicKey, up.nodes[m]!.encryptionKey)) {
        wipe(kp.privateKey);
        throw new ValidationError('ERR_VALIDATION_UPDATE_PATH', 'R-7.5-03', `the key derived for node ${path[m]!.node} differs from the UpdatePath's encryption_key`, {
          field: 'UpdatePathNode.encryption_key',
        });
      }
      adopt(newKeys, path[m]!.node, kp);
    }
  } catch (err) {
    newKeys.destroy();
    if (secret !== pathSecret) wipe(secret);
    wipe(pathSecret);
    throw err;
  }
  const commitSecret = nextPathSecret(cs, secret);
  if (secret !== pathSecret) wipe(secret);
  return redacted({ commitSecret, commonAncestor: lca, pathSecret, keys: newKeys }, 'DecryptedUpdatePath');
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** R-7.5-01. */
function checkNodeCount(up: UpdatePath, path: readonly FilteredPathEntry[]): void {
  if (up.nodes.length !== path.length) {
    throw new ValidationError('ERR_VALIDATION_UPDATE_PATH', 'R-7.5-01', `the UpdatePath has ${up.nodes.length} nodes, the sender's filtered direct path ${path.length}`, {
      field: 'UpdatePath.nodes',
    });
  }
}

/** R-7.6-01. */
function checkCiphertextCount(n: UpdatePathNode, resolutionSize: number, node: NodeIndex): void {
  if (n.encryptedPathSecret.length !== resolutionSize) {
    throw new ValidationError(
      'ERR_VALIDATION_UPDATE_PATH',
      'R-7.6-01',
      `the UpdatePathNode for node ${node} has ${n.encryptedPathSecret.length} ciphertexts, the copath resolution ${resolutionSize} nodes`,
      { field: 'UpdatePathNode.encrypted_path_secret' },
    );
  }
}

/** The encryption key of a non-blank node (resolutions hold only non-blank nodes). */
function nodePublicKey(tree: PublicTree, x: NodeIndex): Uint8Array {
  const n = tree.node(x);
  if (n === undefined) throw new UsageError('ERR_USAGE_INVALID_STATE', `node ${x} is blank`);
  return n.nodeType === NodeType.leaf ? n.leafNode.encryptionKey : n.parentNode.encryptionKey;
}

/** Moves a freshly derived key pair into `keys` (which copies it) and wipes the original. */
function adopt(keys: PathKeys, node: NodeIndex, kp: KeyPair): void {
  keys.set(node, kp);
  wipe(kp.privateKey);
}

