/**
 * RFC 9420 §10.1 and §7.3 (KeyPackage context): one negative test per rule, each KeyPackage
 * otherwise valid and correctly re-signed so that exactly the named rule fails.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { CredentialType } from '../../src/credentials/credential.js';
import { ValidationError } from '../../src/errors.js';
import { signKeyPackage } from '../../src/key-package/create.js';
import { validateKeyPackage } from '../../src/key-package/validate.js';
import { LeafNodeSource, type Capabilities, type KeyPackageLeafNode, type LeafNode } from '../../src/ratchet-tree/node.js';
import { fromHex } from '../../src/util/bytes.js';
import { cs, NOW, resign, signer, throwsRule, validKp } from './fixtures.js';

const base = validKp({ grease: false });
const opts = { now: NOW } as const;

function withCaps(change: Partial<Capabilities>): (l: KeyPackageLeafNode) => LeafNode {
  return (l) => ({ ...l, capabilities: { ...l.capabilities, ...change } });
}

describe('§10.1 KeyPackage validation: the valid case', () => {
  test('the baseline validates (receive and send contexts) and is returned as is', () => {
    assert.equal(validateKeyPackage(cs, base, opts), base);
    validateKeyPackage(cs, base, { ...opts, context: 'send', mlsMessageVersion: 1, maxLifetime: 100n * 86400n });
  });

  test('a re-signed but unchanged KeyPackage still validates (the test helper is sound)', () => {
    validateKeyPackage(cs, resign(base, {}), opts);
  });
});

describe('R-10.1-01: cipher suite and version match the group', () => {
  test('another suite (same key types) is rejected', () => {
    throwsRule(() => validateKeyPackage(nodeCipherSuite(3), base, opts), 'R-10.1-01', 'ERR_VALIDATION_KEY_PACKAGE', 'KeyPackage.cipher_suite');
  });
  test('another group version is rejected', () => {
    throwsRule(() => validateKeyPackage(cs, base, { ...opts, groupVersion: 2 }), 'R-10.1-01', undefined, 'KeyPackage.version');
    throwsRule(() => validateKeyPackage(cs, resign(base, { kp: { version: 2 } }), opts), 'R-10.1-01', undefined, 'KeyPackage.version');
  });
});

describe('R-10-04: KeyPackage version equals its MLSMessage version', () => {
  test('a mismatch is rejected', () => {
    throwsRule(() => validateKeyPackage(cs, base, { ...opts, mlsMessageVersion: 2 }), 'R-10-04', 'ERR_VALIDATION_KEY_PACKAGE');
  });
});

describe('R-10-01 / R-10-03: keys are valid for the suite', () => {
  test('an init_key that is not an X25519 key is rejected (R-10-01)', () => {
    throwsRule(() => validateKeyPackage(cs, resign(base, { kp: { initKey: fromHex('0102030405') } }), opts), 'R-10-01', 'ERR_VALIDATION_INVALID_KEY', 'KeyPackage.init_key');
  });
  test('an invalid leaf encryption_key is rejected (R-10-03)', () => {
    const kp = resign(base, { leaf: (l) => ({ ...l, encryptionKey: new Uint8Array(31) }) });
    throwsRule(() => validateKeyPackage(cs, kp, opts), 'R-10-03', 'ERR_VALIDATION_INVALID_KEY', 'LeafNode.encryption_key');
  });
  test('an invalid leaf signature_key is rejected (R-10-03)', () => {
    const kp = resign(base, { leaf: (l) => ({ ...l, signatureKey: new Uint8Array(33) }) });
    throwsRule(() => validateKeyPackage(cs, kp, opts), 'R-10-03', 'ERR_VALIDATION_INVALID_KEY', 'LeafNode.signature_key');
  });
  test('a P-256 init key in a suite-2 KeyPackage must be a valid point', () => {
    const p256 = nodeCipherSuite(2);
    const bad = new Uint8Array(65);
    bad[0] = 4;
    const kp = { ...base, cipherSuite: 2, initKey: bad };
    throwsRule(() => validateKeyPackage(p256, kp, opts), 'R-10-01');
  });
});

describe('R-10.1-04: encryption_key ≠ init_key', () => {
  test('equal keys are rejected', () => {
    const kp = resign(base, { kp: { initKey: base.leafNode.encryptionKey } });
    throwsRule(() => validateKeyPackage(cs, kp, opts), 'R-10.1-04', 'ERR_VALIDATION_KEY_PACKAGE');
  });
});

describe('R-10.1-03: the KeyPackage signature', () => {
  test('a flipped signature bit is rejected', () => {
    const signature = base.signature.slice();
    signature[0] = signature[0]! ^ 1;
    throwsRule(() => validateKeyPackage(cs, { ...base, signature }, opts), 'R-10.1-03', 'ERR_VALIDATION_SIGNATURE', 'KeyPackage.signature');
  });
  test('a changed field without re-signing is rejected', () => {
    const kp = { ...base, extensions: [{ extensionType: 0xeaea, extensionData: fromHex('00') }] };
    throwsRule(() => validateKeyPackage(cs, kp, opts), 'R-10.1-03');
  });
  test('a KeyPackage signed by another key is rejected', () => {
    const other = cs.signatureScheme.generateKeyPair();
    throwsRule(() => validateKeyPackage(cs, signKeyPackage(cs, other.privateKey, base), opts), 'R-10.1-03');
  });
});

describe('R-7.3-07: leaf_node_source = key_package', () => {
  test('an update-source leaf is rejected', () => {
    const kp = resign(base, {
      leaf: (l) => {
        const { lifetime: _lifetime, ...rest } = l;
        return { ...rest, leafNodeSource: LeafNodeSource.update };
      },
    });
    throwsRule(() => validateKeyPackage(cs, kp, opts), 'R-7.3-07', 'ERR_VALIDATION_LEAF_NODE', 'LeafNode.leaf_node_source');
  });
  test('a commit-source leaf is rejected', () => {
    const kp = resign(base, {
      leaf: (l) => {
        const { lifetime: _lifetime, ...rest } = l;
        return { ...rest, leafNodeSource: LeafNodeSource.commit, parentHash: new Uint8Array(32) };
      },
    });
    throwsRule(() => validateKeyPackage(cs, kp, opts), 'R-7.3-07');
  });
});

describe('R-7.3-02: the leaf signature', () => {
  test('a bad leaf signature under a valid KeyPackage signature is rejected', () => {
    const sig = base.leafNode.signature.slice();
    sig[5] = sig[5]! ^ 0x80;
    // Re-sign only the KeyPackage, so R-10.1-03 passes and the leaf signature is the one that fails.
    const kp = signKeyPackage(cs, signer.privateKey, { ...base, leafNode: { ...base.leafNode, signature: sig } });
    throwsRule(() => validateKeyPackage(cs, kp, opts), 'R-7.3-02', 'ERR_VALIDATION_SIGNATURE', 'LeafNode.signature');
  });
});

describe('R-7.2-01: default types are not listed in capabilities', () => {
  test('a default proposal type is rejected', () => {
    throwsRule(() => validateKeyPackage(cs, resign(base, { leaf: withCaps({ proposals: [0x0001] }) }), opts), 'R-7.2-01', 'ERR_VALIDATION_CAPABILITIES', 'Capabilities.proposals');
  });
  test('a default extension type is rejected', () => {
    throwsRule(() => validateKeyPackage(cs, resign(base, { leaf: withCaps({ extensions: [0x0002] }) }), opts), 'R-7.2-01', undefined, 'Capabilities.extensions');
  });
  test('allowDefaultTypesInCapabilities accepts them (A-12)', () => {
    validateKeyPackage(cs, resign(base, { leaf: withCaps({ proposals: [1, 2], extensions: [3] }) }), { ...opts, allowDefaultTypesInCapabilities: true });
  });
  test('unknown and GREASE values in capabilities are ignored (R-7.2-05)', () => {
    validateKeyPackage(cs, resign(base, { leaf: withCaps({ proposals: [0x0a0a, 0xf00d], extensions: [0xeaea, 0x7777], cipherSuites: [1, 0x1a1a] }) }), opts);
  });
});

describe('R-7.2-02: capabilities list the version and suite', () => {
  test('a missing version is rejected', () => {
    throwsRule(() => validateKeyPackage(cs, resign(base, { leaf: withCaps({ versions: [2] }) }), opts), 'R-7.2-02', 'ERR_VALIDATION_CAPABILITIES', 'Capabilities.versions');
  });
  test('a missing cipher suite is rejected', () => {
    throwsRule(() => validateKeyPackage(cs, resign(base, { leaf: withCaps({ cipherSuites: [2, 3] }) }), opts), 'R-7.2-02', undefined, 'Capabilities.cipher_suites');
  });
});

describe('R-7.2-03: leaf extensions are listed in capabilities', () => {
  test('an unlisted non-default leaf extension (GREASE included) is rejected', () => {
    for (const t of [0xff01, 0x0a0a]) {
      const kp = resign(base, { leaf: (l) => ({ ...l, extensions: [{ extensionType: t, extensionData: fromHex('') }] }) });
      throwsRule(() => validateKeyPackage(cs, kp, opts), 'R-7.2-03', 'ERR_VALIDATION_CAPABILITIES', 'LeafNode.extensions');
    }
  });
  test('application_id (a default type) needs no listing (A-2)', () => {
    const kp = resign(base, { leaf: (l) => ({ ...l, extensions: [{ extensionType: 0x0001, extensionData: fromHex('0161') }] }) });
    validateKeyPackage(cs, kp, opts);
  });
});

describe('R-7.2-04: the credential type is listed', () => {
  test('a missing credential type is rejected', () => {
    throwsRule(() => validateKeyPackage(cs, resign(base, { leaf: withCaps({ credentials: [CredentialType.x509] }) }), opts), 'R-7.2-04', 'ERR_VALIDATION_CAPABILITIES', 'Capabilities.credentials');
  });
});

describe('R-7.2-06: maximum lifetime span', () => {
  test('a span above the configured maximum is rejected', () => {
    throwsRule(() => validateKeyPackage(cs, base, { ...opts, maxLifetime: 30n * 86400n }), 'R-7.2-06', 'ERR_VALIDATION_LIFETIME', 'LeafNode.lifetime');
  });
  test('an unbounded not_after (2^64 − 1, as in the vectors) fails any maximum', () => {
    const kp = resign(base, { leaf: (l) => ({ ...l, lifetime: { notBefore: 0n, notAfter: 2n ** 64n - 1n } }) });
    validateKeyPackage(cs, kp, opts);
    throwsRule(() => validateKeyPackage(cs, kp, { ...opts, maxLifetime: 10n * 365n * 86400n }), 'R-7.2-06');
  });
});

describe('R-7.3-06 / S-7.3-01: now is within the lifetime', () => {
  const { notBefore, notAfter } = (base.leafNode as KeyPackageLeafNode).lifetime;
  test('sending an expired KeyPackage is refused (R-7.3-06)', () => {
    throwsRule(() => validateKeyPackage(cs, base, { context: 'send', now: notAfter + 1n }), 'R-7.3-06', 'ERR_VALIDATION_LIFETIME');
  });
  test('sending a not-yet-valid KeyPackage is refused (R-7.3-06)', () => {
    throwsRule(() => validateKeyPackage(cs, base, { context: 'send', now: notBefore - 1n }), 'R-7.3-06');
  });
  test('receiving one outside its lifetime is rejected under the RECOMMENDED check (S-7.3-01)', () => {
    throwsRule(() => validateKeyPackage(cs, base, { now: notAfter + 1n }), 'S-7.3-01');
  });
  test('the bounds are inclusive, and the check can be switched off (A-16)', () => {
    validateKeyPackage(cs, base, { context: 'send', now: notBefore });
    validateKeyPackage(cs, base, { context: 'send', now: notAfter });
    validateKeyPackage(cs, base, { now: notAfter + 1000n, checkLifetime: false });
  });
});

describe('R-7.3-03: required_capabilities of the group', () => {
  test('an unsupported required extension type is rejected', () => {
    const requiredCapabilities = { extensionTypes: [0xff05], proposalTypes: [], credentialTypes: [] };
    throwsRule(() => validateKeyPackage(cs, base, { ...opts, requiredCapabilities }), 'R-7.3-03', 'ERR_VALIDATION_CAPABILITIES');
  });
  test('unsupported required proposal and credential types are rejected', () => {
    throwsRule(() => validateKeyPackage(cs, base, { ...opts, requiredCapabilities: { extensionTypes: [], proposalTypes: [0xff06], credentialTypes: [] } }), 'R-7.3-03');
    throwsRule(() => validateKeyPackage(cs, base, { ...opts, requiredCapabilities: { extensionTypes: [], proposalTypes: [], credentialTypes: [2] } }), 'R-7.3-03');
  });
  test('required default types and listed types pass', () => {
    const kp = resign(base, { leaf: withCaps({ extensions: [0xff05], proposals: [0xff06] }) });
    validateKeyPackage(cs, kp, { ...opts, requiredCapabilities: { extensionTypes: [0x0003, 0xff05], proposalTypes: [0x0001, 0xff06], credentialTypes: [1] } });
  });
});

describe('R-10-05 / R-10-06 (A-4): KeyPackage extensions and capabilities', () => {
  const lastResort = { extensionType: 0x000a, extensionData: fromHex('') };
  const kp = resign(base, { kp: { extensions: [lastResort] } });
  test('a known non-default type missing from capabilities is rejected', () => {
    throwsRule(() => validateKeyPackage(cs, kp, { ...opts, knownExtensionTypes: [0x000a] }), 'R-10-05', 'ERR_VALIDATION_CAPABILITIES', 'KeyPackage.extensions');
  });
  test('an unknown type is ignored by default (R-10-06) and rejected in strict mode', () => {
    validateKeyPackage(cs, kp, opts);
    throwsRule(() => validateKeyPackage(cs, kp, { ...opts, strictKeyPackageExtensions: true }), 'R-10-05');
  });
  test('a GREASE KeyPackage extension passes even in strict mode', () => {
    const greased = resign(base, { kp: { extensions: [{ extensionType: 0x3a3a, extensionData: fromHex('deadbeef') }] } });
    validateKeyPackage(cs, greased, { ...opts, strictKeyPackageExtensions: true });
  });
  test('listed in capabilities, it passes', () => {
    const listed = resign(base, { leaf: withCaps({ extensions: [0x000a] }), kp: { extensions: [lastResort] } });
    validateKeyPackage(cs, listed, { ...opts, knownExtensionTypes: [0x000a], strictKeyPackageExtensions: true });
  });
});

describe('R-13.4-02 and D-07: extension lists', () => {
  test('duplicate KeyPackage extension types are rejected', () => {
    const e = { extensionType: 0x3a3a, extensionData: fromHex('') };
    throwsRule(() => validateKeyPackage(cs, resign(base, { kp: { extensions: [e, e] } }), opts), 'R-13.4-02', 'ERR_VALIDATION_EXTENSIONS', 'KeyPackage.extensions');
  });
  test('duplicate leaf extension types are rejected', () => {
    const e = { extensionType: 0x0001, extensionData: fromHex('00') };
    throwsRule(() => validateKeyPackage(cs, resign(base, { leaf: (l) => ({ ...l, extensions: [e, e] }) }), opts), 'R-13.4-02', undefined, 'LeafNode.extensions');
  });
  test('a default extension type in KeyPackage.extensions is rejected', () => {
    throwsRule(() => validateKeyPackage(cs, resign(base, { kp: { extensions: [{ extensionType: 0x0001, extensionData: fromHex('00') }] } }), opts), 'D-07');
  });
  test('external_pub in a LeafNode is rejected', () => {
    const kp = resign(base, { leaf: (l) => ({ ...l, extensions: [{ extensionType: 0x0004, extensionData: fromHex('00') }] }) });
    throwsRule(() => validateKeyPackage(cs, kp, opts), 'D-07', undefined, 'LeafNode.extensions');
  });
});

describe('R-5.3.1-01 / R-5.3.1-03: the Authentication Service hook', () => {
  test('receiving: a rejected credential fails with R-5.3.1-03', () => {
    throwsRule(() => validateKeyPackage(cs, base, { ...opts, validateCredential: () => false }), 'R-5.3.1-03', 'ERR_VALIDATION_CREDENTIAL', 'LeafNode.credential');
  });
  test('sending: a rejected credential fails with R-5.3.1-01', () => {
    throwsRule(() => validateKeyPackage(cs, base, { ...opts, context: 'send', validateCredential: () => false }), 'R-5.3.1-01');
  });
  test('a throwing validator is reported with its error as cause', () => {
    const boom = new Error('revoked');
    const err = throwsRule(() => validateKeyPackage(cs, base, { ...opts, validateCredential: () => { throw boom; } }), 'R-5.3.1-03');
    assert.equal(err.cause, boom);
  });
  test('the hook sees the credential and the signature key, and only after the signatures verify', () => {
    let seen: unknown[] = [];
    validateKeyPackage(cs, base, { ...opts, validateCredential: (c, k) => { seen = [c, k]; return true; } });
    assert.deepEqual(seen, [base.leafNode.credential, signer.publicKey]);
    let called = false;
    const forged = { ...base, signature: new Uint8Array(64) };
    assert.throws(() => validateKeyPackage(cs, forged, { ...opts, validateCredential: () => (called = true) }), ValidationError);
    assert.equal(called, false);
  });
});
