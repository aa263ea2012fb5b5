/**
 * A stand-in Jitsi Meet for the tests: serves the page of `page.ts` for every room on loopback, holds
 * the state each test sets per room, and keeps what each page reports back. node:http only.
 *
 *   GET  /<room>          the meeting page (the recorder appends the hash: options and hidden login)
 *   GET  /state/<room>    the room's state, polled by the page every 200 ms
 *   POST /report/<room>   what the page received, posted whenever it changes
 *   GET  /media/<clip>    a participant's clip from the media cache (media.ts), with byte ranges, which
 *                         Chromium's media player needs to loop a file
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as nodePath from 'node:path';
import type { AddressInfo } from 'node:net';
import { mediaCacheDir } from './media';
import { STANDIN_PAGE_HTML } from './page';

export interface StandInParticipant {
  /** Endpoint id; the occupant JID is `<room>@conference.standin.invalid/<id>`. */
  id: string;
  /** Display name (MUC nick); changing it emits `xmpp.display_name_changed`. */
  name: string;
  /** In a hidden domain (another recorder, a transcriber). */
  hidden?: boolean;
  hiddenFromRecorder?: boolean;
  audioMuted?: boolean;
  videoMuted?: boolean;
  /** `getProperty('features_jigasi')` is true. */
  jigasi?: boolean;
  /** The token's identity, e.g. `{ user: { id, name } }`; without one the tracker ignores the participant. */
  identity?: Record<string, unknown>;
  /**
   * A clip from the media cache (`clipName()` of media.ts, made beforehand with `ensureClips`) that this
   * participant's tile plays, with its sound. Any participant with one turns the page into the tile view.
   */
  video?: string;
  /**
   * The participant's microphone plays a sine of this pitch while `speaking` (and not `audioMuted`): a
   * remote audio track through lib-jitsi-meet's surface (`conference.trackAdded`), heard in the meeting.
   * A participant with a `video` speaks with the clip's sound instead.
   */
  toneHz?: number;
  speaking?: boolean;
}

export interface StandInState {
  /** The other participants (the recorder is not listed). Replaced as a whole by `setState`. */
  participants: StandInParticipant[];
  /** `getStats().bitrate.download`. */
  downloadBitrate: number;
  /** `getConnectionState()`, e.g. 'connected', 'interrupted'. */
  connectionState: string;
  /** The conference is joined this long after the page loaded; null: never. */
  joinAfterMs: number | null;
  /** The page makes itself unresponsive (see page.ts for real renderer crashes). */
  crash: boolean;
  /** Frequency of the page's sine tone (silent while any participant has a sound of their own). */
  toneHz: number;
  /** The bridge's dominant speaker (`conference.dominantSpeaker` when it changes); null: nobody yet. */
  dominantSpeaker: string | null;
  /**
   * Each participant's remote audio track is made as soon as it has a sound, as lib-jitsi-meet has it,
   * rather than when something first asks for it: a measurement of what recording the tracks costs then
   * leaves out what making them costs the stand-in.
   */
  remoteTracksUpFront: boolean;
}

export const DEFAULT_STANDIN_STATE: Readonly<StandInState> = Object.freeze({
  participants: [],
  downloadBitrate: 0,
  connectionState: 'connected',
  joinAfterMs: 200,
  crash: false,
  toneHz: 440,
  dominantSpeaker: null,
  remoteTracksUpFront: false,
});

/** What a page received, as it last reported it. */
export interface StandInReport {
  room: string;
  hash: string;
  /** Every hash parameter as Jitsi Meet parses it (values JSON-parsed once). */
  hashParams: Record<string, unknown>;
  /** The `config.*` ones. */
  hashConfig: Record<string, unknown>;
  /** Parameters Jitsi Meet would drop because their value does not parse. */
  hashParseErrors: string[];
  /** `appData.localStorageContent` parsed the second time, or null. */
  localStorageContent: Record<string, unknown> | null;
  hiddenLogin: { username: string; password: string } | null;
  /** Where the login came from: the hash, or the page's real localStorage (Jibri's older flow). */
  loginSource: 'hash' | 'localStorage' | null;
  /** Epoch milliseconds, from the page's clock. */
  loadedAt: number;
  joinedAt: number | null;
  /** Presence fields as last set with addOrReplaceInPresence. */
  presence: Record<string, string>;
  sendPresenceCalls: number;
  /** The presence fields at each sendPresence(). */
  sentPresence: Array<Record<string, string>>;
  leaveCalled: boolean;
  leftAt: number | null;
  /** The AudioContext's state ('running' once the tone plays). */
  audioState: string | null;
  framesDrawn: number;
  pollErrors: number;
  crashing?: boolean;
  /** Tiles whose video refused to play, with the reason. */
  videoErrors?: string[];
  /** Increases with every report the page sends. */
  seq: number;
}

