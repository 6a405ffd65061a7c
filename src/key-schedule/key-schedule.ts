/**
 * RFC 9420 §8 (key schedule), §8.3 (external initialization), §8.5 (exporters), §8.7 (epoch
 * authenticator), §6.1 (confirmation tag), §11 (the first epoch) and §12.4.3.1 (welcome key and
 * nonce).
 *
 *                  init_secret_[n-1]
 *                        |
 *   commit_secret --> KDF.Extract                      (salt = init_secret, ikm = commit_secret)
 *                        |
 *                ExpandWithLabel(., "joiner", GroupContext_[n], Nh) = joiner_secret
 *                        |
 *   psk_secret    --> KDF.Extract = member_secret      (salt = joiner_secret, ikm = psk_secret)
 *                        +--> DeriveSecret(., "welcome") = welcome_secret
 *                ExpandWithLabel(., "epoch", GroupContext_[n], Nh) = epoch_secret
 *                        +--> DeriveSecret(., <label>) for each row of Table 4
 *                DeriveSecret(., "init") = init_secret_[n]
 *
 * Forward secrecy (§9.2, R-9.2-01/02). What this module keeps and what the caller must drop:
 *  - member_secret and epoch_secret never leave this module; they are wiped as soon as the
 *    derived secrets exist.
 *  - joiner_secret and welcome_secret are returned only because a committer needs them to build
 *    the Welcome (GroupSecrets.joiner_secret, the GroupInfo key/nonce) and a joiner needs
 *    welcome_secret to open the GroupInfo. Drop (`wipe`) both once the Welcome is built or read.
 *  - encryption_secret is consumed by the secret tree: pass it to `SecretTree.create` (which
 *    copies it) and then wipe it.
 *  - init_secret of the previous epoch, commit_secret and psk_secret are consumed by the new
 *    epoch. They are NOT wiped here: the new epoch is only staged until every check of the Commit
 *    passes (stage, then merge; R-12.4.2-07), and a rejected Commit must leave the old state
 *    intact. Wipe them when the staged epoch is merged.
 *  - `EpochSecrets` is what an epoch keeps for its lifetime; wipe it (`wipeEpochSecrets`) when the
 *    epoch is left behind, after saving `resumptionPsk` if past-epoch PSKs are retained (§8.6).
 * JavaScript cannot guarantee that no other copy of a buffer exists (the engine may move or copy
 * memory); wiping is best effort, as docs/security.md states.
 */
import type { CipherSuite, KeyPair } from '../crypto/cipher-suite.js';
import { deriveSecret, expandWithLabel } from '../crypto/labels.js';
import { CryptoError, StorageError, UsageError, ValidationError } from '../errors.js';
import { EMPTY, copy, utf8, wipe } from '../util/bytes.js';
import { redacted } from '../util/secret.js';

/** The all-zero string of length Nh: commit_secret without a path, psk_secret without PSKs (§8). */
export function zeroSecret(cs: CipherSuite): Uint8Array {
  return new Uint8Array(cs.Nh);
}

/** Table 4: the epoch-derived secrets an epoch keeps for its lifetime. */
export interface EpochSecrets {
  /** "sender data": keys for SenderData encryption (§6.3.2). */
  readonly senderDataSecret: Uint8Array;
  /** "exporter": input to MLS-Exporter (§8.5). */
  readonly exporterSecret: Uint8Array;
  /** "external": seed of the external HPKE key pair (§8.3). */
  readonly externalSecret: Uint8Array;
  /** "confirm": the confirmation_key (§6.1). */
  readonly confirmationKey: Uint8Array;
  /** "membership": the membership_key for PublicMessage tags (§6.2). */
  readonly membershipKey: Uint8Array;
  /** "resumption": this epoch's resumption PSK (§8.6). */
  readonly resumptionPsk: Uint8Array;
  /** "authentication": the epoch_authenticator (§8.7). */
  readonly epochAuthenticator: Uint8Array;
  /** "init": the init_secret that feeds the next epoch's key schedule. */
  readonly initSecret: Uint8Array;
}

/** The result of deriving an epoch from its epoch_secret. */
export interface EpochKeys {
  /** "encryption": the secret-tree root. Hand it to `SecretTree.create`, then wipe it (§9.2). */
  readonly encryptionSecret: Uint8Array;
  readonly secrets: EpochSecrets;
}

