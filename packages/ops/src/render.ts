import type { CostEstimate } from './cost';
import type { DoctorReport } from './doctor/types';
import type { LogLine } from './logs';

/** Terminal styling; plain text when not a TTY. */
export interface Style {
  readonly color: boolean;
}

const paint = (style: Style, code: number, text: string) => (style.color ? `\u001b[${code}m${text}\u001b[0m` : text);

/** Doctor results: one ✓/✗ line per check, what it found, and the fix of each failure. */
export function renderDoctor(report: DoctorReport, style: Style): string {
  const lines: string[] = [`doctor: environment ${report.env}`, ''];
  for (const c of report.checks) {
    lines.push(`${c.ok ? paint(style, 32, '✓') : paint(style, 31, '✗')} ${c.title}`);
    lines.push(`    found: ${c.found}`);
    if (!c.ok && c.fix) lines.push(`    ${paint(style, 33, 'fix')}:   ${c.fix}`);
  }
  const failed = report.checks.filter((c) => !c.ok).length;
  lines.push('', failed === 0
    ? paint(style, 32, `all ${report.checks.length} checks passed`)
    : paint(style, 31, `${failed} of ${report.checks.length} checks failed`));
  return `${lines.join('\n')}\n`;
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The cost estimate as a table, the total, the comparison and the notes. */
export function renderCost(estimate: CostEstimate, style: Style): string {
  const rows = estimate.items.map((i) => [
    i.service,
    `${i.description}${i.assumed ? ' *' : ''}`,
    `${formatQuantity(i.quantity)} ${i.unit}`,
    formatPrice(i.unitPriceUsd),
    usd(i.monthlyUsd),
  ]);
  const header = ['service', 'item', 'quantity', 'unit price', 'per month'];
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col].length)));
  const fmt = (r: string[]) => r.map((cell, col) => (col >= 2 ? cell.padStart(widths[col]) : cell.padEnd(widths[col]))).join('  ').trimEnd();
  const ref = estimate.reference;
  const comparison = ref.differenceUsd === 0
    ? `within the ${ref.label} figure of $${ref.lowUsd}–${ref.highUsd}/month`
    : ref.differenceUsd > 0
      ? `${usd(ref.differenceUsd)} above the ${ref.label} figure of $${ref.lowUsd}–${ref.highUsd}/month`
      : `${usd(-ref.differenceUsd)} below the ${ref.label} figure of $${ref.lowUsd}–${ref.highUsd}/month`;
  const biggest = [...estimate.items].sort((a, b) => b.monthlyUsd - a.monthlyUsd).slice(0, 3).map((i) => `${i.id} ${usd(i.monthlyUsd)}`).join(', ');
  return [
    `cost: environment ${estimate.env} in ${estimate.region}, ${estimate.hoursPerMonth} h/month, list prices as of ${estimate.pricesAsOf}`,
    '',
    paint(style, 1, fmt(header)),
    ...rows.map(fmt),
    '',
    paint(style, 1, `total: ${usd(estimate.totalUsd)} per month`),
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
export function renderLogLine(line: LogLine, style: Style): string {
  return `${paint(style, 2, line.timestamp)} ${paint(style, 36, `[${line.taskId.slice(0, 8) || '-'}]`)} ${line.message}`;
}
