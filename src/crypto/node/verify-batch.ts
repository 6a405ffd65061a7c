/**
 * Many signature verifications at once, spread over every core: node:crypto's callback `verify`
 * runs on libuv's thread pool, so a batch keeps all cores busy while this thread imports the next
 * keys. For the one place MLS verifies many signatures together: every leaf of a ratchet tree when
 * joining (RFC 9420 §12.4.3.1, §7.3 R-7.3-02 per leaf). On the 2-core VM this halves the time
 * (bench/mls/verify-batch.ts measures it); an async join would use it through the suite.
 *
 * Same verdicts as SignatureScheme.verify (signature.ts): false, never an exception, for a bad
 * signature, a malformed signature or a malformed key. Keys are imported uncached: a batch is for
 * keys seen once, which would only churn the caches of keys.ts.
 */
import { verify as nodeVerify, type KeyObject, type VerifyKeyObjectInput } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { CryptoError } from '../../errors.js';
import type { SignatureSchemeId } from '../cipher-suite.js';
import { EC, importEcPublic, importOkpPublic, type EcParams } from './keys.js';

/** The inputs of one verification: the signed bytes (already labelled, §5.1.2), key and signature. */
export interface SignatureCheck {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

interface Scheme {
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** The key to verify with, or undefined when the key or signature is malformed. */
  key(publicKey: Uint8Array, signature: Uint8Array): KeyObject | VerifyKeyObjectInput | undefined;
}

function eddsa(crv: 'Ed25519' | 'Ed448', keySize: number, sigSize: number): Scheme {
  return {
    hash: null,
    key: (pk, sig) => (pk.length === keySize && sig.length === sigSize ? importOkpPublic(crv, pk) : undefined),
  };
}

function ecdsa(p: EcParams, hash: 'sha256' | 'sha384' | 'sha512'): Scheme {
  const maxSigLength = 2 * (p.Nsk + 1) + 9;
  return {
    hash,
    key: (pk, sig) => (pk.length === p.Npk && pk[0] === 0x04 && sig.length >= 8 && sig.length <= maxSigLength ? { key: importEcPublic(p, pk), dsaEncoding: 'der' } : undefined),
  };
}

function scheme(id: SignatureSchemeId): Scheme {
  switch (id) {
    case 0x0807:
      return eddsa('Ed25519', 32, 64);
    case 0x0808:
      return eddsa('Ed448', 57, 114);
    case 0x0403:
      return ecdsa(EC['P-256'], 'sha256');
    case 0x0503:
      return ecdsa(EC['P-384'], 'sha384');
    case 0x0603:
      return ecdsa(EC['P-521'], 'sha512');
    default:
      throw new CryptoError('ERR_CRYPTO_UNSUPPORTED_SUITE', `signature scheme 0x${Number(id).toString(16).padStart(4, '0')} is not supported`);
  }
}

/**
 * Verifies every check; the verdicts come back in input order. At most `inFlight` verifications
 * wait on the thread pool at a time (default: twice the cores, at least 4).
 */
export function verifyBatch(id: SignatureSchemeId, checks: readonly SignatureCheck[], inFlight = Math.max(4, 2 * availableParallelism())): Promise<boolean[]> {
  const s = scheme(id);
  const out = new Array<boolean>(checks.length).fill(false);
  if (checks.length === 0) return Promise.resolve(out);
  return new Promise((resolve) => {
    let next = 0;
    let pending = 0;
    const pump = (): void => {
      while (pending < inFlight && next < checks.length) {
        const i = next++;
        const c = checks[i]!;
        let key: KeyObject | VerifyKeyObjectInput | undefined;
        try {
          key = s.key(c.publicKey, c.signature);
        } catch {
          key = undefined; // a key that does not import: false, like SignatureScheme.verify
        }
        if (key === undefined) continue;
        pending++;
        try {
          nodeVerify(s.hash, c.message, key, c.signature, (err, ok) => {
            pending--;
            out[i] = err === null && ok;
            if (next < checks.length) pump();
            else if (pending === 0) resolve(out);
          });
        } catch {
          pending--; // rejected before it was queued: false
        }
      }
      if (next >= checks.length && pending === 0) resolve(out);
    };
    pump();
  });
}