export interface StandIn {
  /** `http://127.0.0.1:<port>`: a call's baseUrl. */
  baseUrl: string;
  /** Merges `partial` into the room's state (participants are replaced as a whole). */
  setState(room: string, partial: Partial<StandInState>): void;
  state(room: string): StandInState;
  /** The latest report of the room's page, if one came. */
  report(room: string): StandInReport | undefined;
  /** Resolves with the first report that satisfies `predicate`; rejects after `timeoutMs`. */
  waitForReport(room: string, predicate: (r: StandInReport) => boolean, timeoutMs?: number): Promise<StandInReport>;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

/** A clip of the cache by its plain file name (nothing else is reachable), whole or one byte range. */
function serveClip(req: http.IncomingMessage, res: http.ServerResponse, name: string): void {
  if (!/^[\w.-]+\.(webm|mp4)$/.test(name) || name.startsWith('.')) {
    res.writeHead(404).end();
    return;
  }
  const file = nodePath.join(mediaCacheDir(), name);
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`no clip ${name}: make it first with ensureClips()`);
    return;
  }
  const type = name.endsWith('.webm') ? 'video/webm' : 'video/mp4';
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (!range || (!range[1] && !range[2])) {
    res.writeHead(200, { 'content-type': type, 'content-length': size, 'accept-ranges': 'bytes' });
    fs.createReadStream(file).pipe(res);
    return;
  }
  // "bytes=-N" is the last N bytes.
  const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
  const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
  if (start >= size || start > end) {
    res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    return;
  }
  res.writeHead(206, { 'content-type': type, 'content-length': end - start + 1, 'accept-ranges': 'bytes', 'content-range': `bytes ${start}-${end}/${size}` });
  fs.createReadStream(file, { start, end }).pipe(res);
}

/** `defaults`: every room's state before the test sets any of it. */
export async function startStandIn(opts: { defaults?: Partial<StandInState> } = {}): Promise<StandIn> {
  const states = new Map<string, StandInState>();
  const reports = new Map<string, StandInReport>();
  const waiters = new Set<{ wake: () => void; fail: (why: string) => void }>();

  const stateOf = (room: string): StandInState => states.get(room) ?? { ...DEFAULT_STANDIN_STATE, participants: [], ...opts.defaults };

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://standin').pathname;
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (req.method === 'GET' && path.startsWith('/state/')) {
      send(200, 'application/json', JSON.stringify(stateOf(decodeURIComponent(path.slice('/state/'.length)))));
      return;
    }
    if (req.method === 'POST' && path.startsWith('/report/')) {
      const room = decodeURIComponent(path.slice('/report/'.length));
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      req.on('end', () => {
        if (size > MAX_BODY) return send(413, 'text/plain', 'too large');
        try {
          const report = JSON.parse(Buffer.concat(chunks).toString('utf8')) as StandInReport;
          const previous = reports.get(room);
          // Reports may arrive out of order; keep the newest.
          if (!previous || report.seq >= previous.seq || report.loadedAt !== previous.loadedAt) reports.set(room, report);
          for (const w of [...waiters]) w.wake();
          send(204, 'text/plain', '');
        } catch {
          send(400, 'text/plain', 'bad report');
        }
      });
      return;
    }
    if (req.method === 'GET' && path.startsWith('/media/')) {
      serveClip(req, res, decodeURIComponent(path.slice('/media/'.length)));
      return;
    }
    if (req.method === 'GET' && path === '/favicon.ico') {
      send(204, 'text/plain', '');
      return;
    }
    if (req.method === 'GET') {
      send(200, 'text/html; charset=utf-8', STANDIN_PAGE_HTML);
      return;
    }
    send(405, 'text/plain', 'method not allowed');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    setState(room, partial) {
      const next = { ...stateOf(room), ...partial };
      next.participants = next.participants.map((p) => ({ ...p }));
      states.set(room, next);
    },
    state: (room) => stateOf(room),
    report: (room) => reports.get(room),
    waitForReport(room, predicate, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const r = reports.get(room);
          if (r && predicate(r)) {
            done();
            resolve(r);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching report from room ${room} within ${timeoutMs} ms; last: ${JSON.stringify(reports.get(room) ?? null)}`));
        }, timeoutMs);
        const waiter = {
          wake: (): void => void check(),
          fail: (why: string): void => {
            done();
            reject(new Error(why));
          },
        };
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        waiters.add(waiter);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of [...waiters]) w.fail('the stand-in was closed');
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
