import { createHash } from 'node:crypto';
import { html, layout, raw, STYLE_HASH, withQuery } from '../../src/api/pages/html';
import { csrfToken } from '../../src/api/pages/security';

/** The pieces the browser test relies on, checked without a browser: escaping, the CSP hash, CSRF tokens. */
describe('pages: html and CSRF helpers', () => {
  it('escapes every interpolation unless it is SafeHtml', () => {
    const name = `<script>alert("x")</script> & 'quotes' \`tick\``;
    const out = html`<p title="${name}">${name}</p>`.value;
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39; &#96;tick&#96;">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39; &#96;tick&#96;</p>',
    );
    expect(html`${[name, html`<b>${name}</b>`]}`.value).not.toContain('<script>');
    expect(html`<i>${raw('<br>')}</i>`.value).toBe('<i><br></i>');
    expect(html`${null}${undefined}${false}${0}`.value).toBe('0');
  });

  it('builds query strings without empty values', () => {
    expect(withQuery('/a', { q: 'x y&z', after: undefined, per_page: '' })).toBe('/a?q=x+y%26z');
    expect(withQuery('/a', {})).toBe('/a');
  });

  it('allows exactly the inline stylesheet by its hash', () => {
    const page = layout({ title: '<T>' }, html`<h1>x</h1>`).value;
    const css = /<style>([\s\S]*?)<\/style>/.exec(page)![1];
    expect(`sha256-${createHash('sha256').update(css).digest('base64')}`).toBe(STYLE_HASH);
    expect(page).toContain('<title>&lt;T&gt; · intercom-crm-sync</title>');
  });

  it('binds CSRF tokens to the key and the form path', () => {
    const token = csrfToken('key_a', '/app/sources/ds_1/delete');
    expect(csrfToken('key_a', '/app/sources/ds_1/delete')).toBe(token);
    expect(csrfToken('key_b', '/app/sources/ds_1/delete')).not.toBe(token);
    expect(csrfToken('key_a', '/app/sources/ds_2/delete')).not.toBe(token);
  });
});
