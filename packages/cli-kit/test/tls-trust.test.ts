import { isUntrustedCertificate, untrustedCertificateFix } from '../src';

describe('untrusted TLS certificates', () => {
  it.each(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'])(
    'knows %s as a chain no trusted root signed', (code) => expect(isUntrustedCertificate(code)).toBe(true));

  it.each([undefined, 'ECONNREFUSED', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID'])(
    'does not take %s for one (another CA would not fix it)', (code) => expect(isUntrustedCertificate(code)).toBe(false));

  it('points at NODE_EXTRA_CA_CERTS, then at what else to check', () => {
    expect(untrustedCertificateFix('--registry')).toBe("if a proxy or a private CA signs it, name that CA's certificate file in NODE_EXTRA_CA_CERTS; else check --registry");
  });
});
