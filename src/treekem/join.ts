/**
 * RFC 9420 §12.4.3.1 (joining with a Welcome: "If the path_secret value is set in the
 * GroupSecrets object…") and §7.4: the private TreeKEM state of a new member.
 *
 * The Welcome's path_secret is the path secret of the lowest common ancestor of the joiner's leaf
 * and the signer's (the committer's) leaf. The committer's path was just merged, so the non-blank
 * ancestors of that node are exactly the committer's filtered-direct-path nodes above it (the other
 * nodes of its direct path were blanked): the joiner steps up through them with
 * DeriveSecret(., "path"), and each derived key pair must match the tree (R-12.4.3.1-15).
 */
import type { KeyPair } from '../crypto/cipher-suite.js';
import { UsageError, ValidationError } from '../errors.js';
import type { PublicTree } from '../ratchet-tree/tree.js';
import { commonAncestor, leafToNode, parent, type LeafIndex, type NodeIndex } from '../tree-math/index.js';
import { bytesEqual, wipe } from '../util/bytes.js';
import { PathKeys } from './path-keys.js';
import { nextPathSecret, nodeKeyPair } from './path-secrets.js';

export interface JoinerPathKeysParams {
  /** The group's tree from the Welcome (already validated). */
  readonly tree: PublicTree;
  /** The joiner's leaf (where its KeyPackage's LeafNode is). */
  readonly leaf: LeafIndex;
  /** GroupInfo.signer: the committer. */
  readonly signer: LeafIndex;
  /** The encryption key pair of the joiner's LeafNode (from its KeyPackage). */
  readonly leafKeyPair: KeyPair;
  /** GroupSecrets.path_secret, when present (a Commit with a path). Not wiped (the caller owns it). */
  readonly pathSecret?: Uint8Array;
}

/**
 * The joiner's PathKeys: its leaf key and, when the Welcome carries a path_secret, the keys of the
 * lowest common ancestor with the signer and of every non-blank node above it. Throws
 * ValidationError R-12.4.3.1-15 when a derived public key does not match the tree (or the common
 * ancestor is blank). O(log n) derivations.
 */
export function pathKeysFromJoinerSecret(params: JoinerPathKeysParams): PathKeys {
  const { tree, leaf, signer, leafKeyPair, pathSecret } = params;
  const cs = tree.suite;
  const mine = tree.leafNode(leaf);
  if (mine === undefined || !bytesEqual(mine.encryptionKey, leafKeyPair.publicKey)) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `leaf ${leaf} does not hold the joiner's encryption key`, { field: 'leaf' });
  }
  const keys = PathKeys.empty();
  keys.set(leafToNode(leaf), leafKeyPair);
  if (pathSecret === undefined) return keys;
  if (leaf === signer) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'the joiner cannot be the signer', { field: 'signer' });
  if (tree.leafNode(signer) === undefined) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `signer leaf ${signer} is blank`, { field: 'signer' });

  const lca = commonAncestor(leafToNode(leaf), leafToNode(signer));
  const fail = (x: NodeIndex, what: string): never => {
    keys.destroy();
    throw new ValidationError('ERR_VALIDATION_PATH_SECRET', 'R-12.4.3.1-15', `GroupSecrets.path_secret: ${what} (node ${x})`, { field: 'GroupSecrets.path_secret' });
  };
  if (tree.parentNode(lca) === undefined) fail(lca, 'the common ancestor of the joiner and the signer is blank');

  let secret = pathSecret;
  let x = lca;
  for (;;) {
    const node = tree.parentNode(x);
    if (node !== undefined) {
      if (x !== lca) {
        const next = nextPathSecret(cs, secret);
        if (secret !== pathSecret) wipe(secret);
        secret = next;
      }
      const kp = nodeKeyPair(cs, secret);
      const ok = bytesEqual(kp.publicKey, node.encryptionKey);
      if (ok) keys.set(x, kp);
      wipe(kp.privateKey);
      if (!ok) {
        if (secret !== pathSecret) wipe(secret);
        fail(x, 'the derived public key differs from the tree');
      }
    }
    if (x === tree.root) break;
    x = parent(x, tree.leafCount);
  }
  if (secret !== pathSecret) wipe(secret);
  return keys;
}
