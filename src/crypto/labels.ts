/**
 * RFC 9420 §5.1.2 (SignWithLabel), §5.1.3 (EncryptWithLabel), §5.2 (RefHash), §8
 * (ExpandWithLabel, DeriveSecret) and §9 (DeriveTreeSecret): the labelled helpers every
 * protocol computation goes through. Each prefixes its label with "MLS 1.0 " — except RefHash,
 * whose callers pass the full label.
 */
import { Writer } from '../codec/writer.js';
import { EMPTY, utf8 } from '../util/bytes.js';
import type { CipherSuite } from './cipher-suite.js';

const PREFIX = 'MLS 1.0 ';
const labelCache = new Map<string, Uint8Array>();

/** Protocol labels are a small fixed set; exporter labels come from apps, so the cache is bounded. */
const LABEL_CACHE_MAX = 64;

/** UTF-8 of "MLS 1.0 " + label. */
function mlsLabel(label: string): Uint8Array {
  let b = labelCache.get(label);
  if (b === undefined) {
    b = utf8(PREFIX + label);
    if (labelCache.size < LABEL_CACHE_MAX) labelCache.set(label, b);
  }
  return b;
}

/**
 * ExpandWithLabel(Secret, Label, Context, Length) =
 *   KDF.Expand(Secret, KDFLabel{uint16 length; opaque label<V>; opaque context<V>}, Length)
 */
export function expandWithLabel(cs: CipherSuite, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const info = new Writer(16 + context.length).u16(length).opaque(mlsLabel(label)).opaque(context).finish();
  return cs.expand(secret, info, length);
}

/** DeriveSecret(Secret, Label) = ExpandWithLabel(Secret, Label, "", KDF.Nh) */
export function deriveSecret(cs: CipherSuite, secret: Uint8Array, label: string): Uint8Array {
  return expandWithLabel(cs, secret, label, EMPTY, cs.Nh);
}

/** DeriveTreeSecret(Secret, Label, Generation, Length) = ExpandWithLabel(Secret, Label, uint32(Generation), Length) */
export function deriveTreeSecret(cs: CipherSuite, secret: Uint8Array, label: string, generation: number, length: number): Uint8Array {
  const ctx = new Uint8Array(4);
  new DataView(ctx.buffer).setUint32(0, generation);
  return expandWithLabel(cs, secret, label, ctx, length);
}

/** SignContent{opaque label<V> = "MLS 1.0 " + Label; opaque content<V>} */
/** SignContent{"MLS 1.0 " + Label, content}: the bytes a labelled signature covers (for batch verification). */
export function signContent(label: string, content: Uint8Array): Uint8Array {
  return new Writer(content.length + 32).opaque(mlsLabel(label)).opaque(content).finish();
}

export function signWithLabel(cs: CipherSuite, signKey: Uint8Array, label: string, content: Uint8Array): Uint8Array {
  return cs.signatureScheme.sign(signKey, signContent(label, content));
}

/**
 * R-5.1.2-02: every signature of MLS is checked here, over SignContent{"MLS 1.0 " + Label, content}.
 * Returns false for any failure (bad signature, malformed key or signature).
 */
export function verifyWithLabel(cs: CipherSuite, verifyKey: Uint8Array, label: string, content: Uint8Array, signature: Uint8Array): boolean {
  return cs.signatureScheme.verify(verifyKey, signContent(label, content), signature);
}

/** EncryptContext{opaque label<V> = "MLS 1.0 " + Label; opaque context<V>} */
export function encryptContext(label: string, context: Uint8Array): Uint8Array {
  return new Writer(context.length + 32).opaque(mlsLabel(label)).opaque(context).finish();
}

export interface HpkeCiphertext {
  readonly kemOutput: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export function encryptWithLabel(cs: CipherSuite, publicKey: Uint8Array, label: string, context: Uint8Array, plaintext: Uint8Array): HpkeCiphertext {
  return cs.hpke.seal(publicKey, encryptContext(label, context), EMPTY, plaintext);
}

/** Throws CryptoError('ERR_CRYPTO_HPKE_OPEN') on failure. */
export function decryptWithLabel(cs: CipherSuite, privateKey: Uint8Array, label: string, context: Uint8Array, kemOutput: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return cs.hpke.open(privateKey, kemOutput, encryptContext(label, context), EMPTY, ciphertext);
}

/** RefHash(label, value) = Hash(RefHashInput{opaque label<V>; opaque value<V>}); label used as given. */
export function refHash(cs: CipherSuite, label: string | Uint8Array, value: Uint8Array): Uint8Array {
  const l = typeof label === 'string' ? utf8(label) : label;
  return cs.hashData(new Writer(value.length + 40).opaque(l).opaque(value).finish());
}

/** §5.2 KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", KeyPackage). */
export function makeKeyPackageRef(cs: CipherSuite, keyPackageBytes: Uint8Array): Uint8Array {
  return refHash(cs, 'MLS 1.0 KeyPackage Reference', keyPackageBytes);
}

/** §5.2 ProposalRef = RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent). */
export function makeProposalRef(cs: CipherSuite, authenticatedContentBytes: Uint8Array): Uint8Array {
  return refHash(cs, 'MLS 1.0 Proposal Reference', authenticatedContentBytes);
}
