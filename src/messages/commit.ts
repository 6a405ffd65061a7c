/**
 * RFC 9420 §12.4 Commit and §7.6 UpdatePath (with HPKECiphertext, also used by Welcome).
 *
 *   struct {
 *       ProposalOrRef proposals<V>;
 *       optional<UpdatePath> path;
 *   } Commit;
 *
 *   struct {
 *       opaque kem_output<V>;
 *       opaque ciphertext<V>;
 *   } HPKECiphertext;
 *
 *   struct {
 *       HPKEPublicKey encryption_key;
 *       HPKECiphertext encrypted_path_secret<V>;
 *   } UpdatePathNode;
 *
 *   struct {
 *       LeafNode leaf_node;
 *       UpdatePathNode nodes<V>;
 *   } UpdatePath;
 */
import { codec, type Codec } from '../codec/codec.js';
import { leafNodeCodec, type HpkePublicKey, type LeafNode } from '../ratchet-tree/node.js';
import { proposalOrRefCodec, type ProposalOrRef } from './proposal.js';

export interface HpkeCiphertext {
  readonly kemOutput: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export interface UpdatePathNode {
  readonly encryptionKey: HpkePublicKey;
  readonly encryptedPathSecret: readonly HpkeCiphertext[];
}

export interface UpdatePath {
  readonly leafNode: LeafNode;
  readonly nodes: readonly UpdatePathNode[];
}

export interface Commit {
  readonly proposals: readonly ProposalOrRef[];
  readonly path?: UpdatePath;
}

export const hpkeCiphertextCodec: Codec<HpkeCiphertext> = codec(
  'HPKECiphertext',
  (w, v) => w.opaque(v.kemOutput).opaque(v.ciphertext),
  (r) => {
    const kemOutput = r.opaque('HPKECiphertext.kem_output');
    return { kemOutput, ciphertext: r.opaque('HPKECiphertext.ciphertext') };
  },
);

export const updatePathNodeCodec: Codec<UpdatePathNode> = codec(
  'UpdatePathNode',
  (w, v) => {
    w.opaque(v.encryptionKey);
    w.vectorOf(v.encryptedPathSecret, hpkeCiphertextCodec.encode);
  },
  (r) => {
    const encryptionKey = r.opaque('UpdatePathNode.encryption_key');
    return { encryptionKey, encryptedPathSecret: r.vector('UpdatePathNode.encrypted_path_secret', hpkeCiphertextCodec.decode) };
  },
);

export const updatePathCodec: Codec<UpdatePath> = codec(
  'UpdatePath',
  (w, v) => {
    leafNodeCodec.encode(w, v.leafNode);
    w.vectorOf(v.nodes, updatePathNodeCodec.encode);
  },
  (r) => {
    const leafNode = leafNodeCodec.decode(r);
    return { leafNode, nodes: r.vector('UpdatePath.nodes', updatePathNodeCodec.decode) };
  },
);

export const commitCodec: Codec<Commit> = codec(
  'Commit',
  (w, v) => {
    w.vectorOf(v.proposals, proposalOrRefCodec.encode);
    w.optional(v.path, updatePathCodec.encode);
  },
  (r): Commit => {
    const proposals = r.vector('Commit.proposals', proposalOrRefCodec.decode);
    const path = r.optional('Commit.path', updatePathCodec.decode);
    return path === undefined ? { proposals } : { proposals, path };
  },
);
