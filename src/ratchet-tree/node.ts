/**
 * RFC 9420 §7.1 ParentNode, §7.2 LeafNode / LeafNodeTBS / Capabilities / Lifetime, §7.8 NodeType
 * and Node, §12.4.3.3 the ratchet_tree extension body. Types and codecs only: validation (§7.3),
 * signatures, tree and parent hashes live beside this file.
 *
 *   struct {
 *       HPKEPublicKey encryption_key;
 *       opaque parent_hash<V>;
 *       uint32 unmerged_leaves<V>;
 *   } ParentNode;
 *
 *   enum { reserved(0), key_package(1), update(2), commit(3), (255) } LeafNodeSource;
 *
 *   struct {
 *       ProtocolVersion versions<V>;
 *       CipherSuite cipher_suites<V>;
 *       ExtensionType extensions<V>;
 *       ProposalType proposals<V>;
 *       CredentialType credentials<V>;
 *   } Capabilities;
 *
 *   struct { uint64 not_before; uint64 not_after; } Lifetime;
 *
 *   struct {
 *       HPKEPublicKey encryption_key;
 *       SignaturePublicKey signature_key;
 *       Credential credential;
 *       Capabilities capabilities;
 *       LeafNodeSource leaf_node_source;
 *       select (LeafNode.leaf_node_source) {
 *           case key_package: Lifetime lifetime;
 *           case update:      struct{};
 *           case commit:      opaque parent_hash<V>;
 *       };
 *       Extension extensions<V>;
 *       opaque signature<V>;   // SignWithLabel(., "LeafNodeTBS", LeafNodeTBS)
 *   } LeafNode;
 *
 *   LeafNodeTBS = the LeafNode fields before `signature`, then for update and commit sources
 *   `opaque group_id<V>; uint32 leaf_index;`.
 *
 *   enum { reserved(0), leaf(1), parent(2), (255) } NodeType;
 *
 *   struct {
 *       NodeType node_type;
 *       select (Node.node_type) {
 *           case leaf:   LeafNode leaf_node;
 *           case parent: ParentNode parent_node;
 *       };
 *   } Node;
 *
 *   optional<Node> ratchet_tree<V>;
 *
 * LeafNodeSource and NodeType are closed enums: other values are malformed (D-02). Capability lists
 * are open: unknown values, GREASE included, decode and are ignored later (R-7.2-05).
 */
