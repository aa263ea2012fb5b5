/**
 * Pure: the dashboard's pages, from plain values to HTML. The router (dashboard.ts) gathers the values.
 */
import { OPTIONAL_FIELDS, REQUIRED_FIELDS, SECRET_FIELDS, type DomainConfig } from '../domain-config';
import type { FieldError } from '../deploy-request';
import { MAX_HOURS, MAX_RECORDERS } from '../deploy-request';
import { lengthText } from '../recording-view';
import type { Deployment } from '../store';
import { money, type LocationOption, type PricePreview } from './deploy-form';
import { html, type Html } from './html';
import { csrfField, field, pill, table } from './layout';
import { DEPLOYMENT_STATE_TEXT, timeLeft, type BreweryState } from './recorder-view';
import type { TestLoginExplanation } from './test-login';
import type { User } from '../users-store';

/** A ledger line; a deployment's debit line carries the recordings it made (recording-view.ts ledgerWithUsage). */
export type LedgerLine = { delta: number; reason: string; deploymentId: string | null; at: string; recordings?: { count: number; total_length_sec: number } };

const when = (iso: string | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '—');
const errorOf = (errors: FieldError[] | undefined, f: string): string | undefined => {
  const e = errors?.find((x) => x.field === f);
  return e ? `${f === 'duration' ? 'Hours' : f === 'callback_url' ? 'The callback URL' : f[0]!.toUpperCase() + f.slice(1)} ${e.message}` : undefined;
};

// ---- signing in ----

export function loginPage(csrf: string, o: { email?: string; error?: string; signupOpen: boolean }): Html {
  return html`<div class="narrow card"><h1>Sign in</h1>
${o.error ? html`<div class="msg bad" role="alert">${o.error}</div>` : ''}
<form method="post" action="/dashboard/login">${csrfField(csrf)}
${field({ name: 'email', label: 'Email', type: 'email', value: o.email ?? '', required: true, autocomplete: 'username' })}
${field({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password' })}
<button class="btn" type="submit">Sign in</button></form>
${o.signupOpen ? html`<p>No account yet? <a href="/dashboard/signup">Create one</a>.</p>` : html`<p class="muted">Accounts are opened by the operator, who sends you a link to set your password.</p>`}</div>`;
}

export function signupPage(csrf: string, o: { name?: string; email?: string; errors?: FieldError[] }): Html {
  const err = (f: string): string | undefined => o.errors?.find((e) => e.field === f)?.message;
  return html`<div class="narrow card"><h1>Create an account</h1>
<form method="post" action="/dashboard/signup">${csrfField(csrf)}
${field({ name: 'name', label: 'Organisation or project name', value: o.name ?? '', required: true, autocomplete: 'organization', error: err('name') })}
${field({ name: 'email', label: 'Email', type: 'email', value: o.email ?? '', required: true, autocomplete: 'username', error: err('email') })}
${field({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 10 characters.', error: err('password') })}
<button class="btn" type="submit">Create account</button></form><p>Have an account? <a href="/dashboard/login">Sign in</a>.</p></div>`;
}

export function setPasswordPage(csrf: string, token: string, email: string, error?: string): Html {
  return html`<div class="narrow card"><h1>Set your password</h1><p>For <strong>${email}</strong>. This link works once.</p>
<form method="post" action="/dashboard/set-password/${token}">${csrfField(csrf)}
<input type="text" name="username" value="${email}" autocomplete="username" hidden>
${field({ name: 'password', label: 'New password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 10 characters.', ...(error ? { error } : {}) })}
${field({ name: 'confirm', label: 'The same password again', type: 'password', required: true, autocomplete: 'new-password' })}
<button class="btn" type="submit">Set password and sign in</button></form></div>`;
}

export function invalidLinkPage(): Html {
  return html`<div class="narrow card"><h1>This link no longer works</h1><p>It was used already or it expired. Ask your operator for a new invitation, or <a href="/dashboard/login">sign in</a> if you set your password.</p></div>`;
}

// ---- overview ----

