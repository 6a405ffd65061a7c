/**
 * messages.json: RFC 9420 wire syntax (§6, §7, §10, §12). Every field is decoded as its type and
 * re-encoded; the result must be byte-identical. Signatures and MACs inside are not valid and are
 * not checked (the file is syntax only).
 */
import { decode, encode, type Codec } from '../src/codec/codec.js';
import { mlsMessageCodec } from '../src/framing/mls-message.js';
import { commitCodec } from '../src/messages/commit.js';
import {
  addCodec,
  externalInitCodec,
  groupContextExtensionsCodec,
  preSharedKeyCodec,
  reInitCodec,
  removeCodec,
  updateCodec,
} from '../src/messages/proposal.js';
import { groupSecretsCodec } from '../src/messages/welcome.js';
import { ratchetTreeCodec } from '../src/ratchet-tree/node.js';
import { expectBytes, expectEqual, hex } from './assert.js';
import type { Json } from './types.js';

/** The expected MLSMessage wire_format of each MLSMessage field (§17.2). */
const MLS_MESSAGES: readonly (readonly [field: string, wireFormat: number])[] = [
  ['mls_welcome', 3],
  ['mls_group_info', 4],
  ['mls_key_package', 5],
  ['public_message_application', 1],
  ['public_message_proposal', 1],
  ['public_message_commit', 1],
  ['private_message', 2],
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const STRUCTS: readonly (readonly [field: string, codec: Codec<any>])[] = [
  ['ratchet_tree', ratchetTreeCodec],
  ['group_secrets', groupSecretsCodec],
  ['add_proposal', addCodec],
  ['update_proposal', updateCodec],
  ['remove_proposal', removeCodec],
  ['pre_shared_key_proposal', preSharedKeyCodec],
  ['re_init_proposal', reInitCodec],
  ['external_init_proposal', externalInitCodec],
  ['group_context_extensions_proposal', groupContextExtensionsCodec],
  ['commit', commitCodec],
];

function roundTrip<T>(field: string, c: Codec<T>, hexValue: unknown): T {
  if (typeof hexValue !== 'string') throw new Error(`${field}: missing from the test case`);
  let value: T;
  try {
    value = decode(c, hex(hexValue));
  } catch (err) {
    throw new Error(`${field}: decode failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  expectBytes(`${field} re-encoded`, encode(c, value), hexValue);
  return value;
}

export function runCase(tc: Json): void {
  for (const [field, wireFormat] of MLS_MESSAGES) {
    const msg = roundTrip(field, mlsMessageCodec, tc[field]);
    expectEqual(`${field}.wire_format`, msg.wireFormat as number, wireFormat);
  }
  for (const [field, c] of STRUCTS) roundTrip(field, c, tc[field]);
}
