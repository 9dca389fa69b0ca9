/** Build-arg names that say they carry a credential. */
const SECRET_NAME = /(PASSW(OR)?D|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH|_PAT$|^PAT_|DSN|CONN(ECTION)?_?STR)/i;

/** Values that are a credential whatever their name. */
const SECRET_VALUES: readonly [RegExp, string][] = [
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\b(ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\bnpm_[A-Za-z0-9]{30,}/, 'an npm token'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./, 'a JSON web token'],
  [/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, 'a URL with a password'],
];

/**
 * One warning per `--build-arg` that looks like a secret, by name or by value.
 * A build arg is written into the image's history (`docker history` shows it to
 * anyone who can pull), so a secret must go in as a BuildKit secret mount
 * instead. The value is never part of the message.
 */
export function secretBuildArgWarnings(buildArgs: Readonly<Record<string, string>>): string[] {
  const warnings: string[] = [];
  for (const [name, value] of Object.entries(buildArgs)) {
    const byValue = SECRET_VALUES.find(([pattern]) => pattern.test(value));
    const why = byValue ? `its value looks like ${byValue[1]}` : SECRET_NAME.test(name) && value ? 'its name says it is a secret' : undefined;
    if (!why) continue;
    warnings.push(`--build-arg ${name} looks like a secret (${why}): build args are stored in the image history, `
      + 'readable by anyone who can pull the image; pass it as a BuildKit secret instead (`RUN --mount=type=secret`, see packages/image-builder/README.md)');
  }
  return warnings;
}
