/** Test helper: the error a call throws (or a promise rejects with), asserted to be an MlsError carrying `rule`. */
import assert from 'node:assert/strict';
import { MlsError, ValidationError } from '../../src/errors.js';

export async function expectRule(f: (() => unknown) | Promise<unknown>, rule: string, code?: string): Promise<MlsError> {
  let caught: unknown;
  try {
    await (typeof f === 'function' ? f() : f);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected an error with rule ${rule}, but nothing was thrown`);
  assert.ok(caught instanceof MlsError, `expected an MlsError with rule ${rule}, got ${String(caught)}`);
  assert.equal(caught.rule, rule, `rule (message: ${caught.message})`);
  if (code !== undefined) assert.equal(caught.code, code);
  return caught;
}

/** Asserts that `f` throws synchronously a ValidationError for `rule`; returns it. */
export function throwsRule(f: () => unknown, rule: string, code?: string): ValidationError {
  let caught: ValidationError | undefined;
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof ValidationError, `expected a ValidationError for ${rule}, got ${String(err)}`);
    assert.equal(err.rule, rule, `rule: ${err.message}`);
    if (code !== undefined) assert.equal(err.code, code);
    caught = err;
    return true;
  });
  return caught!;
}
