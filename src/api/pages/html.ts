import { createHash } from 'node:crypto';

/**
 * HTML built with one tagged template: every interpolation is escaped unless it is already SafeHtml (the result of
 * another `html` template or of `raw`, for markup we wrote ourselves). Nothing from Intercom, a user or a URL can
 * reach the page unescaped by accident.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: `false`, null and undefined render nothing (for `cond && html`…``). */
export type Interpolation = SafeHtml | string | number | bigint | null | undefined | false | readonly Interpolation[];

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export const escapeHtml = (s: string): string => s.replace(/[&<>"'`]/g, (c) => ENTITIES[c]);

function render(v: Interpolation): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Markup we wrote ourselves (never data). */
export const raw = (s: string): SafeHtml => new SafeHtml(s);

/** A path with escaped segments: `path('/app/sources', id, 'customers')`. */
export const path = (base: string, ...segments: string[]): string =>
  [base, ...segments.map((s) => encodeURIComponent(s))].join('/');

/** A URL with a query string; empty values are left out. */
export function withQuery(base: string, params: Record<string, string | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${base}?${s}` : base;
}

const CSS = `
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#f6f7f9;--accent:#2456d3;--danger:#b3261e;--ok:#1e7b34}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#fff;border-bottom:1px solid var(--line);padding:.6rem 1.5rem;display:flex;gap:1.5rem;align-items:center}
header .brand{font-weight:700;color:var(--fg);text-decoration:none}
header nav a,nav.tabs a{color:var(--accent);text-decoration:none;margin-right:1rem}
nav.tabs{margin:.5rem 0 1rem;border-bottom:1px solid var(--line);padding-bottom:.4rem}
nav.tabs a[aria-current=page]{color:var(--fg);font-weight:600}
main{max-width:1200px;margin:0 auto;padding:1rem 1.5rem 3rem}
h1{font-size:1.5rem;margin:.6rem 0}h2{font-size:1.15rem;margin:1.4rem 0 .5rem}
section,.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:1rem 1.2rem;margin:1rem 0}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
.scroll{overflow-x:auto}
.muted{color:var(--muted)}.num{text-align:right;font-variant-numeric:tabular-nums}
.status{display:inline-block;padding:.05rem .5rem;border-radius:999px;background:#e8ecf4;font-size:.85rem}
.status-live,.status-active{background:#dcf3e2;color:var(--ok)}
.status-needs_reconnect,.status-deleting{background:#fde6e4;color:var(--danger)}
progress{width:12rem;height:.9rem;vertical-align:middle}
label{display:block;font-weight:600;margin:.6rem 0 .2rem}
label.check{font-weight:400;display:flex;gap:.4rem;align-items:baseline;margin:.2rem 0}
input[type=text],input[type=search],input[type=password]{font:inherit;padding:.35rem .5rem;border:1px solid #b9c0cc;border-radius:4px;width:24rem;max-width:100%}
button,.button{font:inherit;padding:.4rem .9rem;border-radius:4px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:var(--accent)}
button.danger{background:var(--danger);border-color:var(--danger)}
.error{color:var(--danger);font-weight:600}.notice{background:#e8f0fe;border:1px solid #b7cdfa;padding:.5rem .8rem;border-radius:4px}
.warning{background:#fde6e4;border:1px solid #f3b8b2;padding:.6rem .8rem;border-radius:4px}
fieldset{border:1px solid var(--line);border-radius:6px;margin:.8rem 0;padding:.5rem 1rem}
legend{font-weight:600}
caption{text-align:left;padding:.3rem 0}
section>h2:first-child{margin-top:0}
.type{font-size:.8rem;color:var(--muted);font-family:ui-monospace,monospace}
.row{display:flex;gap:.6rem;align-items:flex-end;flex-wrap:wrap}
dl.grid{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1.2rem;margin:0}dl.grid dt{color:var(--muted)}dl.grid dd{margin:0}
`;

/** The stylesheet is inline and fixed, so the Content-Security-Policy allows exactly it by hash. */
export const STYLE_HASH = `sha256-${createHash('sha256').update(CSS).digest('base64')}`;
// Built here, not in the layout's template, so formatting the template can never change the hashed text.
const STYLE_ELEMENT = raw(`<style>${CSS}</style>`);

export interface LayoutOptions {
  title: string;
  /** Reload every n seconds (live progress without client-side code). */
  refreshSeconds?: number;
  /** Where the reload goes (default: the same address). */
  refreshUrl?: string;
  /** Which top-level section is current. */
  section?: 'sources' | 'automations' | 'setup';
}

export function layout(opts: LayoutOptions, body: SafeHtml): SafeHtml {
  const current = (s: LayoutOptions['section']) => (opts.section === s ? raw(' aria-current="page"') : false);
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${
          opts.refreshSeconds
            ? html`<meta
                http-equiv="refresh"
                content="${opts.refreshUrl ? `${opts.refreshSeconds}; url=${opts.refreshUrl}` : opts.refreshSeconds}"
              />`
            : false
        }
        <title>${opts.title} · intercom-crm-sync</title>
        ${STYLE_ELEMENT}
      </head>
      <body>
        <header>
          <a class="brand" href="/app/sources">intercom-crm-sync</a>
          <nav aria-label="Main">
            <a href="/app/sources" ${current('sources')}>Sources</a
            ><a href="/app/automations/merge" ${current('automations')}>Merge automation</a
            ><a href="/app/setup/intercom" ${current('setup')}>Intercom setup</a>
          </nav>
        </header>
        <main id="main">${body}</main>
      </body>
    </html>`;
}
