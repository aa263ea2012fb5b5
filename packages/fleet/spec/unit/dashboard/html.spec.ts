/** The dashboard's HTML: every value escaped. */
import { escapeHtml, html } from '../../../lib/dashboard/html';

describe('HTML', () => {
  it('escapes every value that is not already HTML', () => {
    const name = '<img src=x onerror=alert(1)>"\'`&';
    expect(html`<p title="${name}">${name}</p>`.value).toBe('<p title="&#60;img src=x onerror=alert(1)&#62;&#34;&#39;&#96;&#38;">&#60;img src=x onerror=alert(1)&#62;&#34;&#39;&#96;&#38;</p>');
    expect(html`<ul>${['a', html`<b>b</b>`]}</ul>${undefined}${false}${3}`.value).toBe('<ul>a<b>b</b></ul>3');
    expect(escapeHtml('plain')).toBe('plain');
  });
});