/** The result of a full key-schedule run (a member processing or creating a Commit). */
export interface KeyScheduleResult extends EpochKeys {
  /** For GroupSecrets in a Welcome; wipe once the Welcome is built. */
  readonly joinerSecret: Uint8Array;
  /** For the Welcome's GroupInfo key and nonce; wipe once the Welcome is built. */
  readonly welcomeSecret: Uint8Array;
}

export interface KeyScheduleInput {
  /** init_secret of the previous epoch, or the one from external init (§8.3). Not wiped here. */
  readonly initSecret: Uint8Array;
  /** commit_secret from the UpdatePath (§7.4); all zeros (the default) for a Commit without a path. */
  readonly commitSecret?: Uint8Array;
  /** psk_secret (§8.4); all zeros (the default) when the Commit injects no PSK. */
  readonly pskSecret?: Uint8Array;
  /** The new epoch's GroupContext, serialized (`encodeGroupContext`). */
  readonly groupContext: Uint8Array;
}

/** joiner_secret = ExpandWithLabel(Extract(init_secret, commit_secret), "joiner", GroupContext, Nh). */
export function deriveJoinerSecret(cs: CipherSuite, initSecret: Uint8Array, commitSecret: Uint8Array, groupContext: Uint8Array): Uint8Array {
  const prk = cs.extract(initSecret, commitSecret);
  const joiner = expandWithLabel(cs, prk, 'joiner', groupContext, cs.Nh);
  wipe(prk);
  return joiner;
}

/** member_secret = Extract(joiner_secret, psk_secret). Internal step: callers wipe it when done. */
export function deriveMemberSecret(cs: CipherSuite, joinerSecret: Uint8Array, pskSecret: Uint8Array): Uint8Array {
  return cs.extract(joinerSecret, pskSecret);
}

/** welcome_secret = DeriveSecret(member_secret, "welcome"). */
export function deriveWelcomeSecret(cs: CipherSuite, memberSecret: Uint8Array): Uint8Array {
  return deriveSecret(cs, memberSecret, 'welcome');
}

/** epoch_secret = ExpandWithLabel(member_secret, "epoch", GroupContext, Nh). */
export function deriveEpochSecret(cs: CipherSuite, memberSecret: Uint8Array, groupContext: Uint8Array): Uint8Array {
  return expandWithLabel(cs, memberSecret, 'epoch', groupContext, cs.Nh);
}

/** Wraps the nine Table-4 values; `epochSecret` is not wiped (see the callers). */
export function deriveEpochKeys(cs: CipherSuite, epochSecret: Uint8Array): EpochKeys {
  const secrets: EpochSecrets = redacted(
    {
      senderDataSecret: deriveSecret(cs, epochSecret, 'sender data'),
      exporterSecret: deriveSecret(cs, epochSecret, 'exporter'),
      externalSecret: deriveSecret(cs, epochSecret, 'external'),
      confirmationKey: deriveSecret(cs, epochSecret, 'confirm'),
      membershipKey: deriveSecret(cs, epochSecret, 'membership'),
      resumptionPsk: deriveSecret(cs, epochSecret, 'resumption'),
      epochAuthenticator: deriveSecret(cs, epochSecret, 'authentication'),
      initSecret: deriveSecret(cs, epochSecret, 'init'),
    },
    'EpochSecrets',
  );
  return redacted({ encryptionSecret: deriveSecret(cs, epochSecret, 'encryption'), secrets }, 'EpochKeys');
}

/**
 * §8: the full schedule for a member moving to a new epoch (creating or processing a Commit).
 * Intermediate secrets are wiped; the inputs are not (see the file header).
 */
export function runKeySchedule(cs: CipherSuite, input: KeyScheduleInput): KeyScheduleResult {
  const commitSecret = input.commitSecret ?? zeroSecret(cs);
  const pskSecret = input.pskSecret ?? zeroSecret(cs);
  const joinerSecret = deriveJoinerSecret(cs, input.initSecret, commitSecret, input.groupContext);
  const member = deriveMemberSecret(cs, joinerSecret, pskSecret);
  const welcomeSecret = deriveWelcomeSecret(cs, member);
  const epochSecret = deriveEpochSecret(cs, member, input.groupContext);
  wipe(member);
  const keys = deriveEpochKeys(cs, epochSecret);
  wipe(epochSecret);
  return redacted({ joinerSecret, welcomeSecret, encryptionSecret: keys.encryptionSecret, secrets: keys.secrets }, 'KeyScheduleResult');
}

