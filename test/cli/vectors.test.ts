/** `mls vectors`: exit codes, --kind for renamed files, --json, and unrecognised files failing the run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vectorDir } from '../../spec-vectors/run.js';

const main = 'dist/src/cli/main.js';
const dir = vectorDir();
const have = existsSync(join(dir, 'tree-math.json')) && existsSync(main);

function run(args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(process.execPath, [main, ...args], { encoding: 'utf8' }) };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { code: e.status, out: e.stdout };
  }
}

test('a recognised file passes; a renamed one needs --kind; an unknown one fails the run', { skip: have ? false : 'vectors or build missing' }, () => {
  const ok = run(['vectors', join(dir, 'tree-math.json')]);
  assert.equal(ok.code, 0);
  assert.match(ok.out, /^tree-math\.json: 10 passed, 0 failed/m);
  assert.match(ok.out, /^10 passed, 0 failed$/m);
  const tmp = mkdtempSync(join(tmpdir(), 'mls-vectors-'));
  const renamed = join(tmp, 'my-tree-math.json');
  copyFileSync(join(dir, 'tree-math.json'), renamed);
  assert.equal(run(['vectors', renamed]).code, 1);
  assert.equal(run(['vectors', renamed, '--kind', 'tree-math']).code, 0);
  // A case that fails makes the run fail, with the reason in --json.
  writeFileSync(join(tmp, 'bad.json'), JSON.stringify([{ vlbytes_header: '4005', length: 5 }]));
  const bad = run(['vectors', join(tmp, 'bad.json'), '--kind', 'deserialization', '--json']);
  assert.equal(bad.code, 1);
  const doc = JSON.parse(bad.out) as { failed: number; files: { cases: { status: string; reason?: string }[] }[] };
  assert.equal(doc.failed, 1);
  assert.match(doc.files[0]!.cases[0]!.reason ?? '', /minimal/);
});
