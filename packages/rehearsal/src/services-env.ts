/**
 * The variables `scripts/test-services.sh env` prints as `export NAME=value` lines (values are
 * plain: paths, URLs, ports), as an object to start commands with.
 */
export function parseExports(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}
