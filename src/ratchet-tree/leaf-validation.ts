/**
 * RFC 9420 §7.3 (leaf node validation) with the §7.2 rules on LeafNode contents, §5.1.1–§5.1.2
 * (public keys), §5.3 and §5.3.1 (credentials), §13.4 (extensions): one validator, every rule with
 * its id from the validation checklist, in the error it raises and in the doc below.
 *
 * Checks against the rest of the group (key uniqueness, credential types in use) go through the
 * tree index (tree-index.ts), so each LeafNode costs O(1) whatever the group size: validating all n
 * leaves of a tree is O(n). Cheap checks run first; the signature, the one expensive step, runs last.
 *
 *   rule          check
 *   R-7.3-07/08/10 leaf_node_source is key_package / update / commit for a LeafNode in a KeyPackage /
 *                 Update / UpdatePath (context keyPackage / update / commit; the tree context takes any)
 *   R-7.2-02      capabilities.versions lists the group's version, capabilities.cipher_suites its suite
 *   R-7.2-04      capabilities.credentials lists the LeafNode's own credential type
 *   R-5.3-01      an X.509 credential has at least one certificate, and certificates[0]'s key is
 *                 the signature_key (R-5.1.2-01: of the suite's signature scheme)
 *   R-7.2-01      (unless `allowDefaultTypesInCapabilities`, see below) no default
 *                 proposal type (1–7) or extension type (1–5) is listed in capabilities
 *   R-13.4-02     no two LeafNode extensions of the same type
 *   D-07          no known extension that belongs elsewhere (only application_id may be in a LeafNode)
 *   R-7.2-03      every non-default extension type in extensions is listed in capabilities.extensions (A-2)
 *   R-7.3-03      the group's required_capabilities are listed (default types are implicit)
 *   R-7.3-04      every other member lists this LeafNode's credential type
 *   R-7.3-05      this LeafNode lists every credential type another member uses
 *   R-7.2-06      (option `maxLifetime`) not_after − not_before is at most the configured maximum
 *   S-7.3-01 / R-7.3-06  not_before ≤ now ≤ not_after (key_package source; option `checkLifetime`,
 *                 on by default; R-7.3-06 when `sending`, else the RECOMMENDED S-7.3-01, A-16)
 *   R-7.3-11      no other member's leaf has this signature_key
 *   R-7.3-09      an Update's encryption_key differs from the one of the leaf it replaces
 *   R-7.3-12      no other member's leaf has this encryption_key; R-12.4.3.1-13 (tree context) or
 *                 R-16.7-01 when a parent node has it
 *   R-5.1.1-01    encryption_key is a valid HPKE public key of the suite
 *   R-5.1.2-01    signature_key is a valid public key of the suite's signature scheme (A-14)
 *   R-5.3.1-02…05 the application's credential validator accepts the credential (R-7.3-01), with the
 *                 id of the context: tree (join) 02, keyPackage (received Add) 03, update 04, commit 05
 *   R-7.3-02      the signature verifies over LeafNodeTBS (with group_id and leaf index for the
 *                 update and commit sources)
 *
 * R-7.2-01 follows the project's reading of A-12 (as KeyPackage validation does): strict by
 * default, `allowDefaultTypesInCapabilities` to accept. The RFC only tells senders not to list the
 * default types; deployed peers have listed them (mls-rs did until its PR #319, October 2025), so
 * interop testing may call for the lenient setting.
 *
 * Error codes by family, shared with KeyPackage validation: ERR_VALIDATION_LEAF_NODE (source),
 * _CAPABILITIES, _EXTENSIONS, _LIFETIME, _DUPLICATE_KEY, _PUBLIC_KEY, _CREDENTIAL, _SIGNATURE.
 */
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { signContent, verifyWithLabel } from '../crypto/labels.js';
import { certificateKey } from '../crypto/node/x509.js';
import { bytesEqual } from '../util/bytes.js';
import { CredentialType, type Credential } from '../credentials/credential.js';
import { ExtensionType, type RequiredCapabilities } from '../extensions/extension.js';
import { UsageError, ValidationError } from '../errors.js';
import type { LeafIndex } from '../tree-math/index.js';
import { leafNodeTbs, LeafNodeSource, type LeafNode } from './node.js';
import type { PublicTree } from './tree.js';

