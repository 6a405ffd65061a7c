/**
 * docs/validation.md is checked, not trusted: every rule of the RFC 9420 validation checklist has a
 * row; every row marked enforced names a rule id that the code raises and that a test names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function sources(dir: string): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out += sources(p);
    else if (name.endsWith('.ts')) out += readFileSync(p, 'utf8') + '\n';
  }
  return out;
}

const table = readFileSync('docs/validation.md', 'utf8');
const rows = table.split('\n').filter((l) => /^\| [RD]-[0-9]/.test(l)).map((l) => l.split('|').map((c) => c.trim()));
const byId = new Map(rows.map((r) => [r[1]!, r]));
const src = sources('src');
const tests = sources('test');
const ID = /^[RD]-[0-9][0-9.]*-?[0-9]*$/;

test('docs/validation.md has one row per rule and derived check, each with a status', () => {
  assert.ok(rows.length >= 163, `only ${rows.length} rows`);
  assert.equal(byId.size, rows.length, 'duplicate rows');
  for (const r of rows) {
    assert.match(r[1]!, ID);
    assert.ok(/^(enforced|local|ignore|not yet|partly)/.test(r[4]!), `${r[1]}: unknown status '${r[4]}'`);
  }
});

test('every rule of the checklist is in the table', (t) => {
  const checklist = '../shared/specs/validation-checklist.md';
  if (!existsSync(checklist)) {
    t.skip(`${checklist} not found`);
    return;
  }
  const ids = new Set([...readFileSync(checklist, 'utf8').matchAll(/^\| ((?:R|D)-[0-9][0-9.]*(?:-[0-9]+)?) /gm)].map((m) => m[1]!));
  assert.ok(ids.size >= 163, `checklist parsed to ${ids.size} ids`);
  for (const id of ids) assert.ok(byId.has(id), `${id} has no row in docs/validation.md`);
});

test('every enforced rule is raised by the code and named by a test', () => {
  const missing: string[] = [];
  for (const r of rows) {
    const id = r[1]!;
    if (!r[4]!.startsWith('enforced')) continue;
    if (!src.includes(`'${id}'`) && !src.includes(id)) missing.push(`${id}: not in src/`);
    if (!tests.includes(id)) missing.push(`${id}: no test names it`);
  }
  assert.deepEqual(missing, []);
});

test('every rule id the code raises has a row', () => {
  const raised = new Set([...src.matchAll(/'((?:R|D)-[0-9][0-9.]*-[0-9]+)'/g)].map((m) => m[1]!));
  const unknown = [...raised].filter((id) => !byId.has(id));
  assert.deepEqual(unknown, []);
});
