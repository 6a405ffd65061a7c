/**
 * Signature schemes of RFC 9420 §17.1 on node:crypto: Ed25519/Ed448 (RFC 8032) and ECDSA
 * P-256/P-384/P-521 with DER signatures — round trips, RFC 8032 vectors, agreement with keys
 * imported independently into node:crypto, and the rule that verify() never throws.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { CIPHER_SUITES, type CipherSuiteId, type SignatureSchemeId } from '../../src/crypto/cipher-suite.js';
import { nodeCipherSuite, nodeRandom } from '../../src/crypto/node/provider.js';
import { createSignatureScheme } from '../../src/crypto/node/signature.js';
import { CryptoError } from '../../src/errors.js';
import { concat, fromHex, toHex, utf8 } from '../../src/util/bytes.js';

const SCHEMES: { id: SignatureSchemeId; name: string; suite: CipherSuiteId; Npk: number; Nsk: number }[] = [
  { id: 0x0807, name: 'Ed25519', suite: 1, Npk: 32, Nsk: 32 },
  { id: 0x0808, name: 'Ed448', suite: 4, Npk: 57, Nsk: 57 },
  { id: 0x0403, name: 'ECDSA P-256/SHA-256', suite: 2, Npk: 65, Nsk: 32 },
  { id: 0x0503, name: 'ECDSA P-384/SHA-384', suite: 7, Npk: 97, Nsk: 48 },
  { id: 0x0603, name: 'ECDSA P-521/SHA-512', suite: 5, Npk: 133, Nsk: 66 },
];

const ECDSA: Record<number, { crv: 'P-256' | 'P-384' | 'P-521'; hash: string; order: bigint }> = {
  0x0403: { crv: 'P-256', hash: 'sha256', order: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n },
  0x0503: {
    crv: 'P-384',
    hash: 'sha384',
    order: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  },
  0x0603: {
    crv: 'P-521',
    hash: 'sha512',
    order: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
  },
};

function b64u(s: string | undefined): Uint8Array {
  assert.ok(s !== undefined);
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

/** The raw public key of a node KeyObject, in the MLS format. */
function rawPublic(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  return jwk.kty === 'OKP' ? b64u(jwk.x) : concat(Uint8Array.of(4), b64u(jwk.x), b64u(jwk.y));
}

function invalidKey(f: () => unknown): void {
  assert.throws(f, (err: unknown) => err instanceof CryptoError && err.code === 'ERR_CRYPTO_INVALID_KEY');
}

/** DER ECDSA-Sig-Value { r, s } ↔ integers (test-side only, to build malleated signatures). */
function derToRS(sig: Uint8Array): [bigint, bigint] {
  let at = 2;
  if (sig[1]! & 0x80) at += sig[1]! & 0x7f;
  const read = (): bigint => {
    assert.equal(sig[at], 0x02);
    const len = sig[at + 1]!;
    const v = BigInt('0x' + toHex(sig.subarray(at + 2, at + 2 + len)));
    at += 2 + len;
    return v;
  };
  return [read(), read()];
}

/** DER of { r, s }; `padS` adds a needless leading zero byte to s (a non-canonical encoding). */
function rsToDer(r: bigint, s: bigint, padS = false): Uint8Array {
  const int = (v: bigint, pad: boolean): Uint8Array => {
    let hex = v.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    let b = fromHex(hex);
    if (b[0]! & 0x80) b = concat(Uint8Array.of(0), b);
    if (pad) b = concat(Uint8Array.of(0), b);
    return concat(Uint8Array.of(0x02, b.length), b);
  };
  const body = concat(int(r, false), int(s, padS));
  return body.length < 0x80 ? concat(Uint8Array.of(0x30, body.length), body) : concat(Uint8Array.of(0x30, 0x81, body.length), body);
}

