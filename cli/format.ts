// Number and table formatting for people: $1,234.56, 12.3 M tokens, aligned columns.

export function usd(n: number): string {
  return `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function compact(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(1)} B`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(Math.round(n));
}

interface TableOptions {
  color: boolean;
  /** Indexes of right-aligned (numeric) columns. */
  numeric: ReadonlySet<number>;
}

const bold = (s: string, on: boolean) => (on ? `\u001b[1m${s}\u001b[22m` : s);
const dim = (s: string, on: boolean) => (on ? `\u001b[2m${s}\u001b[22m` : s);

export function renderTable(header: string[], rows: string[][], footer: string[] | null, options: TableOptions): string {
  const all = [header, ...rows, ...(footer ? [footer] : [])];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (options.numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const rule = dim(widths.map((w) => '─'.repeat(w)).join('  '), options.color);
  const out = [bold(line(header), options.color), rule, ...rows.map(line)];
  if (footer) out.push(rule, bold(line(footer), options.color));
  return out.join('\n');
}
