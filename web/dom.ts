// Tiny DOM builders for the dashboard. Text always goes in as text nodes (never innerHTML), so a
// model or project name from the lake cannot inject markup; inline `style` attributes are never
// written, so the page works under a Content-Security-Policy without 'unsafe-inline'.

export type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`dashboard markup lacks #${id}`);
  return node as T;
}

/** A horizontal bar showing a 0–1 fraction; the width is set through the CSSOM (allowed by CSP). */
export function meter(fraction: number, variant?: string, color?: string): HTMLElement {
  const fill = h('span', { class: 'meter-fill' });
  fill.style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
  if (color) fill.style.background = color;
  return h('span', { class: variant ? `meter meter-${variant}` : 'meter', 'aria-hidden': 'true' }, fill);
}

export interface Column<T> {
  header: string;
  numeric?: boolean;
  cell: (row: T) => Child;
  /** The unformatted number behind the cell, kept in `data-raw` (for tests and copy-paste tools). */
  raw?: (row: T) => number | null;
}

/** A captioned table inside a keyboard-scrollable region (wide tables scroll on phones). */
export function dataTable<T>(options: {
  caption: string;
  captionHidden?: boolean;
  columns: Column<T>[];
  rows: readonly T[];
  rowKey?: (row: T) => string;
  footer?: Child[];
  id?: string;
}): HTMLElement {
  const { columns } = options;
  const head = h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.header))));
  const body = h(
    'tbody',
    {},
    ...options.rows.map((row) =>
      h(
        'tr',
        { 'data-key': options.rowKey?.(row) },
        ...columns.map((c, i) => {
          const raw = c.raw?.(row);
          const props = { class: c.numeric ? 'num' : null, 'data-raw': raw ?? null };
          return i === 0 ? h('th', { ...props, scope: 'row' }, c.cell(row)) : h('td', props, c.cell(row));
        }),
      ),
    ),
  );
  const foot = options.footer
    ? h(
        'tfoot',
        {},
        h(
          'tr',
          {},
          ...options.footer.map((cell, i) =>
            i === 0 ? h('th', { scope: 'row' }, cell) : h('td', { class: columns[i]?.numeric ? 'num' : null }, cell),
          ),
        ),
      )
    : null;
  const table = h(
    'table',
    { id: options.id },
    h('caption', { class: options.captionHidden ? 'sr-only' : null }, options.caption),
    head,
    body,
    foot,
  );
  return h('div', { class: 'table-scroll', role: 'region', 'aria-label': options.caption, tabindex: 0 }, table);
}

/** Several children where one is expected (a table cell with a number and a bar). */
export function fragment(...children: Child[]): DocumentFragment {
  const f = document.createDocumentFragment();
  append(f, children);
  return f;
}