/** Where a LeafNode was found; it decides the expected leaf_node_source and some rule ids. */
export const LeafNodeContext = { keyPackage: 'keyPackage', update: 'update', commit: 'commit', tree: 'tree' } as const;
export type LeafNodeContext = (typeof LeafNodeContext)[keyof typeof LeafNodeContext];

/**
 * The application's credential check (the Authentication Service, §5.3.1). Returns false (or
 * throws) to reject. `leaf` is the leaf the credential occupies or will occupy, when known.
 */
export type CredentialValidator = (credential: Credential, signatureKey: Uint8Array, leaf: LeafIndex | undefined) => boolean;

export interface LeafValidationOptions {
  /** Check the lifetime of key_package-source leaves (default true). The published vectors carry expired lifetimes. */
  readonly checkLifetime?: boolean;
  /** The current time in seconds since the Unix epoch (default: the system clock). */
  readonly now?: bigint;
  /** The LeafNode is in a message this client sends: a lifetime failure is R-7.3-06 (a MUST), not S-7.3-01. */
  readonly sending?: boolean;
  /** The application's maximum total lifetime in seconds (R-7.2-06); unchecked when absent. */
  readonly maxLifetime?: bigint;
  /** The Authentication Service hook, called once per LeafNode (R-5.3.1-02…05). */
  readonly validateCredential?: CredentialValidator;
  /** accept capabilities that list default proposal or extension types instead of rejecting them (R-7.2-01). */
  readonly allowDefaultTypesInCapabilities?: boolean;
  /**
   * Collect the signature check (R-7.3-02) instead of verifying it here, so that a caller can verify
   * many leaves in one batch across cores (joining). The caller must then reject on any failure.
   */
  readonly deferSignature?: (check: DeferredLeafSignature) => void;
}

export interface LeafValidationContext {
  readonly context: LeafNodeContext;
  /** The group's id: required for the signature of update- and commit-source LeafNodes. */
  readonly groupId?: Uint8Array;
  /**
   * The leaf the LeafNode occupies (update, commit, tree) or will occupy (keyPackage, if known).
   * Required for update and commit contexts and for update- and commit-source signatures.
   */
  readonly leafIndex?: LeafIndex;
  /**
   * The group's tree, for the checks against the other members (R-7.3-04, -05, -09, -11, -12).
   * In the update and commit contexts the leaf at `leafIndex` is the one being replaced; in the tree
   * context it is the LeafNode itself. Without a tree those checks are skipped.
   */
  readonly tree?: PublicTree;
  readonly requiredCapabilities?: RequiredCapabilities;
  /** The group's ProtocolVersion (default mls10 = 1). */
  readonly version?: number;
}

type Code = 'ERR_VALIDATION_LEAF_NODE' | 'ERR_VALIDATION_CAPABILITIES' | 'ERR_VALIDATION_EXTENSIONS' | 'ERR_VALIDATION_LIFETIME'
  | 'ERR_VALIDATION_DUPLICATE_KEY' | 'ERR_VALIDATION_PUBLIC_KEY' | 'ERR_VALIDATION_CREDENTIAL' | 'ERR_VALIDATION_SIGNATURE';
const MLS10 = 1;

/** §7.2: extension types 1–5 and proposal types 1–7 are "default": implicitly supported, never listed. */
export function isDefaultExtensionType(t: number): boolean {
  return t >= 1 && t <= 5;
}
export function isDefaultProposalType(t: number): boolean {
  return t >= 1 && t <= 7;
}

const EXPECTED_SOURCE: Readonly<Record<LeafNodeContext, { readonly source: LeafNodeSource; readonly rule: string } | undefined>> = Object.freeze({
  keyPackage: { source: LeafNodeSource.keyPackage, rule: 'R-7.3-07' },
  update: { source: LeafNodeSource.update, rule: 'R-7.3-08' },
  commit: { source: LeafNodeSource.commit, rule: 'R-7.3-10' },
  tree: undefined,
});

const CREDENTIAL_RULE: Readonly<Record<LeafNodeContext, string>> = Object.freeze({
  tree: 'R-5.3.1-02',
  keyPackage: 'R-5.3.1-03',
  update: 'R-5.3.1-04',
  commit: 'R-5.3.1-05',
});

function fail(code: Code, rule: string, message: string, field: string, cause?: unknown): never {
  throw new ValidationError(code, rule, message, cause === undefined ? { field } : { field, cause });
}

