/**
 * The sixteen published vector files (mlswg/mls-implementations, test-vectors/) and the runner
 * for each format. A runner module `spec-vectors/<kind>.ts` exports `runCase`; a kind whose
 * module does not exist yet is reported as not supported — it fails a run, it never passes.
 */
import type { VectorKind } from './types.js';

export interface KindInfo {
  readonly name: string;
  readonly files: readonly string[];
  readonly module: string;
}

export const KINDS: readonly KindInfo[] = Object.freeze([
  { name: 'tree-math', files: ['tree-math.json'], module: './tree-math.js' },
  { name: 'deserialization', files: ['deserialization.json'], module: './deserialization.js' },
  { name: 'crypto-basics', files: ['crypto-basics.json'], module: './crypto-basics.js' },
  { name: 'secret-tree', files: ['secret-tree.json'], module: './secret-tree.js' },
  { name: 'message-protection', files: ['message-protection.json'], module: './message-protection.js' },
  { name: 'key-schedule', files: ['key-schedule.json'], module: './key-schedule.js' },
  { name: 'psk-secret', files: ['psk_secret.json'], module: './psk-secret.js' },
  { name: 'transcript-hashes', files: ['transcript-hashes.json'], module: './transcript-hashes.js' },
  { name: 'welcome', files: ['welcome.json'], module: './welcome.js' },
  { name: 'tree-operations', files: ['tree-operations.json'], module: './tree-operations.js' },
  { name: 'tree-validation', files: ['tree-validation.json'], module: './tree-validation.js' },
  { name: 'treekem', files: ['treekem.json'], module: './treekem.js' },
  { name: 'messages', files: ['messages.json'], module: './messages.js' },
  {
    name: 'passive-client',
    files: ['passive-client-welcome.json', 'passive-client-handling-commit.json', 'passive-client-random.json'],
    module: './passive-client.js',
  },
]);

/** The published sha256 of each file this build expects (see spec-vectors/README.md). */
export const EXPECTED_SHA256: Readonly<Record<string, string>> = Object.freeze({
  'crypto-basics.json': '17cfcf89af9f51d0f2aa7af77f6f9ec99376a039214b6d42a6f11646b83e8c29',
  'deserialization.json': '1e394706e79f77df71454e5970f2aa736d4ab8b6c7e3219dd5609992388a953e',
  'key-schedule.json': '05aa9a68bd2538ace72d8c53375984cc728ef62220ebf314df675708546d97a7',
  'message-protection.json': 'f7c1ae62ce63c3003e526d539c99f2b1444f65ee0a487d3a5667d46867526c45',
  'messages.json': 'b194abe1561995223482dbad51c180146920dc2f637e74d01e07a388308791fb',
  'passive-client-handling-commit.json': 'b24949fdf857bf79d511f57504a8bdc7ce3247eb199684745e439c11b1a1da21',
  'passive-client-random.json': '0095d863e9d316872e237fc708debcd20ba2687ee905a3e831f97dd3e578d3c1',
  'passive-client-welcome.json': '92ebb04b67b1aca4290965ae363650921842ceebe275bd79a2733414078d849c',
  'psk_secret.json': '2b534969dba0b65a04b7d790496af5c0ccdb472b3fc4ca25c8c82df3e8523784',
  'secret-tree.json': '08f92e6272452e2c832e32d38e16cf0c4aa28967e47d3842c60bc354c6b67a94',
  'transcript-hashes.json': '58046b58fbd98519b4e60953a105f550e4b427e2b140ea67dedcb751260eecb8',
  'tree-math.json': '27f04891f56106593b74b674445f01b845e173953770c084deb2f8cf5592e2fc',
  'tree-operations.json': '9a25f8720714d1256ba2dad8d83a660ba0bae0d33ed15c682b9d74a5d67aad0a',
  'tree-validation.json': 'b66a432d93b520623f0640835ed43b9dfc95e116b8be081d81581d7c11e67a37',
  'treekem.json': 'd8bbdf78394797f21db7476fd286af6830ebcb18d2e3b2c839fecd4eb11056f8',
  'welcome.json': '06be9d5c99817ef2545e4b15b8e73fd9b604685a8e55b59ca168eda98e236502',
});

export function kindByName(name: string): KindInfo | undefined {
  return KINDS.find((k) => k.name === name);
}

export function kindForFile(fileName: string): KindInfo | undefined {
  return KINDS.find((k) => k.files.includes(fileName));
}

/** Loads a kind's runner, or undefined if this build has none yet. */
export async function loadKind(info: KindInfo): Promise<VectorKind | undefined> {
  try {
    const mod = (await import(info.module)) as { runCase?: VectorKind['runCase'] };
    if (typeof mod.runCase !== 'function') return undefined;
    return { name: info.name, files: info.files, runCase: mod.runCase };
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(info.module.slice(2))) {
      return undefined;
    }
    throw err;
  }
}
