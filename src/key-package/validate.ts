/**
 * RFC 9420 §10 and §10.1: validating a KeyPackage before it is used in an Add (our own, or one
 * received in an Add proposal), with §7.3 for its LeafNode in the KeyPackage context.
 *
 * Order: cheap syntax-level checks first (version, suite, source, key formats), then the two
 * signatures, then capabilities and lifetime, and the application's credential check last, so the
 * Authentication Service is never asked about a forged KeyPackage.
 *
 * Rules: R-10.1-01, R-10-04, R-10-01, R-10-03, R-10.1-04, R-10.1-03, R-10-05, R-13.4-02,
 * D-07, R-10.1-02 (→ the §7.3 leaf checks, see leaf-check.ts), R-5.3.1-01 / R-5.3.1-03.
 */
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { verifyWithLabel } from '../crypto/labels.js';
import { ValidationError } from '../errors.js';
import { isGrease, type RequiredCapabilities } from '../extensions/extension.js';
import type { Credential } from '../credentials/credential.js';
import { keyPackageTbs, type KeyPackage } from '../messages/key-package.js';
import type { KeyPackageLeafNode } from '../ratchet-tree/node.js';
import { bytesEqual } from '../util/bytes.js';
import { checkNoDuplicateExtensions, hex16, isDefaultExtensionType } from './leaf-check.js';
import { validateLeafNode } from '../ratchet-tree/leaf-validation.js';
import type { PublicTree } from '../ratchet-tree/tree.js';

/** §6 ProtocolVersion mls10, the only version this library speaks. */
export const MLS10 = 1;

/**
 * The application's Authentication Service hook (§5.3.1): is this credential acceptable, and does
 * it vouch for this signature key? Return false (or throw) to reject.
 */
export type CredentialValidator = (credential: Credential, signatureKey: Uint8Array) => boolean;

export interface KeyPackageValidationOptions {
  /**
   * 'send': a KeyPackage the client is about to put in its own Add (R-5.3.1-01, R-7.3-06);
   * 'receive' (default): one received in an Add (R-5.3.1-03, S-7.3-01).
   */
  readonly context?: 'send' | 'receive';
  /** The group's protocol version (R-10.1-01). Default mls10. The suite is `cs`'s. */
  readonly groupVersion?: number;
  /** R-10-04: the version of the MLSMessage the KeyPackage arrived in, if it arrived in one. */
  readonly mlsMessageVersion?: number;
  /** Check now ∈ lifetime (default true). Turn off for received KeyPackages if group policy says so. */
  readonly checkLifetime?: boolean;
  /** Seconds since the Unix epoch; default the system clock. */
  readonly now?: bigint;
  /** R-7.2-06: the maximum lifetime span in seconds the application accepts. Unchecked when absent. */
  readonly maxLifetime?: bigint;
  /** R-5.3.1-01 / R-5.3.1-03: the Authentication Service. Unchecked when absent. */
  readonly validateCredential?: CredentialValidator;
  /** R-7.3-03: the group's required_capabilities, when the group has that extension. */
  readonly requiredCapabilities?: RequiredCapabilities;
  /**
   * R-10-05 / A-4: the non-default extension types this application understands. A KeyPackage
   * extension of such a type must be listed in the leaf's capabilities; unknown types (GREASE
   * among them) are ignored as R-10-06 requires. Default: none.
   */
  readonly knownExtensionTypes?: readonly number[];
  /** R-10-05 strictly: require every non-default, non-GREASE KeyPackage extension type to be listed. */
  readonly strictKeyPackageExtensions?: boolean;
  /**
   * The group's tree, when the KeyPackage is about to join it: the leaf is then also checked
   * against the members (R-7.3-04/05 credential types, R-7.3-11/12 and R-16.7-01 key uniqueness).
   */
  readonly tree?: PublicTree;
  /** accept capabilities that list default types (lenient) instead of rejecting them (R-7.2-01). */
  readonly allowDefaultTypesInCapabilities?: boolean;
}

declare const validated: unique symbol;
/** A KeyPackage that passed `validateKeyPackage`. Only that function produces this type. */
export type ValidatedKeyPackage = KeyPackage & { readonly leafNode: KeyPackageLeafNode; readonly [validated]: true };

function fail(code: `ERR_VALIDATION_${string}`, rule: string, message: string, field: string): never {
  throw new ValidationError(code, rule, message, { field });
}

/** The current time in whole seconds since the Unix epoch. */
export function nowSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}

/** R-10-05 with the A-4 reading: which KeyPackage extension types must appear in capabilities. */
export function checkKeyPackageExtensions(kp: KeyPackage, o: Pick<KeyPackageValidationOptions, 'knownExtensionTypes' | 'strictKeyPackageExtensions'>): void {
  checkNoDuplicateExtensions(kp.extensions, 'KeyPackage.extensions');
  const known = new Set(o.knownExtensionTypes ?? []);
  for (const e of kp.extensions) {
    const t = e.extensionType;
    if (isDefaultExtensionType(t)) {
      // D-07: no default extension type (application_id, ratchet_tree, …) belongs in a KeyPackage.
      fail('ERR_VALIDATION_EXTENSIONS', 'D-07', `extension type 0x${hex16(t)} is not allowed in a KeyPackage`, 'KeyPackage.extensions');
    }
    const mustBeListed = known.has(t) || (o.strictKeyPackageExtensions === true && !isGrease(t));
    if (mustBeListed && !kp.leafNode.capabilities.extensions.includes(t)) {
      fail('ERR_VALIDATION_CAPABILITIES', 'R-10-05', `KeyPackage extension 0x${hex16(t)} is not listed in leaf_node.capabilities.extensions`, 'KeyPackage.extensions');
    }
  }
}

