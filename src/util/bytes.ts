/** Byte helpers shared by every layer: hex, concatenation, equality (plain and constant-time). */
import { UsageError } from '../errors.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!]!;
  return s;
}

export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
    throw new UsageError('ERR_USAGE_INVALID_ARGUMENT', 'not a hex string');
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Equality for public values (not constant time). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Constant-time equality for MACs, tags and secrets: the time depends only on the lengths.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * A copy that owns its memory (for values kept in long-lived state). Not `b.slice()`: on a Node
 * Buffer that returns a view sharing memory.
 */
export function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

/** Overwrites a buffer with zeros. JavaScript cannot guarantee no other copy exists (see docs/security.md). */
export function wipe(b: Uint8Array | undefined): void {
  b?.fill(0);
}

export const EMPTY: Uint8Array = new Uint8Array(0);

const encoder = new TextEncoder();
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
