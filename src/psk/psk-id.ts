/**
 * RFC 9420 §8.4: PreSharedKeyID, the wire name of a PSK (in PreSharedKey proposals and in
 * GroupSecrets.psks).
 *
 *   struct {
 *     PSKType psktype;
 *     select (PreSharedKeyID.psktype) {
 *       case external:   opaque psk_id<V>;
 *       case resumption: ResumptionPSKUsage usage; opaque psk_group_id<V>; uint64 psk_epoch;
 *     };
 *     opaque psk_nonce<V>;
 *   } PreSharedKeyID;
 */
import { codec, type Codec } from '../codec/codec.js';
import { DecodeError } from '../errors.js';

export const PskType = { external: 1, resumption: 2 } as const;
export type PskType = (typeof PskType)[keyof typeof PskType];

export const ResumptionPskUsage = { application: 1, reinit: 2, branch: 3 } as const;
export type ResumptionPskUsage = (typeof ResumptionPskUsage)[keyof typeof ResumptionPskUsage];

export type PreSharedKeyId =
  | { readonly pskType: typeof PskType.external; readonly pskId: Uint8Array; readonly pskNonce: Uint8Array }
  | {
      readonly pskType: typeof PskType.resumption;
      readonly usage: ResumptionPskUsage;
      readonly pskGroupId: Uint8Array;
      readonly pskEpoch: bigint;
      readonly pskNonce: Uint8Array;
    };

export const preSharedKeyIdCodec: Codec<PreSharedKeyId> = codec(
  'PreSharedKeyID',
  (w, v) => {
    w.u8(v.pskType);
    if (v.pskType === PskType.external) {
      w.opaque(v.pskId);
    } else {
      w.u8(v.usage).opaque(v.pskGroupId).u64(v.pskEpoch);
    }
    w.opaque(v.pskNonce);
  },
  (r) => {
    const pskType = r.u8('PreSharedKeyID.psktype');
    if (pskType === PskType.external) {
      const pskId = r.opaque('PreSharedKeyID.psk_id');
      return { pskType, pskId, pskNonce: r.opaque('PreSharedKeyID.psk_nonce') };
    }
    if (pskType === PskType.resumption) {
      const usage = r.u8('PreSharedKeyID.usage');
      if (usage < 1 || usage > 3) {
        throw new DecodeError('ERR_DECODE_UNKNOWN_VALUE', `PreSharedKeyID.usage: unknown value ${usage}`, { field: 'PreSharedKeyID.usage', rule: 'D-02' });
      }
      const pskGroupId = r.opaque('PreSharedKeyID.psk_group_id');
      const pskEpoch = r.u64('PreSharedKeyID.psk_epoch');
      return { pskType, usage: usage as ResumptionPskUsage, pskGroupId, pskEpoch, pskNonce: r.opaque('PreSharedKeyID.psk_nonce') };
    }
    throw new DecodeError('ERR_DECODE_UNKNOWN_VALUE', `PreSharedKeyID.psktype: unknown value ${pskType}`, { field: 'PreSharedKeyID.psktype', rule: 'D-02' });
  },
);
