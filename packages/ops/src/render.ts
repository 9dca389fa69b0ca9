import { Palette, renderTable } from '@blog-data/cli-kit';
import type { CostEstimate } from './cost';
import type { DoctorReport } from './doctor/types';
import type { LogLine } from './logs';

/** Doctor results: one ✓/✗ line per check, what it found, and the fix of each failure. */
export function renderDoctor(report: DoctorReport, c: Palette): string {
  const asleep = report.asleepUntil ? ` — asleep until ${report.asleepUntil} (scaled to 0 by its schedule)` : '';
  const lines: string[] = [`doctor: environment ${report.env}${asleep}`, ''];
  for (const check of report.checks) {
    lines.push(`${check.ok ? c.green('✓') : c.red('✗')} ${check.title}`);
    lines.push(`    found: ${check.found}`);
    if (!check.ok && check.fix) lines.push(`    ${c.yellow('fix')}:   ${check.fix}`);
  }
  const failed = report.checks.filter((check) => !check.ok).length;
  lines.push('', failed === 0
    ? c.green(`all ${report.checks.length} checks passed`)
    : c.red(`${failed} of ${report.checks.length} checks failed`));
  return `${lines.join('\n')}\n`;
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The cost estimate as a table, the total, the comparison and the notes. */
export function renderCost(estimate: CostEstimate, c: Palette): string {
  const rows = estimate.items.map((i) => [
    i.service,
    `${i.description}${i.assumed ? ' *' : ''}`,
    `${formatQuantity(i.quantity)} ${i.unit}`,
    formatPrice(i.unitPriceUsd),
    usd(i.monthlyUsd),
  ]);
  const columns = [
    { header: 'service' },
    { header: 'item' },
    { header: 'quantity', align: 'right' as const },
    { header: 'unit price', align: 'right' as const },
    { header: 'per month', align: 'right' as const },
  ];
  const ref = estimate.reference;
  const comparison = ref.differenceUsd === 0
    ? `within the ${ref.label} figure of $${ref.lowUsd}–${ref.highUsd}/month`
    : ref.differenceUsd > 0
      ? `${usd(ref.differenceUsd)} above the ${ref.label} figure of $${ref.lowUsd}–${ref.highUsd}/month`
      : `${usd(-ref.differenceUsd)} below the ${ref.label} figure of $${ref.lowUsd}–${ref.highUsd}/month`;
  const biggest = [...estimate.items].sort((a, b) => b.monthlyUsd - a.monthlyUsd).slice(0, 3).map((i) => `${i.id} ${usd(i.monthlyUsd)}`).join(', ');
  return [
    `cost: environment ${estimate.env} in ${estimate.region}, ${estimate.hoursPerMonth} h/month, list prices ${estimate.priceSource.kind === 'price-list-api' ? `from the AWS Price List API (published up to ${estimate.pricesAsOf})` : `from the bundled book as of ${estimate.pricesAsOf}${estimate.priceSource.fallbackReason ? ' (Price List API unavailable: see notes)' : ''}`}`,
    '',
    ...renderTable(columns, rows, { palette: c }),
    '',
    c.bold(`total: ${usd(estimate.totalUsd)} per month`),
    `compared: ${comparison} (largest items: ${biggest})`,
    '',
    '* assumed usage (see notes)',
    ...estimate.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** `$0.1` → `$0.10`; small prices keep all their digits (`$0.004445`). */
function formatPrice(p: number): string {
  const text = String(p);
  const decimals = text.includes('.') ? text.split('.')[1].length : 0;
  return `$${decimals >= 2 ? text : p.toFixed(2)}`;
}

function formatQuantity(q: number): string {
  return Number.isInteger(q) ? String(q) : q.toFixed(2).replace(/0+$/, '').replace(/\.$/, '');
}

/** One log line: time, short task id, message. */
export function renderLogLine(line: LogLine, c: Palette): string {
  return `${c.dim(line.timestamp)} ${c.cyan(`[${line.taskId.slice(0, 8) || '-'}]`)} ${line.message}`;
}
