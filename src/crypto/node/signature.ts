/**
 * The signature schemes of RFC 9420 §17.1 (TLS SignatureScheme code points, RFC 8446 §4.2.3) on
 * `node:crypto`: Ed25519 and Ed448 (RFC 8032, pure EdDSA) and ECDSA over P-256/SHA-256,
 * P-384/SHA-384 and P-521/SHA-512 with DER-encoded signatures (RFC 8446 §4.2.3, SEC1).
 *
 * Keys (RFC 9420 §5.1.1 and the test-vector conventions): EdDSA private keys are the 32/57-byte
 * seed and public keys raw; ECDSA private keys are big-endian scalars and public keys uncompressed
 * SEC1 points. KeyObjects are cached per key (keys.ts): re-importing costs more than signing.
 */
import { sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { CryptoError } from '../../errors.js';
import type { HashId, KeyPair, RandomSource, SignatureScheme, SignatureSchemeId } from '../cipher-suite.js';
import {
  EC,
  ecPrivateCache,
  ecPublicKey,
  importEcPrivate,
  importOkpPrivate,
  invalidKey,
  isValidEcPublicKey,
  isValidScalar,
  okpKeySize,
  okpPrivateCache,
  okpPublicKey,
  own,
  type EcParams,
  type EcPrivateKey,
  type OkpPrivateKey,
} from './keys.js';

/** The scheme for `id`; `random` supplies key generation (ECDSA nonces come from OpenSSL). */
export function createSignatureScheme(id: SignatureSchemeId, random: RandomSource): SignatureScheme {
  switch (id) {
    case 0x0807:
      return eddsa(id, 'Ed25519', 64, random);
    case 0x0808:
      return eddsa(id, 'Ed448', 114, random);
    case 0x0403:
      return ecdsa(id, EC['P-256'], 'sha256', random);
    case 0x0503:
      return ecdsa(id, EC['P-384'], 'sha384', random);
    case 0x0603:
      return ecdsa(id, EC['P-521'], 'sha512', random);
    default:
      throw new CryptoError('ERR_CRYPTO_UNSUPPORTED_SUITE', `signature scheme 0x${Number(id).toString(16).padStart(4, '0')} is not supported`);
  }
}

// ---------------------------------------------------------------------------------------------
// EdDSA (RFC 8032): deterministic, so signatures are reproducible across implementations.
// ---------------------------------------------------------------------------------------------

function eddsa(id: SignatureSchemeId, crv: 'Ed25519' | 'Ed448', sigLength: number, random: RandomSource): SignatureScheme {
  const size = okpKeySize(crv);
  const cache = okpPrivateCache(crv);
  const privateKey = (seed: Uint8Array): OkpPrivateKey => cache.get(seed, (b) => importOkpPrivate(crv, b));

  return {
    id,
    sign: (seed, message) => own(nodeSign(null, message, privateKey(seed).key)),
    verify(publicKey, message, signature) {
      if (publicKey.length !== size || signature.length !== sigLength) return false;
      try {
        return nodeVerify(null, message, okpPublicKey(crv, publicKey), signature);
      } catch {
        return false;
      }
    },
    generateKeyPair(): KeyPair {
      const seed = own(random(size)); // our own copy: the cache entry is keyed by it
      return { privateKey: seed, publicKey: privateKey(seed).publicKey.slice() };
    },
    publicKeyFromPrivate: (seed) => privateKey(seed).publicKey.slice(),
    // Any string of the right length imports; whether it decodes to a curve point is checked
    // (and fails closed) when a signature is verified.
    isValidPublicKey: (publicKey) => publicKey.length === size,
  };
}

// ---------------------------------------------------------------------------------------------
// ECDSA: randomized by OpenSSL; low-S is neither produced nor required (RFC 9420 does not ask).
// ---------------------------------------------------------------------------------------------

function ecdsa(id: SignatureSchemeId, p: EcParams, hash: HashId, random: RandomSource): SignatureScheme {
  const cache = ecPrivateCache(p.crv);
  /** Shorter scalars (leading zero bytes dropped by some encoders) are left-padded to Nsk. */
  const privateKey = (scalar: Uint8Array): EcPrivateKey =>
    cache.get(scalar, (b) => {
      if (b.length === 0 || b.length > p.Nsk) throw invalidKey(`${p.crv} private key must be at most ${p.Nsk} bytes, got ${b.length}`);
      if (b.length === p.Nsk) return importEcPrivate(p, b);
      const padded = new Uint8Array(p.Nsk);
      padded.set(b, p.Nsk - b.length);
      try {
        return importEcPrivate(p, padded);
      } finally {
        padded.fill(0);
      }
    });
  // A DER ECDSA-Sig-Value is SEQUENCE { INTEGER r, INTEGER s }: at most 2 * (Nsk + 1) integer
  // bytes plus headers; anything longer is not worth handing to OpenSSL.
  const maxSigLength = 2 * (p.Nsk + 1) + 9;

  return {
    id,
    sign: (scalar, message) => own(nodeSign(hash, message, { key: privateKey(scalar).key, dsaEncoding: 'der' })),
    verify(publicKey, message, signature) {
      if (publicKey.length !== p.Npk || publicKey[0] !== 0x04) return false;
      if (signature.length < 8 || signature.length > maxSigLength) return false;
      try {
        return nodeVerify(hash, message, { key: ecPublicKey(p, publicKey), dsaEncoding: 'der' }, signature);
      } catch {
        return false;
      }
    },
    generateKeyPair(): KeyPair {
      // A uniform scalar in [1, n-1] by rejection sampling; the top-byte mask (0x01 for P-521,
      // whose 521-bit order sits in 66 bytes) keeps the acceptance rate above 1/2.
      for (let attempt = 0; attempt < 256; attempt++) {
        const scalar = own(random(p.Nsk));
        scalar[0] = scalar[0]! & p.bitmask;
        if (isValidScalar(p, scalar)) return { privateKey: scalar, publicKey: privateKey(scalar).publicKey.slice() };
        scalar.fill(0);
      }
      throw new CryptoError('ERR_CRYPTO_OPERATION', `${p.crv}: the random source gave no valid scalar in 256 tries`);
    },
    publicKeyFromPrivate: (scalar) => privateKey(scalar).publicKey.slice(),
    isValidPublicKey: (publicKey) => isValidEcPublicKey(p, publicKey),
  };
}
