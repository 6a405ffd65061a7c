/**
 * RFC 9420 §8.1: the GroupContext, the per-epoch summary of the group that every key-schedule
 * step, signature and tag binds to.
 *
 *   struct {
 *       ProtocolVersion version = mls10;
 *       CipherSuite cipher_suite;
 *       opaque group_id<V>;
 *       uint64 epoch;
 *       opaque tree_hash<V>;
 *       opaque confirmed_transcript_hash<V>;
 *       Extension extensions<V>;
 *   } GroupContext;
 *
 * The extension list uses a local, structurally minimal Extension type (`GroupContextExtension`)
 * and local codec helpers (`writeGroupContextExtensions` / `readGroupContextExtensions`) so this
 * module does not depend on src/extensions/. Both encode the RFC's
 * `struct { uint16 extension_type; opaque extension_data<V>; } Extension` exactly; they can be
 * swapped for the shared `Extension` / `writeExtensions` / `readExtensions` without a wire change.
 * Duplicate types (R-13.4-02) and placement (D-07) are validation rules checked where the context
 * is built or accepted, not here.
 */
import { codec, decode, encode, type Codec } from '../codec/codec.js';
import type { Reader } from '../codec/reader.js';
import type { Writer } from '../codec/writer.js';
import { DecodeError } from '../errors.js';

/** §6 ProtocolVersion. MLS 1.0 is the only version this library speaks. */
export const ProtocolVersion = { mls10: 1 } as const;
export type ProtocolVersion = (typeof ProtocolVersion)[keyof typeof ProtocolVersion];

/**
 * Local stand-in for the shared `Extension` (src/extensions/): the same shape, so values of either
 * type are interchangeable.
 */
export interface GroupContextExtension {
  readonly extensionType: number;
  readonly extensionData: Uint8Array;
}

export interface GroupContext {
  readonly version: ProtocolVersion;
  /** The suite's uint16 code point; whether it is supported is checked where the context is accepted. */
  readonly cipherSuite: number;
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly treeHash: Uint8Array;
  readonly confirmedTranscriptHash: Uint8Array;
  readonly extensions: readonly GroupContextExtension[];
}

/** Local helper (swap for the shared `writeExtensions`): `Extension extensions<V>`. */
export function writeGroupContextExtensions(w: Writer, list: readonly GroupContextExtension[]): void {
  w.vectorOf(list, (w2, e) => {
    w2.u16(e.extensionType).opaque(e.extensionData);
  });
}

/** Local helper (swap for the shared `readExtensions`): `Extension extensions<V>`. */
export function readGroupContextExtensions(r: Reader, field: string): GroupContextExtension[] {
  return r.vector(field, (r2) => {
    const extensionType = r2.u16(`${field}.extension_type`);
    return { extensionType, extensionData: r2.opaque(`${field}.extension_data`) };
  });
}

export const groupContextCodec: Codec<GroupContext> = codec(
  'GroupContext',
  (w, gc) => {
    w.u16(gc.version).u16(gc.cipherSuite).opaque(gc.groupId).u64(gc.epoch).opaque(gc.treeHash).opaque(gc.confirmedTranscriptHash);
    writeGroupContextExtensions(w, gc.extensions);
  },
  (r) => {
    const version = r.u16('GroupContext.version');
    // D-01: a GroupContext we are asked to read (GroupInfo, Welcome) must be mls10; any other
    // version cannot be interpreted by this implementation.
    if (version !== ProtocolVersion.mls10) {
      throw new DecodeError('ERR_DECODE_UNKNOWN_VALUE', `GroupContext.version: unsupported protocol version ${version}`, {
        field: 'GroupContext.version',
        rule: 'D-01',
      });
    }
    const cipherSuite = r.u16('GroupContext.cipher_suite');
    const groupId = r.opaque('GroupContext.group_id');
    const epoch = r.u64('GroupContext.epoch');
    const treeHash = r.opaque('GroupContext.tree_hash');
    const confirmedTranscriptHash = r.opaque('GroupContext.confirmed_transcript_hash');
    const extensions = readGroupContextExtensions(r, 'GroupContext.extensions');
    return { version, cipherSuite, groupId, epoch, treeHash, confirmedTranscriptHash, extensions };
  },
);

/** The TLS serialization of a GroupContext (the form the key schedule and signatures consume). */
export function encodeGroupContext(gc: GroupContext): Uint8Array {
  return encode(groupContextCodec, gc);
}

/** Decodes exactly one GroupContext; the result's byte fields are views into `bytes`. */
export function decodeGroupContext(bytes: Uint8Array): GroupContext {
  return decode(groupContextCodec, bytes);
}
