/**
 * RFC 9420 §5.3 (X.509 credentials) and §5.1.2: the subject public key of certificates[0], read
 * with node's X.509 parser, in the raw form MLS uses for signature keys (EdDSA raw; ECDSA
 * uncompressed SEC1), with the signature scheme it belongs to.
 */
import { X509Certificate } from 'node:crypto';
import type { SignatureSchemeId } from '../cipher-suite.js';

export interface CertificateKey {
  readonly scheme: SignatureSchemeId;
  readonly publicKey: Uint8Array;
}

function b64url(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

/** The certificate's subject key, or undefined if the DER does not parse or the key is not an MLS signature key. */
export function certificateKey(der: Uint8Array): CertificateKey | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return undefined;
  }
  const key = cert.publicKey;
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty === 'OKP' && typeof jwk.x === 'string') {
    if (jwk.crv === 'Ed25519') return { scheme: 0x0807, publicKey: b64url(jwk.x) };
    if (jwk.crv === 'Ed448') return { scheme: 0x0808, publicKey: b64url(jwk.x) };
    return undefined;
  }
  if (jwk.kty === 'EC' && typeof jwk.x === 'string' && typeof jwk.y === 'string') {
    const scheme = jwk.crv === 'P-256' ? 0x0403 : jwk.crv === 'P-384' ? 0x0503 : jwk.crv === 'P-521' ? 0x0603 : undefined;
    if (scheme === undefined) return undefined;
    const x = b64url(jwk.x);
    const y = b64url(jwk.y);
    const out = new Uint8Array(1 + x.length + y.length);
    out[0] = 4;
    out.set(x, 1);
    out.set(y, 1 + x.length);
    return { scheme: scheme as SignatureSchemeId, publicKey: out };
  }
  return undefined;
}
