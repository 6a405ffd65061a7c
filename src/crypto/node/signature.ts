/** Signatures on node:crypto. PLACEHOLDER — being written. */
import { CryptoError } from '../../errors.js';
import type { RandomSource, SignatureScheme, SignatureSchemeId } from '../cipher-suite.js';

export function createSignatureScheme(id: SignatureSchemeId, _random: RandomSource): SignatureScheme {
  const no = (): never => {
    throw new CryptoError('ERR_CRYPTO_OPERATION', 'signatures not implemented yet');
  };
  return { id, sign: no, verify: no, generateKeyPair: no, publicKeyFromPrivate: no, isValidPublicKey: no };
}
