/**
 * Pure: the Recordings page: every recording of the account's deployments with its meeting, start,
 * length, size, where it went and its state (a failure with its reason), a download through a link made
 * when it is clicked, and delete.
 */
import { lengthSec, lengthText, meetingName, sizeText, STATE_TEXT, whereText } from '../recording-view';
import type { Recording } from '../recordings-store';
import { html, type Html } from './html';
import { csrfField, pill, table } from './layout';

const when = (iso: string | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '—');

/** `7 days`, `12 hours`, `90 seconds`: how long the service keeps a recording without a bucket. */
export function keptFor(sec: number): string {
  if (sec % 86400 === 0) return `${sec / 86400} day${sec === 86400 ? '' : 's'}`;
  if (sec % 3600 === 0) return `${sec / 3600} hour${sec === 3600 ? '' : 's'}`;
  if (sec % 60 === 0) return `${sec / 60} minute${sec === 60 ? '' : 's'}`;
  return `${sec} seconds`;
}

function actions(csrf: string, r: Recording): Html {
  const download = r.state === 'delivered' ? html`<a class="btn secondary small" href="/dashboard/recordings/${r.id}/download" aria-label="Download the recording of ${meetingName(r.meetingUrl)} started ${when(r.startedAt)}">Download</a>` : '';
  const del =
    r.state === 'delivered' || r.state === 'expired'
      ? html`<form method="post" action="/dashboard/recordings/${r.id}/delete" class="inline" data-confirm="${r.target === 'bucket' ? 'Delete this recording from the list? The objects in your bucket stay.' : 'Delete this recording? The service\'s copy is removed for good.'}">${csrfField(csrf)}<button class="btn danger small" type="submit" aria-label="Delete the recording of ${meetingName(r.meetingUrl)} started ${when(r.startedAt)}">Delete</button></form>`
      : '';
  return download || del ? html`${download}${del}` : html`<span class="muted">—</span>`;
}

export function recordingRows(csrf: string, list: Recording[], now: number): Html[] {
  return list.map(
    (r) => html`<tr><td data-th="Meeting"><strong>${meetingName(r.meetingUrl)}</strong><br><span class="muted">${r.domain}</span></td><td data-th="Started" class="nowrap">${when(r.startedAt)}</td>
<td data-th="Length" class="num nowrap">${lengthText(lengthSec(r, now))}</td><td data-th="Size" class="num nowrap">${sizeText(r.sizeBytes)}</td><td data-th="Where it went">${r.state === 'delivered' || r.state === 'expired' ? whereText(r) : r.target === 'bucket' ? html`<span class="muted">to ${whereText(r)}</span>` : html`<span class="muted">to the service</span>`}</td>
<td data-th="State">${pill(r.state, STATE_TEXT[r.state])}${r.reason ? html`<span class="reason">${r.reason}</span>` : ''}</td><td data-th="Actions" class="acts">${actions(csrf, r)}</td></tr>`,
  );
}

export function recordingsPart(csrf: string, list: Recording[], now: number): Html {
  return list.length
    ? table('Recordings', ['Meeting', 'Started', 'Length', 'Size', 'Where it went', 'State', 'Actions'], recordingRows(csrf, list, now), ['', '', 'num', 'num', '', '', ''])
    : html`<p class="muted">No recordings yet. A recording appears here as soon as a recorder of yours starts it.</p>`;
}

export function recordingsPage(csrf: string, list: Recording[], o: { now: number; keptFor: string }): Html {
  return html`<h1>Recordings</h1><section class="card" aria-labelledby="recs"><h2 id="recs">Every recording of your deployments</h2>
<div data-live="/dashboard/recordings/live" data-every="5000">${recordingsPart(csrf, list, o.now)}</div>
<p class="muted">A recording goes to your bucket and webhook when you set them for its domain (Domains, "Where recordings go"); otherwise the service keeps it for ${o.keptFor} after it ends. Download links are made when you click and last 15 minutes.</p></section>`;
}
