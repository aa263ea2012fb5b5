/**
 * Recordings that arrive. The real recorder (Xvfb, PulseAudio, Chromium, ffmpeg) records over HTTP and
 * over XMPP (Prosody and the Jicofo stand-in), and the recordings land in a real S3 server (Ceph's RADOS
 * Gateway on a one-node cluster, scripts/s3-server.sh) with the right keys, sizes and SHA-256. The
 * pre-signed link downloads a file that ffprobe reads; the webhook (RS256-signed) and the SSE event come
 * once. The store is paused and killed during an upload, and the service is killed while the store is
 * down: the object arrives once and the local file stays until then. Wrong credentials show a clear
 * error in health and logs without the secret, and retention removes uploaded copies only.
 *
 * @lane serial: stops and pauses the run's S3 server, which only the serial lane uses
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Transport from 'winston-transport';
import { createLogger } from '../../lib/log';
import { probeMedia } from '../../lib/output/probe';
import { JOURNAL_DIR } from '../../lib/delivery/journal';
import { startBreweryStack, type BreweryStack } from '../../testkit/brewery';
import { readEvents, verifyJwt } from '../support/events';
import { BREWERY, NS_JIBRI } from '../../testkit/fake-jicofo';
import { DOMAINS, recorderXmppEnv } from '../../testkit/prosody';
import { startReceiver, type Received, type Receiver } from '../../testkit/receiver';
import { startRtmpServer, type RtmpServer } from '../../testkit/rtmp';
import { createBucket, gatewayPid, getText, listObjects, objectFacts, sha256File, sharedS3, startGateway, stopGateway, uploadEnv, type S3Server } from '../../testkit/s3';
import { findRecordings, health, post, spawnServiceProcess, startBody, startTestService, tempDir, waitFor, waitForSessionState, type TestService } from '../../testkit/service';

const NICK = 'jibri-deliver';
const OCCUPANT = `${BREWERY}/${NICK}`;
const PASSWORDS = { jibri: 'jibri-control-pw', focus: 'focus-pw', recorder: 'recorder-call-pw' };

class Capture extends Transport {
  readonly lines: string[] = [];
  override log(info: unknown, next: () => void): void {
    this.lines.push(JSON.stringify(info));
    next();
  }
}

function startIq(id: string, sessionId: string): string {
  return `<iq type="set" id="${id}" to="${OCCUPANT}"><jibri xmlns="${NS_JIBRI}" action="start" recording_mode="file" room="testroom@${DOMAINS.muc}" session_id="${sessionId}"/></iq>`;
}

function stopIq(id: string, sessionId: string): string {
  return `<iq type="set" id="${id}" to="${OCCUPANT}"><jibri xmlns="${NS_JIBRI}" action="stop" session_id="${sessionId}"/></iq>`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('recordings delivered to S3 (Ceph RGW)', () => {
  let s3: S3Server;
  let bucket: string;
  let stack: BreweryStack;
  let receiver: Receiver;
  let rtmp: RtmpServer;
  let svc: TestService | undefined;
  let sse: ReturnType<typeof readEvents> | undefined;
  const recDir = tempDir('jibri-ts-deliver-');
  const scratch = tempDir();
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = path.join(scratch, 'jwt.pem');
  fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const jwtEnv = { JIBRI_JWT_SIGNING_KEY_PATH: keyFile, JIBRI_JWT_KID: 'deliver-kid', JIBRI_JWT_ISSUER: 'jibri-ts-test', JIBRI_JWT_AUDIENCE: 'deliver-receiver' };
  const files: Record<string, string> = {};

  const readyFor = (sessionId: string): Received[] => receiver.got.filter((r) => r.path.endsWith('/v1/recording/ready') && r.body.sessionId === sessionId);
  const waitReady = (sessionId: string, timeoutMs = 90000): Promise<Received> => waitFor(`the ready webhook of ${sessionId}`, () => readyFor(sessionId)[0], timeoutMs, 200);

  function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      JIBRI_RECORDING_DIR: recDir,
      JIBRI_INSTANCE_ID: NICK,
      JIBRI_WEBHOOK_SUBSCRIBERS: receiver.url,
      ...jwtEnv,
      JIBRI_ENABLE_PROMETHEUS: 'true',
      JIBRI_UPLOAD_LINK_TTL: '600',
      JIBRI_UPLOAD_RETRY_DELAY: '1',
      JIBRI_UPLOAD_STALL_TIMEOUT: '3',
      ...uploadEnv(s3, bucket),
      ...extra,
    };
  }

  async function recordOverHttp(api: string, sessionId: string, ms = 3000): Promise<void> {
    const start = await post(`${api}/startService`, startBody(stack.page.baseUrl, sessionId));
    expect(start.status).toBe(200);
    await waitFor(`${sessionId} recording`, async () => ((await health(api)).status.health.details[`session:${sessionId}`]?.state === 'recording' ? true : undefined), 30000, 100);
    await sleep(ms);
    expect((await post(`${api}/stopService`, { sessionId })).status).toBe(200);
  }

  beforeAll(async () => {
    // The first spec of the run that needs the store installs (Debian packages) and starts it.
    s3 = await sharedS3();
    bucket = await createBucket(s3, 'deliver');
    stack = await startBreweryStack(PASSWORDS);
    receiver = await startReceiver();
    rtmp = await startRtmpServer();
  }, 600000);

  afterAll(async () => {
    sse?.stop();
    await svc?.stop();
    await stack?.stop();
    await receiver?.close();
    await rtmp?.stop();
  });

  it('starts the recorder with the store, healthy, with an upload entry in health', async () => {
    svc = await startTestService({
      ...recorderXmppEnv({ servers: `127.0.0.1:${stack.prosody.port}`, nick: NICK, jibriPassword: PASSWORDS.jibri, recorderPassword: PASSWORDS.recorder, publicUrl: stack.page.baseUrl }),
      ...baseEnv(),
      JIBRI_STREAMING_LOCAL_COPY: 'true',
      JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmps?://127\\.0\\.0\\.1(:\\d+)?/.*',
    });
    sse = readEvents(`${svc.api}/events`, {});
    const h = await waitFor('the store check', async () => {
      const b = await health(svc!.api);
      return b.status.health.details.upload?.detail.includes('0 pending') ? b : undefined;
    });
    expect(h.status.health.healthStatus).toBe('HEALTHY');
    expect(h.status.health.details.upload).toMatchObject({ healthStatus: 'HEALTHY', pending: 0, failed: 0 });
    expect(h.status.health.details.upload.target).toContain(bucket);
  });

  it('uploads a recording made over HTTP: keys, sizes, SHA-256, manifest; one signed webhook and one SSE event', async () => {
    await recordOverHttp(svc!.api, 'deliver-http');
    const hook = await waitReady('deliver-http');
    const local = findRecordings(recDir).find((f) => f.includes('deliver-http'))!;
    files.http = local;
    const name = path.basename(local);
    const prefix = 'deliver-http/';
    expect(await listObjects(s3, bucket)).toEqual([`${prefix}manifest.json`, `${prefix}metadata.json`, `${prefix}${name}`].sort());

    const media = await objectFacts(s3, bucket, `${prefix}${name}`);
    expect(media.size).toBe(fs.statSync(local).size);
    expect(media.sha256).toBe(sha256File(local));
    expect(media.metadata.sha256).toBe(media.sha256);
    const meta = await objectFacts(s3, bucket, `${prefix}metadata.json`);
    expect(meta.sha256).toBe(sha256File(path.join(path.dirname(local), 'metadata.json')));

    const manifest = JSON.parse(await getText(s3, bucket, `${prefix}manifest.json`));
    expect(manifest).toMatchObject({ version: 1, sessionId: 'deliver-http', meetingUrl: `${stack.page.baseUrl}/testroom`, sinkType: 'file', recorder: NICK, participants: [] });
    expect(Date.parse(manifest.endedAt) - Date.parse(manifest.startedAt)).toBeGreaterThan(2500);
    const mf = manifest.files.find((f: { role: string }) => f.role === 'media');
    expect(mf).toMatchObject({ name, size: media.size, sha256: media.sha256, key: `${prefix}${name}`, video: { codec: 'h264', width: 1280, height: 720 }, audio: { codec: 'aac' } });
    expect(mf.durationSec).toBeGreaterThan(2.5);
    expect(manifest.files.find((f: { role: string }) => f.role === 'metadata')).toMatchObject({ size: meta.size, sha256: meta.sha256 });

    // The webhook: signed like the status webhooks, with a link per file.
    const { header, claims } = verifyJwt(hook.headers.authorization, publicKey);
    expect(header.kid).toBe('deliver-kid');
    expect(claims.aud).toEqual(['deliver-receiver']);
    expect(hook.body).toMatchObject({ jibriId: NICK, sessionId: 'deliver-http', meetingUrl: `${stack.page.baseUrl}/testroom`, storage: { type: 's3', bucket } });
    expect(hook.body.files.map((f: { role: string }) => f.role)).toEqual(['media', 'metadata', 'manifest']);
    const link = hook.body.files[0];
    expect(link).toMatchObject({ name, size: media.size, sha256: media.sha256, key: `${prefix}${name}` });
    expect(Date.parse(link.urlExpiresAt) - Date.now()).toBeGreaterThan(500 * 1000);
    expect(Date.parse(link.urlExpiresAt) - Date.now()).toBeLessThanOrEqual(600 * 1000);
    expect(new URL(link.url).searchParams.get('X-Amz-Expires')).toBe('600');

    // The link downloads the same bytes, and ffprobe reads them as the recording.
    const res = await fetch(link.url);
    expect(res.status).toBe(200);
    const downloaded = path.join(scratch, 'downloaded.mp4');
    fs.writeFileSync(downloaded, Buffer.from(await res.arrayBuffer()));
    expect(sha256File(downloaded)).toBe(media.sha256);
    const probe = await probeMedia(downloaded);
    expect(probe.video?.codec).toBe('h264');
    expect(probe.durationSec).toBeGreaterThan(2.5);

    await sleep(2000);
    expect(readyFor('deliver-http')).toHaveLength(1);
    const events = sse!.events.filter((e) => e.event === 'recording' && e.data.sessionId === 'deliver-http');
    expect(events).toHaveLength(1);
    expect(events[0]!.data.eventId).toBe(hook.body.eventId);
    expect(events[0]!.data.files[0].key).toBe(link.key);
    // Kept locally (JIBRI_UPLOAD_KEEP_LOCAL defaults to true).
    expect(fs.existsSync(local)).toBe(true);
  });

  it('uploads a recording made over XMPP (Jicofo stand-in) the same way', async () => {
    const sessionId = '7d1c4c52-9f0e-4d7b-a4a4-1c0ffee00042';
    const { reply } = await stack.jicofo.sendIq(startIq('d-start', sessionId));
    expect(reply.getChild('jibri', NS_JIBRI)?.attrs.status).toBe('pending');
    await stack.jicofo.waitFor('status on', () => stack.jicofo.statusIqs.find((i) => i.jibri.attrs.status === 'on'));
    await sleep(3000);
    await stack.jicofo.sendIq(stopIq('d-stop', sessionId));
    const hook = await waitReady(sessionId);
    const local = findRecordings(recDir).find((f) => f.includes(sessionId))!;
    files.xmpp = local;
    const key = `${sessionId}/${path.basename(local)}`;
    const media = await objectFacts(s3, bucket, key);
    expect(media.size).toBe(fs.statSync(local).size);
    expect(media.sha256).toBe(sha256File(local));
    expect(hook.body.files[0]).toMatchObject({ key, size: media.size, sha256: media.sha256 });
    expect((await listObjects(s3, bucket)).filter((k) => k.startsWith(`${sessionId}/`))).toHaveLength(3);
  });

  it("uploads a stream's local copy the same way", async () => {
    const start = await post(`${svc!.api}/startService`, startBody(stack.page.baseUrl, 'deliver-stream', { sinkType: 'stream', rtmpUrl: rtmp.appUrl(), youTubeStreamKey: 'deliver-stream-key' }));
    expect(start.status).toBe(200);
    await waitFor('streaming', async () => ((await health(svc!.api)).status.health.details['session:deliver-stream']?.state === 'recording' ? true : undefined), 30000, 100);
    await sleep(3000);
    expect((await post(`${svc!.api}/stopService`, { sessionId: 'deliver-stream' })).status).toBe(200);
    const hook = await waitReady('deliver-stream');
    expect(hook.body.sinkType).toBe('stream');
    const local = findRecordings(recDir).find((f) => f.includes('deliver-stream'))!;
    const key = `deliver-stream/${path.basename(local)}`;
    expect((await objectFacts(s3, bucket, key)).sha256).toBe(sha256File(local));
    expect(JSON.stringify(hook.body)).not.toContain('deliver-stream-key');
  });

  it('keeps the file while the store hangs and is gone, and uploads it once the store is back', async () => {
    const delivery = svc!.service.delivery;
    let paused = 0;
    delivery.once('upload-started', () => {
      // Mid-upload: the gateway stops answering (its connections hang), later it is killed.
      paused = gatewayPid(s3);
      process.kill(paused, 'SIGSTOP');
    });
    await recordOverHttp(svc!.api, 'deliver-stall');
    const failing = await waitFor('a failed attempt', async () => {
      const u = (await health(svc!.api)).status.health.details.upload;
      return u.failed >= 1 ? u : undefined;
    }, 30000, 200);
    expect(paused).toBeGreaterThan(0);
    expect(failing.healthStatus).toBe('UNHEALTHY');
    expect(failing.detail).toMatch(/no progress|cannot be reached/);
    const local = findRecordings(recDir).find((f) => f.includes('deliver-stall'))!;
    files.stall = local;
    expect(fs.existsSync(local)).toBe(true);
    expect(readyFor('deliver-stall')).toHaveLength(0);
    const metrics = await (await fetch(`${svc!.service.http.url}/metrics`, { headers: { accept: 'text/plain' } })).text();
    expect(metrics).toMatch(/^jitsi_jibri_uploads_pending 1(\.0)?$/m);
    expect(metrics).toMatch(/^jitsi_jibri_uploads_failed 1(\.0)?$/m);

    // A store that hangs never holds the recorder: the next recording starts, records and finishes.
    await recordOverHttp(svc!.api, 'deliver-next', 2000);
    await waitForSessionState(svc!.service, 'deliver-next', 'finished', 30000);
    expect(readyFor('deliver-next')).toHaveLength(0);

    process.kill(paused, 'SIGKILL');
    await stopGateway(s3);
    await sleep(3000);
    expect(fs.existsSync(local)).toBe(true);
    await startGateway(s3);
    const hook = await waitReady('deliver-stall');
    const key = `deliver-stall/${path.basename(local)}`;
    expect((await objectFacts(s3, bucket, key)).sha256).toBe(sha256File(local));
    expect(hook.body.files[0].key).toBe(key);
    await sleep(2000);
    expect(readyFor('deliver-stall')).toHaveLength(1);
    expect(sse!.events.filter((e) => e.event === 'recording' && e.data.sessionId === 'deliver-stall')).toHaveLength(1);
    await waitReady('deliver-next');
    expect(readyFor('deliver-next')).toHaveLength(1);
    const after = (await health(svc!.api)).status.health.details.upload;
    expect(after).toMatchObject({ healthStatus: 'HEALTHY', pending: 0, failed: 0 });
    expect(after.failedAttemptsTotal).toBeGreaterThanOrEqual(1);
  });

  it('refuses a start that would leave a running session without disk, and says why', async () => {
    // Two slots, and an estimate larger than the disk: the first session is taken (nothing runs that it
    // could break), a second would take the room the first needs.
    const tight = await startTestService({ JIBRI_CONCURRENT_SESSIONS: '2', JIBRI_SESSION_DISK_ESTIMATE: '16000000' });
    try {
      expect((await post(`${tight.api}/startService`, startBody(stack.page.baseUrl, 'disk-first'))).status).toBe(200);
      await waitForSessionState(tight.service, 'disk-first', 'recording');
      const refused = await post(`${tight.api}/startService`, startBody(stack.page.baseUrl, 'disk-second'));
      expect(refused.status).toBe(412);
      expect(refused.json.error.message).toMatch(/not enough disk for one more session/);
      const h = await health(tight.api);
      expect(h.status.health.details.capacity.refusal).toMatch(/not enough disk/);
      expect(h.status.health.details.capacity.diskFreeBytes).toBeGreaterThan(0);
      expect((await post(`${tight.api}/stopService`)).status).toBe(200);
      await tight.service.recorder.whenIdle();
    } finally {
      await tight.stop();
    }
  });

  it('with wrong credentials: a clear error in health and logs, never the secret; the recording stays local; retention removes uploaded copies only', async () => {
    sse?.stop();
    await svc!.stop();
    svc = undefined;
    // A recording that was never uploaded (made before uploads were configured): retention never touches it.
    const manual = path.join(recDir, 'manual');
    fs.mkdirSync(manual);
    const old = path.join(manual, 'old.mp4');
    fs.copyFileSync(files.http!, old);
    const longAgo = new Date(Date.now() - 30 * 86400 * 1000);
    fs.utimesSync(old, longAgo, longAgo);

    const wrongSecret = 'Wrong-Secret-Value-0123456789';
    const capture = new Capture();
    const log = createLogger('info');
    log.clear();
    log.add(capture);
    svc = await startTestService(baseEnv({ JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY: wrongSecret, JIBRI_RECORDINGS_RETENTION: '1s' }), { log });
    // Uploaded copies older than the retention go at start; the folders of the three sessions with them.
    for (const f of [files.http!, files.xmpp!, files.stall!]) {
      expect(fs.existsSync(f)).toBe(false);
      expect(fs.existsSync(path.dirname(f))).toBe(false);
    }
    expect(fs.existsSync(old)).toBe(true);
    const h = await waitFor('the credentials error', async () => {
      const b = await health(svc!.api);
      return b.status.health.details.upload?.healthStatus === 'UNHEALTHY' ? b : undefined;
    }, 30000, 200);
    expect(h.status.health.healthStatus).toBe('HEALTHY');
    expect(h.status.health.details.upload.detail).toContain('refused the credentials');
    expect(h.status.health.details.upload.detail).toContain('JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY');

    await recordOverHttp(svc.api, 'deliver-wrong');
    await waitFor('the failed upload', async () => ((await health(svc!.api)).status.health.details.upload.failed >= 1 ? true : undefined), 30000, 200);
    const local = findRecordings(recDir).find((f) => f.includes('deliver-wrong'))!;
    expect(fs.existsSync(local)).toBe(true);
    expect(readyFor('deliver-wrong')).toHaveLength(0);
    const logs = capture.lines.join('\n');
    expect(logs).toContain('refused the credentials');
    const body = JSON.stringify(await health(svc.api));
    for (const secret of [wrongSecret, s3.secretAccessKey]) {
      expect(logs).not.toContain(secret);
      expect(body).not.toContain(secret);
    }
    await svc.stop();
    svc = undefined;

    // Fixed credentials, the same folder: the queued recording is uploaded, announced once, then retention removes it.
    svc = await startTestService(baseEnv({ JIBRI_RECORDINGS_RETENTION: '1s' }));
    await waitReady('deliver-wrong');
    await waitFor('the local copy removed', () => (fs.existsSync(local) ? undefined : true), 10000);
    expect((await objectFacts(s3, bucket, `deliver-wrong/${path.basename(local)}`)).size).toBeGreaterThan(0);
    expect(fs.existsSync(old)).toBe(true);
    expect(readyFor('deliver-wrong')).toHaveLength(1);
    await svc.stop();
    svc = undefined;
  });

  it('survives a service killed while the store is down: the object arrives once, the local file is kept until it is verified', async () => {
    const dir = tempDir('jibri-ts-deliver-restart-');
    const env = { ...baseEnv({ JIBRI_RECORDING_DIR: dir }), JIBRI_LOG_LEVEL: 'info' };
    const first = await spawnServiceProcess(env);
    let local = '';
    let paused: number | undefined;
    try {
      const start = await post(`${first.api}/startService`, startBody(stack.page.baseUrl, 'deliver-restart'));
      expect(start.status).toBe(200);
      await waitFor('recording', async () => ((await health(first.api)).status.health.details['session:deliver-restart']?.state === 'recording' ? true : undefined), 30000, 100);
      await sleep(3000);
      // The store hangs before the upload starts; the service's attempt stalls and fails.
      paused = gatewayPid(s3);
      process.kill(paused, 'SIGSTOP');
      expect((await post(`${first.api}/stopService`)).status).toBe(200);
      await waitFor('a failed attempt', async () => ((await health(first.api)).status.health.details.upload?.failed >= 1 ? true : undefined), 30000, 200);
      local = findRecordings(dir)[0]!;
      expect(first.output()).toContain('upload attempt 1 failed');
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
      // The store comes back once the service is gone (also when a check above failed: later specs need it).
      if (paused) process.kill(paused, 'SIGCONT');
    }
    const sha = sha256File(local);
    expect(fs.readdirSync(path.join(dir, JOURNAL_DIR)).filter((n) => n.endsWith('.json'))).toHaveLength(1);

    const second = await spawnServiceProcess({ ...env, JIBRI_UPLOAD_KEEP_LOCAL: 'false' });
    try {
      const hook = await waitReady('deliver-restart');
      const key = `deliver-restart/${path.basename(local)}`;
      expect(hook.body.files[0]).toMatchObject({ key, sha256: sha });
      const facts = await objectFacts(s3, bucket, key);
      expect(facts.sha256).toBe(sha);
      // Verified, so with JIBRI_UPLOAD_KEEP_LOCAL=false the local copy and its journal entry go.
      await waitFor('the local copy removed', () => (fs.existsSync(local) ? undefined : true), 10000);
      expect(fs.readdirSync(path.join(dir, JOURNAL_DIR)).filter((n) => n.endsWith('.json'))).toHaveLength(0);
      await sleep(2000);
      expect(readyFor('deliver-restart')).toHaveLength(1);
      expect(second.output()).not.toContain(s3.secretAccessKey);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
