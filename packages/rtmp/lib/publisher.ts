/**
 * Publishes one live stream to one RTMP(S) ingest: TCP (or TLS, with the certificate verified), the
 * simple handshake, connect (with the adobe/llnw challenge-response when the ingest asks for it),
 * releaseStream, FCPublish, createStream, publish; then audio, video and data messages until closed.
 * While publishing it answers pings and acknowledges what it receives, as the ingest's window asks.
 *
 * `publishRtmp` resolves once the ingest said NetStream.Publish.Start, or rejects with a PublishError
 * that says what kind of failure it was (unreachable, not an RTMP ingest, refused, untrusted TLS, failed
 * authentication). Nothing here logs; errors never carry the stream name, the username or the password.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { nextAuthStep, type Credentials } from './auth';
import { ChunkReader, ChunkWriter, type RtmpMessage } from './chunk';
import { ControlState } from './control';
import { clientAck, clientHello, SERVER_HANDSHAKE_BYTES, HANDSHAKE_SIZE } from './handshake';
import * as m from './messages';
import { parseRtmpUrl, type RtmpEndpoint } from './url';

export type PublishFailureKind = 'unreachable' | 'not-rtmp' | 'refused' | 'untrusted' | 'auth' | 'aborted';

export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(readonly kind: PublishFailureKind, message: string) {
    super(message);
  }
}

export interface PublishOptions {
  /** rtmp(s)://host[:port]/app[/instance]/key: a secret. */
  url: string;
  credentials?: Credentials;
  /** PEM certificates trusted for rtmps:// besides the system's (a private or test CA). */
  extraCa?: string;
  /**
   * Where to connect: the caller's address policy resolves the ingest's host once and answers the one
   * checked address, which the connection then uses (SNI and certificate checks keep the host's name).
   * It may throw a PublishError ('refused', 'unreachable'), which publishRtmp passes on. Absent: the
   * host as the system resolves it.
   */
  resolveAddress?: (host: string, port: number) => Promise<string>;
  /** Connect, handshake and publish must be done within this. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export type MediaKind = 'audio' | 'video' | 'metadata';

/** A stream being published: what the relay writes media into. */
export interface Publication {
  /** Sends one FLV tag body; false when the connection's buffer is full (a 'drain' follows). */
  send(kind: MediaKind, timestamp: number, body: Buffer): boolean;
  readonly needsDrain: boolean;
  /** Bytes handed to the socket that the kernel has not taken yet. */
  readonly buffered: number;
  on(event: 'drain', listener: () => void): this;
  /** The connection ended (not by close()); the reason is fit for logs. */
  on(event: 'lost', listener: (reason: string) => void): this;
  off(event: 'drain', listener: () => void): this;
  off(event: 'lost', listener: (reason: string) => void): this;
  /** Unpublishes and closes; resolves once the socket is closed (bounded). */
  close(): Promise<void>;
  /** Drops the connection at once, without a 'lost' event (a stalled ingest, a failed destination). */
  abort(): void;
}

const CHUNK_SIZE = 4096;
/** What ffmpeg and OBS say: some ingests only take publishers that present themselves as FMLE. */
const FLASH_VER = 'FMLE/3.0 (compatible; jibri-ts)';
const MAX_AUTH_CONNECTS = 3;

/**
 * The ingest's own words (descriptions) may quote the stream name or the user; they are shortened and
 * every secret in them is masked before they are shown.
 */
export function cleanServerText(text: string, secrets: readonly string[]): string {
  // eslint-disable-next-line no-control-regex
  let out = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('****');
  return out.length > 200 ? `${out.slice(0, 200)}…` : out;
}

