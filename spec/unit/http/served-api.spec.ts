/**
 * What a session serves while live (HLS, thumbnails, the viewer page), through the real Express app on
 * loopback with a stand-in recorder and files in a temp folder: who may read what, and only which names.
 */
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import express from 'express';
import type { Server } from 'node:http';
import type { HttpConfig } from '../../../lib/config';
import { createLogger } from '../../../lib/log';
import { HlsOutput } from '../../../lib/output/hls/hls-output';
import { ThumbnailsOutput } from '../../../lib/output/thumbnails/thumbnails-output';
import type { Recorder } from '../../../lib/recorder/recorder';
import { servedFilesRouter, VIEWER_ASSETS, viewerAssetsRouter } from '../../../lib/http/served-api';

const API_TOKEN = 'the-api-token-123';

describe('the served files of a live session', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'served-api-'));
  const hls = new HlsOutput('hls-1', dir);
  const thumbs = new ThumbnailsOutput('thumbnails-2', dir, 10);
  const session = { id: 's1', outputs: [hls, thumbs] };
  const recorder = { getSession: (id: string) => (id === 's1' ? session : undefined) } as unknown as Pick<Recorder, 'getSession'>;
  let server: Server;
  let base = '';

  beforeAll(async () => {
    await hls.open();
    await thumbs.open();
    fs.writeFileSync(path.join(dir, 'hls', 'index.m3u8'), '#EXTM3U\n#EXTINF:2.0,\nindex0.ts\n');
    fs.writeFileSync(path.join(dir, 'hls', 'index0.ts'), 'TS');
    fs.writeFileSync(path.join(dir, 'hls', 'index1.ts.tmp'), 'half');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'no');
    fs.writeFileSync(path.join(dir, 'thumbnails', 'thumb-000001.jpg'), 'one');
    fs.writeFileSync(path.join(dir, 'thumbnails', 'thumb-000002.jpg'), 'two');
    const app = express();
    app.use('/jibri/api/v1.0', servedFilesRouter({ http: { token: API_TOKEN, host: '127.0.0.1' } as HttpConfig, recorder, log: createLogger('error', { silent: true }) }));
    app.use(VIEWER_ASSETS, viewerAssetsRouter());
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = async (p: string, token?: string): Promise<{ status: number; text: string; headers: Headers }> => {
    const res = await fetch(`${base}${p}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, redirect: 'manual' });
    return { status: res.status, text: await res.text(), headers: res.headers };
  };
  const hlsPath = '/jibri/api/v1.0/sessions/s1/hls';

  it('serves the playlist and segments to the API token and the viewer token, to nobody else', async () => {
    const viewer = hls.served.viewerToken!;
    expect((await get(`${hlsPath}/index.m3u8`, API_TOKEN)).status).toBe(200);
    const byViewer = await get(`${hlsPath}/index.m3u8`, viewer);
    expect(byViewer.status).toBe(200);
    expect(byViewer.headers.get('content-type')).toContain('application/vnd.apple.mpegurl');
    expect(byViewer.text).toBe('#EXTM3U\n#EXTINF:2.0,\nindex0.ts\n');
    expect((await get(`${hlsPath}/index0.ts`, viewer)).text).toBe('TS');
    expect((await get(`${hlsPath}/index.m3u8`)).status).toBe(401);
    expect((await get(`${hlsPath}/index.m3u8`, 'wrong')).status).toBe(401);
    // Another session's token is no key to this one.
    expect((await get(`${hlsPath}/index.m3u8`, new HlsOutput('x', dir).served.viewerToken)).status).toBe(401);
  });

  it('gives a ?token= viewer a playlist whose segments carry the token', async () => {
    const viewer = hls.served.viewerToken!;
    const r = await get(`${hlsPath}/index.m3u8?token=${encodeURIComponent(viewer)}`);
    expect(r.status).toBe(200);
    expect(r.text).toContain(`index0.ts?token=${encodeURIComponent(viewer)}`);
    expect((await get(`${hlsPath}/index0.ts?token=${encodeURIComponent(viewer)}`)).status).toBe(200);
  });

  it('serves no other name from the folder', async () => {
    for (const name of ['index1.ts.tmp', '..%2Fsecret.txt', '%2E%2E%2Fsecret.txt', 'index9.ts']) {
      const r = await get(`${hlsPath}/${name}`, API_TOKEN);
      expect(r.status).toBe(404);
      expect(r.text).not.toContain('no');
    }
  });

  it('answers 404 for a session that is not running, after the token check', async () => {
    expect((await get('/jibri/api/v1.0/sessions/gone/hls/index.m3u8')).status).toBe(401);
    expect((await get('/jibri/api/v1.0/sessions/gone/hls/index.m3u8', API_TOKEN)).status).toBe(404);
  });

  it('gives the links to the API token only', async () => {
    const r = await get(`${hlsPath}/access`, API_TOKEN);
    expect(JSON.parse(r.text)).toEqual({ playlist: `${hlsPath}/index.m3u8`, viewer: `${hlsPath}/#token=${hls.served.viewerToken!}`, token: hls.served.viewerToken });
    expect((await get(`${hlsPath}/access`, hls.served.viewerToken)).status).toBe(401);
  });

  it('serves the latest thumbnail to the API token', async () => {
    const r = await get('/jibri/api/v1.0/sessions/s1/thumbnail.jpg', API_TOKEN);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/jpeg');
    expect(r.text).toBe('two');
    expect((await get('/jibri/api/v1.0/sessions/s1/thumbnail.jpg')).status).toBe(401);
  });

  it('serves the viewer page to all, under a strict CSP, and hls.js from the package', async () => {
    const redirect = await get(hlsPath);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe(`${hlsPath}/`);
    const page = await get(`${hlsPath}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).toContain(`<script src="${VIEWER_ASSETS}/hls.min.js">`);
    expect(page.text).not.toMatch(/https?:\/\//);
    const lib = await get(`${VIEWER_ASSETS}/hls.min.js`);
    expect(lib.status).toBe(200);
    expect(lib.text.length).toBeGreaterThan(100_000);
    expect((await get(`${VIEWER_ASSETS}/viewer.js`)).text).toContain("setRequestHeader('Authorization'");
  });
});
