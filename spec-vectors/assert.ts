/** Small helpers for vector runners: hex comparison with a readable failure. */
import { bytesEqual, fromHex, toHex } from '../src/util/bytes.js';

export function hex(s: string): Uint8Array {
  return fromHex(s);
}

export function expectBytes(what: string, actual: Uint8Array, expectedHex: string): void {
  if (!bytesEqual(actual, fromHex(expectedHex))) {
    throw new Error(`${what}: got ${toHex(actual).slice(0, 64)}…, expected ${expectedHex.slice(0, 64)}…`);
  }
}

export function expectEqual<T>(what: string, actual: T, expected: T): void {
  if (actual !== expected) throw new Error(`${what}: got ${String(actual)}, expected ${String(expected)}`);
}

export function expectTrue(what: string, ok: boolean): void {
  if (!ok) throw new Error(`${what}: check failed`);
}
