import { MAX_EXPANDED_VALUES, parseYamlFast } from '../src/manifest/parse-yaml';

describe('parseYamlFast', () => {
  it('reads merge keys, keeps dates and yes/no as strings (YAML 1.2 core, like yaml.parseDocument)', () => {
    const parsed = parseYamlFast('base: &b { a: 1, when: 2026-01-01T00:15:00+00:00 }\nx:\n  <<: *b\n  a: 2\n  flag: yes\n');
    expect(parsed).toEqual({ value: { base: { a: 1, when: '2026-01-01T00:15:00+00:00' }, x: { a: 2, when: '2026-01-01T00:15:00+00:00', flag: 'yes' } } });
  });

  it('rejects duplicate keys and reports where', () => {
    const parsed = parseYamlFast('a: 1\na: 2\n');
    expect('error' in parsed && parsed.error.mark?.line).toBe(1);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) levels.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(10).fill(`*${'abcdefghi'[i - 1]}`).join(', ')}]`);
    const parsed = parseYamlFast(`${levels.join('\n')}\n`);
    expect('error' in parsed && parsed.error.message).toContain(`more than ${MAX_EXPANDED_VALUES} values`);
  });
});
