/** The README's example is real code: it compiles (tsc), runs here, and the README shows it verbatim. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { quickstart } from '../../examples/quickstart.js';

test('the README quick-start example runs', async () => {
  assert.equal(await quickstart(), 'hello, alice');
});

test('the README shows examples/quickstart.ts verbatim (with the package import)', () => {
  const source = readFileSync('examples/quickstart.ts', 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('// README'))
    .join('\n')
    .replace("from '../src/index.js'", "from 'mlskit'")
    .trim();
  const readme = readFileSync('README.md', 'utf8');
  assert.ok(readme.includes(source), 'README.md must contain the code of examples/quickstart.ts');
});
