/**
 * Redaction for objects that hold secrets: `JSON.stringify` and `util.inspect` show the shape
 * (which fields exist) but never the bytes (STYLE.md principle 10).
 */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Makes `obj`'s toJSON and inspect redact every field. Returns `obj`. */
export function redacted<T extends object>(obj: T, label: string): T {
  const show = () => `${label} { [redacted] }`;
  Object.defineProperty(obj, 'toJSON', { value: show, enumerable: false });
  Object.defineProperty(obj, INSPECT, { value: show, enumerable: false });
  return obj;
}
