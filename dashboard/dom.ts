/**
 * A tiny element builder. Text always goes in through text nodes, never innerHTML: addresses,
 * peer versions and warnings come from the network and must not become markup.
 */

export type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
      else if (k === 'class') el.className = String(v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Replace an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A table with a header row; `empty` when there are no rows. */
export function table(head: string[], rows: Child[][], empty: string, rowClass?: (i: number) => string | null): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      h('thead', null, h('tr', null, head.map((c) => h('th', null, c)))),
      h(
        'tbody',
        null,
        rows.map((r, i) => h('tr', { class: rowClass?.(i) ?? null }, r.map((c) => h('td', null, c)))),
      ),
    ),
  );
}

/** A two-column key/value table without a header row. */
export function kvTable(rows: Array<[string, Child]>): HTMLElement {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'kv' }, h('tbody', null, rows.map(([k, v]) => h('tr', null, h('th', { scope: 'row' }, k), h('td', null, v))))));
}

/** One headline figure. */
export function stat(label: string, value: string, sub?: string, id?: string): HTMLElement {
  return h('div', { class: 'stat', 'data-stat': id ?? null }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value), sub ? h('div', { class: 'stat-sub' }, sub) : null);
}

/** Link to a miner's page (hash route). */
export function minerLink(address: string, label?: string): HTMLElement {
  return h('a', { href: `#/miner/${encodeURIComponent(address)}`, class: 'addr', title: address }, label ?? address);
}

/** Link to a share in the explorer (hash route). */
export function shareLink(hash: string, label: string): HTMLElement {
  return h('a', { href: `#/share/${hash}`, class: 'hash', title: hash }, label);
}