/** VerifyWithLabel(signature_key, "LeafNodeTBS", LeafNodeTBS, signature) (§7.2, R-7.3-02). */
export function verifyLeafNodeSignature(cs: CipherSuite, leaf: LeafNode, groupId?: Uint8Array, leafIndex?: number): boolean {
  return verifyWithLabel(cs, leaf.signatureKey, 'LeafNodeTBS', leafNodeTbs(leaf, groupId, leafIndex), leaf.signature);
}

/** R-5.3-01 / R-5.1.2-01: an X.509 credential's certificates[0] holds the leaf's signature_key, of the suite's scheme. */
export function checkX509Credential(cs: CipherSuite, leaf: LeafNode): void {
  if (leaf.credential.credentialType !== CredentialType.x509) return;
  const first = leaf.credential.certificates[0];
  if (first === undefined) fail('ERR_VALIDATION_CREDENTIAL', 'R-5.3-01', 'the X.509 credential has no certificate', 'Credential.certificates');
  const ck = certificateKey(first.certData);
  if (ck === undefined) fail('ERR_VALIDATION_CREDENTIAL', 'R-5.3-01', 'certificates[0] does not parse as an X.509 certificate with an MLS signature key', 'Credential.certificates');
  if (ck.scheme !== cs.signatureScheme.id) fail('ERR_VALIDATION_CREDENTIAL', 'R-5.1.2-01', "the certificate's key is not of the suite's signature scheme", 'Credential.certificates');
  if (!bytesEqual(ck.publicKey, leaf.signatureKey)) fail('ERR_VALIDATION_CREDENTIAL', 'R-5.3-01', "the certificate's key is not the LeafNode's signature_key", 'Credential.certificates');
}

