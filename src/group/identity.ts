/**
 * A member's identity (RFC 9420 §5.3): its credential and the signature key pair the credential
 * vouches for. The private key stays in this object (redacted) and in the group states built from it.
 */
import type { CipherSuite } from '../crypto/cipher-suite.js';
import { CredentialType, type Credential } from '../credentials/credential.js';
import { redacted } from '../util/secret.js';
import { utf8 } from '../util/bytes.js';

export interface Identity {
  readonly credential: Credential;
  readonly signaturePublicKey: Uint8Array;
  readonly signaturePrivateKey: Uint8Array;
}

/** A fresh signature key pair (from the suite's randomness) under `credential`. */
export function generateIdentity(cs: CipherSuite, credential: Credential): Identity {
  const kp = cs.signatureScheme.generateKeyPair();
  return redacted({ credential, signaturePublicKey: kp.publicKey, signaturePrivateKey: kp.privateKey }, 'Identity');
}

/** A basic credential (§5.3) for a UTF-8 name or raw identity bytes. */
export function basicCredential(identity: string | Uint8Array): Credential {
  return { credentialType: CredentialType.basic, identity: typeof identity === 'string' ? utf8(identity) : identity };
}
