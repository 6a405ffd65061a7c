/**
 * X.509 credentials (RFC 9420 §5.3): certificates[0] must carry the LeafNode's signature_key
 * (R-5.3-01) of the suite's signature scheme (R-5.1.2-01). Fixtures: self-signed certificates made
 * once with `openssl req -x509` (Ed25519 "alice", P-256 "bob"), with their private keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { certificateKey } from '../../src/crypto/node/x509.js';
import { CredentialType, type Credential } from '../../src/credentials/credential.js';
import { cipherSuite, createKeyPackage, MlsError, MlsGroup, validateKeyPackage, type Identity } from '../../src/index.js';
import { validateLeafNode } from '../../src/ratchet-tree/leaf-validation.js';
import { fromHex } from '../../src/util/bytes.js';
import { basicCredential, generateIdentity } from '../../src/group/identity.js';

const ED_CERT = fromHex('308201343081e7a003020102021424cae41fe4ab6e570553a4790b42685d33730b08300506032b65703010310e300c06035504030c05616c696365301e170d3236313132363137323031355a170d3336313132333137323031355a3010310e300c06035504030c05616c696365302a300506032b6570032100e67f18a5ac209bb1fcd5be5649f4b069e0ff4a7eba33c5707cd181e04d9ea475a3533051301d0603551d0e04160414044bb543825be4c5b2afa582dfe16daa3ad962c2301f0603551d23041830168014044bb543825be4c5b2afa582dfe16daa3ad962c2300f0603551d130101ff040530030101ff300506032b6570034100fb397a5fc4a9897b38416397df8c922a1c5e55b5139ea20a227c8d91add22a2e3237ef0bd34daf4fb1f308c4a389f7b99f280f88547b0b559c9d0c1eb185940a');
const ED_SEED = fromHex('66b761c101fcc7d271c1d2ccdde4bc19201e070f3512c6a77ef5c6e74c67df68');
const EC_CERT = fromHex('3082017130820117a00302010202145736a9c34b912bf9431d0980c84465e1f5d7e5eb300a06082a8648ce3d040302300e310c300a06035504030c03626f62301e170d3236313132363137323031355a170d3336313132333137323031355a300e310c300a06035504030c03626f623059301306072a8648ce3d020106082a8648ce3d0301070342000403ef36e1678a545b9e32d68199f7b6500d4ff8dd16ef3e2695554b9c7c306489d92ecceb1c71f9582160259e40de0a6a850ed9567971623ed6363987896a883fa3533051301d0603551d0e04160414452e5fd8ee342716c1ffafeb8575d69cbfc0b8a3301f0603551d23041830168014452e5fd8ee342716c1ffafeb8575d69cbfc0b8a3300f0603551d130101ff040530030101ff300a06082a8648ce3d0403020348003045022028c847291907fc8c7431ef599122b294a18f298a7c2f036a6f7e31aaecd4fad2022100c4b78a40128c250681340e1d3219fb280ed4b7e8affdf2899d0f19510af23f19');
const EC_SCALAR = fromHex('7a5f800d06b738904ddec5de557556bff0dc6d2874cfb3501a6a76351377481e');

const x509 = (der: Uint8Array): Credential => ({ credentialType: CredentialType.x509, certificates: [{ certData: der }] });

function identity(suite: number, der: Uint8Array, priv: Uint8Array): Identity {
  const cs = cipherSuite(suite);
  return { credential: x509(der), signaturePrivateKey: priv, signaturePublicKey: cs.signatureScheme.publicKeyFromPrivate(priv) };
}

function caps(suite: number) {
  return { versions: [1], cipherSuites: [suite], extensions: [], proposals: [], credentials: [CredentialType.basic, CredentialType.x509] };
}

test('the subject key of a certificate is read in MLS form', () => {
  const ed = certificateKey(ED_CERT)!;
  assert.equal(ed.scheme, 0x0807);
  assert.deepEqual(ed.publicKey, cipherSuite(1).signatureScheme.publicKeyFromPrivate(ED_SEED));
  const ec = certificateKey(EC_CERT)!;
  assert.equal(ec.scheme, 0x0403);
  assert.deepEqual(ec.publicKey, cipherSuite(2).signatureScheme.publicKeyFromPrivate(EC_SCALAR));
  assert.equal(certificateKey(fromHex('3000')), undefined);
});

test('members with X.509 credentials form a group (suite 1 with Ed25519, suite 2 with P-256)', async () => {
  for (const [suite, der, priv] of [[1, ED_CERT, ED_SEED], [2, EC_CERT, EC_SCALAR]] as const) {
    const cs = cipherSuite(suite);
    const alice = identity(suite, der, priv);
    const bob = generateIdentity(cs, basicCredential('bob'));
    const group = await MlsGroup.create({ cipherSuite: cs, identity: alice, capabilities: caps(suite) });
    const kp = createKeyPackage({ cipherSuite: cs, credential: bob.credential, signaturePrivateKey: bob.signaturePrivateKey, capabilities: caps(suite) });
    const { welcome } = await group.commit({ add: [kp.keyPackage] });
    await group.confirmCommit();
    const b = await MlsGroup.join({ welcome: welcome!, keyPackages: [kp] });
    assert.equal(b.member(0)!.credential.credentialType, CredentialType.x509);
  }
});

test("R-5.3-01: certificates[0] must hold the LeafNode's signature_key", () => {
  const cs = cipherSuite(1);
  const other = generateIdentity(cs, x509(ED_CERT)); // a fresh key under alice's certificate
  const mismatched = createKeyPackage({ cipherSuite: cs, credential: other.credential, signaturePrivateKey: other.signaturePrivateKey, capabilities: caps(1) });
  assert.throws(() => validateKeyPackage(cs, mismatched.keyPackage), (e: unknown) => e instanceof MlsError && e.rule === 'R-5.3-01');
  const kp = createKeyPackage({ cipherSuite: cs, credential: basicCredential('x'), signaturePrivateKey: other.signaturePrivateKey, capabilities: caps(1) });
  const leaf = { ...kp.keyPackage.leafNode, credential: x509(ED_CERT) };
  assert.throws(() => validateLeafNode(cs, leaf, { context: 'keyPackage' }, { allowDefaultTypesInCapabilities: true }), (e: unknown) => e instanceof MlsError && e.rule === 'R-5.3-01');
  const garbage = { ...kp.keyPackage.leafNode, credential: x509(fromHex('300100')) };
  assert.throws(() => validateLeafNode(cs, garbage, { context: 'keyPackage' }, {}), (e: unknown) => e instanceof MlsError && e.rule === 'R-5.3-01');
});

test("R-5.1.2-01: the certificate's key must be of the suite's signature scheme", () => {
  const cs = cipherSuite(1);
  const kp = createKeyPackage({ cipherSuite: cs, credential: basicCredential('x'), signaturePrivateKey: ED_SEED, capabilities: caps(1) });
  const leaf = { ...kp.keyPackage.leafNode, credential: x509(EC_CERT) }; // a P-256 certificate in an Ed25519 suite
  assert.throws(() => validateLeafNode(cs, leaf, { context: 'keyPackage' }, {}), (e: unknown) => e instanceof MlsError && e.rule === 'R-5.1.2-01');
});