/** Validates one LeafNode (§7.3); throws a ValidationError carrying the rule id of the first failure. */
export function validateLeafNode(cs: CipherSuite, leaf: LeafNode, ctx: LeafValidationContext, options: LeafValidationOptions = {}): void {
  const { context, tree, leafIndex } = ctx;
  if ((context === 'update' || context === 'commit' || context === 'tree') && leafIndex === undefined) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `validateLeafNode: the ${context} context needs the leaf index`);
  }
  const caps = leaf.capabilities;

  const expected = EXPECTED_SOURCE[context];
  if (expected !== undefined && leaf.leafNodeSource !== expected.source) {
    fail('ERR_VALIDATION_LEAF_NODE', expected.rule, `a LeafNode in the ${context} context must have leaf_node_source ${expected.source}, not ${leaf.leafNodeSource}`, 'LeafNode.leaf_node_source');
  }

  // §7.2: the LeafNode's own capabilities.
  const version = ctx.version ?? MLS10;
  if (!caps.versions.includes(version)) fail('ERR_VALIDATION_CAPABILITIES', 'R-7.2-02', `capabilities.versions does not list the group's version ${version}`, 'Capabilities.versions');
  if (!caps.cipherSuites.includes(cs.id)) fail('ERR_VALIDATION_CAPABILITIES', 'R-7.2-02', `capabilities.cipher_suites does not list the group's suite ${cs.id}`, 'Capabilities.cipher_suites');
  const credType = leaf.credential.credentialType;
  if (!caps.credentials.includes(credType)) fail('ERR_VALIDATION_CAPABILITIES', 'R-7.2-04', `capabilities.credentials does not list the LeafNode's credential type ${credType}`, 'Capabilities.credentials');
  if (leaf.credential.credentialType === CredentialType.x509 && leaf.credential.certificates.length === 0) {
    fail('ERR_VALIDATION_CREDENTIAL', 'R-5.3-01', 'the X.509 credential has no certificate', 'Credential.certificates');
  }
  if (options.allowDefaultTypesInCapabilities !== true) {
    const p = caps.proposals.find(isDefaultProposalType);
    if (p !== undefined) fail('ERR_VALIDATION_CAPABILITIES', 'R-7.2-01', `capabilities.proposals lists the default proposal type ${p}`, 'Capabilities.proposals');
    const e = caps.extensions.find(isDefaultExtensionType);
    if (e !== undefined) fail('ERR_VALIDATION_CAPABILITIES', 'R-7.2-01', `capabilities.extensions lists the default extension type ${e}`, 'Capabilities.extensions');
  }

  // §13.4 and §7.2: the LeafNode's extensions.
  const seen = new Set<number>();
  for (const ext of leaf.extensions) {
    const t = ext.extensionType;
    if (seen.has(t)) fail('ERR_VALIDATION_EXTENSIONS', 'R-13.4-02', `LeafNode.extensions has two extensions of type ${t}`, 'LeafNode.extensions');
    seen.add(t);
    if (isDefaultExtensionType(t)) {
      if (t !== ExtensionType.applicationId) fail('ERR_VALIDATION_EXTENSIONS', 'D-07', `extension type ${t} is not allowed in a LeafNode`, 'LeafNode.extensions');
    } else if (!caps.extensions.includes(t)) {
      fail('ERR_VALIDATION_CAPABILITIES', 'R-7.2-03', `extension type ${t} is not listed in capabilities.extensions`, 'LeafNode.extensions');
    }
  }

  // §7.3: the group's required_capabilities (default types are implicitly supported, A-3).
  const rc = ctx.requiredCapabilities;
  if (rc !== undefined) {
    for (const t of rc.extensionTypes) {
      if (!isDefaultExtensionType(t) && !caps.extensions.includes(t)) fail('ERR_VALIDATION_CAPABILITIES', 'R-7.3-03', `required extension type ${t} is not supported`, 'Capabilities.extensions');
    }
    for (const t of rc.proposalTypes) {
      if (!isDefaultProposalType(t) && !caps.proposals.includes(t)) fail('ERR_VALIDATION_CAPABILITIES', 'R-7.3-03', `required proposal type ${t} is not supported`, 'Capabilities.proposals');
    }
    for (const t of rc.credentialTypes) {
      if (!caps.credentials.includes(t)) fail('ERR_VALIDATION_CAPABILITIES', 'R-7.3-03', `required credential type ${t} is not supported`, 'Capabilities.credentials');
    }
  }

  // §7.3: credential types against the other members, in O(1) through the index counters. The
  // leaf at leafIndex (the one replaced, or in the tree context this very LeafNode) is not "other".
  const replaced = tree !== undefined && leafIndex !== undefined && leafIndex < tree.leafCount ? tree.leafNode(leafIndex) : undefined;
  if (tree !== undefined) {
    const ix = tree.index;
    const others = ix.members - (replaced !== undefined ? 1 : 0);
    const supporters = ix.membersSupporting(credType) - (replaced?.capabilities.credentials.includes(credType) === true ? 1 : 0);
    if (supporters !== others) {
      fail('ERR_VALIDATION_CAPABILITIES', 'R-7.3-04', `${others - supporters} other member(s) do not support credential type ${credType}`, 'Credential.credential_type');
    }
    for (const t of ix.credentialTypesInUse()) {
      const users = ix.membersUsing(t) - (replaced?.credential.credentialType === t ? 1 : 0);
      if (users > 0 && !caps.credentials.includes(t)) {
        fail('ERR_VALIDATION_CAPABILITIES', 'R-7.3-05', `capabilities.credentials does not list credential type ${t}, used by other members`, 'Capabilities.credentials');
      }
    }
  }

  // §7.2 / §7.3: lifetime.
  if (leaf.leafNodeSource === LeafNodeSource.keyPackage) {
    const { notBefore, notAfter } = leaf.lifetime;
    if (options.maxLifetime !== undefined && notAfter - notBefore > options.maxLifetime) {
      fail('ERR_VALIDATION_LIFETIME', 'R-7.2-06', `lifetime of ${notAfter - notBefore} s exceeds the maximum ${options.maxLifetime} s`, 'LeafNode.lifetime');
    }
    if (options.checkLifetime !== false) {
      const now = options.now ?? BigInt(Math.floor(Date.now() / 1000));
      if (now < notBefore || now > notAfter) {
        fail('ERR_VALIDATION_LIFETIME', options.sending === true ? 'R-7.3-06' : 'S-7.3-01', `lifetime [${notBefore}, ${notAfter}] does not contain now (${now})`, 'LeafNode.lifetime');
      }
    }
  }

  // §7.3: key uniqueness, O(1) through the index.
  if (tree !== undefined) {
    const sigHolder = tree.index.signatureKeyHolder(leaf.signatureKey);
    if (sigHolder !== undefined && sigHolder !== leafIndex) {
      fail('ERR_VALIDATION_DUPLICATE_KEY', 'R-7.3-11', `signature_key is already used by leaf ${sigHolder}`, 'LeafNode.signature_key');
    }
    const encHolder = tree.index.encryptionKeyHolder(leaf.encryptionKey);
    if (encHolder !== undefined) {
      const own = leafIndex !== undefined && encHolder === leafIndex * 2;
      if (own) {
        if (context === 'update') fail('ERR_VALIDATION_DUPLICATE_KEY', 'R-7.3-09', 'the Update does not change the encryption_key', 'LeafNode.encryption_key');
      } else if ((encHolder & 1) === 0) {
        fail('ERR_VALIDATION_DUPLICATE_KEY', 'R-7.3-12', `encryption_key is already used by leaf ${encHolder >>> 1}`, 'LeafNode.encryption_key');
      } else {
        fail('ERR_VALIDATION_DUPLICATE_KEY', context === 'tree' ? 'R-12.4.3.1-13' : 'R-16.7-01', `encryption_key is already used by parent node ${encHolder}`, 'LeafNode.encryption_key');
      }
    }
  }

  // §5.1.1, §5.1.2: the keys are keys of this suite.
  if (!cs.hpke.isValidPublicKey(leaf.encryptionKey)) fail('ERR_VALIDATION_PUBLIC_KEY', 'R-5.1.1-01', 'encryption_key is not a valid HPKE public key for the suite', 'LeafNode.encryption_key');
  if (!cs.signatureScheme.isValidPublicKey(leaf.signatureKey)) {
    fail('ERR_VALIDATION_PUBLIC_KEY', 'R-5.1.2-01', "signature_key is not a valid public key for the suite's signature scheme", 'LeafNode.signature_key');
  }

  // §5.3.1: the application's Authentication Service.
  if (options.validateCredential !== undefined) {
    const rule = CREDENTIAL_RULE[context];
    let ok: boolean;
    try {
      ok = options.validateCredential(leaf.credential, leaf.signatureKey, leafIndex);
    } catch (err) {
      fail('ERR_VALIDATION_CREDENTIAL', rule, 'the credential validator rejected the credential', 'LeafNode.credential', err);
    }
    if (!ok) fail('ERR_VALIDATION_CREDENTIAL', rule, 'the credential validator rejected the credential', 'LeafNode.credential');
  }

  // §5.3: an X.509 credential's certificate holds this key (parsing it is costly: done late).
  checkX509Credential(cs, leaf);

  // §7.2: the signature, last because it is the expensive step.
  if (leaf.leafNodeSource !== LeafNodeSource.keyPackage && (ctx.groupId === undefined || leafIndex === undefined)) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'validateLeafNode: an update- or commit-source LeafNode needs groupId and leafIndex for its signature');
  }
  if (options.deferSignature !== undefined) {
    options.deferSignature({ leafIndex, publicKey: leaf.signatureKey, message: signContent('LeafNodeTBS', leafNodeTbs(leaf, ctx.groupId, leafIndex)), signature: leaf.signature });
    return;
  }
  if (!verifyLeafNodeSignature(cs, leaf, ctx.groupId, leafIndex)) {
    fail('ERR_VALIDATION_SIGNATURE', 'R-7.3-02', 'the LeafNode signature does not verify', 'LeafNode.signature');
  }
}

/** A LeafNode signature check left for batch verification (`deferSignature`). */
export interface DeferredLeafSignature {
  readonly leafIndex: LeafIndex | undefined;
  readonly publicKey: Uint8Array;
  /** SignContent("LeafNodeTBS", LeafNodeTBS). */
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

/** R-7.3-02 for a batch of deferred leaf signatures: all verified together, the first failure rejected. */
export async function verifyDeferredLeafSignatures(cs: CipherSuite, checks: readonly DeferredLeafSignature[]): Promise<void> {
  const ok = cs.signatureScheme.verifyBatch !== undefined
    ? await cs.signatureScheme.verifyBatch(checks)
    : checks.map((c) => cs.signatureScheme.verify(c.publicKey, c.message, c.signature));
  const bad = ok.indexOf(false);
  if (bad >= 0) fail('ERR_VALIDATION_SIGNATURE', 'R-7.3-02', `the LeafNode signature of leaf ${String(checks[bad]!.leafIndex)} does not verify`, 'LeafNode.signature');
}
