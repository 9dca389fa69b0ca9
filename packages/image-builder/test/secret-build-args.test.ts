import { secretBuildArgWarnings } from '../src/secret-build-args';

describe('build args that look like secrets', () => {
  it.each([
    ['DB_PASSWORD', 'hunter2', 'its name says it is a secret'],
    ['GITHUB_TOKEN', 'abc', 'its name says it is a secret'],
    ['PIP_EXTRA', 'https://user:s3cret@pypi.example.com/simple', 'its value looks like a URL with a password'],
    ['SOMETHING', 'AKIAIOSFODNN7EXAMPLE', 'its value looks like an AWS access key id'],
    ['KEY_MATERIAL', '-----BEGIN OPENSSH PRIVATE KEY-----\nabc', 'its value looks like a private key'],
  ])('warns about %s without printing its value', (name, value, why) => {
    const warnings = secretBuildArgWarnings({ [name]: value });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`--build-arg ${name} looks like a secret (${why})`);
    expect(warnings[0]).toContain('RUN --mount=type=secret');
    expect(warnings[0]).not.toContain(value);
  });

  it('stays quiet for ordinary build args', () => {
    expect(secretBuildArgWarnings({ BASE_IMAGE: 'python:3.12-slim', VCS_REF: 'abc123', PIP_INDEX_URL: 'https://pypi.org/simple', AUTHOR: '' })).toEqual([]);
  });
});
