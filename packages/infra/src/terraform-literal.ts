/**
 * Terraform reads every string of its JSON configuration as a template: `${…}` is evaluated
 * and `%{…}` is a directive. A value a user typed into the settings (a tag, a name, an e-mail)
 * must reach AWS as written, so `${` becomes `$${` and `%{` becomes `%%{` — terraform's own
 * escapes — before the value enters a stack. A tag `${file("/etc/hostname")}` would otherwise
 * put the deploying machine's file into AWS.
 */
export function terraformLiteral(text: string): string {
  // (`$$` in a replacement pattern is one `$`.)
  return text.replace(/\$\{/g, '$$$${').replace(/%\{/g, '%%{');
}

/** {@link terraformLiteral} on every string (and object key) of a settings tree; returns a copy. */
export function terraformLiterals<T>(value: T): T {
  if (typeof value === 'string') return terraformLiteral(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => terraformLiterals(v)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [terraformLiteral(k), terraformLiterals(v)])) as T;
  }
  return value;
}
