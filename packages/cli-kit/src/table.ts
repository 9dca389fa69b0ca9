import { PLAIN, Palette, stripAnsi } from './style';

/** One column of a {@link renderTable}. */
export interface Column {
  /** Header text. */
  readonly header: string;
  /** `right` for numbers and money; default `left`. */
  readonly align?: 'left' | 'right';
}

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** Styles the header (bold); default none. */
  readonly palette?: Palette;
  /** Spaces before each line; default 0. */
  readonly indent?: number;
  /** Spaces between columns; default 2. */
  readonly gap?: number;
}

/**
 * Aligned columns for a terminal or a log. Cells may already carry colour: widths are measured
 * without escape sequences. The last column is not padded, and trailing spaces are trimmed.
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], options: TableOptions = {}): string[] {
  const palette = options.palette ?? PLAIN;
  const gap = ' '.repeat(options.gap ?? 2);
  const indent = ' '.repeat(options.indent ?? 0);
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => stripAnsi(r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent +
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        if (i === columns.length - 1 && c.align !== 'right') return cell;
        const pad = ' '.repeat(widths[i] - stripAnsi(cell).length);
        return c.align === 'right' ? pad + cell : cell + pad;
      })
      .join(gap)
      .trimEnd();
  return [palette.bold(line(columns.map((c) => c.header))), ...rows.map(line)];
}
