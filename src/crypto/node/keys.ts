/**
 * Raw key bytes ↔ `node:crypto` KeyObjects for the curves of RFC 9420 §17.1, and the caches that
 * make repeated use of a key cheap.
 *
 * Formats (RFC 9420 §5.1.1, RFC 9180 §7.1.1–7.1.2): X25519/X448 (RFC 7748) and Ed25519/Ed448
 * (RFC 8032) keys are raw bytes, imported as RFC 8037 OKP JWKs; NIST keys are uncompressed SEC1
 * points (04 || X || Y) and fixed-width big-endian scalars.
 *
 * Import costs on Node 20 / OpenSSL 3 decide the formats (see PERFORMANCE.md): JWK import skips
 * OpenSSL's slow DER decoder framework (~100 µs per call, ~350 µs for PKCS#8) — except that for
 * EC keys it also runs a full key check, a scalar multiplication that is cheap on P-256 but costs
 * 0.5–1.3 ms on P-384/P-521, where DER is then the faster road.
 */
import { ECDH, createECDH, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { CryptoError } from '../../errors.js';
import { bytesEqual, concat, constantTimeEqual, fromHex } from '../../util/bytes.js';

// ---------------------------------------------------------------------------------------------
// Caches
// ---------------------------------------------------------------------------------------------

/**
 * A cache of values derived from key bytes (KeyObjects, public keys).
 *
 * The first level is a WeakMap on the identity of the caller's buffer — callers keep key bytes in
 * their state, so the same Uint8Array comes back — and it lives exactly as long as that buffer.
 * Each entry keeps a copy of the bytes it was made from and is used only if they still match, so a
 * caller that overwrites (wipes) or reuses a buffer never gets a stale key.
 *
 * Public keys also get a bounded second level keyed by content (base64url), for keys that arrive
 * in fresh buffers (views into decoded messages). Private keys never do: a secret held as a string
 * in a long-lived map could not be wiped and would outlive the caller's state.
 */
export class KeyCache<V> {
  private readonly byRef = new WeakMap<Uint8Array, { readonly bytes: Uint8Array; readonly value: V }>();
  private readonly byContent: Map<string, V> | undefined;

  constructor(
    private readonly secret: boolean,
    private readonly maxContentEntries = 1024,
  ) {
    this.byContent = secret ? undefined : new Map();
  }

  get(bytes: Uint8Array, make: (bytes: Uint8Array) => V): V {
    const hit = this.byRef.get(bytes);
    if (hit !== undefined && (this.secret ? constantTimeEqual(hit.bytes, bytes) : bytesEqual(hit.bytes, bytes))) {
      return hit.value;
    }
    let value: V | undefined;
    let id: string | undefined;
    if (this.byContent !== undefined) {
      id = b64u(bytes);
      value = this.byContent.get(id);
      if (value !== undefined) {
        // Keep recently used keys: move the entry to the young end of the insertion order.
        this.byContent.delete(id);
        this.byContent.set(id, value);
      }
    }
    if (value === undefined) {
      value = make(bytes);
      if (this.byContent !== undefined && id !== undefined) {
        this.byContent.set(id, value);
        if (this.byContent.size > this.maxContentEntries) {
          const oldest = this.byContent.keys().next();
          if (oldest.done !== true) this.byContent.delete(oldest.value);
        }
      }
    }
    this.byRef.set(bytes, { bytes: own(bytes), value });
    return value;
  }

  /** Records a value already computed for `bytes` (e.g. the key object made while deriving it). */
  prime(bytes: Uint8Array, value: V): void {
    this.byRef.set(bytes, { bytes: own(bytes), value });
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

export function invalidKey(message: string, cause?: unknown): CryptoError {
  return new CryptoError('ERR_CRYPTO_INVALID_KEY', message, cause === undefined ? {} : { cause });
}

/** base64url of a Uint8Array without copying it. */
export function b64u(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
}

/** Decodes base64url into an owned, plain Uint8Array (small Buffers come from a shared pool). */
function fromB64u(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

/**
 * An owned, plain Uint8Array copy. Not `b.slice()`: on a Node Buffer (which callers may pass, and
 * node:crypto returns) `slice` makes a view that shares memory.
 */
export function own(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

/** DER tag-length-value (definite length), enough for the fixed key containers below. */
function tlv(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return concat(Uint8Array.of(tag, ...len), body);
}

// ---------------------------------------------------------------------------------------------
// OKP keys: X25519, X448, Ed25519, Ed448
// ---------------------------------------------------------------------------------------------

export type OkpCurve = 'X25519' | 'X448' | 'Ed25519' | 'Ed448';

/** Key sizes (public and private are the same length for all four) and RFC 8410 OIDs. */
const OKP: Readonly<Record<OkpCurve, { readonly size: number; readonly oid: string }>> = Object.freeze({
  X25519: { size: 32, oid: '2b656e' },
  X448: { size: 56, oid: '2b656f' },
  Ed25519: { size: 32, oid: '2b6570' },
  Ed448: { size: 57, oid: '2b6571' },
});

export function okpKeySize(crv: OkpCurve): number {
  return OKP[crv].size;
}

export interface OkpPrivateKey {
  readonly key: KeyObject;
  /** pk(sk), raw. Internal: hand callers a copy. */
  readonly publicKey: Uint8Array;
}

/**
 * A placeholder `x` for private JWKs. Node requires the member but, for OKP keys, builds the key
 * from `d` alone (EVP_PKEY_new_raw_private_key) and derives the public key from it — the fastest
 * way to compute pk(sk) that node:crypto offers (~37 µs for X25519 vs ~390 µs through PKCS#8).
 * `importOkpPrivate` checks that the public key really was derived and otherwise falls back to
 * PKCS#8, so a future Node that used or checked `x` stays correct.
 */
const PLACEHOLDER_X: Readonly<Record<OkpCurve, string>> = Object.freeze({
  X25519: b64u(new Uint8Array(32)),
  X448: b64u(new Uint8Array(56)),
  Ed25519: b64u(new Uint8Array(32)),
  Ed448: b64u(new Uint8Array(57)),
});

/** Imports a raw OKP private key (X25519/X448 scalar, EdDSA seed). Uncached. */
export function importOkpPrivate(crv: OkpCurve, d: Uint8Array): OkpPrivateKey {
  if (d.length !== OKP[crv].size) throw invalidKey(`${crv} private key must be ${OKP[crv].size} bytes, got ${d.length}`);
  try {
    const key = createPrivateKey({ key: { kty: 'OKP', crv, d: b64u(d), x: PLACEHOLDER_X[crv] }, format: 'jwk' });
    // The private JWK export carries the public key OpenSSL holds for this key.
    const jwkX = key.export({ format: 'jwk' }).x;
    // No X25519/X448 secret has the all-zero public key, and no Ed25519/Ed448 one either (the
    // all-zero encoding is a small-order point), so seeing it means Node kept our placeholder.
    if (jwkX === undefined || jwkX === PLACEHOLDER_X[crv]) throw new Error('public key not derived');
    return { key, publicKey: fromB64u(jwkX) };
  } catch {
    return importOkpPrivatePkcs8(crv, d);
  }
}

/** The slow, format-guaranteed import (RFC 8410 PKCS#8). Exported for tests of the fast path. */
export function importOkpPrivatePkcs8(crv: OkpCurve, d: Uint8Array): OkpPrivateKey {
  if (d.length !== OKP[crv].size) throw invalidKey(`${crv} private key must be ${OKP[crv].size} bytes, got ${d.length}`);
  try {
    const alg = tlv(0x30, tlv(0x06, fromHex(OKP[crv].oid)));
    const der = tlv(0x30, concat(Uint8Array.of(0x02, 0x01, 0x00), alg, tlv(0x04, tlv(0x04, d))));
    const key = createPrivateKey({ key: Buffer.from(der.buffer, der.byteOffset, der.byteLength), format: 'der', type: 'pkcs8' });
    const jwkX = createPublicKey(key).export({ format: 'jwk' }).x;
    if (jwkX === undefined) throw new Error('no public key');
    return { key, publicKey: fromB64u(jwkX) };
  } catch (cause) {
    throw invalidKey(`${crv} private key rejected`, cause);
  }
}

/** Imports a raw OKP public key. Any string of the right length imports (RFC 7748 §5 decoding). */
export function importOkpPublic(crv: OkpCurve, x: Uint8Array): KeyObject {
  if (x.length !== OKP[crv].size) throw invalidKey(`${crv} public key must be ${OKP[crv].size} bytes, got ${x.length}`);
  try {
    return createPublicKey({ key: { kty: 'OKP', crv, x: b64u(x) }, format: 'jwk' });
  } catch (cause) {
    throw invalidKey(`${crv} public key rejected`, cause);
  }
}

const okpPrivateCaches = new Map<OkpCurve, KeyCache<OkpPrivateKey>>();
const okpPublicCaches = new Map<OkpCurve, KeyCache<KeyObject>>();

export function okpPrivateCache(crv: OkpCurve): KeyCache<OkpPrivateKey> {
  let c = okpPrivateCaches.get(crv);
  if (c === undefined) okpPrivateCaches.set(crv, (c = new KeyCache<OkpPrivateKey>(true)));
  return c;
}

function okpPublicCache(crv: OkpCurve): KeyCache<KeyObject> {
  let c = okpPublicCaches.get(crv);
  if (c === undefined) okpPublicCaches.set(crv, (c = new KeyCache<KeyObject>(false)));
  return c;
}

/** Cached `importOkpPrivate`, keyed by the caller's buffer. */
export function okpPrivateKey(crv: OkpCurve, d: Uint8Array): OkpPrivateKey {
  return okpPrivateCache(crv).get(d, (b) => importOkpPrivate(crv, b));
}

/** Cached `importOkpPublic`. */
export function okpPublicKey(crv: OkpCurve, x: Uint8Array): KeyObject {
  return okpPublicCache(crv).get(x, (b) => importOkpPublic(crv, b));
}

// ---------------------------------------------------------------------------------------------
// NIST keys: P-256, P-384, P-521
// ---------------------------------------------------------------------------------------------

export type EcCurve = 'P-256' | 'P-384' | 'P-521';

export interface EcParams {
  readonly crv: EcCurve;
  /** OpenSSL's name for createECDH / ECDH.convertKey. */
  readonly nodeName: string;
  /** Scalar width: Nsk (RFC 9180 §7.1) and the width of the ECDSA private key. */
  readonly Nsk: number;
  /** Uncompressed point length: Npk. */
  readonly Npk: number;
  /** The group order n, big-endian, Nsk bytes (RFC 9180 §7.1.3). */
  readonly order: Uint8Array;
  /** RFC 9180 §7.1.3 DeriveKeyPair mask for the first byte (0x01 clears P-521's 7 excess bits). */
  readonly bitmask: number;
  readonly oid: string;
  /** Import via DER (true) or JWK (false); see the file header. */
  readonly derImport: boolean;
}

export const EC: Readonly<Record<EcCurve, EcParams>> = Object.freeze({
  'P-256': {
    crv: 'P-256',
    nodeName: 'prime256v1',
    Nsk: 32,
    Npk: 65,
    order: fromHex('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'),
    bitmask: 0xff,
    oid: '2a8648ce3d030107',
    derImport: false,
  },
  'P-384': {
    crv: 'P-384',
    nodeName: 'secp384r1',
    Nsk: 48,
    Npk: 97,
    order: fromHex('ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973'),
    bitmask: 0xff,
    oid: '2b81040022',
    derImport: true,
  },
  'P-521': {
    crv: 'P-521',
    nodeName: 'secp521r1',
    Nsk: 66,
    Npk: 133,
    order: fromHex(
      '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
    ),
    bitmask: 0x01,
    oid: '2b81040023',
    derImport: true,
  },
});

const EC_PUBLIC_KEY_OID = fromHex('2a8648ce3d0201');

function ecAlgorithmId(p: EcParams): Uint8Array {
  return tlv(0x30, concat(tlv(0x06, EC_PUBLIC_KEY_OID), tlv(0x06, fromHex(p.oid))));
}

/** SubjectPublicKeyInfo up to the point (RFC 5480), per curve. */
const SPKI_PREFIX: Readonly<Record<EcCurve, Uint8Array>> = Object.freeze({
  'P-256': spkiPrefix(EC['P-256']),
  'P-384': spkiPrefix(EC['P-384']),
  'P-521': spkiPrefix(EC['P-521']),
});

function spkiPrefix(p: EcParams): Uint8Array {
  const full = tlv(0x30, concat(ecAlgorithmId(p), tlv(0x03, concat(Uint8Array.of(0), new Uint8Array(p.Npk)))));
  return full.subarray(0, full.length - p.Npk);
}

/**
 * Is 0 < s < n? `s` is big-endian, exactly Nsk bytes. The loop runs over every byte whatever the
 * values, so the time does not depend on the secret.
 */
export function isValidScalar(p: EcParams, s: Uint8Array): boolean {
  if (s.length !== p.Nsk) return false;
  let lt = 0; // s < n decided
  let gt = 0; // s > n decided
  let nonzero = 0;
  for (let i = 0; i < s.length; i++) {
    const a = s[i]!;
    const b = p.order[i]!;
    const undecided = 1 ^ (lt | gt);
    lt |= undecided & (((a - b) >>> 31) & 1);
    gt |= undecided & (((b - a) >>> 31) & 1);
    nonzero |= a;
  }
  return lt === 1 && nonzero !== 0;
}

/** A NIST private key ready for use: the ECDH object holds it, the KeyObject is made on demand. */
export class EcPrivateKey {
  private keyObject: KeyObject | undefined;

  constructor(
    readonly params: EcParams,
    /** The scalar, Nsk bytes (an owned copy). */
    private readonly d: Uint8Array,
    readonly ecdh: ECDH,
    /** pk(sk), uncompressed SEC1. Internal: hand callers a copy. */
    readonly publicKey: Uint8Array,
  ) {}

  get key(): KeyObject {
    if (this.keyObject === undefined) this.keyObject = importEcPrivateKeyObject(this.params, this.d, this.publicKey);
    return this.keyObject;
  }
}

/**
 * Imports an EC scalar. `d` must be Nsk bytes with 0 < d < n (callers that accept shorter keys pad
 * first). pk(sk) comes from ECDH.setPrivateKey, the cheapest scalar-base multiplication exposed.
 */
export function importEcPrivate(p: EcParams, d: Uint8Array): EcPrivateKey {
  if (!isValidScalar(p, d)) throw invalidKey(`${p.crv} private key must be a ${p.Nsk}-byte scalar in [1, n-1]`);
  try {
    const ecdh = createECDH(p.nodeName);
    ecdh.setPrivateKey(d);
    return new EcPrivateKey(p, own(d), ecdh, own(ecdh.getPublicKey()));
  } catch (cause) {
    throw invalidKey(`${p.crv} private key rejected`, cause);
  }
}

function importEcPrivateKeyObject(p: EcParams, d: Uint8Array, pub: Uint8Array): KeyObject {
  try {
    if (p.derImport) {
      // RFC 5915 ECPrivateKey inside RFC 5208 PKCS#8, with the public key included so that
      // OpenSSL does not recompute it.
      const ecPrivateKey = tlv(
        0x30,
        concat(Uint8Array.of(0x02, 0x01, 0x01), tlv(0x04, d), tlv(0xa1, tlv(0x03, concat(Uint8Array.of(0), pub)))),
      );
      const der = tlv(0x30, concat(Uint8Array.of(0x02, 0x01, 0x00), ecAlgorithmId(p), tlv(0x04, ecPrivateKey)));
      return createPrivateKey({ key: Buffer.from(der.buffer, der.byteOffset, der.byteLength), format: 'der', type: 'pkcs8' });
    }
    const w = p.Nsk;
    return createPrivateKey({
      key: { kty: 'EC', crv: p.crv, d: b64u(d), x: b64u(pub.subarray(1, 1 + w)), y: b64u(pub.subarray(1 + w)) },
      format: 'jwk',
    });
  } catch (cause) {
    throw invalidKey(`${p.crv} private key rejected`, cause);
  }
}

/** Imports an uncompressed SEC1 point; OpenSSL checks the coordinates are in range and on the curve. */
export function importEcPublic(p: EcParams, pub: Uint8Array): KeyObject {
  if (pub.length !== p.Npk || pub[0] !== 0x04) {
    throw invalidKey(`${p.crv} public key must be an uncompressed ${p.Npk}-byte point`);
  }
  try {
    if (p.derImport) {
      const der = concat(SPKI_PREFIX[p.crv], pub);
      return createPublicKey({ key: Buffer.from(der.buffer, der.byteOffset, der.byteLength), format: 'der', type: 'spki' });
    }
    const w = p.Nsk;
    return createPublicKey({
      key: { kty: 'EC', crv: p.crv, x: b64u(pub.subarray(1, 1 + w)), y: b64u(pub.subarray(1 + w)) },
      format: 'jwk',
    });
  } catch (cause) {
    throw invalidKey(`${p.crv} public key rejected`, cause);
  }
}

/**
 * RFC 9180 §7.1.4 partial public-key validation (SP 800-56A §5.6.2.3.4): uncompressed form,
 * coordinates below p, point on the curve (the encoding excludes the point at infinity).
 * ECDH.convertKey decodes the point through OpenSSL (~10 µs) without building a key.
 */
export function isValidEcPublicKey(p: EcParams, pub: Uint8Array): boolean {
  if (pub.length !== p.Npk || pub[0] !== 0x04) return false;
  try {
    ECDH.convertKey(pub, p.nodeName);
    return true;
  } catch {
    return false;
  }
}

const ecPrivateCaches = new Map<EcCurve, KeyCache<EcPrivateKey>>();
const ecPublicCaches = new Map<EcCurve, KeyCache<KeyObject>>();

export function ecPrivateCache(crv: EcCurve): KeyCache<EcPrivateKey> {
  let c = ecPrivateCaches.get(crv);
  if (c === undefined) ecPrivateCaches.set(crv, (c = new KeyCache<EcPrivateKey>(true)));
  return c;
}

/** Cached `importEcPublic`. */
export function ecPublicKey(p: EcParams, pub: Uint8Array): KeyObject {
  let c = ecPublicCaches.get(p.crv);
  if (c === undefined) ecPublicCaches.set(p.crv, (c = new KeyCache<KeyObject>(false)));
  return c.get(pub, (b) => importEcPublic(p, b));
}

/**
 * Benchmark and test seam: forgets every cached public KeyObject, so the next use of any public key
 * imports it again, as in a process that has never seen it (e.g. a client joining a group). Private
 * key caches are left alone: they hold the caller's own keys, keyed by the caller's buffers.
 */
export function clearPublicKeyCaches(): void {
  okpPublicCaches.clear();
  ecPublicCaches.clear();
}
