/**
 * RFC 9420 §12.4.3 and §12.4.3.3: what every joiner — by Welcome or by external Commit — does with
 * a GroupInfo before trusting it: take the ratchet tree (from its ratchet_tree extension, or as
 * supplied out of band, R-12.4.3.1-01) and verify the GroupInfo signature by leaf `signer`
 * (R-12.4.3-04). The whole-tree checks follow in the callers (validateRatchetTree).
 */
import { decode, encode } from '../codec/codec.js';
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { verifyWithLabel } from '../crypto/labels.js';
import { ValidationError } from '../errors.js';
import { ExtensionType, findExtension } from '../extensions/extension.js';
import { groupInfoTbs, type GroupInfo } from '../messages/group-info.js';
import { ratchetTreeCodec, type RatchetTree } from '../ratchet-tree/node.js';
import { PublicTree } from '../ratchet-tree/tree.js';
import { nodeWidth, type LeafIndex } from '../tree-math/index.js';

/** The GroupInfo's tree, signature-checked. Copies the tree so state never views the message. */
export function signedGroupTree(cs: CipherSuite, groupInfo: GroupInfo, supplied: RatchetTree | Uint8Array | undefined, maxLeaves: number): PublicTree {
  const ext = findExtension(groupInfo.extensions, ExtensionType.ratchetTree);
  let nodes: RatchetTree;
  if (ext !== undefined) nodes = decode(ratchetTreeCodec, ext.extensionData);
  else if (supplied instanceof Uint8Array) nodes = decode(ratchetTreeCodec, supplied);
  else if (supplied !== undefined) nodes = supplied;
  else {
    throw new ValidationError('ERR_VALIDATION_GROUP_INFO', 'R-12.4.3.1-01', 'no ratchet tree: the GroupInfo has none and none was supplied', { field: 'GroupInfo.extensions' });
  }
  // S-2.1.2-01: bound the allocation before building (and hashing) a tree of that width.
  if (nodes.length > nodeWidth(maxLeaves)) {
    throw new ValidationError('ERR_VALIDATION_LIMIT', 'S-2.1.2-01', `the ratchet tree has ${nodes.length} nodes, more than ${maxLeaves} leaves allow`, { field: 'ratchet_tree' });
  }
  const tree = PublicTree.decode(cs, encode(ratchetTreeCodec, nodes));
  const signer = groupInfo.signer < tree.leafCount ? tree.leafNode(groupInfo.signer as LeafIndex) : undefined;
  if (signer === undefined) {
    throw new ValidationError('ERR_VALIDATION_GROUP_INFO', 'R-12.4.3-04', `GroupInfo signer ${groupInfo.signer} is not a member`, { field: 'GroupInfo.signer' });
  }
  if (!verifyWithLabel(cs, signer.signatureKey, 'GroupInfoTBS', groupInfoTbs(groupInfo), groupInfo.signature)) {
    throw new ValidationError('ERR_VALIDATION_SIGNATURE', 'R-12.4.3-04', 'the GroupInfo signature does not verify', { field: 'GroupInfo.signature' });
  }
  return tree;
}
