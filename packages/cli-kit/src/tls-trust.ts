/** OpenSSL's codes (Node's `err.code`) for a certificate chain that ends in no root this process trusts. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
]);

/** Whether a connection failed because no trusted root signed the server's certificate. */
export function isUntrustedCertificate(code: string | undefined): boolean {
  return code !== undefined && UNTRUSTED_CERTIFICATE.has(code);
}

/**
 * The fix for an untrusted certificate: behind a TLS-intercepting proxy, or with a private CA,
 * it is trusting that CA, not the network. `otherwise` is what to check when neither applies.
 */
export function untrustedCertificateFix(otherwise: string): string {
  return `if a proxy or a private CA signs it, name that CA's certificate file in NODE_EXTRA_CA_CERTS; else check ${otherwise}`;
}
