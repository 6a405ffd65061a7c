/**
 * RFC 9420 §7.4: path secrets, node secrets and node key pairs.
 *
 *   path_secret[0] is sampled at random
 *   path_secret[n] = DeriveSecret(path_secret[n-1], "path")
 *   node_secret[n] = DeriveSecret(path_secret[n], "node")
 *   node_priv[n], node_pub[n] = KEM.DeriveKeyPair(node_secret[n])
 *
 * and (§12.4.1) commit_secret = DeriveSecret(path_secret[last], "path").
 *
 * Figure 14 of the RFC derives the committer's leaf key pair the same way from a `leaf_secret`
 * whose successor is path_secret[0]; mlskit does that, so one random draw of Nh bytes seeds a
 * whole UpdatePath (and tests can inject it). The leaf's private key never leaves the committer,
 * so this choice is invisible on the wire.
 */
import type { CipherSuite, KeyPair } from '../crypto/cipher-suite.js';
import { deriveSecret } from '../crypto/labels.js';
import { wipe } from '../util/bytes.js';

/** path_secret[n+1] = DeriveSecret(path_secret[n], "path"); also gives commit_secret from the last one. */
export function nextPathSecret(cs: CipherSuite, pathSecret: Uint8Array): Uint8Array {
  return deriveSecret(cs, pathSecret, 'path');
}

/**
 * The node key pair of a path secret: DeriveKeyPair(DeriveSecret(path_secret, "node")). The node
 * secret is an intermediate that exists only here, and is wiped before returning (R-7.5-04).
 */
export function nodeKeyPair(cs: CipherSuite, pathSecret: Uint8Array): KeyPair {
  const nodeSecret = deriveSecret(cs, pathSecret, 'node');
  try {
    return cs.hpke.deriveKeyPair(nodeSecret);
  } finally {
    wipe(nodeSecret);
  }
}
