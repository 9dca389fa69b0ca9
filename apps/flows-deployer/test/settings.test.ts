import { authorizationHeader, parseApiUrl } from '@blog-data/prefect-api';
import { resolveApiSettings } from '../src/settings';

describe('API settings', () => {
  it('reads PREFECT_API_URL and PREFECT_API_AUTH_STRING like the Prefect CLI', () => {
    const s = resolveApiSettings({}, { PREFECT_API_URL: 'https://prefect.example.com/api/', PREFECT_API_AUTH_STRING: 'prefect:pa:ss' });
    expect(s.apiUrl).toBe('https://prefect.example.com/api');
    expect(s.auth).toEqual({ kind: 'basic', user: 'prefect', password: 'pa:ss' });
    expect(authorizationHeader(s)).toBe(`Basic ${Buffer.from('prefect:pa:ss').toString('base64')}`);
    expect(s).toMatchObject({ timeoutMs: 60_000, maxRetries: 5, concurrency: 8, healthTimeoutMs: 120_000 });
  });

  it('uses PREFECT_API_KEY as a bearer token', () => {
    const s = resolveApiSettings({}, { PREFECT_API_URL: 'http://h/api', PREFECT_API_KEY: 'pnu_abc' });
    expect(authorizationHeader(s)).toBe('Bearer pnu_abc');
  });

  it('lets flags override the environment', () => {
    const s = resolveApiSettings(
      { apiUrl: 'http://flag/api', authString: 'a:b', healthTimeoutSeconds: '5', timeoutSeconds: 2, concurrency: '3', retries: '0' },
      { PREFECT_API_URL: 'http://env/api', PREFECT_API_AUTH_STRING: 'c:d', FLOWS_DEPLOYER_HEALTH_TIMEOUT: '60' },
    );
    expect(s).toMatchObject({ apiUrl: 'http://flag/api', auth: { user: 'a', password: 'b' }, healthTimeoutMs: 5000, timeoutMs: 2000, concurrency: 3, maxRetries: 0 });
  });

  it('sends credentials in the URL as basic auth (as httpx does) and keeps a URL without them', () => {
    const s = resolveApiSettings({}, { PREFECT_API_URL: 'https://blog:p%40ss@prefect.example.com/api' });
    expect(s.apiUrl).toBe('https://prefect.example.com/api');
    expect(s.auth).toEqual({ kind: 'basic', user: 'blog', password: 'p@ss' });
    // Explicit auth wins over the URL's.
    expect(resolveApiSettings({}, { PREFECT_API_URL: 'https://blog:x@h/api', PREFECT_API_AUTH_STRING: 'a:b' }).auth).toEqual({ kind: 'basic', user: 'a', password: 'b' });
    expect(resolveApiSettings({}, { PREFECT_API_URL: 'https://blog:x@h/api', PREFECT_API_KEY: 'k' }).auth).toEqual({ kind: 'bearer', token: 'k' });
  });

  it('names the flag, not the variable, for a bad flag value (exit 2)', () => {
    const environ = { PREFECT_API_URL: 'http://h/api', FLOWS_DEPLOYER_HEALTH_TIMEOUT: '5', FLOWS_DEPLOYER_CONCURRENCY: '4' };
    expect(() => resolveApiSettings({ healthTimeoutSeconds: 'x' }, environ)).toThrow(/^--health-timeout must be a positive number of seconds, got "x" \(--health-timeout\)/);
    expect(() => resolveApiSettings({ concurrency: '99' }, environ)).toThrow(/^--concurrency must be an integer 1\.\.64, got "99" \(--concurrency\)/);
  });

  it('falls back to the prefect_api_url output', () => {
    expect(resolveApiSettings({}, {}, 'http://alb/api').apiUrl).toBe('http://alb/api');
  });

  it.each([
    ['http://prefect.example.com', /PREFECT_API_URL must end in \/api: "http:\/\/prefect.example.com" \(PREFECT_API_URL\): did you mean http:\/\/prefect.example.com\/api\?/],
    ['prefect.example.com/api', /PREFECT_API_URL is not a URL/],
    ['ftp://h/api', /must be http or https/],
    ['http://h/api?x=1', /must not have a query/],
  ])('rejects PREFECT_API_URL=%s', (url, message) => {
    expect(() => parseApiUrl(url)).toThrow(message);
  });

  it.each([
    [{}, /no Prefect API URL \(PREFECT_API_URL\): set PREFECT_API_URL/],
    [{ PREFECT_API_URL: 'http://h/api', PREFECT_API_AUTH_STRING: 'nocolon' }, /auth string is not user:password \(PREFECT_API_AUTH_STRING\)/],
    [{ PREFECT_API_URL: 'http://h/api', PREFECT_API_AUTH_STRING: 'a:b', PREFECT_API_KEY: 'k' }, /both an auth string and an API key are set/],
    [{ PREFECT_API_URL: 'http://h/api', PREFECT_API_REQUEST_TIMEOUT: 'soon' }, /PREFECT_API_REQUEST_TIMEOUT must be a positive number of seconds, got "soon"/],
    [{ PREFECT_API_URL: 'http://h/api', FLOWS_DEPLOYER_CONCURRENCY: '0' }, /FLOWS_DEPLOYER_CONCURRENCY must be an integer 1..64, got "0"/],
  ])('rejects %p', (environ, message) => {
    expect(() => resolveApiSettings({}, environ as NodeJS.ProcessEnv)).toThrow(message);
  });
});
