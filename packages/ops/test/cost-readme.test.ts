import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@blog-data/config';
import { estimateCost, loadPriceBook } from '../src';

/** The README's table of capacity knobs: each row's overrides and its dev and prod figures. */
function readKnobTable() {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.split('### What each capacity knob costs per month')[1]?.split('\n### ')[0];
  if (!section) throw new Error('README.md has no "What each capacity knob costs per month" section');
  return section.split('\n').filter((l) => /^\| .* \| \$[\d.]+ \| \$[\d.]+ \|$/.test(l)).map((line) => {
    const [label, overrides, dev, prod] = line.split(' | ').map((c) => c.replace(/^\| |\s\|$/g, ''));
    // One code span for both environments, or `dev` / `prod`.
    const spans = [...overrides.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
    const environ = (text: string) => Object.fromEntries(text.split(' ').map((kv) => kv.split('=') as [string, string]));
    return {
      label,
      dev: { environ: environ(spans[0]), usd: Number(dev.replace('$', '')) },
      prod: { environ: environ(spans[1] ?? spans[0]), usd: Number(prod.replace('$', '').replace(/ \|$/, '')) },
    };
  });
}

describe('the README\'s table of what each capacity knob costs', () => {
  const rows = readKnobTable();
  const book = loadPriceBook();

  it('has a row for every knob of the scale section', () => {
    const knobs = rows.flatMap((r) => Object.keys({ ...r.dev.environ, ...r.prod.environ }));
    for (const knob of ['PLATFORM_SCALE__MODE', 'PLATFORM_SCALE__API__MIN_REPLICAS', 'PLATFORM_SCALE__SERVICES__REPLICAS', 'PLATFORM_SCALE__REDIS__ENGINE',
      'PLATFORM_SCALE__REDIS__KIND', 'PLATFORM_SCALE__REDIS__REPLICAS', 'PLATFORM_SCALE__AURORA_READER', 'PLATFORM_ECS__CONTAINER_INSIGHTS']) {
      expect(knobs).toContain(knob);
    }
  });

  it.each(readKnobTable().map((r) => [r.label, r] as const))('says what `platform-ops cost --prices bundled` says: %s', (_label, row) => {
    expect(estimateCost(loadConfig({ env: 'dev', environ: row.dev.environ }), book).totalUsd).toBe(row.dev.usd);
    expect(estimateCost(loadConfig({ env: 'prod', environ: row.prod.environ }), book).totalUsd).toBe(row.prod.usd);
  });
});
