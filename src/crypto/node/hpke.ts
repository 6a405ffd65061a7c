/** RFC 9180 HPKE base mode on node:crypto. PLACEHOLDER — being written. */
import { CryptoError } from '../../errors.js';
import type { AeadId, Hpke, KdfId, KemId, RandomSource } from '../cipher-suite.js';

export function createHpke(kem: KemId, _kdf: KdfId, _aead: AeadId, _random: RandomSource): Hpke {
  const no = (): never => {
    throw new CryptoError('ERR_CRYPTO_OPERATION', 'HPKE not implemented yet');
  };
  return { kem, Nenc: 0, Npk: 0, Nsk: 0, seal: no, open: no, exportSender: no, exportReceiver: no, deriveKeyPair: no, generateKeyPair: no, isValidPublicKey: no };
}
