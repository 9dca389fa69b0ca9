/** One difference between what the server has and what we want. */
export interface FieldChange {
  /** Dotted path, e.g. `schedules` or `variables.properties.image.default`. */
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * Deep, key-order-insensitive comparison. Objects are compared key by key (so a change
 * deep inside a job template is reported at its own path); arrays and scalars are compared
 * whole, since an array's diff by index is rarely what a reader wants.
 */
export function diffValues(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(before[k], after[k], path ? `${path}.${k}` : k));
  }
  return deepEqual(before, after) ? [] : [{ path: path || '(root)', before, after }];
}

/** Structural equality; object key order does not matter, `undefined` members equal absent ones. */
export function deepEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON with sorted keys and `undefined` members dropped: a stable fingerprint of a value. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'undefined';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      if (value[k] !== undefined) out[k] = sortKeys(value[k]);
    }
    return out;
  }
  return value;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