export function deploymentRows(ds: Deployment[], now: number): Html[] {
  return ds.map((d) => html`<tr><td data-th="Deployment"><a href="/dashboard/deployments/${d.id}">${d.domain} · ${d.location}</a></td><td data-th="State">${pill(d.state, DEPLOYMENT_STATE_TEXT[d.state])}</td>
<td data-th="Recorders" class="num">${d.recorders}</td><td data-th="Time left">${d.state === 'ready' ? timeLeft(d.expiresAt, now) : '—'}</td><td data-th="Created">${when(d.createdAt)}</td></tr>`);
}

const DEPLOYMENT_HEAD = ['Deployment', 'State', 'Recorders', 'Time left', 'Created'];
const DEPLOYMENT_CLASSES = ['', '', 'num', '', ''];

export function runningPart(running: Deployment[], now: number): Html {
  return running.length
    ? table('Deployments running now', DEPLOYMENT_HEAD, deploymentRows(running, now), DEPLOYMENT_CLASSES)
    : html`<p class="muted">Nothing is running. <a href="/dashboard/deploy">Deploy recorders</a>.</p>`;
}

export function ledgerTable(ledger: LedgerLine[]): Html {
  const rows = [...ledger].reverse().slice(0, 100).map((l) => html`<tr><td data-th="When">${when(l.at)}</td><td data-th="What">${l.reason}${l.deploymentId ? html` (<a href="/dashboard/deployments/${l.deploymentId}">deployment</a>)` : ''}${l.recordings ? html`<span class="reason">${l.recordings.count} recording${l.recordings.count === 1 ? '' : 's'}, ${lengthText(l.recordings.total_length_sec)} in all</span>` : ''}</td>
<td data-th="Amount" class="num ${l.delta > 0 ? 'plus' : 'minus'}">${l.delta === 0 ? '—' : `${l.delta > 0 ? '+' : '−'}${money(Math.abs(l.delta))}`}</td></tr>`);
  return rows.length ? table('Ledger entries', ['When', 'What', 'Amount'], rows, ['', '', 'num']) : html`<p class="muted">No entries yet: the operator tops up your balance.</p>`;
}

export function overviewPage(o: { balance: number; ledger: LedgerLine[]; running: Deployment[]; domains: number; complete: number; now: number }): Html {
  return html`<h1>Overview</h1>
<div class="grid"><section class="card" aria-labelledby="bal"><h2 id="bal">Balance</h2><p class="big">${money(o.balance)}</p><p class="muted">Deploys are paid from it up front; an early release refunds the unused time.</p></section>
<section class="card" aria-labelledby="run"><h2 id="run">Running</h2><p class="big">${o.running.length}</p><p class="muted">${o.running.reduce((n, d) => n + d.recorders, 0)} recorder(s) deployed now. <a href="/dashboard/deploy">Deploy more</a></p></section>
<section class="card" aria-labelledby="dom"><h2 id="dom">Domains</h2><p class="big">${o.complete}/${o.domains}</p><p class="muted">complete. <a href="/dashboard/domains">Configure domains</a></p></section></div>
<section class="card" aria-labelledby="runs"><h2 id="runs">Running deployments</h2><div data-live="/dashboard/overview/running" data-every="5000">${runningPart(o.running, o.now)}</div></section>
<section class="card" aria-labelledby="led"><h2 id="led">Ledger</h2>${ledgerTable(o.ledger)}</section>`;
}

// ---- API key ----

