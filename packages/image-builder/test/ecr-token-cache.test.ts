import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ECRClient } from '@aws-sdk/client-ecr';
import { EcrAuth } from '../src/ecr-auth';
import { EcrTokenCache, MIN_REMAINING_MS, TokenScope } from '../src/ecr-token-cache';

const NOW = new Date('2026-11-30T08:00:00Z');
const HOUR = 60 * 60 * 1000;
const scope: TokenScope = { accountId: '123456789012', region: 'eu-west-2', env: { AWS_PROFILE: 'deploy' } };
const token = (expiresAt?: Date) => ({ username: 'AWS', password: 'pa55-token', registryHost: '123456789012.dkr.ecr.eu-west-2.amazonaws.com', expiresAt });

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ib-tokens-'));
  file = path.join(dir, 'cache', 'ecr-tokens.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('remembered ECR tokens', () => {
  it('gives a token back to the same account, region, endpoint and identity only', async () => {
    const cache = new EcrTokenCache(file);
    await cache.remember(scope, token(new Date(NOW.getTime() + 12 * HOUR)), NOW);
    expect(await cache.read(scope, NOW)).toEqual(token(new Date(NOW.getTime() + 12 * HOUR)));
    for (const other of [
      { ...scope, accountId: '210987654321' },
      { ...scope, region: 'us-east-1' },
      { ...scope, env: { AWS_PROFILE: 'admin' } },
      { ...scope, env: { AWS_PROFILE: 'deploy', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' } },
      { ...scope, env: { AWS_PROFILE: 'deploy', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' } },
    ]) {
      expect(await cache.read(other, NOW)).toBeUndefined();
    }
  });

  it('does not use a token with less than an hour left, nor keep one that names no expiry', async () => {
    const cache = new EcrTokenCache(file);
    await cache.remember(scope, token(new Date(NOW.getTime() + MIN_REMAINING_MS - 1)), NOW);
    expect(await cache.read(scope, NOW)).toBeUndefined();
    await cache.remember(scope, token(undefined), NOW);
    expect(await cache.read(scope, new Date(NOW.getTime() - HOUR))).toEqual(token(new Date(NOW.getTime() + MIN_REMAINING_MS - 1)));
  });

  it('drops other scopes\' expired tokens when it writes, and keeps their live ones', async () => {
    const cache = new EcrTokenCache(file);
    const other = { ...scope, region: 'us-east-1' };
    await cache.remember(other, token(new Date(NOW.getTime() + HOUR / 2)), NOW);
    await cache.remember({ ...scope, region: 'eu-west-1' }, token(new Date(NOW.getTime() + 5 * HOUR)), NOW);
    const later = new Date(NOW.getTime() + HOUR);
    await cache.remember(scope, token(new Date(later.getTime() + 12 * HOUR)), later);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { data: Record<string, unknown> };
    expect(Object.keys(stored.data)).toHaveLength(2);
  });

  it('writes a file only its owner can read, naming no account, profile or region', async () => {
    await new EcrTokenCache(file).remember(scope, token(new Date(NOW.getTime() + 12 * HOUR)), NOW);
    expect((statSync(file).mode % 0o1000).toString(8)).toBe('600');
    const text = readFileSync(file, 'utf8');
    for (const name of ['123456789012', 'deploy', 'eu-west-2']) {
      expect(text.replace('123456789012.dkr.ecr.eu-west-2.amazonaws.com', '')).not.toContain(name);
    }
  });

  it('reads a broken or old file as empty', async () => {
    const cache = new EcrTokenCache(file);
    await cache.remember(scope, token(new Date(NOW.getTime() + 12 * HOUR)), NOW);
    writeFileSync(file, '{"version": 1, "data": {');
    expect(await cache.read(scope, NOW)).toBeUndefined();
  });
});

describe('EcrAuth with remembered tokens', () => {
  function counting(expiresAt: Date): { client: ECRClient; calls: string[] } {
    const calls: string[] = [];
    const client = {
      send: async (command: { constructor: { name: string } }) => {
        calls.push(command.constructor.name);
        return { authorizationData: [{ authorizationToken: Buffer.from(`AWS:token-${calls.length}`).toString('base64'), proxyEndpoint: 'https://123456789012.dkr.ecr.eu-west-2.amazonaws.com', expiresAt }] };
      },
    } as unknown as ECRClient;
    return { client, calls };
  }

  it('asks ECR once across runs while the token lasts, and again on refresh', async () => {
    const { client, calls } = counting(new Date(Date.now() + 12 * HOUR));
    const auth = () => new EcrAuth({ accountId: '123456789012', region: 'eu-west-2', client, tokenCacheFile: file, env: {} });
    expect((await auth().credentials()).password).toBe('token-1');
    // A later run (a new EcrAuth) reads the file.
    expect((await auth().credentials()).password).toBe('token-1');
    expect(calls).toEqual(['GetAuthorizationTokenCommand']);
    // The registry refused it (revoked): the refresh fetches a new one, and remembers that.
    expect((await auth().refresh()).password).toBe('token-2');
    expect((await auth().credentials()).password).toBe('token-2');
    expect(calls).toHaveLength(2);
  });

  it('fetches every time without a cache file', async () => {
    const { client, calls } = counting(new Date(Date.now() + 12 * HOUR));
    await new EcrAuth({ accountId: '123456789012', region: 'eu-west-2', client }).credentials();
    await new EcrAuth({ accountId: '123456789012', region: 'eu-west-2', client }).credentials();
    expect(calls).toHaveLength(2);
  });
});
