/**
 * RFC 9180 HPKE in Base mode (mode_base = 0x00), the only mode MLS uses: §5.1 key schedule,
 * §5.1.1 SetupBaseS/SetupBaseR, §5.2 Seal/Open at sequence number 0, §5.3 Export and the §6
 * single-shot APIs. The KEM is in dhkem.ts; HKDF and the AEADs are in symmetric.ts.
 */
import { CryptoError } from '../../errors.js';
import type { AeadId, HashId, Hpke, KdfId, KemId, KeyPair, RandomSource } from '../cipher-suite.js';
import { concat, utf8, wipe } from '../../util/bytes.js';
import { getDhkem, type Dhkem } from './dhkem.js';
import { i2osp2, labeledKdf, type LabeledKdf } from './hpke-labeled.js';
import { aeadOpen, aeadSeal } from './symmetric.js';

/** RFC 9180 §7.2 */
const KDFS: Readonly<Record<KdfId, { readonly hash: HashId; readonly Nh: number }>> = Object.freeze({
  1: { hash: 'sha256', Nh: 32 },
  2: { hash: 'sha384', Nh: 48 },
  3: { hash: 'sha512', Nh: 64 },
});

/** RFC 9180 §7.3 */
const AEADS: Readonly<Record<AeadId, { readonly Nk: number; readonly Nn: number }>> = Object.freeze({
  1: { Nk: 16, Nn: 12 },
  2: { Nk: 32, Nn: 12 },
  3: { Nk: 32, Nn: 12 },
});

const MODE_BASE = 0x00;
const EMPTY = new Uint8Array(0);

/** Equal contents (public data: not constant time), compared by memcmp. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The internals of one HPKE suite, shared by createHpke and the RFC 9180 vector tests. */
export interface HpkeSuite {
  readonly kem: Dhkem;
  readonly kdf: LabeledKdf;
  /**
   * KeySchedule<ROLE>(mode_base, shared_secret, info, "", "") (§5.1), split in two so that Seal/Open
   * skip the exporter secret and Export skips the AEAD key and nonce.
   */
  aeadKey(sharedSecret: Uint8Array, info: Uint8Array): { key: Uint8Array; baseNonce: Uint8Array };
  exporterSecret(sharedSecret: Uint8Array, info: Uint8Array): Uint8Array;
}

export function hpkeSuite(kemId: KemId, kdfId: KdfId, aeadId: AeadId): HpkeSuite {
  const kem = getDhkem(kemId);
  const kdfParams = KDFS[kdfId];
  const aead = AEADS[aeadId];
  if (kdfParams === undefined || aead === undefined) {
    throw new CryptoError('ERR_CRYPTO_UNSUPPORTED_SUITE', `HPKE KDF 0x${Number(kdfId).toString(16)} / AEAD 0x${Number(aeadId).toString(16)} not supported`);
  }
  // suite_id = concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2), I2OSP(aead_id, 2)) (§5.1)
  const kdf = labeledKdf(kdfParams.hash, kdfParams.Nh, concat(utf8('HPKE'), i2osp2(kemId), i2osp2(kdfId), i2osp2(aeadId)));
  const PSK_ID_HASH = kdf.label('psk_id_hash');
  const INFO_HASH = kdf.label('info_hash');
  const SECRET = kdf.label('secret');
  const KEY = kdf.label('key');
  const BASE_NONCE = kdf.label('base_nonce');
  const EXP = kdf.label('exp');

  // psk_id_hash = LabeledExtract("", "psk_id_hash", default_psk_id) is a constant of the suite.
  const pskIdHash = kdf.extract(EMPTY, PSK_ID_HASH, EMPTY);

  // key_schedule_context = mode || psk_id_hash || info_hash depends only on `info`, and an
  // UpdatePath seals to every copath resolution with the same info (the GroupContext), a Welcome
  // to every new member with the same info (which holds the whole encrypted GroupInfo: megabytes
  // in a large group): remember the last one. The comparison is native (memcmp): a JavaScript
  // loop over a 20 MB info took longer than the seal itself.
  let lastInfo: Uint8Array | undefined;
  let lastContext: Uint8Array = EMPTY;
  const keyScheduleContext = (info: Uint8Array): Uint8Array => {
    if (lastInfo !== undefined && sameBytes(lastInfo, info)) return lastContext;
    const infoHash = kdf.extract(EMPTY, INFO_HASH, info);
    lastContext = concat(Uint8Array.of(MODE_BASE), pskIdHash, infoHash);
    lastInfo = new Uint8Array(info); // a copy (info.slice() on a Buffer would be a view)
    return lastContext;
  };

  // secret = LabeledExtract(shared_secret, "secret", psk), psk = default_psk = ""
  const scheduleSecret = (sharedSecret: Uint8Array): Uint8Array => kdf.extract(sharedSecret, SECRET, EMPTY);

  return {
    kem,
    kdf,
    aeadKey(sharedSecret, info) {
      const context = keyScheduleContext(info);
      const secret = scheduleSecret(sharedSecret);
      const key = kdf.expand(secret, KEY, context, aead.Nk);
      const baseNonce = kdf.expand(secret, BASE_NONCE, context, aead.Nn);
      wipe(secret);
      return { key, baseNonce };
    },
    exporterSecret(sharedSecret, info) {
      const context = keyScheduleContext(info);
      const secret = scheduleSecret(sharedSecret);
      const exporterSecret = kdf.expand(secret, EXP, context, kdf.Nh);
      wipe(secret);
      return exporterSecret;
    },
  };
}