export function apiKeyPage(csrf: string, o: { hint?: string; newKey?: string; hasCallbackSecret: boolean; newCallbackSecret?: string }): Html {
  const masked = o.hint === undefined ? undefined : `JOD-••••••••…••••${o.hint}`;
  return html`<h1>API key</h1>
${o.newKey ? html`<section class="card" aria-labelledby="newk"><h2 id="newk">Your new API key</h2><p><strong>Copy it now: it is shown only this once.</strong> The previous key no longer works.</p>
<code class="key" id="new-key">${o.newKey}</code><button class="btn secondary" type="button" data-copy="new-key" hidden>Copy the key</button></section>` : ''}
<section class="card" aria-labelledby="cur"><h2 id="cur">Current key</h2>
${masked ? html`<p><code>${masked}</code></p>` : html`<p>This account has no API key yet.</p>`}
<p class="muted">Send it as <code>apiKey</code> with <code>POST /deploy-recorder</code>, or in an <code>x-api-key</code> header. If it may have leaked, generate a new one: the old key stops working at once.</p>
<form method="post" action="/dashboard/api-key" data-confirm="The current key stops working at once. Generate a new API key?">${csrfField(csrf)}<button class="btn${masked ? ' danger' : ''}" type="submit">Generate a new API key</button></form></section>
${o.newCallbackSecret ? html`<section class="card" aria-labelledby="news"><h2 id="news">Your new callback signing secret</h2><p><strong>Copy it now: it is shown only this once.</strong> Callbacks from now on are signed with it.</p>
<code class="key" id="new-secret">${o.newCallbackSecret}</code><button class="btn secondary" type="button" data-copy="new-secret" hidden>Copy the secret</button></section>` : ''}
<section class="card" aria-labelledby="sig"><h2 id="sig">Callback signing secret</h2>
${o.hasCallbackSecret ? html`<p>This account has its own secret. Check <code>X-JOD-Signature: v2=…</code>, the HMAC-SHA256 with it of <code>&lt;X-JOD-Timestamp&gt;.&lt;X-JOD-Deployment&gt;.&lt;raw body&gt;</code>, and refuse timestamps older than 5 minutes.</p>` : html`<p><strong>This account has no secret of its own yet:</strong> its callbacks carry the older signature with the key the whole service shares, which other customers may know. Generate one, and check the new signature.</p>`}
<form method="post" action="/dashboard/callback-secret" data-confirm="Callbacks will be signed with a new secret from now on. Generate it?">${csrfField(csrf)}<button class="btn${o.hasCallbackSecret ? ' danger' : ''}" type="submit">Generate a new callback signing secret</button></form></section>`;
}

// ---- domains ----

export const FIELD_HELP: Readonly<Record<string, string>> = {
  XMPP_SERVER: 'Your Prosody, as host or host:port (port 5222 unless you changed it); several separated by commas.',
  XMPP_DOMAIN: 'The main XMPP domain, e.g. meet.example.com.',
  XMPP_AUTH_DOMAIN: 'Where the jibri user lives, e.g. auth.meet.example.com.',
  XMPP_INTERNAL_MUC_DOMAIN: 'Holds the brewery, e.g. internal-muc.meet.example.com.',
  XMPP_MUC_DOMAIN: 'The conference rooms, e.g. muc.meet.example.com.',
  XMPP_HIDDEN_DOMAIN: 'Where the recorder user lives, e.g. hidden.meet.example.com.',
  JIBRI_BREWERY_MUC: 'The brewery room Jicofo watches: jibribrewery by default.',
  JIBRI_XMPP_USER: 'The control login on XMPP_AUTH_DOMAIN: jibri by default.',
  JIBRI_XMPP_PASSWORD: 'Its password, from your .env.',
  JIBRI_RECORDER_USER: 'The login that joins calls on XMPP_HIDDEN_DOMAIN: recorder by default.',
  JIBRI_RECORDER_PASSWORD: 'Its password, from your .env.',
  PUBLIC_URL: 'Your Jitsi Meet web address, e.g. https://meet.example.com.',
  XMPP_TRUST_ALL_CERTS: 'true only if Prosody has a self-signed certificate (docker-jitsi-meet\'s default); the test login and the recorders then do not verify it.',
};

export type DomainRow = { domain: string; verifiedAt?: string; verifyError?: string; missing: string[] };

export function domainStatus(d: DomainRow): Html {
  if (d.verifiedAt) return pill('complete', 'Complete');
  if (d.missing.length) return pill('incomplete', 'Incomplete');
  return pill(d.verifyError ? 'failed' : 'incomplete', d.verifyError ? 'Test login failed' : 'Not tested');
}

