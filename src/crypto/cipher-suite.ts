/**
 * RFC 9420 §5.1 and §17.1: the cipher suite — the one crypto boundary of mlskit.
 *
 * Protocol code calls only this interface. Implementations live in `src/crypto/` (the Node
 * provider composes synchronous `node:crypto`); nothing else imports a crypto library.
 */

/** RFC 9420 §17.1 cipher-suite code points. */
export const CipherSuiteId = {
  MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519: 0x0001,
  MLS_128_DHKEMP256_AES128GCM_SHA256_P256: 0x0002,
  MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519: 0x0003,
  MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448: 0x0004,
  MLS_256_DHKEMP521_AES256GCM_SHA512_P521: 0x0005,
  MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448: 0x0006,
  MLS_256_DHKEMP384_AES256GCM_SHA384_P384: 0x0007,
} as const;
export type CipherSuiteId = (typeof CipherSuiteId)[keyof typeof CipherSuiteId];

export const HashId = { SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' } as const;
export type HashId = (typeof HashId)[keyof typeof HashId];

/** RFC 9180 §7.1 KEM identifiers. */
export const KemId = {
  DHKEM_P256_HKDF_SHA256: 0x0010,
  DHKEM_P384_HKDF_SHA384: 0x0011,
  DHKEM_P521_HKDF_SHA512: 0x0012,
  DHKEM_X25519_HKDF_SHA256: 0x0020,
  DHKEM_X448_HKDF_SHA512: 0x0021,
} as const;
export type KemId = (typeof KemId)[keyof typeof KemId];

/** RFC 9180 §7.2 KDF identifiers. */
export const KdfId = { HKDF_SHA256: 0x0001, HKDF_SHA384: 0x0002, HKDF_SHA512: 0x0003 } as const;
export type KdfId = (typeof KdfId)[keyof typeof KdfId];

/** RFC 9180 §7.3 AEAD identifiers. */
export const AeadId = { AES_128_GCM: 0x0001, AES_256_GCM: 0x0002, CHACHA20_POLY1305: 0x0003 } as const;
export type AeadId = (typeof AeadId)[keyof typeof AeadId];

/** TLS SignatureScheme code points used by the RFC suites. */
export const SignatureSchemeId = {
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  ecdsa_secp521r1_sha512: 0x0603,
  ed25519: 0x0807,
  ed448: 0x0808,
} as const;
export type SignatureSchemeId = (typeof SignatureSchemeId)[keyof typeof SignatureSchemeId];

/** The static description of a suite (§17.1). */
export interface CipherSuiteParams {
  readonly id: CipherSuiteId;
  readonly name: string;
  readonly kem: KemId;
  readonly kdf: KdfId;
  readonly aead: AeadId;
  readonly hash: HashId;
  readonly signature: SignatureSchemeId;
  /** Hash / KDF output size. */
  readonly Nh: number;
  /** AEAD key size. */
  readonly Nk: number;
  /** AEAD nonce size. */
  readonly Nn: number;
}

export const CIPHER_SUITES: Readonly<Record<CipherSuiteId, CipherSuiteParams>> = Object.freeze({
  1: { id: 1, name: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519', kem: 0x0020, kdf: 1, aead: 1, hash: 'sha256', signature: 0x0807, Nh: 32, Nk: 16, Nn: 12 },
  2: { id: 2, name: 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256', kem: 0x0010, kdf: 1, aead: 1, hash: 'sha256', signature: 0x0403, Nh: 32, Nk: 16, Nn: 12 },
  3: { id: 3, name: 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519', kem: 0x0020, kdf: 1, aead: 3, hash: 'sha256', signature: 0x0807, Nh: 32, Nk: 32, Nn: 12 },
  4: { id: 4, name: 'MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448', kem: 0x0021, kdf: 3, aead: 2, hash: 'sha512', signature: 0x0808, Nh: 64, Nk: 32, Nn: 12 },
  5: { id: 5, name: 'MLS_256_DHKEMP521_AES256GCM_SHA512_P521', kem: 0x0012, kdf: 3, aead: 2, hash: 'sha512', signature: 0x0603, Nh: 64, Nk: 32, Nn: 12 },
  6: { id: 6, name: 'MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448', kem: 0x0021, kdf: 3, aead: 3, hash: 'sha512', signature: 0x0808, Nh: 64, Nk: 32, Nn: 12 },
  7: { id: 7, name: 'MLS_256_DHKEMP384_AES256GCM_SHA384_P384', kem: 0x0011, kdf: 2, aead: 2, hash: 'sha384', signature: 0x0503, Nh: 48, Nk: 32, Nn: 12 },
} satisfies Record<CipherSuiteId, CipherSuiteParams>);

export function isCipherSuiteId(n: number): n is CipherSuiteId {
  return Object.prototype.hasOwnProperty.call(CIPHER_SUITES, n);
}

export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

/**
 * HPKE (RFC 9180) in base mode, as MLS uses it. Keys are in RFC 9180 Serialize/DeserializePublicKey
 * and SerializePrivateKey form.
 */
export interface Hpke {
  readonly kem: KemId;
  /** Length of the KEM output (`enc`). */
  readonly Nenc: number;
  readonly Npk: number;
  readonly Nsk: number;
  /** SetupBaseS + Seal (single shot, RFC 9180 §6.1). */
  seal(publicKey: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { kemOutput: Uint8Array; ciphertext: Uint8Array };
  /** SetupBaseR + Open. Throws CryptoError('ERR_CRYPTO_HPKE_OPEN') on any failure. */
  open(privateKey: Uint8Array, kemOutput: Uint8Array, info: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  /** SetupBaseS + Export (used for external init, RFC 9420 §8.3). */
  exportSender(publicKey: Uint8Array, info: Uint8Array, exporterContext: Uint8Array, length: number): { kemOutput: Uint8Array; secret: Uint8Array };
  /** SetupBaseR + Export. */
  exportReceiver(privateKey: Uint8Array, kemOutput: Uint8Array, info: Uint8Array, exporterContext: Uint8Array, length: number): Uint8Array;
  /** RFC 9180 §7.1.3 DeriveKeyPair. */
  deriveKeyPair(ikm: Uint8Array): KeyPair;
  generateKeyPair(): KeyPair;
  /** RFC 9180 §7.1.4 / RFC 9420 R-5.1.1-01: does the key deserialize for this KEM? */
  isValidPublicKey(publicKey: Uint8Array): boolean;
}

/** The suite's signature scheme. Public keys are raw (EdDSA) or uncompressed SEC1 (ECDSA). */
export interface SignatureScheme {
  readonly id: SignatureSchemeId;
  /** Signs. EdDSA private keys are the seed; ECDSA ones the big-endian scalar. ECDSA output is DER. */
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** Returns false (never throws) for a bad signature, a malformed signature or a malformed key. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  generateKeyPair(): KeyPair;
  publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array;
  isValidPublicKey(publicKey: Uint8Array): boolean;
  /**
   * Many verifications at once, spread over every core (same verdicts as `verify`). Optional: a
   * provider without it is used one signature at a time.
   */
  verifyBatch?(checks: readonly { readonly publicKey: Uint8Array; readonly message: Uint8Array; readonly signature: Uint8Array }[]): Promise<boolean[]>;
}

/** Everything protocol code may ask of cryptography. */
export interface CipherSuite extends CipherSuiteParams {
  hashData(data: Uint8Array): Uint8Array;
  mac(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** Constant-time MAC check. */
  verifyMac(key: Uint8Array, data: Uint8Array, tag: Uint8Array): boolean;
  /** HKDF-Extract(salt, ikm). */
  extract(salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  /** HKDF-Expand(prk, info, length). */
  expand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** AEAD seal: returns ciphertext || tag. */
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** AEAD open. Throws CryptoError('ERR_CRYPTO_AEAD_OPEN') on failure. */
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  readonly hpke: Hpke;
  readonly signatureScheme: SignatureScheme;
  /** The only source of randomness in mlskit (tests inject their own). */
  random(length: number): Uint8Array;
}

export type RandomSource = (length: number) => Uint8Array;
