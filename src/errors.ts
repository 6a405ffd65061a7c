/**
 * The error model of mlskit: one base class with a stable string `code`, a `kind`, and — for
 * validation failures — the id of the rule (from the RFC 9420 validation checklist, e.g.
 * `R-12.2-03`) that was violated. Every error that wraps another keeps it as `cause`.
 */

export const ErrorKind = {
  decode: 'decode',
  validation: 'validation',
  crypto: 'crypto',
  usage: 'usage',
  storage: 'storage',
  internal: 'internal',
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

export type DecodeErrorCode =
  | 'ERR_DECODE_TRUNCATED'
  | 'ERR_DECODE_VARINT_NON_MINIMAL'
  | 'ERR_DECODE_VARINT_PREFIX'
  | 'ERR_DECODE_TRAILING_BYTES'
  | 'ERR_DECODE_OPTIONAL_FLAG'
  | 'ERR_DECODE_UNKNOWN_VALUE'
  | 'ERR_DECODE_TOO_LARGE'
  | 'ERR_DECODE_INVALID';

export type CryptoErrorCode =
  | 'ERR_CRYPTO_UNSUPPORTED_SUITE'
  | 'ERR_CRYPTO_INVALID_KEY'
  | 'ERR_CRYPTO_AEAD_OPEN'
  | 'ERR_CRYPTO_HPKE_OPEN'
  | 'ERR_CRYPTO_DERIVE_KEY_PAIR'
  | 'ERR_CRYPTO_OPERATION';

export type UsageErrorCode = 'ERR_USAGE_INVALID_ARGUMENT' | 'ERR_USAGE_INVALID_STATE' | 'ERR_USAGE_UNSUPPORTED';

export type StorageErrorCode = 'ERR_STORAGE_FORMAT' | 'ERR_STORAGE_VERSION';

/** Validation codes are open-ended (one per family of rules); the rule id says exactly which. */
export type ValidationErrorCode = `ERR_VALIDATION_${string}`;

export type ErrorCode =
  | DecodeErrorCode
  | CryptoErrorCode
  | UsageErrorCode
  | StorageErrorCode
  | ValidationErrorCode
  | 'ERR_INTERNAL';

export interface MlsErrorOptions {
  /** The wire field or parameter the error is about, e.g. `LeafNode.signature_key`. */
  field?: string;
  /** The validation-checklist rule id, e.g. `R-7.3-02`. */
  rule?: string;
  cause?: unknown;
}

export class MlsError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly field: string | undefined;
  readonly rule: string | undefined;

  constructor(kind: ErrorKind, code: ErrorCode, message: string, options: MlsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlsError';
    this.kind = kind;
    this.code = code;
    this.field = options.field;
    this.rule = options.rule;
  }
}

export class DecodeError extends MlsError {
  constructor(code: DecodeErrorCode, message: string, options: MlsErrorOptions = {}) {
    super('decode', code, message, options);
    this.name = 'DecodeError';
  }
}

export class ValidationError extends MlsError {
  declare readonly rule: string;
  constructor(code: ValidationErrorCode, rule: string, message: string, options: Omit<MlsErrorOptions, 'rule'> = {}) {
    super('validation', code, `${rule}: ${message}`, { ...options, rule });
    this.name = 'ValidationError';
  }
}

export class CryptoError extends MlsError {
  constructor(code: CryptoErrorCode, message: string, options: MlsErrorOptions = {}) {
    super('crypto', code, message, options);
    this.name = 'CryptoError';
  }
}

export class UsageError extends MlsError {
  constructor(code: UsageErrorCode, message: string, options: MlsErrorOptions = {}) {
    super('usage', code, message, options);
    this.name = 'UsageError';
  }
}

export class StorageError extends MlsError {
  constructor(code: StorageErrorCode, message: string, options: MlsErrorOptions = {}) {
    super('storage', code, message, options);
    this.name = 'StorageError';
  }
}

export class InternalError extends MlsError {
  constructor(message: string, options: MlsErrorOptions = {}) {
    super('internal', 'ERR_INTERNAL', message, options);
    this.name = 'InternalError';
  }
}

/** Throws an InternalError: for states the code believes impossible. */
export function unreachable(message: string): never {
  throw new InternalError(message);
}