import { codec, decode, encode, type Codec } from '../codec/codec.js';
import type { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { credentialCodec, type Credential } from '../credentials/credential.js';
import { readExtensions, readU16List, writeExtensions, writeU16List, type Extension } from '../extensions/extension.js';
import { DecodeError, UsageError } from '../errors.js';

/** `opaque HPKEPublicKey<V>` (§5.1.1). */
export type HpkePublicKey = Uint8Array;
/** `opaque SignaturePublicKey<V>` (§5.1.1). */
export type SignaturePublicKey = Uint8Array;

export const LeafNodeSource = { keyPackage: 1, update: 2, commit: 3 } as const;
export type LeafNodeSource = (typeof LeafNodeSource)[keyof typeof LeafNodeSource];

export const NodeType = { leaf: 1, parent: 2 } as const;
export type NodeType = (typeof NodeType)[keyof typeof NodeType];

export interface Capabilities {
  readonly versions: readonly number[];
  readonly cipherSuites: readonly number[];
  readonly extensions: readonly number[];
  readonly proposals: readonly number[];
  readonly credentials: readonly number[];
}

export interface Lifetime {
  /** Seconds since the Unix epoch. */
  readonly notBefore: bigint;
  readonly notAfter: bigint;
}

interface LeafNodeFields {
  readonly encryptionKey: HpkePublicKey;
  readonly signatureKey: SignaturePublicKey;
  readonly credential: Credential;
  readonly capabilities: Capabilities;
  readonly extensions: readonly Extension[];
  readonly signature: Uint8Array;
}

export interface KeyPackageLeafNode extends LeafNodeFields {
  readonly leafNodeSource: typeof LeafNodeSource.keyPackage;
  readonly lifetime: Lifetime;
}

export interface UpdateLeafNode extends LeafNodeFields {
  readonly leafNodeSource: typeof LeafNodeSource.update;
}

export interface CommitLeafNode extends LeafNodeFields {
  readonly leafNodeSource: typeof LeafNodeSource.commit;
  readonly parentHash: Uint8Array;
}

export type LeafNode = KeyPackageLeafNode | UpdateLeafNode | CommitLeafNode;

export interface ParentNode {
  readonly encryptionKey: HpkePublicKey;
  readonly parentHash: Uint8Array;
  /** Leaf indices; sortedness (§7.1) is checked by tree validation, not here. */
  readonly unmergedLeaves: readonly number[];
}

export type Node =
  | { readonly nodeType: typeof NodeType.leaf; readonly leafNode: LeafNode }
  | { readonly nodeType: typeof NodeType.parent; readonly parentNode: ParentNode };

/** The ratchet_tree extension body: node i of the array tree, `undefined` for a blank node. */
export type RatchetTree = readonly (Node | undefined)[];

// ---------------------------------------------------------------------------------------------

export const capabilitiesCodec: Codec<Capabilities> = codec(
  'Capabilities',
  (w, v) => {
    writeU16List(w, v.versions);
    writeU16List(w, v.cipherSuites);
    writeU16List(w, v.extensions);
    writeU16List(w, v.proposals);
    writeU16List(w, v.credentials);
  },
  (r) => {
    const versions = readU16List(r, 'Capabilities.versions');
    const cipherSuites = readU16List(r, 'Capabilities.cipher_suites');
    const extensions = readU16List(r, 'Capabilities.extensions');
    const proposals = readU16List(r, 'Capabilities.proposals');
    return { versions, cipherSuites, extensions, proposals, credentials: readU16List(r, 'Capabilities.credentials') };
  },
);

export const lifetimeCodec: Codec<Lifetime> = codec(
  'Lifetime',
  (w, v) => w.u64(v.notBefore).u64(v.notAfter),
  (r) => {
    const notBefore = r.u64('Lifetime.not_before');
    return { notBefore, notAfter: r.u64('Lifetime.not_after') };
  },
);

/** The LeafNode fields covered by the signature, without the group context (shared by LeafNode and LeafNodeTBS). */
function writeLeafNodeContent(w: Writer, v: LeafNode): void {
  w.opaque(v.encryptionKey).opaque(v.signatureKey);
  credentialCodec.encode(w, v.credential);
  capabilitiesCodec.encode(w, v.capabilities);
  w.u8(v.leafNodeSource);
  switch (v.leafNodeSource) {
    case LeafNodeSource.keyPackage:
      lifetimeCodec.encode(w, v.lifetime);
      break;
    case LeafNodeSource.update:
      break;
    case LeafNodeSource.commit:
      w.opaque(v.parentHash);
      break;
    default:
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `LeafNode.leaf_node_source: invalid value ${(v as { leafNodeSource: unknown }).leafNodeSource}`, {
        field: 'LeafNode.leaf_node_source',
      });
  }
  writeExtensions(w, v.extensions);
}

export const leafNodeCodec: Codec<LeafNode> = codec(
  'LeafNode',
  (w, v) => {
    writeLeafNodeContent(w, v);
    w.opaque(v.signature);
  },
  (r: Reader): LeafNode => {
    const encryptionKey = r.opaque('LeafNode.encryption_key');
    const signatureKey = r.opaque('LeafNode.signature_key');
    const credential = credentialCodec.decode(r);
    const capabilities = capabilitiesCodec.decode(r);
    const source = r.u8('LeafNode.leaf_node_source');
    if (source === LeafNodeSource.keyPackage) {
      const lifetime = lifetimeCodec.decode(r);
      const extensions = readExtensions(r, 'LeafNode.extensions');
      const signature = r.opaque('LeafNode.signature');
      return { encryptionKey, signatureKey, credential, capabilities, leafNodeSource: source, lifetime, extensions, signature };
    }
    if (source === LeafNodeSource.update) {
      const extensions = readExtensions(r, 'LeafNode.extensions');
      const signature = r.opaque('LeafNode.signature');
      return { encryptionKey, signatureKey, credential, capabilities, leafNodeSource: source, extensions, signature };
    }
    if (source === LeafNodeSource.commit) {
      const parentHash = r.opaque('LeafNode.parent_hash');
      const extensions = readExtensions(r, 'LeafNode.extensions');
      const signature = r.opaque('LeafNode.signature');
      return { encryptionKey, signatureKey, credential, capabilities, leafNodeSource: source, parentHash, extensions, signature };
    }
    throw new DecodeError('ERR_DECODE_UNKNOWN_VALUE', `LeafNode.leaf_node_source: unknown value ${source}`, {
      field: 'LeafNode.leaf_node_source',
      rule: 'D-02',
    });
  },
);

