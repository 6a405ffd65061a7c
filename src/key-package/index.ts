/** RFC 9420 §10 and §10.1: creating and validating KeyPackages. */
export {
  createKeyPackage,
  signKeyPackage,
  signLeafNode,
  DEFAULT_LIFETIME_BACKDATE,
  DEFAULT_LIFETIME_VALIDITY,
  type CreateKeyPackageOptions,
  type CreatedKeyPackage,
  type KeyPackagePrivateKeys,
} from './create.js';
export { validateKeyPackage, MLS10, type CredentialValidator, type KeyPackageValidationOptions, type ValidatedKeyPackage } from './validate.js';
export { DEFAULT_EXTENSION_TYPES, DEFAULT_PROPOSAL_TYPES } from './leaf-check.js';