for (const s of SCHEMES) {
  describe(`${s.name} (0x${s.id.toString(16).padStart(4, '0')})`, () => {
    const scheme = nodeCipherSuite(s.suite).signatureScheme;
    const msg = utf8('MLS 1.0 a message to sign');

    test('is the scheme of its suite', () => {
      assert.equal(scheme.id, s.id);
      assert.equal(CIPHER_SUITES[s.suite].signature, s.id);
    });

    test('sign / verify round trip, and key sizes', () => {
      for (let i = 0; i < 3; i++) {
        const kp = scheme.generateKeyPair();
        assert.equal(kp.publicKey.length, s.Npk);
        assert.equal(kp.privateKey.length, s.Nsk);
        assert.ok(scheme.isValidPublicKey(kp.publicKey));
        assert.deepEqual(scheme.publicKeyFromPrivate(kp.privateKey), kp.publicKey);
        for (const m of [new Uint8Array(0), msg, new Uint8Array(5000).fill(7)]) {
          const sig = scheme.sign(kp.privateKey, m);
          assert.ok(scheme.verify(kp.publicKey, m, sig));
        }
      }
    });

    test('verify is false for a tampered message, a tampered signature, another key', () => {
      const kp = scheme.generateKeyPair();
      const sig = scheme.sign(kp.privateKey, msg);
      const m2 = msg.slice();
      m2[3]! ^= 1;
      assert.equal(scheme.verify(kp.publicKey, m2, sig), false);
      assert.equal(scheme.verify(kp.publicKey, msg.subarray(1), sig), false);
      for (const i of [0, 5, sig.length - 1]) {
        const bad = sig.slice();
        bad[i]! ^= 0x10;
        assert.equal(scheme.verify(kp.publicKey, msg, bad), false, `byte ${i}`);
      }
      assert.equal(scheme.verify(scheme.generateKeyPair().publicKey, msg, sig), false);
    });

    test('verify is false, never a throw, for malformed keys and garbage signatures', () => {
      const kp = scheme.generateKeyPair();
      const sig = scheme.sign(kp.privateKey, msg);
      const badKeys = [
        new Uint8Array(0),
        kp.publicKey.subarray(1),
        concat(kp.publicKey, Uint8Array.of(0)),
        new Uint8Array(s.Npk),
        new Uint8Array(s.Npk).fill(0xff),
        kp.privateKey,
      ];
      if (s.Npk > 60) {
        const offCurve = kp.publicKey.slice();
        offCurve[offCurve.length - 1]! ^= 1;
        const compressed = kp.publicKey.slice();
        compressed[0] = 0x02;
        badKeys.push(offCurve, compressed);
      }
      for (const pk of badKeys) assert.equal(scheme.verify(pk, msg, sig), false, `key ${toHex(pk)}`);
      const garbage = [
        new Uint8Array(0),
        Uint8Array.of(0x30),
        Uint8Array.of(0x30, 0x00),
        Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00),
        nodeRandom(sig.length),
        nodeRandom(64),
        new Uint8Array(sig.length),
        concat(sig, Uint8Array.of(0)),
        sig.subarray(0, sig.length - 1),
        new Uint8Array(100_000),
      ];
      for (const g of garbage) assert.equal(scheme.verify(kp.publicKey, msg, g), false, `signature ${toHex(g.subarray(0, 16))}`);
    });

    test('isValidPublicKey: right length (and, for ECDSA, an uncompressed point on the curve)', () => {
      const kp = scheme.generateKeyPair();
      assert.ok(scheme.isValidPublicKey(kp.publicKey));
      assert.equal(scheme.isValidPublicKey(new Uint8Array(0)), false);
      assert.equal(scheme.isValidPublicKey(kp.publicKey.subarray(1)), false);
      assert.equal(scheme.isValidPublicKey(concat(kp.publicKey, Uint8Array.of(1))), false);
      if (s.Npk > 60) {
        const offCurve = kp.publicKey.slice();
        offCurve[offCurve.length - 1]! ^= 1;
        assert.equal(scheme.isValidPublicKey(offCurve), false);
        const compressed = kp.publicKey.slice();
        compressed[0] = 0x03;
        assert.equal(scheme.isValidPublicKey(compressed), false);
        assert.equal(scheme.isValidPublicKey(new Uint8Array(s.Npk)), false);
      }
    });

    test('sign refuses malformed private keys with ERR_CRYPTO_INVALID_KEY', () => {
      invalidKey(() => scheme.sign(new Uint8Array(0), msg));
      invalidKey(() => scheme.sign(new Uint8Array(s.Nsk + 1), msg));
      invalidKey(() => scheme.publicKeyFromPrivate(new Uint8Array(s.Nsk + 1)));
      if (s.Npk > 60) {
        invalidKey(() => scheme.sign(new Uint8Array(s.Nsk), msg)); // 0
        const n = ECDSA[s.id]!.order;
        invalidKey(() => scheme.sign(fromHex(n.toString(16).padStart(2 * s.Nsk, '0')), msg)); // n
      } else {
        invalidKey(() => scheme.sign(new Uint8Array(s.Nsk - 1), msg));
      }
    });

    test('generateKeyPair draws from the injected random source', () => {
      const seed = nodeRandom(s.Nsk);
      if (s.id === 0x0603) seed[0]! &= 0x01;
      const replay = (n: number): Uint8Array => {
        assert.equal(n, s.Nsk);
        return seed.slice();
      };
      const a = createSignatureScheme(s.id, replay).generateKeyPair();
      const b = createSignatureScheme(s.id, replay).generateKeyPair();
      assert.deepEqual(a, b);
      assert.deepEqual(a.privateKey, seed);
    });

    test('a private-key buffer that is overwritten is not served from the cache', () => {
      const k1 = scheme.generateKeyPair();
      const k2 = scheme.generateKeyPair();
      const buf = k1.privateKey.slice();
      assert.ok(scheme.verify(k1.publicKey, msg, scheme.sign(buf, msg)));
      buf.set(k2.privateKey);
      assert.ok(scheme.verify(k2.publicKey, msg, scheme.sign(buf, msg)));
      assert.deepEqual(scheme.publicKeyFromPrivate(buf), k2.publicKey);
    });

    test('Node Buffers as keys: overwriting one is noticed; outputs are plain Uint8Arrays', () => {
      const k1 = scheme.generateKeyPair();
      const k2 = scheme.generateKeyPair();
      const buf = Buffer.from(k1.privateKey);
      const sig = scheme.sign(buf, msg);
      assert.ok(!(sig instanceof Buffer));
      assert.ok(scheme.verify(Buffer.from(k1.publicKey), msg, Buffer.from(sig)));
      buf.set(k2.privateKey);
      assert.ok(scheme.verify(k2.publicKey, msg, scheme.sign(buf, msg)));
      const src = Buffer.from(nodeRandom(s.Nsk));
      if (s.id === 0x0603) src[0]! &= 0x01;
      const kp = createSignatureScheme(s.id, () => src).generateKeyPair();
      assert.ok(!(kp.privateKey instanceof Buffer) && kp.privateKey.buffer !== src.buffer, 'the private key is a copy');
    });

    test('agrees with keys imported independently into node:crypto', () => {
      const ec = ECDSA[s.id];
      const pair =
        ec !== undefined ? generateKeyPairSync('ec', { namedCurve: ec.crv }) : s.name === 'Ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ed448');
      const jwk = pair.privateKey.export({ format: 'jwk' });
      const sk = b64u(jwk.d);
      const pk = rawPublic(pair.publicKey);
      assert.deepEqual(scheme.publicKeyFromPrivate(sk), pk);
      const hash = ec === undefined ? null : ec.hash;
      // node → ours
      assert.ok(scheme.verify(pk, msg, new Uint8Array(nodeSign(hash, msg, pair.privateKey))));
      // ours → node
      assert.ok(nodeVerify(hash, msg, pair.publicKey, scheme.sign(sk, msg)));
      if (ec === undefined) {
        // EdDSA is deterministic: byte-identical to node signing with the PKCS#8-imported key.
        assert.deepEqual(scheme.sign(sk, msg), new Uint8Array(nodeSign(null, msg, pair.privateKey)));
      }
    });

    if (ECDSA[s.id] !== undefined) {
      const ec = ECDSA[s.id]!;

      test('accepts high-S signatures (RFC 9420 does not require low-S) and signs in DER', () => {
        const kp = scheme.generateKeyPair();
        let sawHigh = false;
        let sawLow = false;
        for (let i = 0; i < 16; i++) {
          const sig = scheme.sign(kp.privateKey, msg);
          assert.equal(sig[0], 0x30);
          const [r, sv] = derToRS(sig);
          assert.deepEqual(rsToDer(r, sv), sig, 'canonical DER');
          const flipped = rsToDer(r, ec.order - sv);
          assert.ok(scheme.verify(kp.publicKey, msg, flipped), 'the malleated (n - s) signature verifies too');
          if (2n * sv > ec.order) sawHigh = true;
          else sawLow = true;
        }
        assert.ok(sawHigh && sawLow, 'OpenSSL produces both high and low S');
      });

      test('rejects r or s out of range, and non-canonical DER', () => {
        const kp = scheme.generateKeyPair();
        const [r, sv] = derToRS(scheme.sign(kp.privateKey, msg));
        assert.equal(scheme.verify(kp.publicKey, msg, rsToDer(r, sv + ec.order)), false);
        assert.equal(scheme.verify(kp.publicKey, msg, rsToDer(0n, sv)), false);
        assert.equal(scheme.verify(kp.publicKey, msg, rsToDer(r, 0n)), false);
        assert.ok(scheme.verify(kp.publicKey, msg, rsToDer(r, sv)));
        const nonCanonical = rsToDer(r, sv, true); // the same integers, s with a needless 00
        assert.equal(scheme.verify(kp.publicKey, msg, nonCanonical), false);
      });

      test('a private scalar shorter than Nsk is left-padded', () => {
        // Scalars with a leading zero byte, as some encoders drop it.
        const seed = nodeRandom(s.Nsk);
        seed[0] = 0;
        const kp = createSignatureScheme(s.id, () => seed.slice()).generateKeyPair();
        const short = kp.privateKey.subarray(1);
        assert.deepEqual(scheme.publicKeyFromPrivate(short), kp.publicKey);
        assert.ok(scheme.verify(kp.publicKey, msg, scheme.sign(short, msg)));
      });

      test('generateKeyPair rejects scalars outside [1, n-1] and gives up on a broken source', () => {
        const n = fromHex(ec.order.toString(16).padStart(2 * s.Nsk, '0'));
        const good = nodeRandom(s.Nsk);
        good[0] = 0;
        const draws = [new Uint8Array(s.Nsk), n, good];
        const kp = createSignatureScheme(s.id, () => draws.shift()!.slice()).generateKeyPair();
        assert.deepEqual(kp.privateKey, good);
        assert.throws(
          () => createSignatureScheme(s.id, (len) => new Uint8Array(len)).generateKeyPair(),
          (err: unknown) => err instanceof CryptoError && err.code === 'ERR_CRYPTO_OPERATION',
        );
      });
    }
  });
}

