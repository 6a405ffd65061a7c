/**
 * RFC 9420 §5.3: credentials.
 *
 *   uint16 CredentialType;
 *
 *   struct {
 *       opaque cert_data<V>;
 *   } Certificate;
 *
 *   struct {
 *       CredentialType credential_type;
 *       select (Credential.credential_type) {
 *           case basic: opaque identity<V>;
 *           case x509:  Certificate certificates<V>;
 *       };
 *   } Credential;
 *
 * Unknown credential types. CredentialType is an open registry (§17.5), but the RFC defines a body
 * only for basic and x509: for any other value the length of the body cannot be known, so the
 * credential (and therefore the LeafNode, KeyPackage or tree around it) cannot be delimited. We
 * reject it at decode time with ERR_DECODE_UNKNOWN_VALUE. This matches §13.5, which says an
 * unsupported value in Credential.credential_type (GREASE included) causes the enclosing message to
 * be rejected, and R-7.3-04 (every member must support the credential type of every leaf), so a
 * client that does not know a credential type could never accept an object carrying it anyway.
 * We deliberately do not guess a body layout (some implementations assume `opaque data<V>` for
 * custom types): a wrong guess would mis-delimit the enclosing struct. Supporting a new type means
 * adding its case here. The published messages vectors contain only basic and x509 credentials.
 */
import { codec, type Codec } from '../codec/codec.js';
import { DecodeError, UsageError } from '../errors.js';
import { isGrease } from '../extensions/extension.js';

/** The credential types this build can decode (§17.5 "MLS Credential Types"). */
export const CredentialType = { basic: 1, x509: 2 } as const;
export type CredentialType = (typeof CredentialType)[keyof typeof CredentialType];

export interface Certificate {
  /** A DER-encoded X.509 certificate (not parsed here). */
  readonly certData: Uint8Array;
}

export interface BasicCredential {
  readonly credentialType: typeof CredentialType.basic;
  readonly identity: Uint8Array;
}

export interface X509Credential {
  readonly credentialType: typeof CredentialType.x509;
  /** The chain, leaf certificate first. Emptiness is a validation matter (R-5.3-01), not a decode one. */
  readonly certificates: readonly Certificate[];
}

export type Credential = BasicCredential | X509Credential;

export const certificateCodec: Codec<Certificate> = codec(
  'Certificate',
  (w, v) => w.opaque(v.certData),
  (r) => ({ certData: r.opaque('Certificate.cert_data') }),
);

export const credentialCodec: Codec<Credential> = codec(
  'Credential',
  (w, v) => {
    w.u16(v.credentialType);
    if (v.credentialType === CredentialType.basic) {
      w.opaque(v.identity);
    } else if (v.credentialType === CredentialType.x509) {
      w.vectorOf(v.certificates, certificateCodec.encode);
    } else {
      throw new UsageError('ERR_USAGE_UNSUPPORTED', `Credential.credential_type: cannot encode type ${(v as { credentialType: number }).credentialType}`, {
        field: 'Credential.credential_type',
      });
    }
  },
  (r) => {
    const credentialType = r.u16('Credential.credential_type');
    if (credentialType === CredentialType.basic) {
      return { credentialType, identity: r.opaque('Credential.identity') };
    }
    if (credentialType === CredentialType.x509) {
      return { credentialType, certificates: r.vector('Credential.certificates', certificateCodec.decode) };
    }
    // R-13.5-01 names the GREASE case; any other unknown type takes this same path (R-13.5-02).
    throw new DecodeError('ERR_DECODE_UNKNOWN_VALUE', `Credential.credential_type: unsupported value ${credentialType}`, {
      field: 'Credential.credential_type',
      ...(isGrease(credentialType) ? { rule: 'R-13.5-01' } : {}),
    });
  },
);