/** R-5.3.1-01 (sending) / R-5.3.1-03 (receiving): the application's credential check. */
function checkCredential(kp: KeyPackage, o: KeyPackageValidationOptions): void {
  if (o.validateCredential === undefined) return;
  const rule = o.context === 'send' ? 'R-5.3.1-01' : 'R-5.3.1-03';
  let ok: boolean;
  try {
    ok = o.validateCredential(kp.leafNode.credential, kp.leafNode.signatureKey);
  } catch (cause) {
    // A validator may explain itself by throwing; keep its error as the cause.
    if (cause instanceof ValidationError) throw cause;
    throw new ValidationError('ERR_VALIDATION_CREDENTIAL', rule, `credential rejected by the application: ${cause instanceof Error ? cause.message : String(cause)}`, {
      field: 'LeafNode.credential',
      cause,
    });
  }
  if (!ok) fail('ERR_VALIDATION_CREDENTIAL', rule, 'credential rejected by the application', 'LeafNode.credential');
}

/**
 * §10.1: validates `kp` for use in a group whose cipher suite is `cs`. Returns the same object,
 * typed as validated; throws a ValidationError naming the violated rule otherwise.
 */
export function validateKeyPackage(cs: CipherSuite, kp: KeyPackage, options: KeyPackageValidationOptions = {}): ValidatedKeyPackage {
  const o = options;
  const groupVersion = o.groupVersion ?? MLS10;
  // R-10.1-01: the KeyPackage is for this group's suite and version.
  if (kp.cipherSuite !== cs.id) {
    fail('ERR_VALIDATION_KEY_PACKAGE', 'R-10.1-01', `KeyPackage cipher suite 0x${hex16(kp.cipherSuite)} is not the group's 0x${hex16(cs.id)}`, 'KeyPackage.cipher_suite');
  }
  if (kp.version !== groupVersion) {
    fail('ERR_VALIDATION_KEY_PACKAGE', 'R-10.1-01', `KeyPackage version ${kp.version} is not the group's ${groupVersion}`, 'KeyPackage.version');
  }
  // R-10-04: an explicit version signal must match its envelope.
  if (o.mlsMessageVersion !== undefined && kp.version !== o.mlsMessageVersion) {
    fail('ERR_VALIDATION_KEY_PACKAGE', 'R-10-04', `KeyPackage version ${kp.version} differs from its MLSMessage's ${o.mlsMessageVersion}`, 'KeyPackage.version');
  }
  const leaf = kp.leafNode;
  // R-10-01 and R-10-03: every public key deserializes for the suite (R-5.1.1-01).
  if (!cs.hpke.isValidPublicKey(kp.initKey)) fail('ERR_VALIDATION_INVALID_KEY', 'R-10-01', 'init_key is not a valid HPKE public key for the suite', 'KeyPackage.init_key');
  if (!cs.hpke.isValidPublicKey(leaf.encryptionKey)) {
    fail('ERR_VALIDATION_INVALID_KEY', 'R-10-03', 'leaf_node.encryption_key is not a valid HPKE public key for the suite', 'LeafNode.encryption_key');
  }
  if (!cs.signatureScheme.isValidPublicKey(leaf.signatureKey)) {
    fail('ERR_VALIDATION_INVALID_KEY', 'R-10-03', 'leaf_node.signature_key is not a valid public key for the suite', 'LeafNode.signature_key');
  }
  // R-10.1-04: the init key and the leaf's encryption key are different keys.
  if (bytesEqual(kp.initKey, leaf.encryptionKey)) {
    fail('ERR_VALIDATION_KEY_PACKAGE', 'R-10.1-04', 'leaf_node.encryption_key equals init_key', 'LeafNode.encryption_key');
  }
  // R-10.1-03 (A-6: the key is leaf_node.signature_key): a bad signature makes the KeyPackage malformed.
  if (!verifyWithLabel(cs, leaf.signatureKey, 'KeyPackageTBS', keyPackageTbs(kp), kp.signature)) {
    fail('ERR_VALIDATION_SIGNATURE', 'R-10.1-03', 'KeyPackage signature does not verify', 'KeyPackage.signature');
  }
  // R-10.1-02: the leaf, in the KeyPackage context of §7.3.
  // R-10.1-02: the leaf, in the KeyPackage context of §7.3 (the one LeafNode validator of mlskit).
  validateLeafNode(
    cs,
    leaf,
    {
      context: 'keyPackage',
      version: kp.version,
      ...(o.requiredCapabilities !== undefined ? { requiredCapabilities: o.requiredCapabilities } : {}),
      ...(o.tree !== undefined ? { tree: o.tree } : {}),
    },
    {
      sending: o.context === 'send',
      checkLifetime: o.checkLifetime ?? true,
      now: o.now ?? nowSeconds(),
      ...(o.maxLifetime !== undefined ? { maxLifetime: o.maxLifetime } : {}),
      allowDefaultTypesInCapabilities: o.allowDefaultTypesInCapabilities ?? false,
    },
  );
  checkKeyPackageExtensions(kp, o);
  checkCredential(kp, o);
  return kp as ValidatedKeyPackage;
}