/**
 * The LeafNodeTBS encoding, the content of SignWithLabel(., "LeafNodeTBS", …). For update and
 * commit sources the group context is part of it, so `groupId` and `leafIndex` are required; for a
 * key_package source they are not part of the TBS and are ignored if given (so a caller checking
 * every leaf of a tree may pass them unconditionally).
 */
export function leafNodeTbs(leaf: LeafNode, groupId?: Uint8Array, leafIndex?: number): Uint8Array {
  const w = new Writer();
  writeLeafNodeContent(w, leaf);
  if (leaf.leafNodeSource !== LeafNodeSource.keyPackage) {
    if (groupId === undefined || leafIndex === undefined) {
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'LeafNodeTBS: group_id and leaf_index are required for update and commit leaves', {
        field: 'LeafNodeTBS.group_id',
      });
    }
    w.opaque(groupId).u32(leafIndex);
  }
  return w.finish();
}

export const parentNodeCodec: Codec<ParentNode> = codec(
  'ParentNode',
  (w, v) => {
    w.opaque(v.encryptionKey).opaque(v.parentHash);
    w.vectorOf(v.unmergedLeaves, (w2, i) => w2.u32(i));
  },
  (r) => {
    const encryptionKey = r.opaque('ParentNode.encryption_key');
    const parentHash = r.opaque('ParentNode.parent_hash');
    const unmergedLeaves = r.vector('ParentNode.unmerged_leaves', (b) => b.u32('ParentNode.unmerged_leaves'));
    return { encryptionKey, parentHash, unmergedLeaves };
  },
);

export const nodeCodec: Codec<Node> = codec(
  'Node',
  (w, v) => {
    w.u8(v.nodeType);
    if (v.nodeType === NodeType.leaf) leafNodeCodec.encode(w, v.leafNode);
    else if (v.nodeType === NodeType.parent) parentNodeCodec.encode(w, v.parentNode);
    else {
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `Node.node_type: invalid value ${(v as { nodeType: unknown }).nodeType}`, {
        field: 'Node.node_type',
      });
    }
  },
  (r) => {
    const nodeType = r.u8('Node.node_type');
    if (nodeType === NodeType.leaf) return { nodeType, leafNode: leafNodeCodec.decode(r) };
    if (nodeType === NodeType.parent) return { nodeType, parentNode: parentNodeCodec.decode(r) };
    throw new DecodeError('ERR_DECODE_UNKNOWN_VALUE', `Node.node_type: unknown value ${nodeType}`, { field: 'Node.node_type', rule: 'D-02' });
  },
);

/**
 * The ratchet_tree extension body, `optional<Node> ratchet_tree<V>` (§12.4.3.3). Only the syntax is
 * checked here; leaf/parent parity (D-06) and the rule that the last node is not blank belong to
 * tree validation on join.
 */
export const ratchetTreeCodec: Codec<RatchetTree> = codec(
  'ratchet_tree',
  (w, v) => w.vectorOf(v, (w2, n) => w2.optional(n, nodeCodec.encode)),
  (r) => r.vector('ratchet_tree', (b) => b.optional('ratchet_tree', nodeCodec.decode)),
);

/**
 * A copy of `leaf` that views no caller buffer: decoded LeafNodes view the whole message they came
 * in, which long-lived state must not pin (STYLE principle 3). Re-encoding costs well under 1 µs.
 */
export function ownedLeafNode<L extends LeafNode>(leaf: L): L {
  return decode(leafNodeCodec, encode(leafNodeCodec, leaf)) as L;
}