/**
 * §12.4.3.1, joining by Welcome, step 1: welcome_secret from the GroupSecrets' joiner_secret and
 * the psk_secret of GroupSecrets.psks. (The GroupContext is not known yet: it is inside the
 * GroupInfo this secret decrypts.)
 */
export function joinerWelcomeSecret(cs: CipherSuite, joinerSecret: Uint8Array, pskSecret: Uint8Array): Uint8Array {
  const member = deriveMemberSecret(cs, joinerSecret, pskSecret);
  const welcome = deriveWelcomeSecret(cs, member);
  wipe(member);
  return welcome;
}

/**
 * §12.4.3.1, joining by Welcome, step 2: the epoch's secrets from joiner_secret, psk_secret and
 * the GroupContext of the decrypted GroupInfo. member_secret is recomputed (one Extract) rather
 * than kept between the two steps.
 */
export function joinerEpochKeys(cs: CipherSuite, joinerSecret: Uint8Array, pskSecret: Uint8Array, groupContext: Uint8Array): EpochKeys {
  const member = deriveMemberSecret(cs, joinerSecret, pskSecret);
  const epochSecret = deriveEpochSecret(cs, member, groupContext);
  wipe(member);
  const keys = deriveEpochKeys(cs, epochSecret);
  wipe(epochSecret);
  return keys;
}

/** §11: epoch 0 of a new group starts from a fresh random epoch_secret of Nh bytes. */
export function initialEpochKeys(cs: CipherSuite): EpochKeys {
  const epochSecret = cs.random(cs.Nh);
  const keys = deriveEpochKeys(cs, epochSecret);
  wipe(epochSecret);
  return keys;
}

/** An AEAD key and nonce (redacted). */
export interface AeadKeyNonce {
  readonly key: Uint8Array;
  readonly nonce: Uint8Array;
}

/**
 * §12.4.3.1: welcome_key = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk),
 * welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn).
 */
export function welcomeKeyAndNonce(cs: CipherSuite, welcomeSecret: Uint8Array): AeadKeyNonce {
  return redacted(
    { key: expandWithLabel(cs, welcomeSecret, 'key', EMPTY, cs.Nk), nonce: expandWithLabel(cs, welcomeSecret, 'nonce', EMPTY, cs.Nn) },
    'WelcomeKeyNonce',
  );
}

/**
 * §8.5: MLS-Exporter(Label, Context, Length) =
 *   ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported", Hash(Context), Length).
 * `label` is a string (it becomes "MLS 1.0 " + label, UTF-8).
 */
export function mlsExporter(cs: CipherSuite, exporterSecret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  // KDFLabel.length is a uint16, and HKDF-Expand cannot produce more than 255 * Nh bytes.
  if (!Number.isInteger(length) || length < 0 || length > Math.min(0xffff, 255 * cs.Nh)) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `MLS-Exporter length ${length} is out of range`, { field: 'length' });
  }
  const labelSecret = deriveSecret(cs, exporterSecret, label);
  const out = expandWithLabel(cs, labelSecret, 'exported', cs.hashData(context), length);
  wipe(labelSecret);
  return out;
}

/** §8: external_priv, external_pub = KEM.DeriveKeyPair(external_secret). The pair is redacted. */
export function externalKeyPair(cs: CipherSuite, externalSecret: Uint8Array): KeyPair {
  const kp = cs.hpke.deriveKeyPair(externalSecret);
  return redacted({ publicKey: kp.publicKey, privateKey: kp.privateKey }, 'ExternalKeyPair');
}

/** external_pub alone (for the GroupInfo external_pub extension); the private key is wiped. */
export function externalPub(cs: CipherSuite, externalSecret: Uint8Array): Uint8Array {
  const kp = cs.hpke.deriveKeyPair(externalSecret);
  wipe(kp.privateKey);
  return kp.publicKey;
}

/** §8.3: the HPKE exporter context (not an ExpandWithLabel label: it is used as given). */
const EXTERNAL_INIT_EXPORT_CONTEXT = utf8('MLS 1.0 external init secret');

/** The joiner's side of external init: the ExternalInit kem_output and the new init_secret. */
export interface ExternalInit {
  readonly kemOutput: Uint8Array;
  readonly initSecret: Uint8Array;
}

