/**
 * Group policy: every window and bound the engine enforces, the lifetime policy for received
 * leaves, how handshake messages travel, padding, and the application's Authentication Service
 * hook. Every value has a safe default and a hard upper limit.
 */
import type { Credential } from '../credentials/credential.js';
import type { Sender } from '../framing/content.js';
import type { Proposal } from '../messages/proposal.js';
import { UsageError } from '../errors.js';
import { MAX_LEAVES } from '../tree-math/index.js';
import { DEFAULT_RATCHET_WINDOW, checkRatchetWindow, type RatchetWindow } from '../secret-tree/ratchet.js';

/** How PrivateMessage plaintexts are padded (§6.3.1; RFC 9420 §16.4 on traffic analysis). */
export type PaddingPolicy =
  | { readonly kind: 'none' }
  /** Pad the content to a multiple of `block` bytes. */
  | { readonly kind: 'block'; readonly block: number }
  /** Pad the content to the next power of two (at least `min` bytes). */
  | { readonly kind: 'power-of-two'; readonly min: number };

/** What an Authentication Service is asked about (RFC 9420 §5.3.1). */
export interface CredentialCheck {
  readonly credential: Credential;
  readonly signatureKey: Uint8Array;
  /** Why the check happens. */
  readonly reason: 'key-package' | 'add' | 'update' | 'commit-path' | 'resync' | 'tree-on-join' | 'external-sender' | 'external-sender-change' | 'group-creation';
  /** For a replaced leaf (Update, UpdatePath): the credential it replaces (R-5.3.1-08). */
  readonly previous?: Credential;
  readonly leafIndex?: number;
}

/** The application's AS: return false (or throw) to reject. May be async. */
export type CredentialValidator = (check: CredentialCheck) => boolean | Promise<boolean>;

export interface GroupConfig {
  /** Out-of-order and forward windows of every sender ratchet (§9, S-15.3-01/02). */
  readonly ratchetWindow: RatchetWindow;
  /** Previous epochs whose application secrets are kept to decrypt late messages (D-09). 0 keeps none. */
  readonly pastEpochs: number;
  /** Past epochs whose resumption PSK is kept (S-8.6-01). */
  readonly resumptionPsks: number;
  /**
   * R-7.2-01 / A-12: reject received LeafNodes whose capabilities list default proposal or
   * extension types. The RFC forbids senders to list them but says nothing of receivers, and
   * deployed peers have listed them, so the default is to accept (mlskit itself never lists them).
   */
  readonly strictDefaultCapabilities: boolean;
  /** Check lifetimes of received leaves (S-7.3-01; A-16 says this must be a group-wide policy). */
  readonly checkLifetimes: boolean;
  /**
   * R-7.2-06: the longest not_after − not_before accepted in a key_package LeafNode, in seconds.
   * Undefined = no maximum. The default is none because deployed peers (and the published vectors)
   * use not_after = 2^64 − 1; an application that can should set one.
   */
  readonly maxLifetimeSeconds: bigint | undefined;
  /** Wire format of handshake messages this member sends. */
  readonly handshakeWireFormat: 'public' | 'private';
  readonly padding: PaddingPolicy;
  /** Largest MLSMessage accepted by `process`, in bytes. */
  readonly maxMessageBytes: number;
  /**
   * Largest Welcome (or out-of-band ratchet tree) accepted by `join`, in bytes. A Welcome carries
   * the whole tree, about 250 bytes per member with basic credentials: the default (64 MiB) admits
   * groups of about 250,000 members. (The tree's width is bounded separately, by `maxLeaves`.)
   */
  readonly maxWelcomeBytes: number;
  /**
   * Largest tree accepted, in leaves (a power of two). A received ratchet tree wider than this is
   * rejected before it is built (a Welcome of a few MiB of blank nodes would otherwise cost
   * hundreds of MB to build and hash), and so is a Commit whose Adds would grow the tree past it.
   */
  readonly maxLeaves: number;
  /** Largest number of proposals cached in one epoch. */
  readonly maxPendingProposals: number;
  /**
   * R-12.1.8-01: may a proposal from an `external` sender (listed in external_senders) or a
   * `new_member_proposal` sender (an external Add of oneself) be cached for a Commit? Default: yes —
   * an application that lists external senders in its group has chosen to accept them.
   */
  readonly authorizeExternalProposal: (proposal: Proposal, sender: Sender) => boolean;
  /** The Authentication Service hook. Default: accept every credential (an app should set it). */
  readonly validateCredential: CredentialValidator;
  /** The clock, in seconds since the epoch (for lifetimes). */
  readonly now: () => bigint;
}

export const LIMITS = Object.freeze({
  pastEpochs: 64,
  resumptionPsks: 1024,
  maxMessageBytes: 64 * 1024 * 1024,
  maxWelcomeBytes: 1024 * 1024 * 1024,
  maxPendingProposals: 100_000,
});

export const DEFAULT_CONFIG: GroupConfig = Object.freeze({
  ratchetWindow: DEFAULT_RATCHET_WINDOW,
  pastEpochs: 1,
  resumptionPsks: 8,
  strictDefaultCapabilities: false,
  checkLifetimes: true,
  maxLifetimeSeconds: undefined,
  handshakeWireFormat: 'public',
  padding: { kind: 'none' },
  maxMessageBytes: 8 * 1024 * 1024,
  maxWelcomeBytes: 64 * 1024 * 1024,
  maxPendingProposals: 10_000,
  maxLeaves: 1 << 17,
  validateCredential: () => true,
  authorizeExternalProposal: () => true,
  now: () => BigInt(Math.floor(Date.now() / 1000)),
} satisfies GroupConfig);

function bounded(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', `config.${name} must be an integer in [${min}, ${max}], got ${value}`, { field: name });
  }
  return value;
}

/** Fills defaults and checks every bound. */
export function makeConfig(partial: Partial<GroupConfig> = {}): GroupConfig {
  const c = { ...DEFAULT_CONFIG, ...partial };
  checkRatchetWindow(c.ratchetWindow);
  bounded('pastEpochs', c.pastEpochs, 0, LIMITS.pastEpochs);
  bounded('resumptionPsks', c.resumptionPsks, 1, LIMITS.resumptionPsks);
  bounded('maxMessageBytes', c.maxMessageBytes, 1024, LIMITS.maxMessageBytes);
  bounded('maxWelcomeBytes', c.maxWelcomeBytes, 1024, LIMITS.maxWelcomeBytes);
  bounded('maxPendingProposals', c.maxPendingProposals, 1, LIMITS.maxPendingProposals);
  bounded('maxLeaves', c.maxLeaves, 2, MAX_LEAVES);
  if (c.padding.kind === 'block') bounded('padding.block', c.padding.block, 1, 1 << 16);
  if (c.padding.kind === 'power-of-two') bounded('padding.min', c.padding.min, 1, 1 << 16);
  return Object.freeze(c);
}

/** Number of zero bytes to append to a PrivateMessageContent of `contentLength` bytes. */
export function paddingFor(policy: PaddingPolicy, contentLength: number): number {
  switch (policy.kind) {
    case 'none':
      return 0;
    case 'block':
      return (policy.block - (contentLength % policy.block)) % policy.block;
    case 'power-of-two': {
      let size = policy.min;
      while (size < contentLength) size *= 2;
      return size - contentLength;
    }
  }
}
