/**
 * RFC 9420 §10: creating a KeyPackage — fresh init and leaf encryption key pairs, a LeafNode with
 * leaf_node_source key_package (§7.2, signed over LeafNodeTBS), the KeyPackage signed over
 * KeyPackageTBS, and its KeyPackageRef (§5.2).
 *
 * Defaults follow §7.2 and §13.5: capabilities list mls10, this suite, the credential's type
 * (R-7.2-04) and every non-default extension type the KeyPackage or its leaf carries (R-7.2-03,
 * R-10-05); default proposal and extension types are never listed (R-7.2-01). Unless disabled, one
 * random GREASE value is added to each of cipher_suites, extensions, proposals and credentials —
 * the lists §13.5 says a creator SHOULD grease (never to versions, which §13.5 does not name).
 * The lifetime defaults to [now − 1 h, now + 90 days]: the hour absorbs clock skew between the
 * creator and the members who will check it (S-7.3-01).
 *
 * The private keys are returned redacted. The caller (the group engine, or a KeyPackage store)
 * keeps them until the KeyPackage is used in a Welcome, then deletes them (§16.8 for last-resort
 * KeyPackages, which are kept longer by design).
 */
import { decode, encode } from '../codec/codec.js';
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { makeKeyPackageRef, signWithLabel } from '../crypto/labels.js';
import type { Credential } from '../credentials/credential.js';
import { UsageError, ValidationError } from '../errors.js';
import { LAST_RESORT_EXTENSION_TYPE, GREASE_VALUES, type Extension } from '../extensions/extension.js';
import { keyPackageCodec, keyPackageTbs, type KeyPackage } from '../messages/key-package.js';
import { leafNodeTbs, LeafNodeSource, type Capabilities, type KeyPackageLeafNode, type LeafNode, type Lifetime } from '../ratchet-tree/node.js';
import { copy, EMPTY } from '../util/bytes.js';
import { redacted } from '../util/secret.js';
import { checkKeyPackageLeafContents, isDefaultExtensionType } from './leaf-check.js';
import { checkKeyPackageExtensions, MLS10, nowSeconds } from './validate.js';

const HOUR = 3600n;
const DAY = 24n * HOUR;
/** Default lifetime: valid from one hour ago (clock skew) until 90 days from now. */
export const DEFAULT_LIFETIME_BACKDATE = HOUR;
export const DEFAULT_LIFETIME_VALIDITY = 90n * DAY;
const UINT64_MAX = 0xffffffffffffffffn;

export interface CreateKeyPackageOptions {
  readonly cipherSuite: CipherSuite;
  readonly credential: Credential;
  readonly signaturePrivateKey: Uint8Array;
  /** The public half of `signaturePrivateKey`; derived from it when absent. */
  readonly signaturePublicKey?: Uint8Array;
  /** Used exactly as given (no defaults, no GREASE added); must satisfy §7.2. */
  readonly capabilities?: Capabilities;
  /** Seconds since the Unix epoch. Default [now − 1 h, now + 90 days]. */
  readonly lifetime?: Lifetime;
  /** KeyPackage.extensions; non-default types are added to the default capabilities. */
  readonly extensions?: readonly Extension[];
  /** Mark the KeyPackage as a last-resort one (the `last_resort` extension, type 0x000a): it may be used more than once (§16.8). */
  readonly lastResort?: boolean;
  /** LeafNode.extensions (e.g. application_id); non-default types are added to the default capabilities. */
  readonly leafNodeExtensions?: readonly Extension[];
  /** Add GREASE values to the default capabilities (§13.5 SHOULD). Default true; ignored when `capabilities` is given. */
  readonly grease?: boolean;
  /** The clock for the default lifetime, in seconds since the Unix epoch. Default the system clock. */
  readonly now?: bigint;
}

/** The private halves of a KeyPackage's keys (redacted). Delete them once the KeyPackage is used. */
export interface KeyPackagePrivateKeys {
  /** Opens the Welcome's EncryptedGroupSecrets (§12.4.3.1). */
  readonly initPrivateKey: Uint8Array;
  /** The private key of leaf_node.encryption_key: the joiner's leaf in the ratchet tree. */
  readonly encryptionPrivateKey: Uint8Array;
  /** A copy of the signing key the leaf and KeyPackage were signed with. */
  readonly signaturePrivateKey: Uint8Array;
}

export interface CreatedKeyPackage {
  /** Decoded from `keyPackageBytes`: its byte fields are views of that buffer, never of the caller's inputs. */
  readonly keyPackage: KeyPackage & { readonly leafNode: KeyPackageLeafNode };
  /** The encoded KeyPackage (without an MLSMessage header). */
  readonly keyPackageBytes: Uint8Array;
  /** §5.2 KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", keyPackageBytes). */
  readonly ref: Uint8Array;
  readonly privateKeys: KeyPackagePrivateKeys;
}

/** SignWithLabel(., "LeafNodeTBS", LeafNodeTBS); `leaf.signature` is ignored and replaced. */
export function signLeafNode<L extends LeafNode>(cs: CipherSuite, signaturePrivateKey: Uint8Array, leaf: L, groupId?: Uint8Array, leafIndex?: number): L {
  const signature = signWithLabel(cs, signaturePrivateKey, 'LeafNodeTBS', leafNodeTbs(leaf, groupId, leafIndex));
  return { ...leaf, signature };
}

