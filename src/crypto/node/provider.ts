/**
 * The Node provider: a CipherSuite for each RFC 9420 suite built on synchronous `node:crypto`.
 */
import { randomFillSync } from 'node:crypto';
import { CryptoError } from '../../errors.js';
import { CIPHER_SUITES, isCipherSuiteId, type CipherSuite, type RandomSource, type SignatureScheme } from '../cipher-suite.js';
import { verifyBatch } from './verify-batch.js';
import { aeadOpen, aeadSeal, hash, hkdfExpand, hkdfExtract, hmac, verifyHmac } from './symmetric.js';
import { createHpke } from './hpke.js';
import { createSignatureScheme } from './signature.js';

export const nodeRandom: RandomSource = (n) => randomFillSync(new Uint8Array(n));

export interface CipherSuiteOptions {
  /** Replace the random source (tests and vectors only). */
  random?: RandomSource;
}

const defaults = new Map<number, CipherSuite>();

/** Adds node's thread-pool batch verification (verify-batch.ts) to a scheme. */
function withBatch(scheme: SignatureScheme): SignatureScheme {
  return Object.freeze({ ...scheme, verifyBatch: (checks: Parameters<NonNullable<SignatureScheme['verifyBatch']>>[0]) => verifyBatch(scheme.id, checks) });
}

/** The Node implementation of cipher suite `id`. Suites with default options are shared. */
export function nodeCipherSuite(id: number, options: CipherSuiteOptions = {}): CipherSuite {
  if (options.random === undefined) {
    const cached = defaults.get(id);
    if (cached !== undefined) return cached;
  }
  if (!isCipherSuiteId(id)) {
    throw new CryptoError('ERR_CRYPTO_UNSUPPORTED_SUITE', `cipher suite 0x${id.toString(16).padStart(4, '0')} is not supported`);
  }
  const p = CIPHER_SUITES[id];
  const random = options.random ?? nodeRandom;
  const suite: CipherSuite = Object.freeze({
    ...p,
    hashData: (data: Uint8Array) => hash(p.hash, data),
    mac: (key: Uint8Array, data: Uint8Array) => hmac(p.hash, key, data),
    verifyMac: (key: Uint8Array, data: Uint8Array, tag: Uint8Array) => verifyHmac(p.hash, key, data, tag),
    extract: (salt: Uint8Array, ikm: Uint8Array) => hkdfExtract(p.hash, salt, ikm),
    expand: (prk: Uint8Array, info: Uint8Array, length: number) => hkdfExpand(p.hash, p.Nh, prk, info, length),
    seal: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array) => aeadSeal(p.aead, key, nonce, aad, pt),
    open: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array) => aeadOpen(p.aead, key, nonce, aad, ct),
    hpke: createHpke(p.kem, p.kdf, p.aead, random),
    signatureScheme: withBatch(createSignatureScheme(p.signature, random)),
    random,
  });
  if (options.random === undefined) defaults.set(id, suite);
  return suite;
}