export async function publishRtmp(opts: PublishOptions): Promise<Publication> {
  const parsed = parseRtmpUrl(opts.url);
  if (!parsed.ok) throw new PublishError('refused', `the URL ${parsed.message}`);
  const endpoint = parsed.endpoint;
  const secrets = [endpoint.streamName, safeDecode(endpoint.streamName), opts.credentials?.username ?? '', opts.credentials?.password ?? ''].filter(Boolean);
  const deadline = Date.now() + opts.timeoutMs;
  let authParams = '';
  let responded = false;
  const address = opts.resolveAddress ? await opts.resolveAddress(endpoint.host, endpoint.port) : undefined;
  for (let attempt = 1; ; attempt++) {
    const conn = new Connection(endpoint, opts, secrets, address);
    try {
      await conn.open(authParams, deadline);
      return conn;
    } catch (err) {
      conn.destroy();
      if (!(err instanceof ConnectRejected)) throw err;
      const step = nextAuthStep({ description: err.description, ...(opts.credentials ? { credentials: opts.credentials } : {}), app: endpoint.app, responded, random8: () => randomBytes(4).toString('hex') });
      if (step.kind === 'not-auth') throw new PublishError('refused', `the ingest refused the connection (${cleanServerText(err.summary, secrets)})`);
      if (step.kind === 'fail') throw new PublishError('auth', step.reason);
      if (attempt >= MAX_AUTH_CONNECTS) throw new PublishError('auth', 'the ingest kept asking for authentication');
      authParams = step.params;
      responded = step.responded;
    }
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A connect answered with _error: the caller decides whether authentication can answer it. */
class ConnectRejected extends Error {
  constructor(readonly description: string, readonly summary: string) {
    super(summary);
  }
}

type Phase = 'tcp' | 'tls' | 'handshake' | 'connect' | 'publish' | 'live' | 'closing' | 'closed';

interface ConnectionEvents {
  drain: [];
  lost: [reason: string];
}

class Connection extends EventEmitter<ConnectionEvents> implements Publication {
  private socket: net.Socket | tls.TLSSocket | undefined;
  private phase: Phase = 'tcp';
  private handshakeBytes: Buffer[] = [];
  private handshakeLength = 0;
  private c2Sent = false;
  private readonly reader = new ChunkReader();
  private readonly writer = new ChunkWriter();
  private transactions = 0;
  private readonly waiting = new Map<number, (cmd: m.Command) => void>();
  private onPublishStatus: ((info: m.StatusInfo) => void) | undefined;
  private streamId = 0;
  private readonly control = new ControlState();
  private lostReported = false;

  constructor(
    private readonly endpoint: RtmpEndpoint,
    private readonly opts: PublishOptions,
    private readonly secrets: readonly string[],
    /** The checked address to connect to (PublishOptions.resolveAddress); the URL's host otherwise. */
    private readonly address?: string,
  ) {
    super();
  }

  open(authParams: string, deadline: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const { endpoint, opts } = this;
      if (opts.signal?.aborted) return reject(new PublishError('aborted', 'the publish was cancelled'));
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = (): void => finish(new PublishError('aborted', 'the publish was cancelled'));
      opts.signal?.addEventListener('abort', onAbort);
      timer = setTimeout(() => {
        const secs = Math.round(opts.timeoutMs / 1000);
        if (this.phase === 'tcp') finish(new PublishError('unreachable', `no connection within ${secs} s`));
        else if (this.phase === 'tls') finish(new PublishError('not-rtmp', `the TLS handshake did not complete within ${secs} s: the port may not speak TLS`));
        else if (this.phase === 'handshake') finish(new PublishError('not-rtmp', `the server accepted the connection but did not answer as an RTMP ingest within ${secs} s`));
        else finish(new PublishError('not-rtmp', `the ingest did not accept the publish within ${secs} s`));
      }, Math.max(0, deadline - Date.now()));

      const onConnected = (): void => {
        this.phase = 'handshake';
        this.socket!.setNoDelay(true);
        this.socket!.write(clientHello(randomBytes(HANDSHAKE_SIZE - 8), 0));
      };
      const host = this.address ?? endpoint.host;
      const socket = endpoint.tls
        ? tls.connect({
            host,
            port: endpoint.port,
            // SNI takes a name, never an address.
            ...(net.isIP(endpoint.host) ? {} : { servername: endpoint.host }),
            rejectUnauthorized: true,
            ...(opts.extraCa ? { ca: [...tls.rootCertificates, opts.extraCa] } : {}),
          })
        : net.connect({ host, port: endpoint.port });
      this.socket = socket;
      if (endpoint.tls) {
        socket.once('connect', () => (this.phase = 'tls'));
        socket.once('secureConnect', onConnected);
      } else socket.once('connect', onConnected);
      socket.on('data', (data: Buffer) => {
        try {
          this.onData(data, authParams, finish);
        } catch (err) {
          const reason = `the ingest sent something that is not RTMP (${(err as Error).message})`;
          if (!settled) finish(new PublishError(this.phase === 'handshake' ? 'not-rtmp' : 'refused', reason));
          else this.lose(reason);
          this.destroy();
        }
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (!settled) finish(this.openError(err));
        else this.lose(`connection error: ${err.code ?? err.message}`);
      });
      socket.on('close', () => {
        const before = this.phase;
        this.phase = 'closed';
        if (!settled) {
          if (before === 'tcp') finish(new PublishError('unreachable', 'the connection closed before it was established'));
          else if (before === 'tls') finish(new PublishError('not-rtmp', 'the server closed the connection during the TLS handshake'));
          else if (before === 'handshake') finish(new PublishError('not-rtmp', 'the server closed the connection during the RTMP handshake'));
          // What an ingest does when it will not take this application or stream: Jibri's BadRtmpUrl.
          else finish(new PublishError('refused', `the ingest closed the connection during ${before === 'connect' ? 'connect' : 'publish'}`));
        } else this.lose('the ingest closed the connection');
      });
      socket.on('drain', () => this.emit('drain'));
    });
  }

  private openError(err: NodeJS.ErrnoException): PublishError {
    const code = err.code ?? '';
    if (this.phase === 'tcp' || this.phase === 'tls') {
      // TLS verification fails before secureConnect, with OpenSSL's codes.
      if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|HOSTNAME/.test(code)) return new PublishError('untrusted', `its TLS certificate is not trusted (${code})`);
      if (this.phase === 'tls' || /^ERR_SSL|EPROTO/.test(code)) return new PublishError('not-rtmp', `TLS failed (${code || err.message}): the port may not speak TLS`);
      return new PublishError('unreachable', code || err.message);
    }
    return new PublishError(this.phase === 'handshake' ? 'not-rtmp' : 'refused', `connection error during ${this.phase} (${code || err.message})`);
  }

  private onData(data: Buffer, authParams: string, finish: (err?: Error) => void): void {
    const ack = this.control.bytesReceived(data.length);
    if (this.phase === 'handshake') {
      this.handshakeBytes.push(data);
      this.handshakeLength += data.length;
      if (!this.c2Sent && this.handshakeLength >= 1 + HANDSHAKE_SIZE) {
        const s0s1 = Buffer.concat(this.handshakeBytes);
        this.handshakeBytes = [s0s1];
        this.socket!.write(clientAck(s0s1, 0));
        this.c2Sent = true;
      }
      if (this.handshakeLength < SERVER_HANDSHAKE_BYTES) return;
      const all = Buffer.concat(this.handshakeBytes);
      this.handshakeBytes = [];
      this.phase = 'connect';
      this.startConnect(authParams, finish);
      data = all.subarray(SERVER_HANDSHAKE_BYTES);
      if (!data.length) return;
    }
    for (const msg of this.reader.push(data)) this.onMessage(msg);
    if (ack) this.sendControl(ack);
  }

  private startConnect(authParams: string, finish: (err?: Error) => void): void {
    const { endpoint } = this;
    this.sendControl(m.setChunkSize(CHUNK_SIZE));
    this.writer.setChunkSize(CHUNK_SIZE);
    const connectTxn = this.call(
      'connect',
      0,
      { app: endpoint.app + authParams, type: 'nonprivate', flashVer: FLASH_VER, swfUrl: endpoint.tcUrl + authParams, tcUrl: endpoint.tcUrl + authParams },
    );
    this.waiting.set(connectTxn, (cmd) => {
      if (cmd.name !== '_result') {
        const info = m.statusInfo(cmd.args[0] ?? cmd.commandObject);
        const description = info.description ?? '';
        finish(new ConnectRejected(description, [info.code, description].filter(Boolean).join(': ') || 'connect refused'));
        return;
      }
      this.phase = 'publish';
      const name = endpoint.streamName;
      this.call('releaseStream', 0, null, name);
      this.call('FCPublish', 0, null, name);
      const createTxn = this.call('createStream', 0, null);
      this.waiting.set(createTxn, (created) => {
        const id = created.args[0];
        if (created.name !== '_result' || typeof id !== 'number') {
          finish(new PublishError('refused', 'the ingest did not create a stream'));
          return;
        }
        this.streamId = id;
        this.onPublishStatus = (info) => {
          if (info.code === 'NetStream.Publish.Start') {
            this.phase = 'live';
            this.onPublishStatus = undefined;
            finish();
          } else if (info.level === 'error' || /Publish\.(BadName|Denied|Rejected)|Failed/.test(info.code ?? '')) {
            finish(new PublishError('refused', `the ingest refused the stream (${cleanServerText([info.code, info.description].filter(Boolean).join(': '), this.secrets)})`));
          }
        };
        this.call('publish', id, null, name, 'live');
      });
    });
  }

  private call(name: string, streamId: number, obj: Parameters<typeof m.command>[3], ...args: Parameters<typeof m.command>[4][]): number {
    const txn = ++this.transactions;
    this.write(m.CSID_COMMAND, m.command(name, txn, streamId, obj, ...args));
    return txn;
  }

  private onMessage(msg: RtmpMessage): void {
    for (const answer of this.control.answer(msg)) this.sendControl(answer);
    // Besides control messages, only commands need handling (acknowledgements of what we sent need nothing).
    if (msg.type !== m.MSG_COMMAND_AMF0) return;
    const cmd = m.readCommand(msg.payload);
    if (!cmd) return;
    if (cmd.name === '_result' || cmd.name === '_error') {
      const waiter = this.waiting.get(cmd.transactionId);
      this.waiting.delete(cmd.transactionId);
      waiter?.(cmd);
    } else if (cmd.name === 'onStatus') {
      const info = m.statusInfo(cmd.args[0] ?? cmd.commandObject);
      if (this.onPublishStatus) this.onPublishStatus(info);
      else if (this.phase === 'live' && info.level === 'error') {
        this.lose(`the ingest ended the stream (${cleanServerText([info.code, info.description].filter(Boolean).join(': '), this.secrets)})`);
        this.destroy();
      }
    }
  }

  private write(csid: number, msg: RtmpMessage): boolean {
    const socket = this.socket;
    if (!socket || socket.destroyed || this.phase === 'closed') return false;
    return socket.write(this.writer.write(csid, msg));
  }

  private sendControl(msg: RtmpMessage): void {
    this.write(m.CSID_CONTROL, msg);
  }

  send(kind: MediaKind, timestamp: number, body: Buffer): boolean {
    if (this.phase !== 'live') return false;
    switch (kind) {
      case 'audio':
        return this.write(m.CSID_AUDIO, { type: m.MSG_AUDIO, streamId: this.streamId, timestamp, payload: body });
      case 'video':
        return this.write(m.CSID_VIDEO, { type: m.MSG_VIDEO, streamId: this.streamId, timestamp, payload: body });
      case 'metadata':
        return this.write(m.CSID_DATA, { ...m.setDataFrame(body, this.streamId), timestamp });
    }
  }

  get needsDrain(): boolean {
    return this.socket?.writableNeedDrain ?? false;
  }

  get buffered(): number {
    return this.socket?.writableLength ?? 0;
  }

  private lose(reason: string): void {
    if (this.lostReported || this.phase === 'closing') return;
    this.lostReported = true;
    this.emit('lost', reason);
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    if (this.phase === 'live') {
      this.call('FCUnpublish', 0, null, this.endpoint.streamName);
      this.call('deleteStream', 0, null, this.streamId);
    }
    this.phase = 'closing';
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.end();
    const timer = setTimeout(() => socket.destroy(), 2000);
    await closed;
    clearTimeout(timer);
  }

  abort(): void {
    this.phase = 'closing';
    this.socket?.destroy();
  }

  destroy(): void {
    this.socket?.destroy();
  }
}
