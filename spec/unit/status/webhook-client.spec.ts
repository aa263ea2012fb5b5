import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../../lib/log';
import type { Recorder } from '../../../lib/recorder/recorder';
import type { RecordingReadyEvent } from '../../../lib/delivery/links';
import { WebhookClient } from '../../../lib/status/webhook-client';

const event: RecordingReadyEvent = {
  eventId: 'e1',
  jibriId: 'jibri-1',
  sessionId: 's1',
  meetingUrl: 'https://meet.example.com/x',
  sinkType: 'file',
  startedAt: 'a',
  endedAt: 'b',
  storage: { type: 'local' },
  files: [{ name: 'x.mp4', role: 'media', path: '/r/x.mp4' }],
};

/** A subscriber that refuses the first `failures` requests. */
async function subscriber(failures: number): Promise<{ url: string; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      paths.push(req.url ?? '');
      res.writeHead(paths.length <= failures ? 503 : 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, paths, close: () => new Promise((r) => server.close(() => r())) };
}

describe('the recording-ready webhook', () => {
  const log = createLogger('error', { silent: true });
  // sendReady reads nothing from the recorder; stop() only unsubscribes from it.
  const recorder = new EventEmitter() as unknown as Recorder;

  it('is posted to <subscriber>/v1/recording/ready until the subscriber takes it, then never again', async () => {
    const sub = await subscriber(2);
    const client = new WebhookClient({ jibriId: 'jibri-1', subscribers: [sub.url], recorder, log, readyRetryMs: [10, 10, 10] });
    await client.sendReady(event);
    await new Promise((r) => setTimeout(r, 100));
    expect(sub.paths).toEqual(['/hooks/v1/recording/ready', '/hooks/v1/recording/ready', '/hooks/v1/recording/ready']);
    client.stop();
    await sub.close();
  });

  it('gives up after the last retry, and a subscriber that takes it at once gets it once', async () => {
    const down = await subscriber(100);
    const up = await subscriber(0);
    const client = new WebhookClient({ jibriId: 'jibri-1', subscribers: [down.url, up.url], recorder, log, readyRetryMs: [5, 5] });
    await client.sendReady(event);
    expect(down.paths).toHaveLength(3);
    expect(up.paths).toHaveLength(1);
    client.stop();
    await down.close();
    await up.close();
  });
});
