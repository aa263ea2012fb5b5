/**
 * XMPP latencies as Jicofo sees them, through a real Prosody: start IQ sent → `pending` answer, and
 * start IQ sent → `on` status IQ (frames being written). Medians over several sessions.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compose } from '../lib/compose';
import { loadConfig } from '../lib/config';
import type { DemoServer } from '../lib/demo/server';
import { createLogger } from '../lib/log';
import { BREWERY, FakeJicofo } from '../testkit/fake-jicofo';
import { DOMAINS, startProsody } from '../testkit/prosody';
import { median } from './proc-stats';

export async function benchXmpp(page: DemoServer, runs: number): Promise<{ pendingMs: number[]; onMs: number[] }> {
  const prosody = await startProsody();
  const pw = { jibri: 'bench-jibri', focus: 'bench-focus', recorder: 'bench-recorder' };
  prosody.register('jibri', DOMAINS.auth, pw.jibri);
  prosody.register('focus', DOMAINS.auth, pw.focus);
  prosody.register('recorder', DOMAINS.hidden, pw.recorder);
  const recordings = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-bench-xmpp-'));
  const service = await compose(
    loadConfig({
      JIBRI_HTTP_API_EXTERNAL_PORT: '0', JIBRI_HTTP_API_INTERNAL_PORT: '0', JIBRI_RECORDING_DIR: recordings, XMPP_SERVER: `127.0.0.1:${prosody.port}`, XMPP_DOMAIN: DOMAINS.xmpp,
      XMPP_AUTH_DOMAIN: DOMAINS.auth, XMPP_INTERNAL_MUC_DOMAIN: DOMAINS.internalMuc, XMPP_MUC_DOMAIN: DOMAINS.muc, XMPP_HIDDEN_DOMAIN: DOMAINS.hidden,
      JIBRI_XMPP_PASSWORD: pw.jibri, JIBRI_RECORDER_PASSWORD: pw.recorder, JIBRI_INSTANCE_ID: 'bench', PUBLIC_URL: page.baseUrl,
    }, 'bench'),
    createLogger('error'),
  );
  const jicofo = new FakeJicofo(prosody.port, pw.focus);
  const occupant = `${BREWERY}/bench`;
  const pendingMs: number[] = [];
  const onMs: number[] = [];
  try {
    await jicofo.start();
    await jicofo.waitFor('the recorder in the brewery', () => jicofo.lastPresenceOf(occupant));
    for (let i = 0; i < runs; i++) {
      await new Promise((r) => setTimeout(r, 3000));
      const sentAt = Date.now();
      const { ms } = await jicofo.sendIq(
        `<iq type="set" id="bench-${i}" to="${occupant}"><jibri xmlns="http://jitsi.org/protocol/jibri" action="start" recording_mode="file" room="bench${i}@${DOMAINS.muc}" session_id="bench-${i}"/></iq>`,
      );
      pendingMs.push(ms);
      const on = await jicofo.waitFor('on', () => jicofo.statusIqs.find((q) => q.jibri.attrs.status === 'on' && q.at >= sentAt));
      onMs.push(on.at - sentAt);
      await jicofo.sendIq(`<iq type="set" id="bench-stop-${i}" to="${occupant}"><jibri xmlns="http://jitsi.org/protocol/jibri" action="stop"/></iq>`);
      await service.recorder.whenIdle();
    }
  } finally {
    await jicofo.stop();
    await service.stop();
    await prosody.stop();
    fs.rmSync(recordings, { recursive: true, force: true });
  }
  return { pendingMs, onMs };
}

export function describeXmpp(r: { pendingMs: number[]; onMs: number[] }): string[] {
  const p = median(r.pendingMs);
  return [
    `XMPP start IQ → pending answer, median of ${r.pendingMs.length}: ${p.toFixed(0)} ms   target < 50 ms   ${p < 50 ? 'PASS' : 'MISS'}`,
    `XMPP start IQ → status on (frames written), median: ${median(r.onMs).toFixed(0)} ms`,
  ];
}
