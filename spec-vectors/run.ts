/**
 * Locating, loading and running the published vector files. The files stay outside the
 * repository: they are read from $MLS_TEST_VECTORS (default ../shared/mls-test-vectors).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { kindByName, kindForFile, KINDS, loadKind, type KindInfo } from './registry.js';
import type { CaseResult } from './types.js';

export function vectorDir(): string {
  return resolve(process.env['MLS_TEST_VECTORS'] ?? '../shared/mls-test-vectors');
}

export interface FileResult {
  readonly file: string;
  readonly path: string;
  readonly kind: string | undefined;
  /** Set when the whole file could not be checked (unknown kind, unsupported kind, unreadable). */
  readonly error?: string;
  readonly sha256?: string;
  readonly cases: readonly CaseResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

function suiteOf(testCase: unknown): number | undefined {
  const s = (testCase as { cipher_suite?: unknown } | null)?.cipher_suite;
  return typeof s === 'number' ? s : undefined;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Runs one vector file with the runner of `kind` (or the kind its name implies). */
export async function runFile(path: string, kindName?: string): Promise<FileResult> {
  const file = basename(path);
  const info: KindInfo | undefined = kindName !== undefined ? kindByName(kindName) : kindForFile(file);
  const base = { file, path, kind: info?.name, cases: [], passed: 0, failed: 0, skipped: 0 };
  if (info === undefined) {
    return { ...base, error: kindName !== undefined ? `unknown kind '${kindName}'` : 'not a recognised vector file name (use --kind)' };
  }
  const kind = await loadKind(info);
  if (kind === undefined) return { ...base, error: `kind '${info.name}' is not supported yet` };
  let bytes: Buffer;
  let cases: unknown;
  try {
    bytes = readFileSync(path);
    cases = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { ...base, error: `cannot read: ${errorText(err)}` };
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (!Array.isArray(cases)) return { ...base, sha256, error: 'not a JSON array of test cases' };
  const results: CaseResult[] = [];
  cases.forEach((tc, index) => {
    const suite = suiteOf(tc);
    try {
      const outcome = kind.runCase(tc, index);
      results.push({ index, suite, status: outcome === 'skipped' ? 'skipped' : 'passed' });
    } catch (err) {
      results.push({ index, suite, status: 'failed', reason: errorText(err) });
    }
  });
  const count = (s: CaseResult['status']) => results.filter((r) => r.status === s).length;
  return { ...base, sha256, cases: results, passed: count('passed'), failed: count('failed'), skipped: count('skipped') };
}

/** Expands the CLI's FILE|DIR arguments into vector file paths. */
export function collectFiles(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    const p = resolve(a);
    if (existsSync(p) && statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) if (name.endsWith('.json')) out.push(join(p, name));
    } else {
      out.push(p);
    }
  }
  return out;
}

/** The default set: every published file name, in the recommended order. */
export function defaultFiles(dir = vectorDir()): string[] {
  return KINDS.flatMap((k) => k.files.map((f) => join(dir, f)));
}
