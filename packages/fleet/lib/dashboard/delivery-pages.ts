/**
 * Pure: the "Where recordings go" part of a domain's page: the bucket and the webhook, the secret never
 * shown again, and the last test's steps in the customer's words.
 */
import type { FieldError } from '../deploy-request';
import type { shownDelivery } from '../delivery-config';
import type { TestReport } from '../delivery-store';
import { html, type Html } from './html';
import { csrfField, field } from './layout';

export interface DeliverySectionOptions {
  /** The settings as the page may show them (a failed save shows what was sent, never the secret). */
  shown: ReturnType<typeof shownDelivery>;
  configured: boolean;
  report?: TestReport;
  errors?: FieldError[];
  saved?: boolean;
  /** How long the service keeps a recording when no bucket is set, in words ("7 days"). */
  keptFor: string;
}

const STEP_TEXT: Record<string, string> = { write: 'Write', read: 'Read back', remove: 'Clean up', webhook: 'Webhook' };

function reportBlock(r: TestReport): Html {
  return html`<div class="msg ${r.ok ? 'ok' : 'bad'}" role="${r.ok ? 'status' : 'alert'}"><strong>${r.ok ? 'The test passed.' : 'The test failed.'}</strong>
<ul class="steps">${r.steps.map((s) => html`<li><span class="pill s-${s.ok ? 'ready' : 'failed'}">${STEP_TEXT[s.step] ?? s.step}: ${s.ok ? 'OK' : 'failed'}</span> ${s.message}</li>`)}</ul></div>`;
}

/** The card on the domain's page: where its recordings go now, and the way to change it. */
export function deliverySummary(domain: string, o: { shown: DeliverySectionOptions['shown']; configured: boolean; report?: TestReport; keptFor: string }): Html {
  const v = o.shown;
  const parts = [v.s3_bucket ? html`the bucket <strong>${v.s3_bucket}</strong>${v.s3_endpoint ? html` at ${v.s3_endpoint}` : ' (Amazon S3)'}` : '', v.webhook_url ? html`events to <strong>${v.webhook_url}</strong>` : ''].filter((p) => p !== '');
  return html`<section class="card" aria-labelledby="where"><h2 id="where">Where recordings go</h2>
<p>${o.configured ? html`To ${parts.length === 2 ? html`${parts[0]}, and ${parts[1]}` : parts[0]}.${o.report ? html` Last test: ${o.report.ok ? 'passed' : 'failed'}.` : ' Not tested yet.'}` : html`Kept by the service for ${o.keptFor}: download them from <a href="/dashboard/recordings">Recordings</a>.`}</p>
<p><a class="btn secondary" href="/dashboard/domains/${domain}/delivery">${o.configured ? 'Change or test where recordings go' : 'Send recordings to your bucket or webhook'}</a></p></section>`;
}

export function deliveryPage(csrf: string, domain: string, o: DeliverySectionOptions): Html {
  const v = o.shown;
  const err = (f: string): string | undefined => o.errors?.find((e) => e.field === f)?.message;
  const f = (name: string, label: string, hint: string, extra: { type?: string; autocomplete?: string } = {}): Html =>
    field({ name, id: `d-${name}`, label, value: v[name as keyof typeof v] as string, hint, autocomplete: extra.autocomplete ?? 'off', ...(extra.type ? { type: extra.type } : {}), ...(err(name) ? { error: `${label} ${err(name)}` } : {}) });
  return html`<h1>Where recordings of ${domain} go</h1>
${o.saved ? html`<div class="msg ok" role="status">Saved. Recorders deployed from now on use these settings.</div>` : ''}
${o.errors?.length ? html`<div class="msg bad" role="alert">Not saved: ${o.errors.map((e) => `${e.field} ${e.message}`).join('; ')}.</div>` : ''}
${o.report ? reportBlock(o.report) : ''}
<form method="post" action="/dashboard/domains/${domain}/delivery" class="card">${csrfField(csrf)}
<p class="muted">${o.configured ? 'Each recording is uploaded to your bucket as soon as it ends, and announced to your webhook.' : html`Nothing set: the service keeps each recording for ${o.keptFor}, and you download it from <a href="/dashboard/recordings">Recordings</a>.`}</p>
<fieldset><legend>S3 bucket (optional)</legend><div class="fields">
${f('s3_endpoint', 'Endpoint', 'Your S3-compatible server, e.g. https://s3.example.com; empty for Amazon S3. It must be reachable from the internet.', { type: 'url' })}
${f('s3_region', 'Region', 'The bucket\'s region, e.g. us-east-1.')}
${f('s3_bucket', 'Bucket', 'An existing bucket; recordings go to <prefix><meeting session>/<file>.')}
${f('s3_prefix', 'Prefix', 'Optional, e.g. jitsi/.')}
${f('s3_access_key_id', 'Access key ID', 'A key that may write (s3:PutObject) and read (s3:GetObject) in the bucket.')}
${field({ name: 's3_secret_access_key', id: 'd-s3_secret_access_key', label: 'Secret access key', type: 'password', autocomplete: 'new-password', hint: `Stored encrypted, never shown again.${v.s3_secret_stored ? ' A secret is stored: leave empty to keep it.' : ''}`, ...(err('s3_secret_access_key') ? { error: `Secret access key ${err('s3_secret_access_key')}` } : {}) })}
<div><label for="d-s3_force_path_style">Addressing</label><span class="hint" id="d-s3_force_path_style-hint">Self-hosted servers (Ceph, MinIO…) usually need path style.</span>
<select id="d-s3_force_path_style" name="s3_force_path_style" aria-describedby="d-s3_force_path_style-hint"><option value="true"${v.s3_force_path_style === 'true' ? html` selected` : ''}>Path style: endpoint/bucket</option><option value="false"${v.s3_force_path_style === 'false' ? html` selected` : ''}>Virtual-hosted: bucket.endpoint</option></select></div>
</div></fieldset>
<fieldset><legend>Webhook (optional)</legend>
${f('webhook_url', 'Webhook URL', 'The service POSTs a "recording ready" event there, signed like callbacks (X-JOD-Signature with your callback signing secret), with links to the files.', { type: 'url' })}
</fieldset>
<div class="actions"><button class="btn" type="submit" name="action" value="test">Save and test</button><button class="btn secondary" type="submit" name="action" value="save">Save</button><a class="btn secondary" href="/dashboard/domains/${domain}">Back to ${domain}</a></div>
<p class="muted">The test writes a small object to the bucket, reads it back and removes it, and posts a signed test event (<code>"test": true</code>) to the webhook. Clear every field and save to let the service keep the recordings instead.</p>
</form>`;
}