/**
 * §8.3, joiner: kem_output, context = SetupBaseS(external_pub, "");
 * init_secret = context.export("MLS 1.0 external init secret", KDF.Nh).
 */
export function externalInitSender(cs: CipherSuite, externalPublicKey: Uint8Array): ExternalInit {
  const { kemOutput, secret } = cs.hpke.exportSender(externalPublicKey, EMPTY, EXTERNAL_INIT_EXPORT_CONTEXT, cs.Nh);
  return redacted({ kemOutput, initSecret: secret }, 'ExternalInit');
}

/**
 * §8.3, members processing an ExternalInit (R-12.4.3.2-04, D-08): context =
 * SetupBaseR(kem_output, external_priv, ""); init_secret = context.export("MLS 1.0 external init
 * secret", KDF.Nh). A kem_output that does not decapsulate rejects the Commit.
 */
export function externalInitReceiver(cs: CipherSuite, externalPrivateKey: Uint8Array, kemOutput: Uint8Array): Uint8Array {
  try {
    return cs.hpke.exportReceiver(externalPrivateKey, kemOutput, EMPTY, EXTERNAL_INIT_EXPORT_CONTEXT, cs.Nh);
  } catch (cause) {
    // A malformed or invalid KEM output is the sender's fault: report it as a validation failure of
    // the Commit. Anything else (an unsupported operation, an internal error) propagates as is.
    if (cause instanceof CryptoError && (cause.code === 'ERR_CRYPTO_INVALID_KEY' || cause.code === 'ERR_CRYPTO_HPKE_OPEN')) {
      throw new ValidationError('ERR_VALIDATION_EXTERNAL_INIT', 'D-08', 'ExternalInit kem_output does not decapsulate with external_priv', {
        field: 'ExternalInit.kem_output',
        cause,
      });
    }
    throw cause;
  }
}

/** §6.1: confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash). */
export function confirmationTag(cs: CipherSuite, confirmationKey: Uint8Array, confirmedTranscriptHash: Uint8Array): Uint8Array {
  return cs.mac(confirmationKey, confirmedTranscriptHash);
}

/**
 * Constant-time check of a confirmation tag (R-12.4.2-06 for a Commit, R-12.4.3.1-16 for a
 * GroupInfo). Returns false on mismatch; the caller raises the error with its rule id.
 */
export function verifyConfirmationTag(cs: CipherSuite, confirmationKey: Uint8Array, confirmedTranscriptHash: Uint8Array, tag: Uint8Array): boolean {
  return cs.verifyMac(confirmationKey, confirmedTranscriptHash, tag);
}

/** Plain, un-redacted form of `EpochSecrets` for a group snapshot (copies, so the snapshot owns them). */
export type EpochSecretsState = { readonly [K in keyof EpochSecrets]: Uint8Array };

const EPOCH_SECRET_FIELDS = [
  'senderDataSecret',
  'exporterSecret',
  'externalSecret',
  'confirmationKey',
  'membershipKey',
  'resumptionPsk',
  'epochAuthenticator',
  'initSecret',
] as const satisfies readonly (keyof EpochSecrets)[];

/** Wipes every secret of an epoch (when the epoch is left behind). Best effort (see the header). */
export function wipeEpochSecrets(s: EpochSecrets): void {
  for (const f of EPOCH_SECRET_FIELDS) wipe(s[f]);
}

/** Copies every field of `from` (a state or live secrets). */
function copyFields(from: EpochSecretsState): EpochSecretsState {
  const out = {} as Record<keyof EpochSecrets, Uint8Array>;
  for (const f of EPOCH_SECRET_FIELDS) out[f] = copy(from[f]);
  return out;
}

export function epochSecretsToState(s: EpochSecrets): EpochSecretsState {
  return copyFields(s);
}

/** Rebuilds `EpochSecrets` from a snapshot; every field must be an Nh-byte Uint8Array. */
export function epochSecretsFromState(cs: CipherSuite, state: EpochSecretsState): EpochSecrets {
  for (const f of EPOCH_SECRET_FIELDS) {
    const v: unknown = (state as unknown as Record<string, unknown>)[f];
    if (!(v instanceof Uint8Array) || v.length !== cs.Nh) {
      throw new StorageError('ERR_STORAGE_FORMAT', `EpochSecrets.${f}: expected ${cs.Nh} bytes`, { field: `EpochSecrets.${f}` });
    }
  }
  return redacted(copyFields(state), 'EpochSecrets');
}
