/**
 * An in-process Delivery Service (RFC 9420 §3, and RFC 9750 §5 on what a DS is trusted with) for
 * one group, used by `mls demo`. It is deliberately not part of the protocol modules: MLS does
 * not define a DS, and this one exists to show the adversary's view of a group.
 *
 * It keeps exactly what it relays and nothing else: every byte string it was handed, who handed
 * it over and to whom it went. It classifies messages only from what anyone on the wire can read
 * (the MLSMessage wire format, and a framed message's clear content_type and epoch, RFC 9420 §6),
 * and it orders Commits: the first Commit for the current epoch wins (§14), later ones are refused.
 *
 * Delivery is pull-based and deterministic: each name has an inbox, a group message goes to every
 * subscriber but its sender, in the order the DS accepted it.
 */
import { decodeMlsMessage, WireFormat } from '../index.js';

/** What the DS can tell a stored byte string is, from its clear header alone. */
export const MessageKind = {
  keyPackage: 'key-package',
  proposal: 'proposal',
  commit: 'commit',
  application: 'application',
  welcome: 'welcome',
  groupInfo: 'group-info',
} as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

/**
 * RFC 9420 §6 ContentType code points. Restated here because the public API exports WireFormat
 * but not ContentType, and the DS reads the clear content_type of a framed message.
 */
const CONTENT_TYPE = { application: 1, proposal: 2, commit: 3 } as const;

/** One byte string the DS saw. `to` lists who received it (for a KeyPackage: who fetched it). */
export interface LogEntry {
  readonly seq: number;
  readonly kind: MessageKind;
  readonly from: string;
  readonly to: readonly string[];
  readonly bytes: Uint8Array;
}

interface MutableEntry extends LogEntry {
  readonly to: string[];
}

export interface KindStats {
  readonly count: number;
  readonly bytes: number;
}

/** Thrown when a client hands the DS something it will not relay (a programming error in the demo). */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
}

function classify(bytes: Uint8Array): { kind: MessageKind; epoch?: bigint } {
  const m = decodeMlsMessage(bytes);
  switch (m.wireFormat) {
    case WireFormat.mls_key_package:
      return { kind: MessageKind.keyPackage };
    case WireFormat.mls_welcome:
      return { kind: MessageKind.welcome };
    case WireFormat.mls_group_info:
      return { kind: MessageKind.groupInfo };
    case WireFormat.mls_public_message: {
      const c = m.publicMessage.content;
      // §6.2: application data never travels as a PublicMessage; refuse it rather than store it.
      if (c.contentType === CONTENT_TYPE.application) throw new DeliveryError('refusing application data in a PublicMessage');
      return { kind: c.contentType === CONTENT_TYPE.commit ? MessageKind.commit : MessageKind.proposal, epoch: c.epoch };
    }
    case WireFormat.mls_private_message: {
      const p = m.privateMessage;
      const kind = p.contentType === CONTENT_TYPE.application ? MessageKind.application : p.contentType === CONTENT_TYPE.commit ? MessageKind.commit : MessageKind.proposal;
      return { kind, epoch: p.epoch };
    }
  }
}

export class DeliveryService {
  readonly #log: MutableEntry[] = [];
  readonly #inboxes = new Map<string, LogEntry[]>();
  /** Group members the DS fans group messages out to, in subscription order. */
  readonly #subscribers = new Set<string>();
  /** Published, not yet fetched KeyPackages by owner (each is used once, RFC 9420 §16.8). */
  readonly #keyPackages = new Map<string, MutableEntry>();
  /** The epoch the next Commit must be for; unknown until the first Commit arrives. */
  #epoch: bigint | undefined;

  /** Every byte string the DS stored, in arrival order. */
  get log(): readonly LogEntry[] {
    return this.#log;
  }

  subscribe(name: string): void {
    this.#subscribers.add(name);
  }
  unsubscribe(name: string): void {
    this.#subscribers.delete(name);
  }

