/**
 * RFC 9420 §7.2, §7.3 and §13.4 for a LeafNode that is about to be signed into a KeyPackage
 * (`createKeyPackage` refuses to build one others must reject) and the extension-list helpers of
 * KeyPackage validation. Received KeyPackages are validated by `validateLeafNode`
 * (src/ratchet-tree/leaf-validation.ts) in the keyPackage context, the one LeafNode validator.
 *
 *   R-7.3-07  leaf_node_source = key_package
 *   R-7.2-01  capabilities do not list default proposal / extension types
 *   R-7.2-02  capabilities list the KeyPackage's version and cipher suite
 *   R-7.2-03  every non-default LeafNode extension type is listed in capabilities
 *   R-7.2-04  the credential type is listed in capabilities
 *   R-7.2-06  lifetime span ≤ the configured maximum
 *   R-7.3-06  now ∈ [not_before, not_after]
 *   R-7.3-03  the group's required_capabilities are listed (when the caller passes them)
 *   R-13.4-02 no duplicate extension type in LeafNode.extensions
 *   D-07      no default extension type other than application_id in LeafNode.extensions
 */
import { ValidationError } from '../errors.js';
import { ExtensionType, type Extension, type RequiredCapabilities } from '../extensions/extension.js';
import { LeafNodeSource, type Capabilities, type KeyPackageLeafNode, type LeafNode } from '../ratchet-tree/node.js';

/** §7.2: proposal types every client supports; they MUST NOT be listed in capabilities. */
export const DEFAULT_PROPOSAL_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 6, 7]);
/** §7.2: extension types every client supports; they MUST NOT be listed in capabilities. */
export const DEFAULT_EXTENSION_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 4, 5]);

export function isDefaultExtensionType(t: number): boolean {
  return DEFAULT_EXTENSION_TYPES.has(t);
}

/** Options of the leaf check; `validateKeyPackage` fills them from its own options. */
export interface KeyPackageLeafCheck {
  /** The KeyPackage's protocol version and cipher suite (R-7.2-02). */
  readonly version: number;
  readonly cipherSuite: number;
  /** 'send': our own KeyPackage going into a Proposal/Commit; 'receive': one we were given. */
  readonly context: 'send' | 'receive';
  /** Check now ∈ lifetime (default true). Rule R-7.3-06 when sending, S-7.3-01 when receiving. */
  readonly checkLifetime: boolean;
  /** Seconds since the Unix epoch. */
  readonly now: bigint;
  /** R-7.2-06: the application's maximum not_after − not_before, in seconds; unchecked when absent. */
  readonly maxLifetime: bigint | undefined;
  /** accept capabilities that list default types (lenient), instead of rejecting (R-7.2-01). */
  readonly allowDefaultTypesInCapabilities: boolean;
  /** R-7.3-03: the group's required_capabilities, when known. */
  readonly requiredCapabilities: RequiredCapabilities | undefined;
}

function fail(code: `ERR_VALIDATION_${string}`, rule: string, message: string, field: string): never {
  throw new ValidationError(code, rule, message, { field });
}

/** R-13.4-02: one extension of each type per list. */
export function checkNoDuplicateExtensions(list: readonly Extension[], field: string): void {
  const seen = new Set<number>();
  for (const e of list) {
    if (seen.has(e.extensionType)) fail('ERR_VALIDATION_EXTENSIONS', 'R-13.4-02', `extension type 0x${hex16(e.extensionType)} appears twice`, field);
    seen.add(e.extensionType);
  }
}

