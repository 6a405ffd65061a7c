/**
 * RFC 9420 §10: KeyPackage and KeyPackageTBS.
 *
 *   struct {
 *       ProtocolVersion version;
 *       CipherSuite cipher_suite;
 *       HPKEPublicKey init_key;
 *       LeafNode leaf_node;
 *       Extension extensions<V>;
 *       // SignWithLabel(., "KeyPackageTBS", KeyPackageTBS)
 *       opaque signature<V>;
 *   } KeyPackage;
 *
 *   KeyPackageTBS = the same fields without `signature`.
 *
 * version and cipher_suite are decoded as plain uint16 values: checking them against mls10 and the
 * group's suite is KeyPackage validation (§10.1), not syntax.
 */
import { codec, type Codec } from '../codec/codec.js';
import { Writer } from '../codec/writer.js';
import { readExtensions, writeExtensions, type Extension } from '../extensions/extension.js';
import { leafNodeCodec, type HpkePublicKey, type LeafNode } from '../ratchet-tree/node.js';

export interface KeyPackage {
  readonly version: number;
  readonly cipherSuite: number;
  readonly initKey: HpkePublicKey;
  readonly leafNode: LeafNode;
  readonly extensions: readonly Extension[];
  readonly signature: Uint8Array;
}

function writeKeyPackageContent(w: Writer, v: KeyPackage): void {
  w.u16(v.version).u16(v.cipherSuite).opaque(v.initKey);
  leafNodeCodec.encode(w, v.leafNode);
  writeExtensions(w, v.extensions);
}

export const keyPackageCodec: Codec<KeyPackage> = codec(
  'KeyPackage',
  (w, v) => {
    writeKeyPackageContent(w, v);
    w.opaque(v.signature);
  },
  (r) => {
    const version = r.u16('KeyPackage.version');
    const cipherSuite = r.u16('KeyPackage.cipher_suite');
    const initKey = r.opaque('KeyPackage.init_key');
    const leafNode = leafNodeCodec.decode(r);
    const extensions = readExtensions(r, 'KeyPackage.extensions');
    return { version, cipherSuite, initKey, leafNode, extensions, signature: r.opaque('KeyPackage.signature') };
  },
);

/** The KeyPackageTBS encoding, the content of SignWithLabel(., "KeyPackageTBS", …). */
export function keyPackageTbs(kp: KeyPackage): Uint8Array {
  const w = new Writer();
  writeKeyPackageContent(w, kp);
  return w.finish();
}