  /** A client publishes a KeyPackage (an MLSMessage) for others to add it. */
  publishKeyPackage(from: string, bytes: Uint8Array): void {
    const entry = this.#store(from, bytes, this.#expect(bytes, MessageKind.keyPackage).kind, []);
    this.#keyPackages.set(from, entry);
  }

  /** Hands out (and retires) `owner`'s published KeyPackage. */
  fetchKeyPackage(fetcher: string, owner: string): Uint8Array {
    const entry = this.#keyPackages.get(owner);
    if (entry === undefined) throw new DeliveryError(`no KeyPackage published by ${owner}`);
    this.#keyPackages.delete(owner);
    entry.to.push(fetcher);
    return entry.bytes.slice();
  }

  /** A committer publishes the GroupInfo of its new epoch (for external joiners; nobody pulls it here). */
  publishGroupInfo(from: string, bytes: Uint8Array): void {
    this.#store(from, bytes, this.#expect(bytes, MessageKind.groupInfo).kind, []);
  }

  /** A proposal or application message, fanned out to every other subscriber. */
  send(from: string, bytes: Uint8Array): void {
    const { kind } = this.#expect(bytes, MessageKind.proposal, MessageKind.application);
    this.#fanOut(this.#store(from, bytes, kind, this.#others(from)));
  }

  /**
   * A Commit. Accepted (and fanned out) if it is the first for the current epoch; the committer
   * adopts its new epoch only once this returns true (confirmCommit), else it discards it.
   */
  submitCommit(from: string, bytes: Uint8Array): boolean {
    const { kind, epoch } = this.#expect(bytes, MessageKind.commit);
    if (epoch === undefined) throw new DeliveryError('a Commit without an epoch');
    if (this.#epoch !== undefined && epoch !== this.#epoch) return false;
    this.#epoch = epoch + 1n;
    this.#fanOut(this.#store(from, bytes, kind, this.#others(from)));
    return true;
  }

  /** A Welcome, to the new members it names (the committer says who; the DS cannot read it). */
  sendWelcome(from: string, bytes: Uint8Array, to: readonly string[]): void {
    this.#fanOut(this.#store(from, bytes, this.#expect(bytes, MessageKind.welcome).kind, [...to]));
  }

  /** Drains `name`'s inbox. */
  pull(name: string): LogEntry[] {
    const inbox = this.#inboxes.get(name) ?? [];
    this.#inboxes.delete(name);
    return inbox;
  }

  /** Stored messages and bytes per kind (every kind listed, in a fixed order). */
  stats(): Record<MessageKind, KindStats> {
    const out = Object.fromEntries(Object.values(MessageKind).map((k) => [k, { count: 0, bytes: 0 }])) as Record<MessageKind, { count: number; bytes: number }>;
    for (const e of this.#log) {
      out[e.kind].count++;
      out[e.kind].bytes += e.bytes.length;
    }
    return out;
  }

  #others(from: string): string[] {
    return [...this.#subscribers].filter((n) => n !== from);
  }

  /** Classifies `bytes` and refuses anything but the `allowed` kinds. */
  #expect(bytes: Uint8Array, ...allowed: MessageKind[]): { kind: MessageKind; epoch?: bigint } {
    const c = classify(bytes);
    if (!allowed.includes(c.kind)) throw new DeliveryError(`expected ${allowed.join(' or ')}, got ${c.kind}`);
    return c;
  }

  #store(from: string, bytes: Uint8Array, kind: MessageKind, to: string[]): MutableEntry {
    // A copy: the log must show what was on the wire, not a buffer a client may reuse.
    const entry: MutableEntry = { seq: this.#log.length, kind, from, to, bytes: bytes.slice() };
    this.#log.push(entry);
    return entry;
  }

  #fanOut(entry: LogEntry): void {
    for (const name of entry.to) {
      let inbox = this.#inboxes.get(name);
      if (inbox === undefined) this.#inboxes.set(name, (inbox = []));
      inbox.push(entry);
    }
  }
}
