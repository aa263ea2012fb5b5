/**
 * Pure: an RTMP(S) URL → where to connect and what to publish, with ffmpeg's rules (the client Jibri ran):
 * `rtmp[s]://host[:port]/app[/instance]/stream`. The application is the first path segment, or the
 * first two when more segments follow (an application instance), except that a segment with a `:`
 * before the next `/` starts the stream name (`app/mp4:folder/name`). `/ondemand/...` names the
 * application `ondemand`. Everything after the application is the stream name, query string included
 * (ingests read tokens there; a `/` in that query string does not start an instance, unlike in ffmpeg);
 * a query string inside the first segment stays with the application, as ffmpeg has it
 * (`rtmp://host/live?vhost=v/key`). A stream name ending in `.flv` loses that suffix, and one ending in `.mp4`
 * or `.f4v` without a `:` gets the `mp4:` prefix. tcUrl is the URL up to the application, port included
 * only when the URL gave one. librtmp differs only for paths of four or more segments (it takes three for
 * the application); ffmpeg's rule is the one streams from Jibri have always met.
 */

export interface RtmpEndpoint {
  tls: boolean;
  /** Without IPv6 brackets, for the socket. */
  host: string;
  port: number;
  app: string;
  tcUrl: string;
  /** The publish name: the stream key and its query string. A secret. */
  streamName: string;
}

export type EndpointResult = { ok: true; endpoint: RtmpEndpoint } | { ok: false; message: string };

export const RTMP_PORT = 1935;
export const RTMPS_PORT = 443;

export function parseRtmpUrl(raw: string): EndpointResult {
  const m = /^(rtmps?):\/\/([^/?#]*)(.*)$/i.exec(raw);
  if (!m) return { ok: false, message: 'must be an rtmp:// or rtmps:// URL' };
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!;
  const path = m[3]!;
  if (authority.includes('@')) return { ok: false, message: 'must not carry credentials; pass username and password instead' };
  const hp = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(authority);
  if (!hp) return { ok: false, message: 'must name a host (and optionally a port)' };
  const host = hp[1] ?? hp[2]!;
  const explicitPort = hp[3] === undefined ? undefined : Number(hp[3]);
  if (explicitPort !== undefined && (explicitPort < 1 || explicitPort > 65535)) return { ok: false, message: 'has a port outside 1-65535' };
  const tls = scheme === 'rtmps';
  const port = explicitPort ?? (tls ? RTMPS_PORT : RTMP_PORT);

  const split = splitPath(path);
  if (!split) return { ok: false, message: 'must name the application and the stream key, as rtmp://host/app/key' };
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    ok: true,
    endpoint: {
      tls,
      host,
      port,
      app: split.app,
      tcUrl: `${scheme}://${shownHost}${explicitPort !== undefined ? `:${explicitPort}` : ''}/${split.app}`,
      streamName: playPath(split.name),
    },
  };
}

function splitPath(path: string): { app: string; name: string } | undefined {
  if (!path.startsWith('/')) return undefined;
  if (path.startsWith('/ondemand/')) return nonEmpty('ondemand', path.slice('/ondemand/'.length));
  const rest = path.slice(1);
  const firstSlash = rest.indexOf('/');
  if (firstSlash < 0) return undefined;
  const afterFirst = rest.slice(firstSlash + 1);
  const secondSlash = afterFirst.indexOf('/');
  const colon = afterFirst.indexOf(':');
  const query = afterFirst.indexOf('?');
  // One segment of application, unless a second segment is followed by more (the instance); a ':' before
  // the next '/' is a stream name such as mp4:folder/file, never an instance, and a '/' inside the stream
  // name's query string is the query's (ffmpeg would split there; tokens with slashes must reach the ingest whole).
  if (secondSlash < 0 || (colon >= 0 && colon < secondSlash) || (query >= 0 && query < secondSlash)) return nonEmpty(rest.slice(0, firstSlash), afterFirst);
  return nonEmpty(rest.slice(0, firstSlash + 1 + secondSlash), afterFirst.slice(secondSlash + 1));
}

function nonEmpty(app: string, name: string): { app: string; name: string } | undefined {
  return app && name ? { app, name } : undefined;
}

function playPath(name: string): string {
  if (!name.includes(':') && (name.endsWith('.mp4') || name.endsWith('.f4v'))) return `mp4:${name}`;
  if (name.endsWith('.flv')) return name.slice(0, -4);
  return name;
}
