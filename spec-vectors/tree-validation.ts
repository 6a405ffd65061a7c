/**
 * tree-validation.json: RFC 9420 §4.1.1 (resolution), §7.8 (tree hash), §7.9.2 (parent hashes)
 * and §7.3 (leaf signatures), on 14 trees per suite. For each case: the tree hash of every node,
 * through the cache and from scratch; the resolution of every node; parent-hash validity; the
 * signature of every leaf with the case's group_id; and finally the whole-tree validation a joiner
 * runs (§12.4.3.1), with lifetimes not enforced because every key_package leaf here has expired.
 */
import { nodeCipherSuite } from '../src/crypto/node/provider.js';
import { verifyLeafNodeSignature } from '../src/ratchet-tree/leaf-validation.js';
import { verifyParentHashes } from '../src/ratchet-tree/parent-hash.js';
import { treeHash, treeHashesFromScratch } from '../src/ratchet-tree/tree-hash.js';
import { validateRatchetTree } from '../src/ratchet-tree/tree-validation.js';
import { PublicTree } from '../src/ratchet-tree/tree.js';
import { nodeIndex } from '../src/tree-math/index.js';
import { expectBytes, expectEqual, expectTrue, hex } from './assert.js';
import type { Json } from './types.js';

export function runCase(tc: Json): void {
  const cs = nodeCipherSuite(tc.cipher_suite);
  const groupId = hex(tc.group_id);
  const tree = PublicTree.decode(cs, hex(tc.tree));
  expectEqual('padded node count', tree.nodeCount, tc.tree_hashes.length);
  expectEqual('resolution count', tree.nodeCount, tc.resolutions.length);

  const scratch = treeHashesFromScratch(cs, tree.toRatchetTree());
  for (let i = 0; i < tree.nodeCount; i++) {
    expectBytes(`tree_hashes[${i}] (cached)`, treeHash(tree, nodeIndex(i)), tc.tree_hashes[i]);
    expectBytes(`tree_hashes[${i}] (from scratch)`, scratch[i]!, tc.tree_hashes[i]);
    const res = tree.resolution(nodeIndex(i));
    const want: number[] = tc.resolutions[i];
    expectEqual(`resolutions[${i}]`, res.join(','), want.join(','));
  }

  verifyParentHashes(tree);

  for (const [l, leaf] of tree.leaves()) {
    expectTrue(`signature of leaf ${l}`, verifyLeafNodeSignature(cs, leaf, groupId, l));
  }

  validateRatchetTree(tree, { groupId, treeHash: hex(tc.tree_hashes[tree.root]) }, { checkLifetime: false });
}
