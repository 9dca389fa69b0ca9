import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configFor, synthBoth } from './helpers';
import { offlineTerraformEnv, terraform } from './terraform';
import { terraformLiteral, terraformLiterals } from '../src/terraform-literal';

const INJECTION = '${file("/etc/hostname")}';

describe('settings strings reach terraform as literals', () => {
  it('escapes ${ and %{ with terraform\'s own escapes, in values and keys', () => {
    expect(terraformLiteral(INJECTION)).toBe('$${file("/etc/hostname")}');
    expect(terraformLiteral('%{ if true }x%{ endif }')).toBe('%%{ if true }x%%{ endif }');
    expect(terraformLiteral('$${already}')).toBe('$$${already}');
    expect(terraformLiteral('cost $5 {braces}')).toBe('cost $5 {braces}');
    expect(terraformLiterals({ a: [INJECTION, 3, true], [INJECTION]: null })).toEqual({
      'a': ['$${file("/etc/hostname")}', 3, true],
      '$${file("/etc/hostname")}': null,
    });
  });

  const config = configFor('dev', { tags: { owner: INJECTION } });
  const { platform, bootstrap } = synthBoth(config);

  it('puts an escaped tag value into both stacks\' default tags', () => {
    for (const s of [platform, bootstrap]) {
      expect(s.provider.aws[0].default_tags[0].tags.owner).toBe('$${file("/etc/hostname")}');
    }
  });

  it('leaves no user-written ${ anywhere in the synthesized JSON', () => {
    for (const s of [platform, bootstrap]) expect(JSON.stringify(s).includes('"${file(')).toBe(false);
  });

  // The reproduction: terraform itself evaluates the raw value and keeps the escaped one literal.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-literal-'));
  const env = offlineTerraformEnv(work);
  const run = env ? it : it.skip;

  run('terraform reads the raw value as an expression and the synthesized one as the text typed', () => {
    const evaluate = (value: string): string => {
      const dir = fs.mkdtempSync(path.join(work, 'root-'));
      fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify({ output: { v: { value } } }));
      expect(terraform(dir, env!, 'apply', '-auto-approve', '-input=false', '-no-color')).toMatchObject({ status: 0 });
      return JSON.parse(terraform(dir, env!, 'output', '-json', 'v').output) as string;
    };
    expect(evaluate(INJECTION)).toBe(fs.readFileSync('/etc/hostname', 'utf8'));
    expect(evaluate(platform.provider.aws[0].default_tags[0].tags.owner as string)).toBe(INJECTION);
  });

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
});
