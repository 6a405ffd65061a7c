/**
 * RFC 9420 §10: KeyPackage creation — keys, LeafNode, signatures, KeyPackageRef (§5.2), default
 * capabilities and lifetime (§7.2, §13.5), redacted private keys.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { decode, encode } from '../../src/codec/codec.js';
import { CIPHER_SUITES, type CipherSuiteId } from '../../src/crypto/cipher-suite.js';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { decryptWithLabel, encryptWithLabel, makeKeyPackageRef, verifyWithLabel } from '../../src/crypto/labels.js';
import { CredentialType } from '../../src/credentials/credential.js';
import { UsageError } from '../../src/errors.js';
import { isGrease } from '../../src/extensions/extension.js';
import { mlsMessageCodec } from '../../src/framing/mls-message.js';
import { DEFAULT_LIFETIME_BACKDATE, DEFAULT_LIFETIME_VALIDITY } from '../../src/key-package/create.js';
import { validateKeyPackage } from '../../src/key-package/validate.js';
import { keyPackageCodec, keyPackageTbs } from '../../src/messages/key-package.js';
import { leafNodeTbs, LeafNodeSource } from '../../src/ratchet-tree/node.js';
import { fromHex, toHex, utf8 } from '../../src/util/bytes.js';
import { create, cs, NOW, signer } from './fixtures.js';

describe('createKeyPackage → validateKeyPackage (§10, §10.1)', () => {
  for (const id of Object.keys(CIPHER_SUITES).map(Number) as CipherSuiteId[]) {
    test(`suite ${id}: a fresh KeyPackage validates`, () => {
      const suite = nodeCipherSuite(id);
      const key = suite.signatureScheme.generateKeyPair();
      const created = create({}, suite, key);
      const kp = created.keyPackage;
      assert.equal(kp.cipherSuite, id);
      assert.equal(kp.version, 1);
      assert.equal(kp.initKey.length, suite.hpke.Npk);
      assert.equal(kp.leafNode.encryptionKey.length, suite.hpke.Npk);
      assert.deepEqual(kp.leafNode.signatureKey, key.publicKey);
      validateKeyPackage(suite, kp, { now: NOW, context: 'send' });
      // And from the wire, inside an MLSMessage, as a receiver gets it.
      const msg = decode(mlsMessageCodec, encode(mlsMessageCodec, { wireFormat: 5, keyPackage: kp }));
      if (msg.wireFormat !== 5) throw new Error('wrong wire format');
      validateKeyPackage(suite, msg.keyPackage, { now: NOW, mlsMessageVersion: 1 });
      // KeyPackageRef = RefHash over the KeyPackage bytes without the MLSMessage header.
      assert.equal(toHex(created.ref), toHex(makeKeyPackageRef(suite, encode(keyPackageCodec, msg.keyPackage))));
      assert.equal(created.ref.length, suite.Nh);
    });
  }
});

describe('createKeyPackage output', () => {
  const created = create();
  const { keyPackage: kp, keyPackageBytes, ref, privateKeys } = created;

  test('keyPackageBytes is the encoded KeyPackage and ref is its KeyPackageRef', () => {
    assert.deepEqual(keyPackageBytes, encode(keyPackageCodec, kp));
    assert.deepEqual(ref, makeKeyPackageRef(cs, keyPackageBytes));
    const wrapped = encode(mlsMessageCodec, { wireFormat: 5, keyPackage: kp });
    assert.deepEqual(makeKeyPackageRef(cs, wrapped.subarray(4)), ref);
  });

  test('the leaf is signed over LeafNodeTBS and the KeyPackage over KeyPackageTBS', () => {
    assert.equal(kp.leafNode.leafNodeSource, LeafNodeSource.keyPackage);
    assert.ok(verifyWithLabel(cs, signer.publicKey, 'LeafNodeTBS', leafNodeTbs(kp.leafNode), kp.leafNode.signature));
    assert.ok(verifyWithLabel(cs, signer.publicKey, 'KeyPackageTBS', keyPackageTbs(kp), kp.signature));
  });

  test('init and encryption keys are fresh, distinct, and their private halves work', () => {
    assert.notDeepEqual(kp.initKey, kp.leafNode.encryptionKey);
    const other = create().keyPackage;
    assert.notDeepEqual(other.initKey, kp.initKey);
    const ct = encryptWithLabel(cs, kp.initKey, 'Welcome', fromHex('00'), utf8('group secrets'));
    assert.deepEqual(decryptWithLabel(cs, privateKeys.initPrivateKey, 'Welcome', fromHex('00'), ct.kemOutput, ct.ciphertext), utf8('group secrets'));
    const ct2 = encryptWithLabel(cs, kp.leafNode.encryptionKey, 'UpdatePathNode', fromHex('01'), utf8('path secret'));
    assert.deepEqual(decryptWithLabel(cs, privateKeys.encryptionPrivateKey, 'UpdatePathNode', fromHex('01'), ct2.kemOutput, ct2.ciphertext), utf8('path secret'));
    assert.deepEqual(privateKeys.signaturePrivateKey, signer.privateKey);
    assert.notEqual(privateKeys.signaturePrivateKey, signer.privateKey, 'a copy, not the caller’s buffer');
  });

  test('private keys are redacted in JSON and inspect', () => {
    const shown = JSON.stringify({ privateKeys }) + inspect(created, { depth: 5 });
    assert.ok(shown.includes('[redacted]'));
    assert.equal(inspect(privateKeys), 'KeyPackagePrivateKeys { [redacted] }');
    assert.equal(JSON.stringify(privateKeys), '"KeyPackagePrivateKeys { [redacted] }"');
    for (const k of [privateKeys.initPrivateKey, privateKeys.encryptionPrivateKey, privateKeys.signaturePrivateKey]) {
      assert.ok(!shown.includes(toHex(k)));
      assert.ok(!shown.includes(Buffer.from(k).toString('base64')));
    }
  });

  test('default lifetime is [now − 1 h, now + 90 days] in seconds', () => {
    assert.deepEqual(kp.leafNode.lifetime, { notBefore: NOW - DEFAULT_LIFETIME_BACKDATE, notAfter: NOW + DEFAULT_LIFETIME_VALIDITY });
    assert.equal(DEFAULT_LIFETIME_VALIDITY, 90n * 86400n);
    const fromClock = create({ now: undefined }).keyPackage.leafNode.lifetime;
    const now = BigInt(Math.floor(Date.now() / 1000));
    assert.ok(fromClock.notBefore <= now && now <= fromClock.notAfter);
  });

  test('default capabilities: mls10, the suite, the credential type, plus one GREASE value per greased list', () => {
    const c = kp.leafNode.capabilities;
    assert.deepEqual(c.versions, [1]);
    assert.deepEqual(c.cipherSuites.filter((s) => !isGrease(s)), [1]);
    assert.deepEqual(c.credentials.filter((s) => !isGrease(s)), [CredentialType.basic]);
    assert.deepEqual(c.extensions.filter((s) => !isGrease(s)), []);
    assert.deepEqual(c.proposals.filter((s) => !isGrease(s)), []);
    for (const list of [c.cipherSuites, c.credentials, c.extensions, c.proposals]) assert.equal(list.filter(isGrease).length, 1);
  });

  test('grease: false gives exactly the real capabilities', () => {
    const c = create({ grease: false }).keyPackage.leafNode.capabilities;
    assert.deepEqual(c, { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [1] });
  });

  test('non-default extension types of both lists are listed; default ones are not (R-7.2-01/03, R-10-05)', () => {
    const created2 = create({
      grease: false,
      extensions: [{ extensionType: 0x000a, extensionData: new Uint8Array(0) }],
      leafNodeExtensions: [
        { extensionType: 0x0001, extensionData: fromHex('03616263') }, // application_id: default, never listed
        { extensionType: 0xff01, extensionData: fromHex('00') },
      ],
    });
    assert.deepEqual(created2.keyPackage.leafNode.capabilities.extensions, [0x000a, 0xff01]);
    validateKeyPackage(cs, created2.keyPackage, { now: NOW, knownExtensionTypes: [0x000a], strictKeyPackageExtensions: true });
  });

  test('explicit capabilities are used as given', () => {
    const caps = { versions: [1], cipherSuites: [1, 3], extensions: [0xff02], proposals: [0xff03], credentials: [1, 2] };
    assert.deepEqual(create({ capabilities: caps }).keyPackage.leafNode.capabilities, caps);
  });

  test('the KeyPackage owns its bytes: changing the caller’s inputs afterwards changes nothing', () => {
    const identity = utf8('bob');
    const cred = { credentialType: CredentialType.basic, identity } as const;
    const made = create({ credential: cred });
    identity.fill(0);
    assert.equal(made.keyPackage.leafNode.credential.credentialType, CredentialType.basic);
    if (made.keyPackage.leafNode.credential.credentialType === CredentialType.basic) {
      assert.deepEqual(made.keyPackage.leafNode.credential.identity, utf8('bob'));
    }
    validateKeyPackage(cs, made.keyPackage, { now: NOW });
  });

  test('the signature public key is derived from the private key when not given', () => {
    const made = create({ signaturePublicKey: undefined });
    assert.deepEqual(made.keyPackage.leafNode.signatureKey, signer.publicKey);
  });

  test('randomness comes from the suite: an injected source makes creation deterministic', () => {
    let counter = 0;
    const det = () => nodeCipherSuite(1, { random: (n) => new Uint8Array(n).map(() => counter++ & 0xff) });
    counter = 0;
    const a = create({}, det(), signer);
    counter = 0;
    const b = create({}, det(), signer);
    assert.deepEqual(a.keyPackageBytes, b.keyPackageBytes);
    assert.deepEqual(a.ref, b.ref);
  });
});

describe('createKeyPackage refuses to build an invalid KeyPackage', () => {
  function refuses(f: () => unknown, rule: string): void {
    assert.throws(f, (err: unknown) => {
      assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
      assert.equal(err.rule, rule);
      assert.equal((err.cause as { rule?: string }).rule, rule);
      return true;
    });
  }

  test('capabilities without the credential type (R-7.2-04)', () => {
    refuses(() => create({ capabilities: { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [2] } }), 'R-7.2-04');
  });

  test('capabilities without the suite (R-7.2-02)', () => {
    refuses(() => create({ capabilities: { versions: [1], cipherSuites: [2], extensions: [], proposals: [], credentials: [1] } }), 'R-7.2-02');
  });

  test('capabilities listing a default proposal type (R-7.2-01)', () => {
    refuses(() => create({ capabilities: { versions: [1], cipherSuites: [1], extensions: [], proposals: [1], credentials: [1] } }), 'R-7.2-01');
  });

  test('a leaf extension missing from explicit capabilities (R-7.2-03)', () => {
    refuses(
      () => create({ capabilities: { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [1] }, leafNodeExtensions: [{ extensionType: 0xff01, extensionData: fromHex('') }] }),
      'R-7.2-03',
    );
  });

  test('a KeyPackage extension missing from explicit capabilities (R-10-05)', () => {
    refuses(
      () => create({ capabilities: { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [1] }, extensions: [{ extensionType: 0x000a, extensionData: fromHex('') }] }),
      'R-10-05',
    );
  });

  test('a default extension type in KeyPackage.extensions (D-07)', () => {
    refuses(() => create({ extensions: [{ extensionType: 0x0002, extensionData: fromHex('00') }] }), 'D-07');
  });

  test('duplicate extension types (R-13.4-02)', () => {
    const e = { extensionType: 0xff01, extensionData: fromHex('') };
    refuses(() => create({ leafNodeExtensions: [e, e] }), 'R-13.4-02');
  });

  test('an inverted or out-of-range lifetime', () => {
    assert.throws(() => create({ lifetime: { notBefore: 10n, notAfter: 9n } }), UsageError);
    assert.throws(() => create({ lifetime: { notBefore: 0n, notAfter: 2n ** 64n } }), UsageError);
  });

  test('a lifetime that starts in the future is allowed (publish ahead)', () => {
    const kp = create({ lifetime: { notBefore: NOW + 100n, notAfter: NOW + 200n } }).keyPackage;
    validateKeyPackage(cs, kp, { now: NOW + 150n });
  });
});
