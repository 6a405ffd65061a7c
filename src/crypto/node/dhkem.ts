/**
 * RFC 9180 §4.1 DHKEM(Group, KDF) for the five KEMs of RFC 9420 §17.1, with §7.1.3 DeriveKeyPair
 * and §7.1.4 input/output validation, composed from `node:crypto`.
 *
 *   DHKEM(X25519, HKDF-SHA256) 0x0020   DHKEM(P-256, HKDF-SHA256) 0x0010
 *   DHKEM(X448,   HKDF-SHA512) 0x0021   DHKEM(P-384, HKDF-SHA384) 0x0011
 *                                       DHKEM(P-521, HKDF-SHA512) 0x0012
 */
import { diffieHellman } from 'node:crypto';
import { CryptoError } from '../../errors.js';
import type { HashId, KemId } from '../cipher-suite.js';
import { concat, utf8, wipe } from '../../util/bytes.js';
import { i2osp2, labeledKdf, type LabeledKdf } from './hpke-labeled.js';
import {
  EC,
  ecPrivateCache,
  ecPublicKey,
  importEcPrivate,
  importEcPublic,
  importOkpPrivate,
  importOkpPublic,
  invalidKey,
  isValidEcPublicKey,
  isValidScalar,
  okpPrivateCache,
  okpPublicKey,
  own,
  type EcParams,
  type EcPrivateKey,
  type OkpPrivateKey,
} from './keys.js';

/** A KEM private key in usable form; `publicKey` is pk(sk) (internal — copy before handing out). */
interface PrivateHandle {
  readonly publicKey: Uint8Array;
}

/** The Diffie-Hellman group under a DHKEM. */
interface DhGroup<H extends PrivateHandle> {
  readonly Npk: number;
  readonly Nsk: number;
  /** DeserializePrivateKey: Nsk bytes to a handle; `cached` reuses/keeps it per caller buffer. */
  privateKey(sk: Uint8Array, cached: boolean): H;
  /** §7.1.3: sk from dkp_prk. */
  deriveSecretKey(dkpPrk: Uint8Array): Uint8Array;
  /**
   * DH(sk, pk), validating pk and the output (§7.1.4). Throws ERR_CRYPTO_INVALID_KEY. An
   * `ephemeral` pk (the enc of Decap) is seen once: it is not cached, so it evicts nothing.
   */
  dh(sk: H, pk: Uint8Array, ephemeral: boolean): Uint8Array;
  /** DeserializePublicKey succeeds (§7.1.4 checks that need no private key). */
  isValidPublicKey(pk: Uint8Array): boolean;
  /** Records a derived key pair so later use of the same private-key buffer is fast. */
  prime(sk: Uint8Array, handle: H): void;
}

