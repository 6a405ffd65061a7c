/** The last_resort KeyPackage extension (0x000a): created, listed in capabilities, validated (R-10-05). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { createKeyPackage } from '../../src/key-package/create.js';
import { validateKeyPackage } from '../../src/key-package/validate.js';
import { LAST_RESORT_EXTENSION_TYPE } from '../../src/extensions/extension.js';
import { basicCredential, generateIdentity } from '../../src/group/identity.js';
import { signKeyPackage } from '../../src/key-package/create.js';
import { ValidationError } from '../../src/errors.js';

const cs = nodeCipherSuite(1);
const id = generateIdentity(cs, basicCredential('lr'));

test('a last-resort KeyPackage carries the extension and lists it in capabilities', () => {
  const kp = createKeyPackage({ cipherSuite: cs, credential: id.credential, signaturePrivateKey: id.signaturePrivateKey, lastResort: true });
  assert.ok(kp.keyPackage.extensions.some((e) => e.extensionType === LAST_RESORT_EXTENSION_TYPE && e.extensionData.length === 0));
  assert.ok(kp.keyPackage.leafNode.capabilities.extensions.includes(LAST_RESORT_EXTENSION_TYPE));
  validateKeyPackage(cs, kp.keyPackage, { knownExtensionTypes: [LAST_RESORT_EXTENSION_TYPE] });
});

test('R-10-05: a known KeyPackage extension missing from capabilities is rejected', () => {
  const plain = createKeyPackage({ cipherSuite: cs, credential: id.credential, signaturePrivateKey: id.signaturePrivateKey });
  const bad = signKeyPackage(cs, id.signaturePrivateKey, { ...plain.keyPackage, extensions: [{ extensionType: LAST_RESORT_EXTENSION_TYPE, extensionData: new Uint8Array(0) }] });
  assert.throws(() => validateKeyPackage(cs, bad, { knownExtensionTypes: [LAST_RESORT_EXTENSION_TYPE] }), (e: unknown) => e instanceof ValidationError && e.rule === 'R-10-05');
});
