/**
 * The frame of every dashboard page: header with the navigation and sign-out, a main landmark, the
 * stylesheet and the script from this server. Pure.
 */
import { html, type Html } from './html';
import type { User } from '../users-store';

export interface Frame {
  title: string;
  csrf: string;
  user?: User;
  accountName?: string;
  /** The nav entry to mark as the current page. */
  current?: string;
  /** Messages at the top: after an action, or its error. */
  notices?: Array<{ kind: 'ok' | 'bad' | 'info'; text: string | Html }>;
}

const NAV: Array<[string, string]> = [
  ['overview', 'Overview'],
  ['deploy', 'Deploy'],
  ['deployments', 'Deployments'],
  ['recordings', 'Recordings'],
  ['domains', 'Domains'],
  ['api-key', 'API key'],
];

export function page(f: Frame, body: Html): string {
  const nav = f.user ? [...NAV, ...(f.user.role === 'operator' ? [['operator', 'Operator'] as [string, string]] : [])] : [];
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${f.title} · Jibris On Demand</title><link rel="stylesheet" href="/dashboard/assets/app.css"><script src="/dashboard/assets/app.js" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><div class="bar"><a class="brand" href="/dashboard/">Jibris On Demand</a>
${f.user ? html`<nav aria-label="Main"><ul>${nav.map(([href, label]) => html`<li><a href="/dashboard/${href}"${f.current === href ? html` aria-current="page"` : ''}>${label}</a></li>`)}</ul></nav>
<span class="who">${f.user.email}${f.accountName ? html` · ${f.accountName}` : ''}</span>
<form method="post" action="/dashboard/logout"><input type="hidden" name="_csrf" value="${f.csrf}"><button class="linkish" type="submit">Sign out</button></form>` : ''}
</div></header>
<main id="main" tabindex="-1">${(f.notices ?? []).map((n) => html`<div class="msg ${n.kind}" role="${n.kind === 'bad' ? 'alert' : 'status'}">${n.text}</div>`)}${body}</main></body></html>`.value}`;
}

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** A form field with its visible label, hint and error (aria-describedby ties them to the control). */
export function field(o: { name: string; label: string; type?: string; value?: string; hint?: string | Html; error?: string; required?: boolean; autocomplete?: string; extra?: Html; id?: string }): Html {
  const id = o.id ?? `f-${o.name}`;
  const described = [o.hint ? `${id}-hint` : '', o.error ? `${id}-err` : ''].filter(Boolean).join(' ');
  return html`<div><label for="${id}">${o.label}</label>${o.hint ? html`<span class="hint" id="${id}-hint">${o.hint}</span>` : ''}
${o.error ? html`<span class="err" id="${id}-err">${o.error}</span>` : ''}<input id="${id}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.required ? html` required` : ''}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${described ? html` aria-describedby="${described}"` : ''}${o.error ? html` aria-invalid="true"` : ''}${o.extra ?? ''}></div>`;
}

/** A table that scrolls on its own on a narrow screen; keyboard users can scroll it too. */
export function table(label: string, head: string[], rows: Html[], classes: string[] = []): Html {
  return html`<div class="table" role="region" aria-label="${label}" tabindex="0"><table><thead><tr>${head.map((h, i) => html`<th scope="col"${classes[i] ? html` class="${classes[i]}"` : ''}>${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function pill(state: string, text?: string): Html {
  return html`<span class="pill s-${state}">${text ?? state}</span>`;
}