export function domainsPage(domains: DomainRow[], o: { newDomain?: string; error?: string }): Html {
  const rows = domains.map((d) => html`<tr><td data-th="Domain"><a href="/dashboard/domains/${d.domain}">${d.domain}</a></td><td data-th="Status">${domainStatus(d)}</td><td data-th="Tested">${when(d.verifiedAt)}</td></tr>`);
  return html`<h1>Domains</h1>
<section class="card" aria-labelledby="yd"><h2 id="yd">Your Jitsi domains</h2>${rows.length ? table('Domains', ['Domain', 'Status', 'Passed its test login'], rows) : html`<p class="muted">None yet.</p>`}
<p class="muted">Recorders can be deployed for a domain once its configuration is complete and passed its test login.</p></section>
<section class="card" aria-labelledby="ad"><h2 id="ad">Add a domain</h2><form method="get" action="/dashboard/domains/new">
${field({ name: 'domain', label: 'Domain', value: o.newDomain ?? '', hint: 'The domain your users open, e.g. meet.example.com.', required: true, ...(o.error ? { error: o.error } : {}) })}
<button class="btn" type="submit">Configure</button></form></section>`;
}

export function domainPage(csrf: string, domain: string, config: DomainConfig, o: { verifiedAt?: string; explanation?: TestLoginExplanation; detail?: string; missing?: string[]; error?: string }): Html {
  const input = (f: string, required: boolean): Html => {
    const secret = (SECRET_FIELDS as readonly string[]).includes(f);
    const stored = Boolean(config[f as keyof DomainConfig]);
    return field({
      name: f,
      label: f,
      type: secret ? 'password' : 'text',
      value: secret ? '' : (config[f as keyof DomainConfig] ?? ''),
      hint: `${FIELD_HELP[f] ?? ''}${secret && stored ? ' A password is stored: leave empty to keep it.' : ''}${required ? '' : ' Optional.'}`,
      ...(secret ? { autocomplete: 'new-password' } : { autocomplete: 'off' }),
      ...(o.missing?.includes(f) ? { error: `${f} is required` } : {}),
    });
  };
  return html`<h1>${domain}</h1>
${o.verifiedAt ? html`<div class="msg ok" role="status">Complete: the test login passed at ${when(o.verifiedAt)}. You can <a href="/dashboard/deploy?domain=${domain}">deploy recorders</a> for it.</div>` : ''}
${o.explanation ? html`<div class="msg bad" role="alert"><strong>The test login failed.</strong> ${o.explanation.reason}<br>${o.explanation.fix}${o.detail ? html`<br><span class="muted">Details: <code>${o.detail}</code></span>` : ''}</div>` : ''}
${o.missing?.length ? html`<div class="msg bad" role="alert">Incomplete: set ${o.missing.join(', ')}, then run the test login.</div>` : ''}
${o.error ? html`<div class="msg bad" role="alert">${o.error}</div>` : ''}
<form method="post" action="/dashboard/domains/${domain}" class="card">${csrfField(csrf)}
<p class="muted">The values of your docker-jitsi-meet <code>.env</code> (or your Jibri's <code>jibri.conf</code>). The passwords are stored encrypted and reach only your recorders.</p>
<fieldset><legend>XMPP server and domains</legend><div class="fields">${['XMPP_SERVER', 'XMPP_DOMAIN', 'XMPP_AUTH_DOMAIN', 'XMPP_INTERNAL_MUC_DOMAIN', 'XMPP_MUC_DOMAIN', 'XMPP_HIDDEN_DOMAIN', 'PUBLIC_URL'].map((f) => input(f, true))}</div></fieldset>
<fieldset><legend>Jibri's logins</legend><div class="fields">${['JIBRI_BREWERY_MUC', 'JIBRI_XMPP_USER', 'JIBRI_XMPP_PASSWORD', 'JIBRI_RECORDER_USER', 'JIBRI_RECORDER_PASSWORD'].map((f) => input(f, true))}</div></fieldset>
<fieldset><legend>Certificates</legend><div class="fields">${OPTIONAL_FIELDS.map((f) => html`<div><label for="f-${f}">${f}</label><span class="hint" id="f-${f}-hint">${FIELD_HELP[f] ?? ''}</span>
<select id="f-${f}" name="${f}" aria-describedby="f-${f}-hint"><option value="false"${config[f] === 'true' ? '' : html` selected`}>false: verify the certificate</option><option value="true"${config[f] === 'true' ? html` selected` : ''}>true: self-signed, do not verify</option></select></div>`)}</div></fieldset>
<div class="actions"><button class="btn" type="submit">Save and test login</button><a class="btn secondary" href="/dashboard/domains">Back to domains</a></div></form>`;
}

