import { configFor, one, synthBoth } from './helpers';

describe('API password', () => {
  const { platform } = synthBoth(configFor('dev'));
  const ephemeral = (platform as unknown as { ephemeral: Record<string, Record<string, Record<string, unknown>>> }).ephemeral;

  it('comes from the ephemeral random-password resource, never the data source that used it as its id', () => {
    expect(platform.data?.aws_secretsmanager_random_password).toBeUndefined();
    expect(Object.values(ephemeral.aws_secretsmanager_random_password)).toEqual([
      { password_length: 40, exclude_punctuation: true, include_space: false },
    ]);
  });

  it('is written through the write-only secret_string_wo, so neither state nor plan holds it', () => {
    const [name] = Object.keys(ephemeral.aws_secretsmanager_random_password);
    const version = one(platform, 'aws_secretsmanager_secret_version');
    expect(version).toEqual({
      secret_id: expect.stringContaining('aws_secretsmanager_secret.api-auth_secret_'),
      secret_string_wo: `prefect:\${ephemeral.aws_secretsmanager_random_password.${name}.random_password}`,
      secret_string_wo_version: 1,
    });
    expect(version.secret_string).toBeUndefined();
  });

  it('is never an output', () => {
    for (const [name, out] of Object.entries(platform.output)) {
      expect({ name, value: JSON.stringify(out.value) }).not.toEqual({ name, value: expect.stringContaining('random_password') });
    }
  });
});