/** The Hpke of cipher-suite.ts for (kem, kdf, aead); ephemeral keys come from `random`. */
export function createHpke(kemId: KemId, kdfId: KdfId, aeadId: AeadId, random: RandomSource): Hpke {
  const suite = hpkeSuite(kemId, kdfId, aeadId);
  const { kem, kdf } = suite;
  const SEC = kdf.label('sec');

  /** GenerateKeyPair() = DeriveKeyPair(random(Nsk)) (§4), the ephemeral ikm of Encap. */
  const encap = (publicKey: Uint8Array): { sharedSecret: Uint8Array; enc: Uint8Array } => {
    // The random buffer is not wiped: it is not ours (a test source may hand out the same bytes).
    return kem.encap(publicKey, random(kem.Nsk));
  };

  // Export(exporter_context, L) = LabeledExpand(exporter_secret, "sec", exporter_context, L) (§5.3)
  const exportSecret = (exporterSecret: Uint8Array, exporterContext: Uint8Array, length: number): Uint8Array => {
    if (!Number.isInteger(length) || length < 0 || length > 255 * kdf.Nh) {
      throw new CryptoError('ERR_CRYPTO_OPERATION', `HPKE export length ${length} out of range [0, ${255 * kdf.Nh}]`);
    }
    return kdf.expand(exporterSecret, SEC, exporterContext, length);
  };

  /** SetupBaseR's Decap, with every failure as ERR_CRYPTO_HPKE_OPEN (the cause says which). */
  const decap = (privateKey: Uint8Array, kemOutput: Uint8Array): Uint8Array => {
    try {
      return kem.decap(kemOutput, privateKey);
    } catch (cause) {
      throw new CryptoError('ERR_CRYPTO_HPKE_OPEN', 'HPKE decapsulation failed', { cause });
    }
  };

  return {
    kem: kemId,
    Nenc: kem.Nenc,
    Npk: kem.Npk,
    Nsk: kem.Nsk,

    seal(publicKey, info, aad, plaintext) {
      const { sharedSecret, enc } = encap(publicKey);
      const { key, baseNonce } = suite.aeadKey(sharedSecret, info);
      wipe(sharedSecret);
      // Seal at sequence number 0: the nonce is base_nonce itself (§5.2).
      const ciphertext = aeadSeal(aeadId, key, baseNonce, aad, plaintext);
      wipe(key);
      return { kemOutput: enc, ciphertext };
    },

    open(privateKey, kemOutput, info, aad, ciphertext) {
      const sharedSecret = decap(privateKey, kemOutput);
      const { key, baseNonce } = suite.aeadKey(sharedSecret, info);
      wipe(sharedSecret);
      try {
        return aeadOpen(aeadId, key, baseNonce, aad, ciphertext);
      } catch (cause) {
        throw new CryptoError('ERR_CRYPTO_HPKE_OPEN', 'HPKE open failed', { cause });
      } finally {
        wipe(key);
      }
    },

    exportSender(publicKey, info, exporterContext, length) {
      const { sharedSecret, enc } = encap(publicKey);
      const exporterSecret = suite.exporterSecret(sharedSecret, info);
      wipe(sharedSecret);
      const secret = exportSecret(exporterSecret, exporterContext, length);
      wipe(exporterSecret);
      return { kemOutput: enc, secret };
    },

    exportReceiver(privateKey, kemOutput, info, exporterContext, length) {
      const sharedSecret = decap(privateKey, kemOutput);
      const exporterSecret = suite.exporterSecret(sharedSecret, info);
      wipe(sharedSecret);
      const secret = exportSecret(exporterSecret, exporterContext, length);
      wipe(exporterSecret);
      return secret;
    },

    deriveKeyPair: (ikm): KeyPair => kem.deriveKeyPair(ikm),

    // GenerateKeyPair() = DeriveKeyPair(random(Nsk)) (§4)
    generateKeyPair: (): KeyPair => kem.deriveKeyPair(random(kem.Nsk)),

    isValidPublicKey: (publicKey) => kem.isValidPublicKey(publicKey),
  };
}
