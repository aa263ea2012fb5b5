/**
 * The private way the encoder's FLV reaches the service: a unix socket in a fresh folder that only this
 * user may enter (0700), which ffmpeg opens as its stream output (`unix:<path>`). Nothing secret is in
 * that path: the ingest's URL, key and credentials stay in this process. The first connection is the
 * encoder's; the socket then stops listening, so no second writer can join. Reads are never paused: the
 * relay behind it takes every byte at once, so the encoder is never held back by a stream.
 * A folder left by a service that was killed is removed by the next one (lib/proc/temp-dir.ts).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { makeTempDir } from '../../../proc/temp-dir';

export interface EncoderChannel {
  /** What ffmpeg writes the FLV to. */
  readonly target: string;
  /** Resolves when the encoder closed its end (or the channel was closed). */
  readonly ended: Promise<void>;
  /** Whether the encoder ever connected. */
  readonly connected: boolean;
  close(): Promise<void>;
}

export async function openEncoderChannel(onData: (bytes: Buffer) => void): Promise<EncoderChannel> {
  const dir = makeTempDir('flv');
  const file = path.join(dir, 'encoder.sock');
  let connection: net.Socket | undefined;
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  const server = net.createServer((socket) => {
    if (connection) return void socket.destroy();
    connection = socket;
    server.close();
    socket.on('data', onData);
    socket.on('error', () => undefined);
    socket.on('close', () => resolveEnded());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => resolve());
  });
  fs.chmodSync(file, 0o600);
  let closed = false;
  return {
    target: `unix:${file}`,
    ended,
    get connected() {
      return connection !== undefined;
    },
    async close() {
      if (closed) return;
      closed = true;
      connection?.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      resolveEnded();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
