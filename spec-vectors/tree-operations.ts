/**
 * tree-operations.json: RFC 9420 §12.1.1–§12.1.3 and §7.7 — one Add, Update or Remove applied to
 * a tree (extension, leftmost blank leaf, unmerged leaves, blanking the direct path, truncation).
 * The serialized result must equal tree_after byte for byte, and both tree hashes must match. The
 * Update's LeafNode signs a group_id the file does not give, so no signature is checked here.
 */
import { decode } from '../src/codec/codec.js';
import { nodeCipherSuite } from '../src/crypto/node/provider.js';
import { proposalCodec, ProposalType } from '../src/messages/proposal.js';
import { treeHash } from '../src/ratchet-tree/tree-hash.js';
import { PublicTree } from '../src/ratchet-tree/tree.js';
import { leafIndex } from '../src/tree-math/index.js';
import { expectBytes, hex } from './assert.js';
import type { Json } from './types.js';

export function runCase(tc: Json): void {
  const cs = nodeCipherSuite(tc.cipher_suite);
  const tree = PublicTree.decode(cs, hex(tc.tree_before));
  expectBytes('tree_hash_before', treeHash(tree), tc.tree_hash_before);
  const proposal = decode(proposalCodec, hex(tc.proposal));
  switch (proposal.proposalType) {
    case ProposalType.add:
      tree.addLeaf(proposal.add.keyPackage.leafNode);
      break;
    case ProposalType.update:
      tree.updateLeaf(leafIndex(tc.proposal_sender), proposal.update.leafNode);
      break;
    case ProposalType.remove:
      tree.removeLeaf(leafIndex(proposal.remove.removed));
      break;
    default:
      throw new Error(`unexpected proposal type ${proposal.proposalType}`);
  }
  expectBytes('tree_after', tree.encode(), tc.tree_after);
  expectBytes('tree_hash_after', treeHash(tree), tc.tree_hash_after);
}
