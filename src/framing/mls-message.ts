/**
 * RFC 9420 §6: MLSMessage, the envelope of everything that travels.
 *
 *   struct {
 *       ProtocolVersion version = mls10;
 *       WireFormat wire_format;
 *       select (MLSMessage.wire_format) {
 *           case mls_public_message:  PublicMessage public_message;
 *           case mls_private_message: PrivateMessage private_message;
 *           case mls_welcome:         Welcome welcome;
 *           case mls_group_info:      GroupInfo group_info;
 *           case mls_key_package:     KeyPackage key_package;
 *       };
 *   } MLSMessage;
 */
import { codec, type Codec } from '../codec/codec.js';
import { DecodeError } from '../errors.js';
import { groupInfoCodec, type GroupInfo } from '../messages/group-info.js';
import { keyPackageCodec, type KeyPackage } from '../messages/key-package.js';
import { welcomeCodec, type Welcome } from '../messages/welcome.js';
import { PROTOCOL_VERSION_MLS10, WireFormat } from './content.js';
import { privateMessageCodec, type PrivateMessage } from './private-message.js';
import { publicMessageCodec, type PublicMessage } from './public-message.js';

export type MlsMessage =
  | { readonly wireFormat: typeof WireFormat.mls_public_message; readonly publicMessage: PublicMessage }
  | { readonly wireFormat: typeof WireFormat.mls_private_message; readonly privateMessage: PrivateMessage }
  | { readonly wireFormat: typeof WireFormat.mls_welcome; readonly welcome: Welcome }
  | { readonly wireFormat: typeof WireFormat.mls_group_info; readonly groupInfo: GroupInfo }
  | { readonly wireFormat: typeof WireFormat.mls_key_package; readonly keyPackage: KeyPackage };

export const mlsMessageCodec: Codec<MlsMessage> = codec(
  'MLSMessage',
  (w, m) => {
    w.u16(PROTOCOL_VERSION_MLS10).u16(m.wireFormat);
    switch (m.wireFormat) {
      case WireFormat.mls_public_message:
        return publicMessageCodec.encode(w, m.publicMessage);
      case WireFormat.mls_private_message:
        return privateMessageCodec.encode(w, m.privateMessage);
      case WireFormat.mls_welcome:
        return welcomeCodec.encode(w, m.welcome);
      case WireFormat.mls_group_info:
        return groupInfoCodec.encode(w, m.groupInfo);
      case WireFormat.mls_key_package:
        return keyPackageCodec.encode(w, m.keyPackage);
    }
  },
  (r) => {
    const version = r.u16('MLSMessage.version');
    // D-01: this implementation speaks mls10 only.
    if (version !== PROTOCOL_VERSION_MLS10) {
      throw new DecodeError('ERR_DECODE_UNKNOWN_VALUE', `MLSMessage.version: unsupported protocol version ${version}`, {
        field: 'MLSMessage.version',
        rule: 'D-01',
      });
    }
    const wireFormat = r.u16('MLSMessage.wire_format');
    switch (wireFormat) {
      case WireFormat.mls_public_message:
        return { wireFormat, publicMessage: publicMessageCodec.decode(r) };
      case WireFormat.mls_private_message:
        return { wireFormat, privateMessage: privateMessageCodec.decode(r) };
      case WireFormat.mls_welcome:
        return { wireFormat, welcome: welcomeCodec.decode(r) };
      case WireFormat.mls_group_info:
        return { wireFormat, groupInfo: groupInfoCodec.decode(r) };
      case WireFormat.mls_key_package:
        return { wireFormat, keyPackage: keyPackageCodec.decode(r) };
      default:
        throw new DecodeError('ERR_DECODE_UNKNOWN_VALUE', `MLSMessage.wire_format: unknown value ${wireFormat}`, { field: 'MLSMessage.wire_format', rule: 'D-02' });
    }
  },
);
