/**
 * RFC 9420 §12.1: proposals, and §12.4 ProposalOrRef.
 *
 *   struct {
 *       ProposalType proposal_type;
 *       select (Proposal.proposal_type) {
 *           case add:                      Add;
 *           case update:                   Update;
 *           case remove:                   Remove;
 *           case psk:                      PreSharedKey;
 *           case reinit:                   ReInit;
 *           case external_init:            ExternalInit;
 *           case group_context_extensions: GroupContextExtensions;
 *       };
 *   } Proposal;
 *
 *   struct { KeyPackage key_package; } Add;                         // §12.1.1
 *   struct { LeafNode leaf_node; } Update;                          // §12.1.2
 *   struct { uint32 removed; } Remove;                              // §12.1.3
 *   struct { PreSharedKeyID psk; } PreSharedKey;                    // §12.1.4
 *   struct {                                                        // §12.1.5
 *       opaque group_id<V>;
 *       ProtocolVersion version;
 *       CipherSuite cipher_suite;
 *       Extension extensions<V>;
 *   } ReInit;
 *   struct { opaque kem_output<V>; } ExternalInit;                  // §12.1.6
 *   struct { Extension extensions<V>; } GroupContextExtensions;     // §12.1.7
 *
 *   enum { reserved(0), proposal(1), reference(2), (255) } ProposalOrRefType;
 *   struct {
 *     ProposalOrRefType type;
 *     select (ProposalOrRef.type) {
 *       case proposal:  Proposal proposal;
 *       case reference: ProposalRef reference;   // opaque HashReference<V> (§5.2)
 *     };
 *   } ProposalOrRef;
 *
 * Unknown proposal types. ProposalType is an open registry (§17.4), but a Proposal carries no length
 * of its own: the body of a type this build does not know cannot be delimited, so neither can the
 * Commit or FramedContent around it. We reject it at decode time with ERR_DECODE_UNKNOWN_VALUE
 * (field `Proposal.proposal_type`). This agrees with the RFC: §13.5 says an unsupported value in
 * Proposal.proposal_type (GREASE included) causes the enclosing message to be rejected, and R-12.2-11
 * requires every member to support every non-default proposal type in a Commit. We do not guess a
 * body layout (e.g. `opaque data<V>`), which could silently mis-delimit the rest of the message.
 * Supporting a new type (e.g. from the extensions draft) means adding its case here.
 *
 * ProposalOrRefType is closed: other values are malformed (D-02).
 */
import { codec, type Codec } from '../codec/codec.js';
import { isGrease, readExtensions, writeExtensions, type Extension } from '../extensions/extension.js';
import { DecodeError, UsageError } from '../errors.js';
import { preSharedKeyIdCodec, type PreSharedKeyId } from '../psk/psk-id.js';
import { leafNodeCodec, type LeafNode } from '../ratchet-tree/node.js';
import { keyPackageCodec, type KeyPackage } from './key-package.js';

/** §17.4 "MLS Proposal Types": the types RFC 9420 defines (the "default" types of §7.2). */
export const ProposalType = {
  add: 1,
  update: 2,
  remove: 3,
  psk: 4,
  reinit: 5,
  externalInit: 6,
  groupContextExtensions: 7,
} as const;
export type ProposalType = (typeof ProposalType)[keyof typeof ProposalType];

export const ProposalOrRefType = { proposal: 1, reference: 2 } as const;
export type ProposalOrRefType = (typeof ProposalOrRefType)[keyof typeof ProposalOrRefType];

export interface Add {
  readonly keyPackage: KeyPackage;
}
export interface Update {
  readonly leafNode: LeafNode;
}
export interface Remove {
  /** A leaf index. */
  readonly removed: number;
}
export interface PreSharedKey {
  readonly psk: PreSharedKeyId;
}
export interface ReInit {
  readonly groupId: Uint8Array;
  /** ProtocolVersion; may be newer than mls10 (D-01), so any uint16 decodes. */
  readonly version: number;
  readonly cipherSuite: number;
  readonly extensions: readonly Extension[];
}
export interface ExternalInit {
  readonly kemOutput: Uint8Array;
}
export interface GroupContextExtensions {
  readonly extensions: readonly Extension[];
}

/** A Proposal: the type, and the body under the key named like the RFC struct (camelCase). */
export type Proposal =
  | { readonly proposalType: typeof ProposalType.add; readonly add: Add }
  | { readonly proposalType: typeof ProposalType.update; readonly update: Update }
  | { readonly proposalType: typeof ProposalType.remove; readonly remove: Remove }
  | { readonly proposalType: typeof ProposalType.psk; readonly preSharedKey: PreSharedKey }
  | { readonly proposalType: typeof ProposalType.reinit; readonly reInit: ReInit }
  | { readonly proposalType: typeof ProposalType.externalInit; readonly externalInit: ExternalInit }
  | { readonly proposalType: typeof ProposalType.groupContextExtensions; readonly groupContextExtensions: GroupContextExtensions };

/** `HashReference ProposalRef` (§5.2): `opaque<V>`. */
export type ProposalRef = Uint8Array;

export type ProposalOrRef =
  | { readonly type: typeof ProposalOrRefType.proposal; readonly proposal: Proposal }
  | { readonly type: typeof ProposalOrRefType.reference; readonly reference: ProposalRef };

// ---------------------------------------------------------------------------------------------
// The inner structs (the messages vectors carry them without the Proposal type prefix).

