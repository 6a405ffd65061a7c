/**
 * One test per published vector case, for every file the registry knows. The files are read,
 * unedited, from $MLS_TEST_VECTORS (default ../shared/mls-test-vectors). When they are missing:
 * under CI the suite fails; elsewhere it is skipped with a loud message. A kind whose runner is
 * not written yet shows as a `todo` — never as passed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS, loadKind } from '../../spec-vectors/registry.js';
import { vectorDir } from '../../spec-vectors/run.js';

const dir = vectorDir();
const present = existsSync(join(dir, 'tree-math.json'));

if (!present) {
  if (process.env['CI']) {
    test('published MLS test vectors are present', () => {
      assert.fail(`MLS test vectors not found in ${dir} (set MLS_TEST_VECTORS)`);
    });
  } else {
    process.stderr.write(`\n!!! MLS test vectors not found in ${dir}: the vector tests are SKIPPED (set MLS_TEST_VECTORS) !!!\n\n`);
    test('published MLS test vectors', { skip: `vectors not found in ${dir}` }, () => {});
  }
} else {
  for (const info of KINDS) {
    const kind = await loadKind(info);
    for (const file of info.files) {
      describe(`vectors: ${file}`, () => {
        if (kind === undefined) {
          test(`${info.name} runner`, { todo: 'not supported yet' }, () => {});
          return;
        }
        const cases = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown[];
        cases.forEach((tc, i) => {
          const suite = (tc as { cipher_suite?: number }).cipher_suite;
          test(`case ${i}${suite !== undefined ? ` (suite ${suite})` : ''}`, () => {
            const outcome = kind.runCase(tc, i);
            assert.notEqual(outcome, 'skipped', 'every RFC 9420 suite is implemented: no case may be skipped');
          });
        });
      });
    }
  }
}
