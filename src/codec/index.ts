/** RFC 9420 §2.1: the TLS presentation language codec. */
export { Reader } from './reader.js';
export { Writer } from './writer.js';
export { MAX_VARINT, readVarint, varintSize, writeVarint } from './varint.js';
export { codec, decode, encode, opaqueCodec, optionalCodec, vectorCodec, type Codec } from './codec.js';
