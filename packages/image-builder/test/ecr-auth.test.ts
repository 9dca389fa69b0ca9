import type { ECRClient } from '@aws-sdk/client-ecr';
import { awsError, decodeAuthorizationToken, EcrAuth, registryHostOf } from '../src/ecr-auth';

/** An ECR client that answers from a table: the SDK's own wire format is covered by the integration tests. */
function clientAnswering(answers: Record<string, () => unknown>): { client: ECRClient; calls: string[] } {
  const calls: string[] = [];
  const client = {
    send: async (command: { constructor: { name: string } }) => {
      const name = command.constructor.name;
      calls.push(name);
      return answers[name]();
    },
  } as unknown as ECRClient;
  return { client, calls };
}

describe('ECR authorization token', () => {
  it('decodes the emulator token base64("AWS:123456789012-auth-token")', () => {
    expect(decodeAuthorizationToken('QVdTOjEyMzQ1Njc4OTAxMi1hdXRoLXRva2Vu')).toEqual({ username: 'AWS', password: '123456789012-auth-token' });
  });

  it('splits at the first colon only: real ECR passwords are long and may contain anything', () => {
    const token = Buffer.from('AWS:eyJwYXlsb2FkIjoi:x==').toString('base64');
    expect(decodeAuthorizationToken(token)).toEqual({ username: 'AWS', password: 'eyJwYXlsb2FkIjoi:x==' });
  });

  it.each(['', Buffer.from('no-colon').toString('base64'), Buffer.from(':nouser').toString('base64'), Buffer.from('AWS:').toString('base64')])(
    'refuses the unreadable token %j', (token) => {
      expect(() => decodeAuthorizationToken(token)).toThrow('ECR returned an unreadable authorization token');
    });

  it('takes the registry host from proxyEndpoint', () => {
    expect(registryHostOf('https://123456789012.dkr.ecr.eu-west-1.amazonaws.com')).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com');
    expect(registryHostOf('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });

  it('fetches the token once and only again on refresh, even when it says it expired in 2015', async () => {
    const data = { authorizationToken: 'QVdTOjEyMzQ1Njc4OTAxMi1hdXRoLXRva2Vu', proxyEndpoint: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com', expiresAt: new Date('2015-01-01') };
    const { client, calls } = clientAnswering({ GetAuthorizationTokenCommand: () => ({ authorizationData: [data] }) });
    const auth = new EcrAuth({ accountId: '123456789012', region: 'eu-west-1', client });
    const first = await auth.credentials();
    await auth.credentials();
    expect(calls).toEqual(['GetAuthorizationTokenCommand']);
    expect(first).toMatchObject({ username: 'AWS', registryHost: '123456789012.dkr.ecr.eu-west-1.amazonaws.com' });
    await auth.refresh();
    expect(calls).toHaveLength(2);
  });
});

describe('AWS errors', () => {
  it.each<[string, Record<string, string>, string, string]>([
    ['no credentials', { name: 'CredentialsProviderError', message: 'Could not load credentials from any providers' }, 'auth-failed', 'set AWS_PROFILE'],
    ['expired session', { name: 'ExpiredTokenException', message: 'expired' }, 'token-expired', 'log in again'],
    ['access denied', { name: 'AccessDeniedException', message: 'no' }, 'auth-failed', 'ecr:GetAuthorizationToken'],
    ['unreachable endpoint', { name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'network', 'AWS_ENDPOINT_URL'],
    ['endpoint certificate from an untrusted CA (a TLS-intercepting proxy)',
      { name: 'Error', code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' }, 'network', 'NODE_EXTRA_CA_CERTS'],
  ])('maps %s to a one-line error', (_what, fields, kind, fix) => {
    const error = awsError(Object.assign(new Error(fields.message), fields), 'GetAuthorizationToken', 'account 1, region r');
    expect(error.kind).toBe(kind);
    expect(`error: ${error.message}`).toMatch(/^error: .+ \(account 1, region r\): .+/);
    expect(error.fix).toContain(fix);
  });
});
