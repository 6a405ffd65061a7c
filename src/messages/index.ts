/** The messages API: KeyPackage (§10), proposals (§12.1), Commit (§12.4), GroupInfo and Welcome (§12.4.3). */
export { keyPackageCodec, keyPackageTbs, type KeyPackage } from './key-package.js';
export {
  addCodec,
  externalInitCodec,
  groupContextExtensionsCodec,
  preSharedKeyCodec,
  proposalCodec,
  proposalOrRefCodec,
  ProposalOrRefType,
  ProposalType,
  reInitCodec,
  removeCodec,
  updateCodec,
  type Add,
  type ExternalInit,
  type GroupContextExtensions,
  type PreSharedKey,
  type Proposal,
  type ProposalOrRef,
  type ProposalRef,
  type ReInit,
  type Remove,
  type Update,
} from './proposal.js';
export {
  commitCodec,
  hpkeCiphertextCodec,
  updatePathCodec,
  updatePathNodeCodec,
  type Commit,
  type HpkeCiphertext,
  type UpdatePath,
  type UpdatePathNode,
} from './commit.js';
export { groupInfoCodec, groupInfoTbs, type GroupInfo } from './group-info.js';
export {
  encryptedGroupSecretsCodec,
  groupSecretsCodec,
  pathSecretCodec,
  welcomeCodec,
  type EncryptedGroupSecrets,
  type GroupSecrets,
  type KeyPackageRef,
  type PathSecret,
  type Welcome,
} from './welcome.js';
