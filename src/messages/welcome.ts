/**
 * RFC 9420 §12.4.3.1: Welcome, EncryptedGroupSecrets, GroupSecrets and PathSecret.
 *
 *   struct {
 *     opaque path_secret<V>;
 *   } PathSecret;
 *
 *   struct {
 *     opaque joiner_secret<V>;
 *     optional<PathSecret> path_secret;
 *     PreSharedKeyID psks<V>;
 *   } GroupSecrets;
 *
 *   struct {
 *     KeyPackageRef new_member;                 // HashReference: opaque<V> (§5.2)
 *     HPKECiphertext encrypted_group_secrets;
 *   } EncryptedGroupSecrets;
 *
 *   struct {
 *     CipherSuite cipher_suite;
 *     EncryptedGroupSecrets secrets<V>;
 *     opaque encrypted_group_info<V>;
 *   } Welcome;
 *
 * GroupSecrets holds secrets: decoded values are views into the (decrypted) input, and callers
 * that keep them copy and wipe as the key schedule requires.
 */
import { codec, type Codec } from '../codec/codec.js';
import { preSharedKeyIdCodec, type PreSharedKeyId } from '../psk/psk-id.js';
import { hpkeCiphertextCodec, type HpkeCiphertext } from './commit.js';

/** `HashReference KeyPackageRef` (§5.2): `opaque<V>`. */
export type KeyPackageRef = Uint8Array;

export interface PathSecret {
  readonly pathSecret: Uint8Array;
}

export interface GroupSecrets {
  readonly joinerSecret: Uint8Array;
  readonly pathSecret?: PathSecret;
  readonly psks: readonly PreSharedKeyId[];
}

export interface EncryptedGroupSecrets {
  readonly newMember: KeyPackageRef;
  readonly encryptedGroupSecrets: HpkeCiphertext;
}

export interface Welcome {
  readonly cipherSuite: number;
  readonly secrets: readonly EncryptedGroupSecrets[];
  readonly encryptedGroupInfo: Uint8Array;
}

export const pathSecretCodec: Codec<PathSecret> = codec(
  'PathSecret',
  (w, v) => w.opaque(v.pathSecret),
  (r) => ({ pathSecret: r.opaque('PathSecret.path_secret') }),
);

export const groupSecretsCodec: Codec<GroupSecrets> = codec(
  'GroupSecrets',
  (w, v) => {
    w.opaque(v.joinerSecret);
    w.optional(v.pathSecret, pathSecretCodec.encode);
    w.vectorOf(v.psks, preSharedKeyIdCodec.encode);
  },
  (r): GroupSecrets => {
    const joinerSecret = r.opaque('GroupSecrets.joiner_secret');
    const pathSecret = r.optional('GroupSecrets.path_secret', pathSecretCodec.decode);
    const psks = r.vector('GroupSecrets.psks', preSharedKeyIdCodec.decode);
    return pathSecret === undefined ? { joinerSecret, psks } : { joinerSecret, pathSecret, psks };
  },
);

export const encryptedGroupSecretsCodec: Codec<EncryptedGroupSecrets> = codec(
  'EncryptedGroupSecrets',
  (w, v) => {
    w.opaque(v.newMember);
    hpkeCiphertextCodec.encode(w, v.encryptedGroupSecrets);
  },
  (r) => {
    const newMember = r.opaque('EncryptedGroupSecrets.new_member');
    return { newMember, encryptedGroupSecrets: hpkeCiphertextCodec.decode(r) };
  },
);

export const welcomeCodec: Codec<Welcome> = codec(
  'Welcome',
  (w, v) => {
    w.u16(v.cipherSuite);
    w.vectorOf(v.secrets, encryptedGroupSecretsCodec.encode);
    w.opaque(v.encryptedGroupInfo);
  },
  (r) => {
    const cipherSuite = r.u16('Welcome.cipher_suite');
    const secrets = r.vector('Welcome.secrets', encryptedGroupSecretsCodec.decode);
    return { cipherSuite, secrets, encryptedGroupInfo: r.opaque('Welcome.encrypted_group_info') };
  },
);