/** Every field the form posts, for the router. */
export const DOMAIN_FORM_FIELDS: readonly string[] = [...REQUIRED_FIELDS, ...OPTIONAL_FIELDS];

// ---- deploy ----

export function deployPage(csrf: string, o: { domains: string[]; locations: LocationOption[]; balance: number; values: Record<string, string>; errors?: FieldError[]; error?: string }): Html {
  const v = o.values;
  const err = (f: string): string | undefined => errorOf(o.errors, f);
  if (!o.domains.length) {
    return html`<h1>Deploy recorders</h1><div class="card"><p>First <a href="/dashboard/domains">configure a domain</a>: recorders join your Jitsi with its settings, once its test login passed.</p></div>`;
  }
  const locErr = err('location');
  return html`<h1>Deploy recorders</h1>${o.error ? html`<div class="msg bad" role="alert">${o.error}</div>` : ''}
<form method="post" action="/dashboard/deploy/review" class="card" data-price-preview data-balance="${o.balance}">${csrfField(csrf)}
<div class="fields"><div><label for="f-domain">Domain</label>${err('domain') ? html`<span class="err" id="f-domain-err">${err('domain')}</span>` : ''}
<select id="f-domain" name="domain"${err('domain') ? html` aria-invalid="true" aria-describedby="f-domain-err"` : ''}>${o.domains.map((d) => html`<option${v.domain === d ? html` selected` : ''}>${d}</option>`)}</select></div>
${field({ name: 'recorders', label: 'Recorders', type: 'number', value: v.recorders ?? '1', required: true, hint: `Each records or streams one meeting at a time (1 to ${MAX_RECORDERS}).`, extra: html` min="1" max="${MAX_RECORDERS}" step="1" inputmode="numeric"`, ...(err('recorders') ? { error: err('recorders')! } : {}) })}
${field({ name: 'duration', label: 'Hours', type: 'number', value: v.duration ?? '1', required: true, hint: `How long they stay (1 to ${MAX_HOURS}); release them early for a refund.`, extra: html` min="1" max="${MAX_HOURS}" step="1" inputmode="numeric"`, ...(err('duration') ? { error: err('duration')! } : {}) })}</div>
<fieldset${locErr ? html` aria-describedby="loc-err"` : ''}><legend>Location</legend>${locErr ? html`<span class="err" id="loc-err">${locErr}</span>` : ''}<div class="locs">
${o.locations.map((l) => html`<label class="loc${l.free ? '' : ' full'}"><input type="radio" name="location" value="${l.code}" data-price="${l.price}"${v.location === l.code ? html` checked` : ''}${l.free ? '' : html` disabled`}>
<span><b>${l.name} (${l.code})</b><span id="loc-${l.code}" class="hint">${money(l.price)} per recorder-hour · ${l.free ? `room for ${l.free}` : 'no capacity now'}</span></span></label>`)}
</div></fieldset>
${field({ name: 'callback_url', label: 'Callback URL', type: 'url', value: v.callback_url ?? '', hint: 'Optional: the service POSTs the outcome there, signed (X-JOD-Signature), as with the developer API.', autocomplete: 'off', ...(err('callback_url') ? { error: err('callback_url')! } : {}) })}
<p aria-live="polite">Price: <output for="f-recorders f-duration">Choose recorders, hours and a location, then review the price.</output></p>
<button class="btn" type="submit">Review price</button></form>`;
}