export const addCodec: Codec<Add> = codec(
  'Add',
  (w, v) => keyPackageCodec.encode(w, v.keyPackage),
  (r) => ({ keyPackage: keyPackageCodec.decode(r) }),
);

export const updateCodec: Codec<Update> = codec(
  'Update',
  (w, v) => leafNodeCodec.encode(w, v.leafNode),
  (r) => ({ leafNode: leafNodeCodec.decode(r) }),
);

export const removeCodec: Codec<Remove> = codec(
  'Remove',
  (w, v) => w.u32(v.removed),
  (r) => ({ removed: r.u32('Remove.removed') }),
);

export const preSharedKeyCodec: Codec<PreSharedKey> = codec(
  'PreSharedKey',
  (w, v) => preSharedKeyIdCodec.encode(w, v.psk),
  (r) => ({ psk: preSharedKeyIdCodec.decode(r) }),
);

export const reInitCodec: Codec<ReInit> = codec(
  'ReInit',
  (w, v) => {
    w.opaque(v.groupId).u16(v.version).u16(v.cipherSuite);
    writeExtensions(w, v.extensions);
  },
  (r) => {
    const groupId = r.opaque('ReInit.group_id');
    const version = r.u16('ReInit.version');
    const cipherSuite = r.u16('ReInit.cipher_suite');
    return { groupId, version, cipherSuite, extensions: readExtensions(r, 'ReInit.extensions') };
  },
);

export const externalInitCodec: Codec<ExternalInit> = codec(
  'ExternalInit',
  (w, v) => w.opaque(v.kemOutput),
  (r) => ({ kemOutput: r.opaque('ExternalInit.kem_output') }),
);

export const groupContextExtensionsCodec: Codec<GroupContextExtensions> = codec(
  'GroupContextExtensions',
  (w, v) => writeExtensions(w, v.extensions),
  (r) => ({ extensions: readExtensions(r, 'GroupContextExtensions.extensions') }),
);

// ---------------------------------------------------------------------------------------------

export const proposalCodec: Codec<Proposal> = codec(
  'Proposal',
  (w, v) => {
    w.u16(v.proposalType);
    switch (v.proposalType) {
      case ProposalType.add:
        return addCodec.encode(w, v.add);
      case ProposalType.update:
        return updateCodec.encode(w, v.update);
      case ProposalType.remove:
        return removeCodec.encode(w, v.remove);
      case ProposalType.psk:
        return preSharedKeyCodec.encode(w, v.preSharedKey);
      case ProposalType.reinit:
        return reInitCodec.encode(w, v.reInit);
      case ProposalType.externalInit:
        return externalInitCodec.encode(w, v.externalInit);
      case ProposalType.groupContextExtensions:
        return groupContextExtensionsCodec.encode(w, v.groupContextExtensions);
      default:
        throw new UsageError('ERR_USAGE_UNSUPPORTED', `Proposal.proposal_type: cannot encode type ${(v as { proposalType: unknown }).proposalType}`, {
          field: 'Proposal.proposal_type',
        });
    }
  },
  (r): Proposal => {
    const proposalType = r.u16('Proposal.proposal_type');
    switch (proposalType) {
      case ProposalType.add:
        return { proposalType, add: addCodec.decode(r) };
      case ProposalType.update:
        return { proposalType, update: updateCodec.decode(r) };
      case ProposalType.remove:
        return { proposalType, remove: removeCodec.decode(r) };
      case ProposalType.psk:
        return { proposalType, preSharedKey: preSharedKeyCodec.decode(r) };
      case ProposalType.reinit:
        return { proposalType, reInit: reInitCodec.decode(r) };
      case ProposalType.externalInit:
        return { proposalType, externalInit: externalInitCodec.decode(r) };
      case ProposalType.groupContextExtensions:
        return { proposalType, groupContextExtensions: groupContextExtensionsCodec.decode(r) };
      default:
        // R-12.2-11: a proposal type this client does not support (R-13.5-01 names the GREASE case;
        // both take this same path, R-13.5-02).
        throw new DecodeError('ERR_DECODE_UNKNOWN_VALUE', `Proposal.proposal_type: unsupported value ${proposalType}`, {
          field: 'Proposal.proposal_type',
          rule: isGrease(proposalType) ? 'R-13.5-01' : 'R-12.2-11',
        });
    }
  },
);

export const proposalOrRefCodec: Codec<ProposalOrRef> = codec(
  'ProposalOrRef',
  (w, v) => {
    w.u8(v.type);
    if (v.type === ProposalOrRefType.proposal) proposalCodec.encode(w, v.proposal);
    else if (v.type === ProposalOrRefType.reference) w.opaque(v.reference);
    else {
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `ProposalOrRef.type: invalid value ${(v as { type: unknown }).type}`, {
        field: 'ProposalOrRef.type',
      });
    }
  },
  (r): ProposalOrRef => {
    const type = r.u8('ProposalOrRef.type');
    if (type === ProposalOrRefType.proposal) return { type, proposal: proposalCodec.decode(r) };
    if (type === ProposalOrRefType.reference) return { type, reference: r.opaque('ProposalOrRef.reference') };
    throw new DecodeError('ERR_DECODE_UNKNOWN_VALUE', `ProposalOrRef.type: unknown value ${type}`, { field: 'ProposalOrRef.type', rule: 'D-02' });
  },
);
