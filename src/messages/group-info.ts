/**
 * RFC 9420 §12.4.3 GroupInfo and GroupInfoTBS (§12.4.3.1).
 *
 *   struct {
 *       GroupContext group_context;
 *       Extension extensions<V>;
 *       MAC confirmation_tag;
 *       uint32 signer;
 *       // SignWithLabel(., "GroupInfoTBS", GroupInfoTBS)
 *       opaque signature<V>;
 *   } GroupInfo;
 *
 *   GroupInfoTBS = the same fields without `signature`.  (MAC is `opaque<V>`.)
 *
 * GroupContext (§8.1) and its codec come from src/key-schedule/group-context.ts.
 */
import { codec, type Codec } from '../codec/codec.js';
import { Writer } from '../codec/writer.js';
import { readExtensions, writeExtensions, type Extension } from '../extensions/extension.js';
import { groupContextCodec, type GroupContext } from '../key-schedule/group-context.js';

export interface GroupInfo {
  readonly groupContext: GroupContext;
  readonly extensions: readonly Extension[];
  readonly confirmationTag: Uint8Array;
  /** The leaf index of the signer. */
  readonly signer: number;
  readonly signature: Uint8Array;
}

function writeGroupInfoContent(w: Writer, v: GroupInfo): void {
  groupContextCodec.encode(w, v.groupContext);
  writeExtensions(w, v.extensions);
  w.opaque(v.confirmationTag).u32(v.signer);
}

export const groupInfoCodec: Codec<GroupInfo> = codec(
  'GroupInfo',
  (w, v) => {
    writeGroupInfoContent(w, v);
    w.opaque(v.signature);
  },
  (r) => {
    const groupContext = groupContextCodec.decode(r);
    const extensions = readExtensions(r, 'GroupInfo.extensions');
    const confirmationTag = r.opaque('GroupInfo.confirmation_tag');
    const signer = r.u32('GroupInfo.signer');
    return { groupContext, extensions, confirmationTag, signer, signature: r.opaque('GroupInfo.signature') };
  },
);

/** The GroupInfoTBS encoding, the content of SignWithLabel(., "GroupInfoTBS", …). */
export function groupInfoTbs(gi: GroupInfo): Uint8Array {
  const w = new Writer();
  writeGroupInfoContent(w, gi);
  return w.finish();
}
