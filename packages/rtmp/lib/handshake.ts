/**
 * Pure: RTMP's simple handshake (Adobe's RTMP specification, section 5.2). The client sends C0 (version 3)
 * and C1 (its time, four zero bytes, random bytes); the server answers S0, S1 and S2; the client echoes S1
 * as C2. The digest ("FP9") handshake is not needed by the ingests this recorder was tried with
 * (nginx-rtmp, and the simple handshake is what servers must accept from non-Flash clients); it would be
 * added here if one refused the simple one.
 */

export const RTMP_VERSION = 3;
export const HANDSHAKE_SIZE = 1536;

export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
}

/** C0 and C1 together. `random` fills C1's last 1528 bytes; `time` is the client's epoch in ms. */
export function clientHello(random: Buffer, time: number): Buffer {
  if (random.length !== HANDSHAKE_SIZE - 8) throw new HandshakeError(`C1 needs ${HANDSHAKE_SIZE - 8} random bytes`);
  const out = Buffer.alloc(1 + HANDSHAKE_SIZE);
  out[0] = RTMP_VERSION;
  out.writeUInt32BE(time >>> 0, 1);
  // Bytes 5-8 stay zero: that is what marks the simple handshake.
  random.copy(out, 9);
  return out;
}

/**
 * From S0+S1 (the first 1 + 1536 bytes the server sent) to C2: S1's time, the time S1 was read, S1's
 * random bytes. Throws when the server is not speaking RTMP (an HTTP or TLS server answers otherwise).
 */
export function clientAck(s0s1: Buffer, readAt: number): Buffer {
  if (s0s1.length < 1 + HANDSHAKE_SIZE) throw new HandshakeError('short handshake');
  // Version 3 is plain RTMP; 6 would be RTMPE, which this client never asks for.
  if (s0s1[0] !== RTMP_VERSION) throw new HandshakeError(`the server answered with version ${s0s1[0]}, not RTMP 3`);
  const c2 = Buffer.from(s0s1.subarray(1, 1 + HANDSHAKE_SIZE));
  c2.writeUInt32BE(readAt >>> 0, 4);
  return c2;
}

/** Bytes the client reads before the handshake is done: S0, S1 and S2. */
export const SERVER_HANDSHAKE_BYTES = 1 + 2 * HANDSHAKE_SIZE;
