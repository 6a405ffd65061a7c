/**
 * mlskit — Messaging Layer Security (RFC 9420) for TypeScript.
 *
 * The public surface: groups (MlsGroup), identities and KeyPackages, cipher suites, message
 * encoding, errors, and the policy types. Everything else is internal.
 */
import { decode, encode } from './codec/codec.js';
import { UsageError } from './errors.js';
import { ContentType, WireFormat, type Sender } from './framing/content.js';
import { mlsMessageCodec, type MlsMessage } from './framing/mls-message.js';
import type { KeyPackage } from './messages/key-package.js';

export { MlsGroup, type Member, type ProcessResult, type CommitMessages, type CommitRequest, type StagedCommitHandle, type GroupOptions } from './group/group.js';
export type { CommitEffects } from './commit/process.js';
export type { CreateGroupOptions } from './group/create.js';
export type { OwnKeyPackage } from './join/welcome.js';
export { generateIdentity, basicCredential, type Identity } from './group/identity.js';
export { createKeyPackage, type CreateKeyPackageOptions, type CreatedKeyPackage } from './key-package/create.js';
export { validateKeyPackage, type KeyPackageValidationOptions } from './key-package/validate.js';
export { nodeCipherSuite as cipherSuite, type CipherSuiteOptions } from './crypto/node/provider.js';
export { CipherSuiteId, CIPHER_SUITES, type CipherSuite } from './crypto/cipher-suite.js';
export { CredentialType, type Credential } from './credentials/credential.js';
export { ExtensionType, type Extension } from './extensions/extension.js';
export { ProposalType, type Proposal } from './messages/proposal.js';
export type { KeyPackage } from './messages/key-package.js';
export type { PreSharedKeyId } from './psk/psk-id.js';
export { externalPsks, type PskLookup } from './psk/lookup.js';
export { DEFAULT_CONFIG, type GroupConfig, type PaddingPolicy, type CredentialValidator, type CredentialCheck } from './group/config.js';
export { MlsError, DecodeError, ValidationError, CryptoError, UsageError, StorageError, InternalError, type ErrorCode, type ErrorKind } from './errors.js';
export { WireFormat, ContentType, type MlsMessage };

/** What a delivery service may read of a message without any key (its clear header). */
export interface MessageInfo {
  readonly wireFormat: WireFormat;
  readonly groupId?: Uint8Array;
  readonly epoch?: bigint;
  /** For a PublicMessage or PrivateMessage. */
  readonly contentType?: ContentType;
  /** For a PublicMessage: the sender (a PrivateMessage hides it). */
  readonly sender?: Sender;
}

/** The clear header of an MLSMessage: what the delivery service (and any observer) sees. */
export function messageInfo(bytes: Uint8Array): MessageInfo {
  const m = decode(mlsMessageCodec, bytes);
  switch (m.wireFormat) {
    case WireFormat.mls_public_message: {
      const c = m.publicMessage.content;
      return { wireFormat: m.wireFormat, groupId: c.groupId, epoch: c.epoch, contentType: c.contentType, sender: c.sender };
    }
    case WireFormat.mls_private_message: {
      const p = m.privateMessage;
      return { wireFormat: m.wireFormat, groupId: p.groupId, epoch: p.epoch, contentType: p.contentType };
    }
    case WireFormat.mls_group_info:
      return { wireFormat: m.wireFormat, groupId: m.groupInfo.groupContext.groupId, epoch: m.groupInfo.groupContext.epoch };
    default:
      return { wireFormat: m.wireFormat };
  }
}

/** Decodes any MLSMessage (strict: trailing bytes and unknown values are errors). */
export function decodeMlsMessage(bytes: Uint8Array): MlsMessage {
  return decode(mlsMessageCodec, bytes);
}

export function encodeMlsMessage(message: MlsMessage): Uint8Array {
  return encode(mlsMessageCodec, message);
}

/** A KeyPackage as the MLSMessage a client publishes. */
export function keyPackageMessage(keyPackage: KeyPackage): Uint8Array {
  return encode(mlsMessageCodec, { wireFormat: WireFormat.mls_key_package, keyPackage });
}

/** The KeyPackage inside a published MLSMessage (decoded only: validate it with validateKeyPackage). */
export function readKeyPackageMessage(bytes: Uint8Array): KeyPackage {
  const m = decode(mlsMessageCodec, bytes);
  if (m.wireFormat !== WireFormat.mls_key_package) throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'not a KeyPackage message');
  return m.keyPackage;
}
