/**
 * `127.0.0.1:5000` → `http://127.0.0.1:5000` (Docker treats loopback registries
 * as plain HTTP); `x.dkr.ecr…` → `https://x.dkr.ecr…`; explicit schemes are kept.
 */
export function registryBaseUrl(registry: string): string {
  const trimmed = registry.trim().replace(/\/+$/, '');
  if (/^https?:\/\//.test(trimmed)) return trimmed;
  return `${isLoopback(trimmed) ? 'http' : 'https'}://${trimmed}`;
}

/** The `host[:port]` part Docker uses in image references. */
export function registryHostPart(registry: string): string {
  return registry.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

/** `repository@sha256:…` (or `host/repository@…`): what a task definition pins. */
export function digestReference(repository: string, digest: string): string {
  return `${repository}@${digest}`;
}

function isLoopback(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  // 127.0.0.0/8 as an address only: `127.example.com` is a public name.
  return name === 'localhost' || /^127(\.\d{1,3}){3}$/.test(name) || name === '[::1]';
}
