/**
 * The ratchet tree (RFC 9420 §4.1, §7.1–§7.3, §7.7–§7.9, §12.4.3.1, §12.4.3.3): nodes and their
 * codecs, the public tree with stage-then-merge forks, tree and parent hashes, the tree index, and
 * LeafNode and whole-tree validation. TreeKEM (§7.4–§7.6) builds on this module.
 */
export {
  capabilitiesCodec,
  leafNodeCodec,
  leafNodeTbs,
  LeafNodeSource,
  lifetimeCodec,
  nodeCodec,
  NodeType,
  parentNodeCodec,
  ratchetTreeCodec,
  type Capabilities,
  type CommitLeafNode,
  type HpkePublicKey,
  type KeyPackageLeafNode,
  type LeafNode,
  type Lifetime,
  type Node,
  type ParentNode,
  type RatchetTree,
  type SignaturePublicKey,
  type UpdateLeafNode,
} from './node.js';
export { PublicTree, type FilteredPathEntry, type TreeIndexView } from './tree.js';
export { leafNodeHashInput, parentNodeHashInput, treeHash, treeHashesFromScratch, treeHashWithout } from './tree-hash.js';
export { computePathParentHashes, parentHash, parentHashInput, verifyParentHashes, type PathParentHashes } from './parent-hash.js';
export {
  isDefaultExtensionType,
  isDefaultProposalType,
  LeafNodeContext,
  validateLeafNode,
  verifyLeafNodeSignature,
  type CredentialValidator,
  type LeafValidationContext,
  type LeafValidationOptions,
} from './leaf-validation.js';
export { validateRatchetTree, type TreeValidationParams } from './tree-validation.js';
