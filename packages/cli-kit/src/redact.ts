/**
 * `scheme://user:password@host` → `scheme://***@host`. Users put credentials in URLs
 * (`PREFECT_API_URL=https://user:pass@…`, registry URLs); no message or JSON document a CLI
 * prints may repeat them.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi;

/** The text with every credential embedded in a URL replaced by `***`. */
export function redactSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@');
}

/** A deep copy of `value` with {@link redactSecrets} applied to every string (keys included). */
export function redactJson<T>(value: T): T {
  return walk(value) as T;
}

function walk(value: unknown): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (Array.isArray(value)) return value.map(walk);
  if (value && typeof value === 'object' && (value.constructor === Object || value.constructor === undefined)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactSecrets(k), walk(v)]));
  }
  return value;
}