describe('RFC 8032 test vectors (§7.1 TEST 1, §7.4 blank)', () => {
  test('Ed25519', () => {
    const scheme = createSignatureScheme(0x0807, nodeRandom);
    const sk = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const pk = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = fromHex(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    assert.deepEqual(scheme.publicKeyFromPrivate(sk), pk);
    assert.deepEqual(scheme.sign(sk, new Uint8Array(0)), sig);
    assert.ok(scheme.verify(pk, new Uint8Array(0), sig));
  });
  test('Ed448', () => {
    const scheme = createSignatureScheme(0x0808, nodeRandom);
    const sk = fromHex('6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b');
    const pk = fromHex('5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180');
    const sig = fromHex(
      '533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600',
    );
    assert.deepEqual(scheme.publicKeyFromPrivate(sk), pk);
    assert.deepEqual(scheme.sign(sk, new Uint8Array(0)), sig);
    assert.ok(scheme.verify(pk, new Uint8Array(0), sig));
  });
  test('EdDSA output equals node signing with a PKCS#8-imported key (a path that shares no code)', () => {
    const scheme = createSignatureScheme(0x0807, nodeRandom);
    for (let i = 0; i < 5; i++) {
      const seed = nodeRandom(32);
      const m = nodeRandom(i * 37);
      const der = concat(fromHex('302e020100300506032b657004220420'), seed);
      const key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
      assert.deepEqual(scheme.sign(seed, m), new Uint8Array(nodeSign(null, m, key)));
      assert.deepEqual(scheme.publicKeyFromPrivate(seed), rawPublic(createPublicKey(key)));
    }
  });
});

test('unknown signature scheme ids are refused', () => {
  assert.throws(
    () => createSignatureScheme(0x0804 as SignatureSchemeId, nodeRandom),
    (err: unknown) => err instanceof CryptoError && err.code === 'ERR_CRYPTO_UNSUPPORTED_SUITE',
  );
});
