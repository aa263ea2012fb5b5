/**
 * Delivery to a second S3 implementation, s3rver (testkit/s3rver.ts), whose one key pair has the access
 * key id equal to the secret (S3RVER/S3RVER, as MinIO's minioadmin/minioadmin). The real recorder records
 * over HTTP; the recording lands in the bucket, and the pre-signed links of the "recording ready" event,
 * as the webhook and the event stream carry them, download the file (the key id in a link is never masked
 * as if it were the secret). The start warns that such a key pair publishes its secret in every link and
 * names the fix, a separate key pair.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Transport from 'winston-transport';
import { createLogger } from '../../lib/log';
import { probeMedia } from '../../lib/output/probe';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { readEvents } from '../support/events';
import { startReceiver, type Receiver } from '../../testkit/receiver';
import { createBucket, listObjects, sha256File, uploadEnv, type S3Server } from '../../testkit/s3';
import { sharedS3rver } from '../../testkit/s3rver';
import { health, post, startBody, startTestService, tempDir, waitFor, waitForSessionState, type TestService } from '../../testkit/service';

class Capture extends Transport {
  readonly lines: string[] = [];
  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.lines.push(String(info[Symbol.for('message')]));
    next();
  }
}

describe('recordings delivered to s3rver, whose access key id equals its secret', () => {
  let s3: S3Server;
  let bucket: string;
  let page: DemoServer;
  let receiver: Receiver;
  let svc: TestService;
  let sse: ReturnType<typeof readEvents>;
  const capture = new Capture();

  beforeAll(async () => {
    s3 = await sharedS3rver();
    expect(s3.accessKeyId).toBe(s3.secretAccessKey);
    bucket = await createBucket(s3, 'second-store');
    page = await startDemoServer();
    receiver = await startReceiver();
    const log = createLogger('info');
    log.clear().add(capture);
    svc = await startTestService({ JIBRI_WEBHOOK_SUBSCRIBERS: receiver.url, JIBRI_UPLOAD_LINK_TTL: '600', JIBRI_UPLOAD_RETRY_DELAY: '1', ...uploadEnv(s3, bucket) }, { log });
    sse = readEvents(`${svc.api}/events`, {});
  });

  afterAll(async () => {
    sse?.stop();
    await svc?.stop();
    await receiver?.close();
    await page?.close();
  });

  it('says at start that the key pair gives its secret away in every link, and names the fix', () => {
    const warnings = capture.lines.filter((l) => l.includes('JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY is the same as JIBRI_UPLOAD_S3_ACCESS_KEY_ID'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/warn/);
    expect(warnings[0]).toMatch(/create a separate key pair for the recorder/i);
  });

  it('uploads a recording, and the links of the ready event download it, from the webhook and from the event stream', async () => {
    const sessionId = 'second-store';
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, sessionId))).status).toBe(200);
    await waitForSessionState(svc.service, sessionId, 'recording');
    const local = svc.service.recorder.getSession(sessionId)!.mediaFile!;
    await new Promise((r) => setTimeout(r, 3000));
    expect((await post(`${svc.api}/stopService`, { sessionId })).status).toBe(200);
    // The local copy goes once the objects are verified: keep its hash first.
    await waitForSessionState(svc.service, sessionId, 'finished', 60000);
    const localSha = fs.existsSync(local) ? sha256File(local) : undefined;
    const hook = await waitFor('the ready webhook', () => receiver.got.find((r) => r.path.endsWith('/v1/recording/ready') && r.body.sessionId === sessionId), 90000, 200);
    const event = await waitFor('the ready event on the stream', () => sse.events.find((e) => e.event === 'recording' && (e.data as { sessionId?: string }).sessionId === sessionId), 30000, 200);
    expect(hook.body.storage).toEqual({ type: 's3', bucket });
    const keys = await listObjects(s3, bucket);
    for (const body of [hook.body, event.data]) {
      const media = (body.files as Array<{ role: string; url: string; key: string; sha256: string }>).find((f) => f.role === 'media')!;
      expect(keys).toContain(media.key);
      expect(media.url).not.toContain('****');
      expect(new URL(media.url).searchParams.get('X-Amz-Credential')).toMatch(/^S3RVER\//);
      const res = await fetch(media.url);
      expect(res.status).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      const sha = crypto.createHash('sha256').update(bytes).digest('hex');
      expect(sha).toBe(media.sha256);
      if (localSha) expect(sha).toBe(localSha);
      const file = path.join(tempDir(), 'downloaded.mp4');
      fs.writeFileSync(file, bytes);
      const probed = await probeMedia(file);
      expect(probed.video?.codec).toBe('h264');
      expect(probed.durationSec).toBeGreaterThan(2);
    }
    expect((await health(svc.api)).status.health.details.upload).toMatchObject({ healthStatus: 'HEALTHY' });
  });
});
