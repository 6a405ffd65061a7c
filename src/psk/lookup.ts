/**
 * RFC 9420 §8.4, §12.4.2 and §12.4.3.1: finding the secret each PreSharedKeyID names. External
 * PSKs come from the application; resumption PSKs of this group from the member's own bounded
 * history (§8.6), those of other groups from the application.
 */
import { ValidationError } from '../errors.js';
import { bytesEqual, toHex } from '../util/bytes.js';
import { PskType, type PreSharedKeyId } from './psk-id.js';
import type { PskInput } from './psk-secret.js';

/** The application's PSK store. */
export interface PskLookup {
  /** The secret of an external PSK, by psk_id. */
  external?(pskId: Uint8Array): Uint8Array | undefined;
  /** The resumption PSK of another group (or of an epoch this member no longer holds). */
  resumption?(groupId: Uint8Array, epoch: bigint): Uint8Array | undefined;
}

/** A PskLookup over a plain map of external PSKs keyed by the hex of their psk_id. */
export function externalPsks(entries: Iterable<readonly [Uint8Array, Uint8Array]>): PskLookup {
  const m = new Map<string, Uint8Array>();
  for (const [id, psk] of entries) m.set(toHex(id), psk);
  return { external: (id) => m.get(toHex(id)) };
}

/**
 * The PSK inputs for `ids`, in order. `own` holds this group's resumption PSKs by epoch.
 * Throws a ValidationError with `rule` (R-12.4.2-02 for a Commit, R-12.4.3.1-05 for a Welcome).
 */
export function resolvePsks(
  ids: readonly PreSharedKeyId[],
  lookup: PskLookup | undefined,
  own: { readonly groupId: Uint8Array; readonly psks: ReadonlyMap<bigint, Uint8Array> } | undefined,
  rule: string,
): PskInput[] {
  return ids.map((id) => {
    let psk: Uint8Array | undefined;
    if (id.pskType === PskType.external) {
      psk = lookup?.external?.(id.pskId);
    } else {
      if (own !== undefined && bytesEqual(id.pskGroupId, own.groupId)) psk = own.psks.get(id.pskEpoch);
      psk ??= lookup?.resumption?.(id.pskGroupId, id.pskEpoch);
    }
    if (psk === undefined) {
      const what = id.pskType === PskType.external ? `external PSK ${toHex(id.pskId)}` : `resumption PSK of epoch ${id.pskEpoch}`;
      throw new ValidationError('ERR_VALIDATION_PSK', rule, `${what} is not available`, { field: 'PreSharedKeyID' });
    }
    return { id, psk };
  });
}
