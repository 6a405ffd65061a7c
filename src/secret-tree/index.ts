/** RFC 9420 §9 and §6.3.2: the secret tree, sender ratchets with bounded windows, sender-data keys. */
export { RatchetType, SecretTree, type SecretTreeState } from './secret-tree.js';
export {
  DEFAULT_RATCHET_WINDOW,
  MAX_FORWARD_DISTANCE_LIMIT,
  MAX_GENERATION,
  MAX_SKIPPED_KEYS_LIMIT,
  SenderRatchet,
  type RatchetKey,
  type RatchetState,
  type RatchetWindow,
} from './ratchet.js';
export { ciphertextSample, senderDataKeyAndNonce, type SenderDataKeyNonce } from './sender-data.js';
