/** RFC 9420 §7.4–§7.6, §12.4.3.1: TreeKEM — path secrets, UpdatePath create/apply/decrypt, private path keys. */
export { nextPathSecret, nodeKeyPair } from './path-secrets.js';
export { PathKeys, type PathKeysState } from './path-keys.js';
export {
  applyUpdatePath,
  createUpdatePath,
  decryptUpdatePath,
  pathSecretForJoiner,
  type ApplyUpdatePathParams,
  type CommitLeafFields,
  type CreatedUpdatePath,
  type CreateUpdatePathParams,
  type DecryptedUpdatePath,
  type DecryptUpdatePathParams,
  type HpkeCiphertext,
  type UpdatePath,
  type UpdatePathNode,
} from './update-path.js';
export { pathKeysFromJoinerSecret, type JoinerPathKeysParams } from './join.js';
