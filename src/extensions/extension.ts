/**
 * RFC 9420 §13.4 (extensions), §13.5 (GREASE), §17.3 (extension types) and the bodies of the
 * known extensions: application_id (§5.3.3), required_capabilities (§11.1), external_pub
 * (§12.4.3.2), external_senders (§12.1.8.1). The ratchet_tree body (§12.4.3.3) lives with the
 * tree nodes in src/ratchet-tree/node.ts.
 *
 *   uint16 ExtensionType;
 *
 *   struct {
 *       ExtensionType extension_type;
 *       opaque extension_data<V>;
 *   } Extension;
 *
 * An Extension is kept as its type and raw `extension_data`: unknown types (GREASE included) decode
 * and re-encode byte-identically, and a known body is parsed only when a caller asks for it with the
 * matching codec below (`decode(requiredCapabilitiesCodec, ext.extensionData)`). Duplicate types in
 * one list (R-13.4-02) and placement (D-07) are validation rules, checked where the list is used.
 */
import { codec, vectorCodec, type Codec } from '../codec/codec.js';
import type { Reader } from '../codec/reader.js';
import type { Writer } from '../codec/writer.js';
import { credentialCodec, type Credential } from '../credentials/credential.js';

/** §17.3 "MLS Extension Types": the types RFC 9420 defines. */
export const ExtensionType = {
  applicationId: 0x0001,
  ratchetTree: 0x0002,
  requiredCapabilities: 0x0003,
  externalPub: 0x0004,
  externalSenders: 0x0005,
} as const;
export type ExtensionType = (typeof ExtensionType)[keyof typeof ExtensionType];

/**
 * The `last_resort` KeyPackage extension (type 0x000a, empty body), as deployed implementations
 * (OpenMLS, mls-rs) use it to mark a KeyPackage that may be used more than once (RFC 9420 §16.8).
 * The MLS extensions draft (-09 and later) moves this marker into an application component
 * (last_resort_key_package, component 0x0004); mlskit supports the deployed extension form.
 */
export const LAST_RESORT_EXTENSION_TYPE = 0x000a;

export interface Extension {
  /** Any uint16: the registry is open and unknown types are carried, not rejected (§13.4). */
  readonly extensionType: number;
  readonly extensionData: Uint8Array;
}

export const extensionCodec: Codec<Extension> = codec(
  'Extension',
  (w, v) => w.u16(v.extensionType).opaque(v.extensionData),
  (r) => {
    const extensionType = r.u16('Extension.extension_type');
    return { extensionType, extensionData: r.opaque('Extension.extension_data') };
  },
);

/** `Extension extensions<V>`, the form every struct carrying extensions uses. */
export const extensionsCodec: Codec<Extension[]> = vectorCodec(extensionCodec);

/** Writes `Extension extensions<V>` (accepts a readonly list). */
export function writeExtensions(w: Writer, list: readonly Extension[]): void {
  w.vectorOf(list, extensionCodec.encode);
}

/** Reads `Extension extensions<V>`; `field` is the RFC name of the list, e.g. `LeafNode.extensions`. */
export function readExtensions(r: Reader, field: string): Extension[] {
  return r.vector(field, extensionCodec.decode);
}

/** The first extension of `type` in `list`, if any. */
export function findExtension(list: readonly Extension[], type: number): Extension | undefined {
  return list.find((e) => e.extensionType === type);
}

/** A `uint16 xs<V>` list (ExtensionType, ProposalType, CredentialType, CipherSuite, ProtocolVersion). */
export function readU16List(r: Reader, field: string): number[] {
  return r.vector(field, (b) => b.u16(field));
}

export function writeU16List(w: Writer, list: readonly number[]): void {
  w.vectorOf(list, (w2, v) => w2.u16(v));
}

// ---------------------------------------------------------------------------------------------
// §5.3.3 application_id:  opaque application_id<V>;  (as the whole extension_data)

/**
 * The application_id body. The RFC writes it as a bare `opaque application_id<V>`, so the
 * extension_data is a length-prefixed byte string.
 */
export interface ApplicationId {
  readonly applicationId: Uint8Array;
}

export const applicationIdCodec: Codec<ApplicationId> = codec(
  'ApplicationId',
  (w, v) => w.opaque(v.applicationId),
  (r) => ({ applicationId: r.opaque('ApplicationId.application_id') }),
);

// ---------------------------------------------------------------------------------------------
// §11.1 required_capabilities
//
//   struct {
//       ExtensionType extension_types<V>;
//       ProposalType proposal_types<V>;
//       CredentialType credential_types<V>;
//   } RequiredCapabilities;

export interface RequiredCapabilities {
  readonly extensionTypes: readonly number[];
  readonly proposalTypes: readonly number[];
  readonly credentialTypes: readonly number[];
}

export const requiredCapabilitiesCodec: Codec<RequiredCapabilities> = codec(
  'RequiredCapabilities',
  (w, v) => {
    writeU16List(w, v.extensionTypes);
    writeU16List(w, v.proposalTypes);
    writeU16List(w, v.credentialTypes);
  },
  (r) => {
    const extensionTypes = readU16List(r, 'RequiredCapabilities.extension_types');
    const proposalTypes = readU16List(r, 'RequiredCapabilities.proposal_types');
    return { extensionTypes, proposalTypes, credentialTypes: readU16List(r, 'RequiredCapabilities.credential_types') };
  },
);

// ---------------------------------------------------------------------------------------------
// §12.4.3.2 external_pub
//
//   struct {
//       HPKEPublicKey external_pub;
//   } ExternalPub;

export interface ExternalPub {
  /** An HPKEPublicKey (`opaque<V>`). */
  readonly externalPub: Uint8Array;
}

export const externalPubCodec: Codec<ExternalPub> = codec(
  'ExternalPub',
  (w, v) => w.opaque(v.externalPub),
  (r) => ({ externalPub: r.opaque('ExternalPub.external_pub') }),
);

// ---------------------------------------------------------------------------------------------
// §12.1.8.1 external_senders
//
//   struct {
//     SignaturePublicKey signature_key;
//     Credential credential;
//   } ExternalSender;
//
//   ExternalSender external_senders<V>;   (the extension_data)

export interface ExternalSender {
  /** A SignaturePublicKey (`opaque<V>`). */
  readonly signatureKey: Uint8Array;
  readonly credential: Credential;
}

export const externalSenderCodec: Codec<ExternalSender> = codec(
  'ExternalSender',
  (w, v) => {
    w.opaque(v.signatureKey);
    credentialCodec.encode(w, v.credential);
  },
  (r) => {
    const signatureKey = r.opaque('ExternalSender.signature_key');
    return { signatureKey, credential: credentialCodec.decode(r) };
  },
);

/** The external_senders extension_data: `ExternalSender external_senders<V>`. */
export const externalSendersCodec: Codec<ExternalSender[]> = vectorCodec(externalSenderCodec);

// ---------------------------------------------------------------------------------------------
// §13.5 GREASE

/**
 * The values §13.5 reserves for GREASE in every registry (0x0A0A, 0x1A1A, …, 0xEAEA; 0xFAFA is
 * private use and not among them). No special processing is allowed on receipt (R-13.5-02): use
 * these only to add GREASE when generating, and to exclude them from one's own capabilities (R-13.5-03).
 */
export const GREASE_VALUES: readonly number[] = Object.freeze(Array.from({ length: 15 }, (_, i) => i * 0x1010 + 0x0a0a));

const GREASE_SET: ReadonlySet<number> = new Set(GREASE_VALUES);

export function isGrease(n: number): boolean {
  return GREASE_SET.has(n);
}