export function hex16(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** R-7.2-01, R-7.2-02, R-7.2-04: the capabilities object on its own. */
function checkCapabilities(caps: Capabilities, leaf: LeafNode, o: KeyPackageLeafCheck): void {
  if (!o.allowDefaultTypesInCapabilities) {
    for (const p of caps.proposals) {
      if (DEFAULT_PROPOSAL_TYPES.has(p)) fail('ERR_VALIDATION_CAPABILITIES', 'R-7.2-01', `capabilities.proposals lists default type 0x${hex16(p)}`, 'Capabilities.proposals');
    }
    for (const e of caps.extensions) {
      if (DEFAULT_EXTENSION_TYPES.has(e)) fail('ERR_VALIDATION_CAPABILITIES', 'R-7.2-01', `capabilities.extensions lists default type 0x${hex16(e)}`, 'Capabilities.extensions');
    }
  }
  if (!caps.versions.includes(o.version)) {
    fail('ERR_VALIDATION_CAPABILITIES', 'R-7.2-02', `capabilities.versions does not list version ${o.version}`, 'Capabilities.versions');
  }
  if (!caps.cipherSuites.includes(o.cipherSuite)) {
    fail('ERR_VALIDATION_CAPABILITIES', 'R-7.2-02', `capabilities.cipher_suites does not list suite 0x${hex16(o.cipherSuite)}`, 'Capabilities.cipher_suites');
  }
  if (!caps.credentials.includes(leaf.credential.credentialType)) {
    fail('ERR_VALIDATION_CAPABILITIES', 'R-7.2-04', `capabilities.credentials does not list the leaf's credential type ${leaf.credential.credentialType}`, 'Capabilities.credentials');
  }
}

/** R-7.2-03 (with A-2: default types need not, and must not, be listed), R-13.4-02, D-07. */
function checkLeafExtensions(leaf: LeafNode): void {
  checkNoDuplicateExtensions(leaf.extensions, 'LeafNode.extensions');
  for (const e of leaf.extensions) {
    const t = e.extensionType;
    if (isDefaultExtensionType(t)) {
      // D-07: of the default types, only application_id may sit in a LeafNode.
      if (t !== ExtensionType.applicationId) fail('ERR_VALIDATION_EXTENSIONS', 'D-07', `extension type 0x${hex16(t)} is not allowed in a LeafNode`, 'LeafNode.extensions');
      continue;
    }
    // GREASE included: §13.5 requires GREASE leaf extensions to be mirrored in capabilities.
    if (!leaf.capabilities.extensions.includes(t)) {
      fail('ERR_VALIDATION_CAPABILITIES', 'R-7.2-03', `LeafNode extension 0x${hex16(t)} is not listed in capabilities.extensions`, 'LeafNode.extensions');
    }
  }
}

/** R-7.3-03: the group's required_capabilities (non-default types only: defaults are implied). */
function checkRequired(caps: Capabilities, req: RequiredCapabilities): void {
  for (const t of req.extensionTypes) {
    if (!isDefaultExtensionType(t) && !caps.extensions.includes(t)) {
      fail('ERR_VALIDATION_CAPABILITIES', 'R-7.3-03', `required extension type 0x${hex16(t)} is not supported`, 'Capabilities.extensions');
    }
  }
  for (const t of req.proposalTypes) {
    if (!DEFAULT_PROPOSAL_TYPES.has(t) && !caps.proposals.includes(t)) {
      fail('ERR_VALIDATION_CAPABILITIES', 'R-7.3-03', `required proposal type 0x${hex16(t)} is not supported`, 'Capabilities.proposals');
    }
  }
  for (const t of req.credentialTypes) {
    if (!caps.credentials.includes(t)) fail('ERR_VALIDATION_CAPABILITIES', 'R-7.3-03', `required credential type 0x${hex16(t)} is not supported`, 'Capabilities.credentials');
  }
}

/** R-7.2-06 and R-7.3-06 / S-7.3-01. */
function checkLifetime(leaf: KeyPackageLeafNode, o: KeyPackageLeafCheck): void {
  const { notBefore, notAfter } = leaf.lifetime;
  if (o.maxLifetime !== undefined && notAfter - notBefore > o.maxLifetime) {
    fail('ERR_VALIDATION_LIFETIME', 'R-7.2-06', `lifetime span ${notAfter - notBefore}s exceeds the maximum ${o.maxLifetime}s`, 'LeafNode.lifetime');
  }
  if (o.checkLifetime && (o.now < notBefore || o.now > notAfter)) {
    const rule = o.context === 'send' ? 'R-7.3-06' : 'S-7.3-01';
    fail('ERR_VALIDATION_LIFETIME', rule, `now (${o.now}) is outside the lifetime [${notBefore}, ${notAfter}]`, 'LeafNode.lifetime');
  }
}

/**
 * The checks of a KeyPackage's leaf that need no signature: source, capabilities, extensions,
 * lifetime. Used alone by `createKeyPackage` to refuse building an invalid KeyPackage.
 */
export function checkKeyPackageLeafContents(leaf: LeafNode, o: KeyPackageLeafCheck): asserts leaf is KeyPackageLeafNode {
  if (leaf.leafNodeSource !== LeafNodeSource.keyPackage) {
    fail('ERR_VALIDATION_LEAF_NODE', 'R-7.3-07', `a KeyPackage's LeafNode has leaf_node_source ${leaf.leafNodeSource}, not key_package`, 'LeafNode.leaf_node_source');
  }
  checkCapabilities(leaf.capabilities, leaf, o);
  checkLeafExtensions(leaf);
  if (o.requiredCapabilities !== undefined) checkRequired(leaf.capabilities, o.requiredCapabilities);
  checkLifetime(leaf, o);
}
