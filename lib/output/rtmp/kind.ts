/**
 * The RTMP kind: any number of RTMP(S) destinations per session, all on the encode's one FLV channel
 * (rtmp-output.ts), added and removed while the session records; Jibri's `stream` mode. Health and the
 * output ids have always called these outputs `stream`, and still do.
 */
import { RecorderError } from '../../errors';
import { FileOutput } from '../file/file-output';
import type { FieldError, OutputKindSpec, SessionOutputs } from '../kind';
import type { Output } from '../output';
import { JIBRI_HTTP_FIELDS, rtmpFromHttp, rtmpFromIq } from './jibri-fields';
import { checkStreamUrl, streamUrlRefusal } from './rules';
import { RtmpChannel, RtmpOutput, type RtmpOutputSettings } from './rtmp-output';

/** A live stream to an RTMP(S) ingest. */
export interface RtmpOutputRequest {
  kind: 'rtmp';
  /** Full RTMP(S) URL, stream key included. A secret: never logged. */
  rtmpUrl: string;
  /** Where viewers watch the stream, published as `live-stream-view-url`. */
  viewingUrl?: string;
  username?: string;
  password?: string;
}

/** The id of the streams' local copy (JIBRI_STREAMING_LOCAL_COPY). */
export const LOCAL_COPY = 'local-copy';
const SHOWN = 'stream';

function optionalText(v: unknown, field: string, max: number, errors: FieldError[]): string | undefined {
  if (v === undefined || v === null) return undefined;
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (typeof v !== 'string' || v.length > max || /[\u0000-\u001f\u007f]/.test(v)) {
    errors.push({ field, message: `must be a string of at most ${max} characters without control characters` });
    return undefined;
  }
  return v === '' ? undefined : v;
}

/** The session's one channel, shared by its destinations; its failure ends the session when nothing else works. */
function channelOf(session: SessionOutputs): RtmpChannel {
  return session.shared('rtmp-channel', () => {
    const { streaming } = session.plan.config;
    const settings: RtmpOutputSettings = {
      retryTimeoutSec: streaming.retryTimeoutSec,
      ...(streaming.rtmpsExtraCa ? { extraCa: streaming.rtmpsExtraCa } : {}),
      ...(streaming.publicOnly ? { publicOnly: streaming.publicOnly } : {}),
    };
    // A local copy follows the stream (Jibri's rule: the stream failing fails the session); other outputs stand alone.
    return new RtmpChannel(settings, () => session.outputs.some((o) => o.kind !== 'rtmp' && o.id !== LOCAL_COPY));
  });
}

function refuse(message: string, hint?: string): { ok: false; error: RecorderError } {
  return { ok: false, error: new RecorderError({ code: 'OUTPUT_CHANGE_REFUSED', message, retryable: false, ...(hint ? { hint } : {}) }) };
}

export const rtmpKind: OutputKindSpec<RtmpOutputRequest> = {
  kind: 'rtmp',
  shownKind: SHOWN,
  fields: ['url', 'username', 'password', 'viewingUrl'],
  parse(entry, field, errors) {
    const before = errors.length;
    if (typeof entry.url !== 'string' || !entry.url.trim()) errors.push({ field: `${field}.url`, message: 'is required: the full rtmp:// or rtmps:// URL with the stream key' });
    const username = optionalText(entry.username, `${field}.username`, 255, errors);
    const password = optionalText(entry.password, `${field}.password`, 1024, errors);
    const viewingUrl = optionalText(entry.viewingUrl, `${field}.viewingUrl`, 2048, errors);
    if (viewingUrl !== undefined && !/^https?:\/\/\S+$/i.test(viewingUrl)) errors.push({ field: `${field}.viewingUrl`, message: 'must be an http(s) URL' });
    if (errors.length > before || typeof entry.url !== 'string') return undefined;
    const checked = checkStreamUrl(entry.url.trim());
    if (!checked.ok) {
      errors.push({ field: `${field}.url`, message: checked.message });
      return undefined;
    }
    return { kind: 'rtmp', rtmpUrl: checked.url, ...(username ? { username } : {}), ...(password ? { password } : {}), ...(viewingUrl ? { viewingUrl } : {}) };
  },
  onePerSession: false,
  refusal(mine, _all, config) {
    const urls = new Set<string>();
    for (const r of mine) {
      const refusal = streamUrlRefusal(r.rtmpUrl, config.streaming.allowList);
      if (refusal) return refusal;
      // Two publishes of one key fight at the ingest; the URL itself is a secret and is not quoted.
      if (urls.has(r.rtmpUrl)) return new RecorderError({ code: 'BAD_REQUEST', message: 'Two stream outputs have the same URL', retryable: false });
      urls.add(r.rtmpUrl);
    }
    return undefined;
  },
  live: true,
  recordsMix: true,
  jibri: { mode: 'stream', httpFields: JIBRI_HTTP_FIELDS, fromHttp: rtmpFromHttp, fromIq: rtmpFromIq },
  create: (r, id, session) => new RtmpOutput(id, r, channelOf(session)),
  complete(session) {
    // JIBRI_STREAMING_LOCAL_COPY: the streams are also written to the session's one media file, from the same encode.
    const { outputs, plan } = session;
    if (!plan.config.streaming.localCopy || outputs.some((o) => o.mediaFile) || !outputs.some((o) => o.kind === 'rtmp')) return [];
    return [new FileOutput(LOCAL_COPY, plan.mediaFile, 'a local copy')];
  },
  liveChanges: {
    add(r, current, active) {
      if (active.some((o) => o instanceof RtmpOutput && o.url === r.rtmpUrl)) return refuse('The session already streams to this URL');
      const channel = current.find((o): o is RtmpOutput => o instanceof RtmpOutput)?.channel;
      if (!channel?.running) {
        return refuse(
          channel ? 'The session is not recording yet' : 'This session has no stream to add a destination to',
          channel ? 'Try again once the session records' : 'Start the session with an rtmp output (or sinkType "stream") to add destinations while it records',
        );
      }
      const numbers = current.map((o) => Number(/-(\d+)$/.exec(o.id)?.[1] ?? 0));
      const output = new RtmpOutput(`${SHOWN}-${Math.max(0, ...numbers) + 1}`, r, channel);
      output.openLive();
      return { ok: true, output };
    },
    removalRefusal(output: Output) {
      if (output instanceof RtmpOutput && !output.channel.worksWithout(output.id)) {
        return new RecorderError({ code: 'OUTPUT_CHANGE_REFUSED', message: 'This is the last working output of the session', retryable: false, hint: 'Stop the session with stopService instead' });
      }
      return undefined;
    },
    close: async (output) => {
      if (output instanceof RtmpOutput) await output.close();
    },
  },
};