/** SignWithLabel(., "KeyPackageTBS", KeyPackageTBS); `kp.signature` is ignored and replaced. */
export function signKeyPackage(cs: CipherSuite, signaturePrivateKey: Uint8Array, kp: KeyPackage): KeyPackage {
  return { ...kp, signature: signWithLabel(cs, signaturePrivateKey, 'KeyPackageTBS', keyPackageTbs(kp)) };
}

/** A GREASE value not already in `list`, chosen with the suite's randomness. */
function greaseValue(cs: CipherSuite, list: readonly number[]): number {
  const free = GREASE_VALUES.filter((g) => !list.includes(g));
  return free[cs.random(1)[0]! % free.length]!;
}

function defaultCapabilities(cs: CipherSuite, credential: Credential, extensionLists: readonly (readonly Extension[])[], grease: boolean): Capabilities {
  const extensionTypes = new Set<number>();
  for (const list of extensionLists) for (const e of list) if (!isDefaultExtensionType(e.extensionType)) extensionTypes.add(e.extensionType);
  const caps = {
    versions: [MLS10],
    cipherSuites: [cs.id as number],
    extensions: [...extensionTypes].sort((a, b) => a - b),
    proposals: [] as number[],
    credentials: [credential.credentialType as number],
  };
  if (grease) {
    // The same random choice never repeats within a list; GREASE is never one's own real capability (R-13.5-03).
    caps.cipherSuites.push(greaseValue(cs, caps.cipherSuites));
    caps.extensions.push(greaseValue(cs, caps.extensions));
    caps.proposals.push(greaseValue(cs, caps.proposals));
    caps.credentials.push(greaseValue(cs, caps.credentials));
  }
  return caps;
}

/**
 * §10: a fresh, signed KeyPackage for `cipherSuite`. Throws UsageError (with the violated rule's
 * ValidationError as `cause`) if the options would produce a KeyPackage others must reject.
 */
export function createKeyPackage(options: CreateKeyPackageOptions): CreatedKeyPackage {
  const cs = options.cipherSuite;
  const now = options.now ?? nowSeconds();
  const lifetime = options.lifetime ?? { notBefore: now - DEFAULT_LIFETIME_BACKDATE, notAfter: now + DEFAULT_LIFETIME_VALIDITY };
  const { notBefore, notAfter } = lifetime;
  if (notBefore < 0n || notAfter > UINT64_MAX || notBefore > notAfter) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `lifetime [${notBefore}, ${notAfter}] is not a uint64 interval`, { field: 'lifetime' });
  }
  const extensions = [...(options.extensions ?? [])];
  if (options.lastResort === true && !extensions.some((e) => e.extensionType === LAST_RESORT_EXTENSION_TYPE)) {
    extensions.push({ extensionType: LAST_RESORT_EXTENSION_TYPE, extensionData: new Uint8Array(0) });
  }
  const leafNodeExtensions = options.leafNodeExtensions ?? [];
  const capabilities = options.capabilities ?? defaultCapabilities(cs, options.credential, [extensions, leafNodeExtensions], options.grease ?? true);
  const signatureKey = options.signaturePublicKey ?? cs.signatureScheme.publicKeyFromPrivate(options.signaturePrivateKey);

  const init = cs.hpke.generateKeyPair();
  const enc = cs.hpke.generateKeyPair();
  const leaf: KeyPackageLeafNode = {
    encryptionKey: enc.publicKey,
    signatureKey,
    credential: options.credential,
    capabilities,
    leafNodeSource: LeafNodeSource.keyPackage,
    lifetime,
    extensions: leafNodeExtensions,
    signature: EMPTY,
  };
  const unsigned: KeyPackage = { version: MLS10, cipherSuite: cs.id, initKey: init.publicKey, leafNode: leaf, extensions, signature: EMPTY };

  // Refuse to build what receivers must reject (§7.2, §10). The lifetime is not checked against
  // the clock: a KeyPackage may be published before it becomes valid.
  try {
    checkKeyPackageLeafContents(leaf, {
      version: MLS10,
      cipherSuite: cs.id,
      context: 'send',
      checkLifetime: false,
      now,
      maxLifetime: undefined,
      allowDefaultTypesInCapabilities: false,
      requiredCapabilities: undefined,
    });
    checkKeyPackageExtensions(unsigned, { strictKeyPackageExtensions: true });
  } catch (err) {
    if (err instanceof ValidationError) {
      throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `createKeyPackage: the KeyPackage would be invalid (${err.message})`, {
        field: err.field,
        rule: err.rule,
        cause: err,
      });
    }
    throw err;
  }

  const signedLeaf = signLeafNode(cs, options.signaturePrivateKey, leaf);
  const signed = signKeyPackage(cs, options.signaturePrivateKey, { ...unsigned, leafNode: signedLeaf });
  const keyPackageBytes = encode(keyPackageCodec, signed);
  const keyPackage = decode(keyPackageCodec, keyPackageBytes) as KeyPackage & { readonly leafNode: KeyPackageLeafNode };
  const privateKeys: KeyPackagePrivateKeys = redacted(
    { initPrivateKey: init.privateKey, encryptionPrivateKey: enc.privateKey, signaturePrivateKey: copy(options.signaturePrivateKey) },
    'KeyPackagePrivateKeys',
  );
  return { keyPackage, keyPackageBytes, ref: makeKeyPackageRef(cs, keyPackageBytes), privateKeys };
}