export interface DerivedKeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface Dhkem {
  readonly id: KemId;
  readonly Nsecret: number;
  readonly Nenc: number;
  readonly Npk: number;
  readonly Nsk: number;
  /** §7.1.3 DeriveKeyPair. The returned buffers are the caller's; the private one is cache-primed. */
  deriveKeyPair(ikm: Uint8Array): DerivedKeyPair;
  /** §4.1 Encap, with the ephemeral key pair DeriveKeyPair(ikmE) (RFC 9180 §4: GenerateKeyPair). */
  encap(pkR: Uint8Array, ikmE: Uint8Array): { sharedSecret: Uint8Array; enc: Uint8Array };
  /** §4.1 Decap. Throws ERR_CRYPTO_INVALID_KEY for a bad enc or skR. */
  decap(enc: Uint8Array, skR: Uint8Array): Uint8Array;
  isValidPublicKey(pk: Uint8Array): boolean;
  /** pk(sk), serialized (a fresh copy). */
  publicKeyOf(sk: Uint8Array): Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// X25519 / X448
// ---------------------------------------------------------------------------------------------

/**
 * SerializePrivateKey: RFC 9180 §7.1.2 says X25519/X448 output "MUST clamp", but RFC 9180's own
 * Appendix B vectors and the MLS vectors carry the unclamped LabeledExpand output, so that is what
 * DeriveKeyPair returns. Clamped and unclamped forms are the same key (X25519/X448 clamp inside).
 */
function xGroup(crv: 'X25519' | 'X448', kdf: LabeledKdf): DhGroup<OkpPrivateKey> {
  const size = crv === 'X25519' ? 32 : 56;
  const cache = okpPrivateCache(crv);
  const SK = kdf.label('sk');
  const EMPTY = new Uint8Array(0);
  return {
    Npk: size,
    Nsk: size,
    privateKey: (sk, cached) => (cached ? cache.get(sk, (b) => importOkpPrivate(crv, b)) : importOkpPrivate(crv, sk)),
    // DeriveKeyPair(ikm): sk = LabeledExpand(dkp_prk, "sk", "", Nsk)
    deriveSecretKey: (dkpPrk) => kdf.expand(dkpPrk, SK, EMPTY, size),
    dh: (sk, pk, ephemeral) => {
      const pub = ephemeral ? importOkpPublic(crv, pk) : okpPublicKey(crv, pk);
      let out: Uint8Array;
      try {
        out = own(diffieHellman({ privateKey: sk.key, publicKey: pub }));
      } catch (cause) {
        // OpenSSL refuses an all-zero result (a small-order peer key) with a derivation error.
        throw invalidKey(`${crv} Diffie-Hellman failed (small-order public key?)`, cause);
      }
      // RFC 9180 §7.1.4 / RFC 7748 §6: abort on the all-zero shared secret. OpenSSL already does;
      // the check here does not depend on that.
      let acc = 0;
      for (let i = 0; i < out.length; i++) acc |= out[i]!;
      if (acc === 0) throw invalidKey(`${crv} Diffie-Hellman produced the all-zero value`);
      return out;
    },
    // Every string of the right length decodes (RFC 7748 §5); the all-zero string is rejected as
    // the one key that is certainly degenerate. Other small-order keys fail at DH time (above).
    isValidPublicKey: (pk) => {
      if (pk.length !== size) return false;
      let acc = 0;
      for (let i = 0; i < pk.length; i++) acc |= pk[i]!;
      return acc !== 0;
    },
    prime: (sk, handle) => cache.prime(sk, handle),
  };
}

// ---------------------------------------------------------------------------------------------
// P-256 / P-384 / P-521
// ---------------------------------------------------------------------------------------------

function nistGroup(p: EcParams, kdf: LabeledKdf): DhGroup<EcPrivateKey> {
  const cache = ecPrivateCache(p.crv);
  const CANDIDATE = kdf.label('candidate');
  const privateKey = (sk: Uint8Array, cached: boolean): EcPrivateKey => {
    // SerializePrivateKey is fixed width for the NIST curves (§7.1.2), but some implementations drop
    // leading zero bytes (the published passive-client vectors carry 65-byte P-521 keys): the
    // scalar is the same number, so shorter input is left-padded. Longer input is an error.
    if (sk.length > p.Nsk || sk.length === 0) throw invalidKey(`${p.crv} HPKE private key must be ${p.Nsk} bytes, got ${sk.length}`);
    const full = (b: Uint8Array): Uint8Array => {
      if (b.length === p.Nsk) return b;
      const out = new Uint8Array(p.Nsk);
      out.set(b, p.Nsk - b.length);
      return out;
    };
    return cached ? cache.get(sk, (b) => importEcPrivate(p, full(b))) : importEcPrivate(p, full(sk));
  };
  return {
    Npk: p.Npk,
    Nsk: p.Nsk,
    privateKey,
    deriveSecretKey: (dkpPrk) => {
      // §7.1.3 rejection sampling over candidates LabeledExpand(dkp_prk, "candidate", I2OSP(counter, 1), Nsk).
      for (let counter = 0; counter <= 255; counter++) {
        const bytes = kdf.expand(dkpPrk, CANDIDATE, Uint8Array.of(counter), p.Nsk);
        bytes[0] = bytes[0]! & p.bitmask;
        if (isValidScalar(p, bytes)) return bytes;
        wipe(bytes);
      }
      throw new CryptoError('ERR_CRYPTO_DERIVE_KEY_PAIR', `${p.crv} DeriveKeyPair found no scalar in 256 candidates`);
    },
    dh: p.derImport
      ? (sk, pk, ephemeral) => {
          // P-384/P-521: EVP derive with KeyObjects beats the ECDH object (1.2 vs 1.9 ms on P-384).
          // Importing validates the point (range, on curve).
          const pub = ephemeral ? importEcPublic(p, pk) : ecPublicKey(p, pk);
          try {
            return own(diffieHellman({ privateKey: sk.key, publicKey: pub }));
          } catch (cause) {
            throw invalidKey(`${p.crv} Diffie-Hellman failed`, cause);
          }
        }
      : (sk, pk) => {
          // P-256: the ECDH object with the private key already set needs no KeyObject for either
          // side: ~100 µs, vs ~65 µs public-key import + ~97 µs derive. computeSecret decodes and
          // checks the peer point (range, on curve) and returns the fixed-width x-coordinate.
          if (pk.length !== p.Npk || pk[0] !== 0x04) throw invalidKey(`${p.crv} public key must be an uncompressed ${p.Npk}-byte point`);
          try {
            return own(sk.ecdh.computeSecret(pk));
          } catch (cause) {
            throw invalidKey(`${p.crv} public key rejected`, cause);
          }
        },
    isValidPublicKey: (pk) => isValidEcPublicKey(p, pk),
    prime: (sk, handle) => cache.prime(sk, handle),
  };
}

// ---------------------------------------------------------------------------------------------
// DHKEM
// ---------------------------------------------------------------------------------------------

const KEM_PARAMS: Readonly<Record<KemId, { readonly hash: HashId; readonly Nh: number; readonly group: (kdf: LabeledKdf) => DhGroup<PrivateHandle> }>> =
  Object.freeze({
    0x0010: { hash: 'sha256', Nh: 32, group: (kdf) => nistGroup(EC['P-256'], kdf) },
    0x0011: { hash: 'sha384', Nh: 48, group: (kdf) => nistGroup(EC['P-384'], kdf) },
    0x0012: { hash: 'sha512', Nh: 64, group: (kdf) => nistGroup(EC['P-521'], kdf) },
    0x0020: { hash: 'sha256', Nh: 32, group: (kdf) => xGroup('X25519', kdf) },
    0x0021: { hash: 'sha512', Nh: 64, group: (kdf) => xGroup('X448', kdf) },
  });

const kems = new Map<KemId, Dhkem>();

/** The DHKEM for `id` (one shared instance per KEM). */
export function getDhkem(id: KemId): Dhkem {
  let kem = kems.get(id);
  if (kem === undefined) {
    const params = KEM_PARAMS[id];
    if (params === undefined) throw new CryptoError('ERR_CRYPTO_UNSUPPORTED_SUITE', `KEM 0x${Number(id).toString(16)} is not supported`);
    // suite_id = concat("KEM", I2OSP(kem_id, 2)) (§4.1); the KEM uses its own KDF (§7.1.3).
    const kdf = labeledKdf(params.hash, params.Nh, concat(utf8('KEM'), i2osp2(id)));
    kem = makeDhkem(id, kdf, params.group(kdf));
    kems.set(id, kem);
  }
  return kem;
}

function makeDhkem<H extends PrivateHandle>(id: KemId, kdf: LabeledKdf, group: DhGroup<H>): Dhkem {
  const DKP_PRK = kdf.label('dkp_prk');
  const EAE_PRK = kdf.label('eae_prk');
  const SHARED_SECRET = kdf.label('shared_secret');
  const EMPTY = new Uint8Array(0);
  const Nsecret = kdf.Nh; // §4.1: Nsecret is the KEM KDF's Nh for these DHKEMs

  const derive = (ikm: Uint8Array): { sk: Uint8Array; handle: H } => {
    const dkpPrk = kdf.extract(EMPTY, DKP_PRK, ikm);
    const sk = group.deriveSecretKey(dkpPrk);
    wipe(dkpPrk);
    return { sk, handle: group.privateKey(sk, false) };
  };

  // ExtractAndExpand(dh, kem_context)
  const extractAndExpand = (dh: Uint8Array, kemContext: Uint8Array): Uint8Array => {
    const eaePrk = kdf.extract(EMPTY, EAE_PRK, dh);
    const out = kdf.expand(eaePrk, SHARED_SECRET, kemContext, Nsecret);
    wipe(eaePrk);
    return out;
  };

  return {
    id,
    Nsecret,
    Nenc: group.Npk,
    Npk: group.Npk,
    Nsk: group.Nsk,
    deriveKeyPair(ikm) {
      const { sk, handle } = derive(ikm);
      group.prime(sk, handle);
      return { privateKey: sk, publicKey: handle.publicKey.slice() };
    },
    encap(pkR, ikmE) {
      const { sk, handle } = derive(ikmE);
      wipe(sk);
      const dh = group.dh(handle, pkR, false);
      const enc = handle.publicKey.slice();
      const sharedSecret = extractAndExpand(dh, concat(enc, pkR));
      wipe(dh);
      return { sharedSecret, enc };
    },
    decap(enc, skR) {
      const handle = group.privateKey(skR, true);
      const dh = group.dh(handle, enc, true);
      const sharedSecret = extractAndExpand(dh, concat(enc, handle.publicKey));
      wipe(dh);
      return sharedSecret;
    },
    isValidPublicKey: (pk) => group.isValidPublicKey(pk),
    publicKeyOf: (sk) => group.privateKey(sk, true).publicKey.slice(),
  };
}
