/**
 * Shared fixtures for the KeyPackage tests (RFC 9420 §10): a suite-1 identity, a fixed clock, a
 * way to build KeyPackages that are invalid but correctly signed (so each negative test trips
 * exactly the rule it names), and an assertion on the rule id. Test-only.
 */
import assert from 'node:assert/strict';
import type { CipherSuite, KeyPair } from '../../src/crypto/cipher-suite.js';
import { nodeCipherSuite } from '../../src/crypto/node/provider.js';
import { CredentialType, type Credential } from '../../src/credentials/credential.js';
import { ValidationError } from '../../src/errors.js';
import { createKeyPackage, signKeyPackage, signLeafNode, type CreatedKeyPackage, type CreateKeyPackageOptions } from '../../src/key-package/create.js';
import type { KeyPackage } from '../../src/messages/key-package.js';
import type { KeyPackageLeafNode, LeafNode } from '../../src/ratchet-tree/node.js';
import { utf8 } from '../../src/util/bytes.js';

export const cs: CipherSuite = nodeCipherSuite(1);
export const signer: KeyPair = cs.signatureScheme.generateKeyPair();
export const credential: Credential = { credentialType: CredentialType.basic, identity: utf8('alice@example.org') };

/** A fixed clock (2026-01-01T00:00:00Z) so lifetime tests do not depend on the machine's. */
export const NOW = 1_767_225_600n;

export function create(extra: Partial<CreateKeyPackageOptions> = {}, suite: CipherSuite = cs, key: KeyPair = signer): CreatedKeyPackage {
  return createKeyPackage({ cipherSuite: suite, credential, signaturePrivateKey: key.privateKey, signaturePublicKey: key.publicKey, now: NOW, ...extra });
}

/** A fresh valid KeyPackage of suite 1. */
export function validKp(extra: Partial<CreateKeyPackageOptions> = {}): KeyPackage {
  return create(extra).keyPackage;
}

/**
 * Rebuilds `kp` with `leaf` and `kpFields` changed, re-signing the leaf (a key_package leaf unless
 * the change says otherwise) and then the KeyPackage with `key`, so only the intended rule breaks.
 */
export function resign(
  kp: KeyPackage,
  change: { leaf?: (l: KeyPackageLeafNode) => LeafNode; kp?: Partial<Omit<KeyPackage, 'leafNode' | 'signature'>> },
  key: Uint8Array = signer.privateKey,
): KeyPackage {
  const leaf0 = kp.leafNode as KeyPackageLeafNode;
  const changed = change.leaf ? change.leaf(leaf0) : leaf0;
  const leaf = signLeafNode(cs, key, changed, new Uint8Array(4), 0);
  return signKeyPackage(cs, key, { ...kp, ...change.kp, leafNode: leaf });
}

/** Asserts `f` throws a ValidationError for `rule` (and `code` / `field`, when given). */
export function throwsRule(f: () => unknown, rule: string, code?: string, field?: string): ValidationError {
  let caught: ValidationError | undefined;
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof ValidationError, `expected a ValidationError for ${rule}, got ${String(err)}`);
    assert.equal(err.rule, rule, `rule: ${err.message}`);
    if (code !== undefined) assert.equal(err.code, code);
    if (field !== undefined) assert.equal(err.field, field);
    caught = err;
    return true;
  });
  return caught!;
}