export function reviewPage(csrf: string, o: { values: Record<string, string>; locationName: string; preview: PricePreview; balance: number; free: number }): Html {
  const v = o.values;
  return html`<h1>Confirm the deployment</h1><section class="card" aria-labelledby="sum"><h2 id="sum">Summary</h2>
<dl class="facts"><dt>Domain</dt><dd>${v.domain}</dd><dt>Recorders</dt><dd>${v.recorders}</dd><dt>Hours</dt><dd>${v.duration}</dd><dt>Location</dt><dd>${o.locationName} (${v.location})</dd>
<dt>Callback</dt><dd>${v.callback_url || 'none'}</dd><dt>Price</dt><dd><strong>${o.preview.formula}</strong></dd><dt>Balance now</dt><dd>${money(o.balance)}</dd><dt>Balance after</dt><dd>${money(o.preview.balanceAfter)}</dd></dl>
${o.preview.affordable ? '' : html`<div class="msg bad" role="alert">Your balance is ${money(o.balance)}: this needs ${money(o.preview.cost)}. Ask your operator for a top-up, or deploy fewer recorders or hours.</div>`}
${o.free < Number(v.recorders) ? html`<div class="msg bad" role="alert">Only ${o.free} recorder(s) fit in ${o.locationName} now: choose another location or fewer recorders.</div>` : ''}
<form method="post" action="/dashboard/deploy">${csrfField(csrf)}${['domain', 'recorders', 'duration', 'location', 'callback_url'].map((k) => html`<input type="hidden" name="${k}" value="${v[k] ?? ''}">`)}
<div class="actions"><button class="btn" type="submit"${o.preview.affordable ? '' : html` disabled`}>Deploy and pay ${money(o.preview.cost)}</button>
<button class="btn secondary" type="submit" formaction="/dashboard/deploy/edit">Change</button></div></form></section>`;
}

// ---- deployments ----

export function deploymentsPage(ds: Deployment[], now: number): Html {
  return html`<h1>Deployments</h1><section class="card" aria-labelledby="all"><h2 id="all">Newest first</h2>
<div data-live="/dashboard/deployments/live" data-every="5000">${deploymentsPart(ds, now)}</div></section>`;
}

export function deploymentsPart(ds: Deployment[], now: number): Html {
  return ds.length ? table('Deployments', DEPLOYMENT_HEAD, deploymentRows(ds, now), DEPLOYMENT_CLASSES) : html`<p class="muted">None yet. <a href="/dashboard/deploy">Deploy recorders</a>.</p>`;
}

export interface RecorderLine {
  id: string;
  ip?: string;
  state: BreweryState;
}

const BREWERY_TEXT: Readonly<Record<BreweryState, string>> = { starting: 'Starting', idle: 'Idle', busy: 'Busy', draining: 'Draining', gone: 'Gone', unknown: 'Checking' };

export function deploymentLive(csrf: string, d: Deployment, recorders: RecorderLine[], o: { now: number; refund?: number; breweryError?: string }): Html {
  const rows = recorders.map((r, i) => html`<tr><td data-th="Recorder">#${i + 1} <code>${r.id.slice(0, 8)}</code></td><td data-th="In the brewery">${pill(r.state, BREWERY_TEXT[r.state])}</td><td data-th="Address">${r.ip ?? '—'}</td></tr>`);
  return html`<dl class="facts"><dt>State</dt><dd>${pill(d.state, DEPLOYMENT_STATE_TEXT[d.state])}</dd><dt>Time left</dt><dd>${d.state === 'ready' ? timeLeft(d.expiresAt, o.now) : '—'}</dd>
<dt>Paid</dt><dd>${money(d.reserved)}${d.refunded ? html` (refunded ${money(d.refunded)})` : ''}</dd>${d.message ? html`<dt>Note</dt><dd>${d.message}</dd>` : ''}</dl>
${o.breweryError ? html`<p class="err">The fleet cannot watch the brewery now: ${o.breweryError}</p>` : ''}
<h2>Recorders</h2>${rows.length ? table('Recorders', ['Recorder', 'In the brewery', 'Address'], rows) : html`<p class="muted">${d.state === 'deploying' ? 'Being created…' : 'None.'}</p>`}
${o.refund !== undefined ? html`<form method="post" action="/dashboard/deployments/${d.id}/release" data-confirm="Release these recorders now? A recording that runs on them is stopped now (its file is kept).">${csrfField(csrf)}
<button class="btn danger" type="submit">Release now (refund ${money(o.refund)})</button></form>` : ''}`;
}

export function deploymentPage(csrf: string, d: Deployment, recorders: RecorderLine[], o: { now: number; refund?: number; breweryError?: string; locationName: string }): Html {
  return html`<h1>${d.domain} · ${o.locationName}</h1><section class="card" aria-labelledby="dh"><h2 id="dh" class="muted">${d.recorders} recorder(s) for ${d.hours} h · created ${when(d.createdAt)}</h2>
<div data-live="/dashboard/deployments/${d.id}/live" aria-live="polite">${deploymentLive(csrf, d, recorders, o)}</div></section><p><a href="/dashboard/deployments">All deployments</a></p>`;
}

