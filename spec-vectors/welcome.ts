/**
 * welcome.json: RFC 9420 §12.4.3.1 (joining via a Welcome), §5.2 (KeyPackageRef), §5.1.3
 * (DecryptWithLabel "Welcome"), §8 (joiner → member → welcome and epoch secrets, confirmation
 * key), §8.4 (psk_secret) and §6.1 (the GroupInfo confirmation_tag).
 *
 * Steps, per the vectors README: find our EncryptedGroupSecrets by KeyPackageRef (over the
 * KeyPackage without the MLSMessage header), open the GroupSecrets with init_priv, derive the
 * welcome key and nonce, open the GroupInfo (empty AAD), verify its signature with `signer_pub`
 * (there is no tree to look the signer up in) and its confirmation_tag with the confirmation_key
 * of the epoch the GroupInfo describes.
 */
import { decode, encode } from '../src/codec/codec.js';
import { nodeCipherSuite } from '../src/crypto/node/provider.js';
import { decryptWithLabel, makeKeyPackageRef, verifyWithLabel } from '../src/crypto/labels.js';
import { WireFormat } from '../src/framing/content.js';
import { mlsMessageCodec } from '../src/framing/mls-message.js';
import { encodeGroupContext } from '../src/key-schedule/group-context.js';
import { joinerEpochKeys, joinerWelcomeSecret, verifyConfirmationTag, welcomeKeyAndNonce } from '../src/key-schedule/key-schedule.js';
import { groupInfoCodec, groupInfoTbs } from '../src/messages/group-info.js';
import { keyPackageCodec } from '../src/messages/key-package.js';
import { groupSecretsCodec, type GroupSecrets } from '../src/messages/welcome.js';
import { computePskSecret } from '../src/psk/psk-secret.js';
import type { CipherSuite } from '../src/crypto/cipher-suite.js';
import { bytesEqual } from '../src/util/bytes.js';
import { expectEqual, expectTrue, hex } from './assert.js';
import type { Json } from './types.js';

/**
 * psk_secret for GroupSecrets.psks (§8.4; Nh zero bytes when there are none). The file's cases
 * carry no PSKs and the file gives no PSK values, so a case listing one cannot be checked here: it
 * fails, it never passes silently.
 */
function pskSecretFor(cs: CipherSuite, gs: GroupSecrets): Uint8Array {
  const psks = gs.psks.map((id) => {
    throw new Error(`GroupSecrets.psks lists a PSK (type ${id.pskType}), but the case gives no PSK values`);
  });
  return computePskSecret(cs, psks);
}

export function runCase(tc: Json): void {
  const cs = nodeCipherSuite(tc.cipher_suite);

  const kpMsg = decode(mlsMessageCodec, hex(tc.key_package));
  if (kpMsg.wireFormat !== WireFormat.mls_key_package) throw new Error(`key_package: wire_format ${kpMsg.wireFormat}, expected mls_key_package`);
  const welcomeMsg = decode(mlsMessageCodec, hex(tc.welcome));
  if (welcomeMsg.wireFormat !== WireFormat.mls_welcome) throw new Error(`welcome: wire_format ${welcomeMsg.wireFormat}, expected mls_welcome`);
  const welcome = welcomeMsg.welcome;
  expectEqual('Welcome.cipher_suite', welcome.cipherSuite, tc.cipher_suite);
  expectEqual('KeyPackage.cipher_suite', kpMsg.keyPackage.cipherSuite, tc.cipher_suite);

  // Step 1: KeyPackageRef over the KeyPackage alone (re-encoded: the codec is byte-exact).
  const kpBytes = encode(keyPackageCodec, kpMsg.keyPackage);
  expectTrue('KeyPackage bytes = key_package minus the MLSMessage header', bytesEqual(kpBytes, hex(tc.key_package).subarray(4)));
  const ref = makeKeyPackageRef(cs, kpBytes);
  const mine = welcome.secrets.find((s) => bytesEqual(s.newMember, ref));
  if (mine === undefined) throw new Error('no EncryptedGroupSecrets for our KeyPackageRef');

  // Step 2: GroupSecrets = DecryptWithLabel(init_priv, "Welcome", encrypted_group_info, kem_output, ciphertext).
  const gsBytes = decryptWithLabel(
    cs,
    hex(tc.init_priv),
    'Welcome',
    welcome.encryptedGroupInfo,
    mine.encryptedGroupSecrets.kemOutput,
    mine.encryptedGroupSecrets.ciphertext,
  );
  const gs = decode(groupSecretsCodec, gsBytes);
  expectEqual('GroupSecrets.joiner_secret length', gs.joinerSecret.length, cs.Nh);

  // Step 3: welcome_secret and the welcome key / nonce.
  const pskSecret = pskSecretFor(cs, gs);
  const welcomeSecret = joinerWelcomeSecret(cs, gs.joinerSecret, pskSecret);
  const { key, nonce } = welcomeKeyAndNonce(cs, welcomeSecret);

  // Step 4: the GroupInfo, AEAD with an empty AAD.
  const giBytes = cs.open(key, nonce, new Uint8Array(0), welcome.encryptedGroupInfo);
  const gi = decode(groupInfoCodec, giBytes);
  expectTrue('GroupInfo round trip', bytesEqual(encode(groupInfoCodec, gi), giBytes));
  expectEqual('GroupContext.cipher_suite', gi.groupContext.cipherSuite, tc.cipher_suite);

  // Step 5: the GroupInfo signature, directly with signer_pub.
  expectTrue('GroupInfo signature (GroupInfoTBS)', verifyWithLabel(cs, hex(tc.signer_pub), 'GroupInfoTBS', groupInfoTbs(gi), gi.signature));

  // Step 6: confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash) for the new epoch.
  const epoch = joinerEpochKeys(cs, gs.joinerSecret, pskSecret, encodeGroupContext(gi.groupContext));
  expectTrue(
    'GroupInfo confirmation_tag',
    verifyConfirmationTag(cs, epoch.secrets.confirmationKey, gi.groupContext.confirmedTranscriptHash, gi.confirmationTag),
  );
}
