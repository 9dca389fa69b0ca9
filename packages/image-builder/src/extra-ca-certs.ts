import { readFileSync } from 'node:fs';
import type * as Tls from 'node:tls';

/**
 * Where the command's launcher (`bin/image-builder`, a shell script) moves `NODE_EXTRA_CA_CERTS`,
 * so that Node does not read the file at start-up. Node 20 parses the whole
 * file, with its own bundled roots, before it runs any JavaScript: ~30 ms for a system bundle of
 * ~140 certificates (nodejs/node#40524), paid by every run whether or not it opens a TLS connection.
 */
export const DEFERRED_EXTRA_CA_CERTS = 'NODE_EXTRA_CA_CERTS_DEFERRED';

/**
 * The `tls.createSecureContext` options that shape the context itself (Node 20's `createSecureContext`
 * and `configSecureContext` read exactly these). A connection that sets none of them can use one
 * shared context; any other gets a context of its own, as in Node.
 */
const CONTEXT_OPTIONS = [
  'allowPartialTrustChain', 'ca', 'cert', 'ciphers', 'clientCertEngine', 'crl', 'dhparam', 'ecdhCurve',
  'honorCipherOrder', 'key', 'maxVersion', 'minVersion', 'passphrase', 'pfx', 'privateKeyEngine',
  'privateKeyIdentifier', 'secureOptions', 'secureProtocol', 'sessionIdContext', 'sessionTimeout', 'sigalgs',
  'ticketKeys',
] as const;

/** Trust in the deferred certificates, installed by {@link trustDeferredExtraCaCertificates}. */
export interface DeferredExtraCaCertificates {
  /** The certificate file, as `NODE_EXTRA_CA_CERTS` named it. */
  readonly file: string;
  /** Puts `tls.createSecureContext` back (tests). */
  restore(): void;
}

/**
 * Trusts the certificates of the file the launcher moved out of `NODE_EXTRA_CA_CERTS` from the
 * first TLS context on, as Node would have from start-up: every context that does not name its own
 * `ca` gets Node's default roots plus these (Node's rule), in whatever client makes it (the registry
 * client, the AWS SDK's clients and their credential providers all go through
 * `tls.createSecureContext`). The file is read once, when first needed; contexts without options
 * of their own share one, so that the ~140 certificates of a system bundle are parsed once, not
 * per connection. `NODE_EXTRA_CA_CERTS` is set back for child processes. An unreadable file gives
 * one warning and the default roots, as Node does. Returns undefined when nothing was deferred.
 */
export function trustDeferredExtraCaCertificates(env: NodeJS.ProcessEnv = process.env): DeferredExtraCaCertificates | undefined {
  const file = env[DEFERRED_EXTRA_CA_CERTS];
  delete env[DEFERRED_EXTRA_CA_CERTS];
  if (!file) return undefined;
  env.NODE_EXTRA_CA_CERTS = file;
  // Loaded only now: a run that deferred nothing loads no TLS code before it needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tls = require('node:tls') as typeof Tls;
  const original = tls.createSecureContext;
  let certificates: string | null | undefined;
  let shared: { readonly defaults: string; readonly context: Tls.SecureContext } | undefined;

  const extraCertificates = (): string | null => {
    if (certificates === undefined) {
      try {
        certificates = readFileSync(file, 'latin1');
      } catch (err) {
        certificates = null;
        process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}`);
      }
    }
    return certificates;
  };
  const withExtraCertificates = (options: Tls.SecureContextOptions | undefined): Tls.SecureContext => {
    const context = original(options);
    const pem = extraCertificates();
    // The native context's own method, which `ca` uses too; it takes a bundle of PEM certificates.
    if (pem) (context.context as { addCACert(pem: string): void }).addCACert(pem);
    return context;
  };

  tls.createSecureContext = (options?: Tls.SecureContextOptions): Tls.SecureContext => {
    // An explicit (truthy) `ca` replaces the default roots and the extra certificates alike in Node.
    if (options?.ca) return original(options);
    const record = (options ?? {}) as Record<string, unknown>;
    if (CONTEXT_OPTIONS.some((name) => record[name] !== undefined)) return withExtraCertificates(options);
    // Node's defaults for unset options are module settings a program may change; a change gets a new context.
    const defaults = [tls.DEFAULT_MIN_VERSION, tls.DEFAULT_MAX_VERSION, tls.DEFAULT_CIPHERS, tls.DEFAULT_ECDH_CURVE].join('\n');
    if (shared?.defaults !== defaults) shared = { defaults, context: withExtraCertificates(options) };
    return shared.context;
  };
  return {
    file,
    restore: () => {
      tls.createSecureContext = original;
    },
  };
}