// ---- operator ----

export interface OperatorAccount {
  id: string;
  name: string;
  balance: number;
  users: User[];
  running: number;
}

export function operatorPage(csrf: string, o: { accounts: OperatorAccount[]; maintenance: boolean; invited?: { email: string; link: string } }): Html {
  const rows = o.accounts.map((a) => html`<tr><td data-th="Account">${a.name}<br><code class="muted">${a.id}</code></td><td data-th="Users">${a.users.map((u) => html`${u.email}${u.role === 'operator' ? ' (operator)' : ''}${u.hasPassword ? '' : ' (invited)'}<br>`)}</td>
<td data-th="Running" class="num">${a.running}</td><td data-th="Balance" class="num">${money(a.balance)}</td></tr>`);
  const options = o.accounts.map((a) => html`<option value="${a.id}">${a.name}</option>`);
  return html`<h1>Operator</h1>
${o.invited ? html`<div class="msg ok" role="status">Invitation for ${o.invited.email}: send this link; it sets the password once.<code class="key" id="invite-link">${o.invited.link}</code><button class="btn secondary" type="button" data-copy="invite-link" hidden>Copy the link</button></div>` : ''}
<section class="card" aria-labelledby="mt"><h2 id="mt">Maintenance mode</h2><p>${o.maintenance ? html`<strong>On:</strong> new deploys are refused (503); running recorders go on.` : 'Off: deploys are accepted.'}</p>
<form method="post" action="/dashboard/operator/maintenance">${csrfField(csrf)}<input type="hidden" name="on" value="${o.maintenance ? 'false' : 'true'}"><button class="btn${o.maintenance ? '' : ' danger'}" type="submit">${o.maintenance ? 'Turn maintenance off' : 'Turn maintenance on'}</button></form></section>
<section class="card" aria-labelledby="acc"><h2 id="acc">Accounts</h2>${table('Accounts', ['Account', 'Users', 'Running', 'Balance'], rows, ['', '', 'num', 'num'])}</section>
<div class="grid"><section class="card" aria-labelledby="tu"><h2 id="tu">Top up</h2><form method="post" action="/dashboard/operator/top-up">${csrfField(csrf)}
<label for="t-account">Account</label><select id="t-account" name="account">${options}</select>
${field({ name: 'amount', id: 't-amount', label: 'Amount', type: 'number', required: true, hint: 'Negative to correct a mistake.', extra: html` step="0.01"` })}
${field({ name: 'reason', id: 't-reason', label: 'Reason', value: 'top-up', hint: 'Shown in the customer\'s ledger.' })}
<button class="btn" type="submit">Add to balance</button></form></section>
<section class="card" aria-labelledby="inv"><h2 id="inv">Invite a user</h2><form method="post" action="/dashboard/operator/invite">${csrfField(csrf)}
${field({ name: 'account_name', id: 'i-new', label: 'New account', hint: 'A name opens a new account; leave empty to use the one below.' })}
<label for="i-account">Or existing account</label><select id="i-account" name="account">${options}</select>
${field({ name: 'email', id: 'i-email', label: 'Email', type: 'email', required: true })}
<label class="loc check" for="i-op"><input type="checkbox" id="i-op" name="operator" value="1"> <span>Operator (sees these pages)</span></label>
<button class="btn" type="submit">Create invitation link</button></form></section></div>`;
}

export function formExpiredPage(): Html {
  return html`<h1>The form expired</h1><p>It was not sent from this page of the dashboard, or your session changed meanwhile. Go back, reload the page, and send it again.</p>`;
}

export function errorPage(): Html {
  return html`<h1>Something went wrong</h1><p>It went wrong on our side and has been logged. Try again in a moment; if it goes on, tell your operator the time it happened.</p>`;
}

export function notFoundPage(): Html {
  return html`<h1>Not found</h1><p>There is nothing here. <a href="/dashboard/">Back to the overview</a>.</p>`;
}

