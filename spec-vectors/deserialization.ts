/** deserialization.json: RFC 9420 §2.1.2 variable-length vector headers, both directions. */
import { readVarint, varintSize, writeVarint } from '../src/codec/varint.js';
import { expectBytes, expectEqual, hex } from './assert.js';
import type { Json } from './types.js';

export function runCase(tc: Json): void {
  const header = hex(tc.vlbytes_header);
  const [value, size] = readVarint(header, 0, header.length, 'vlbytes_header');
  expectEqual('decoded length', value, tc.length);
  expectEqual('header size', size, header.length);
  const out = new Uint8Array(varintSize(tc.length));
  writeVarint(out, 0, tc.length);
  expectBytes('re-encoded header', out, tc.vlbytes_header);
}
