/** The handshake and the control and command messages a publisher exchanges. */
import { encodeAmf0 } from '../../lib/amf0';
import type { RtmpMessage } from '../../lib/chunk';
import { ControlState } from '../../lib/control';
import { clientAck, clientHello, HandshakeError, HANDSHAKE_SIZE } from '../../lib/handshake';
import * as m from '../../lib/messages';
import { cleanServerText } from '../../lib/publisher';

describe('simple handshake', () => {
  it('sends C0 (version 3) and C1 (time, zeros, random)', () => {
    const random = Buffer.alloc(HANDSHAKE_SIZE - 8, 0xab);
    const c0c1 = clientHello(random, 0x01020304);
    expect(c0c1.length).toBe(1 + 1536);
    expect(c0c1.subarray(0, 9).toString('hex')).toBe('030102030400000000');
    expect(c0c1.subarray(9).equals(random)).toBe(true);
  });

  it("echoes S1 as C2 with the time it read S1", () => {
    const s1 = Buffer.alloc(1536, 7);
    s1.writeUInt32BE(42, 0);
    const c2 = clientAck(Buffer.concat([Buffer.from([3]), s1]), 99);
    expect(c2.readUInt32BE(0)).toBe(42);
    expect(c2.readUInt32BE(4)).toBe(99);
    expect(c2.subarray(8).equals(s1.subarray(8))).toBe(true);
  });

  it('refuses a server that does not answer as RTMP 3', () => {
    expect(() => clientAck(Buffer.concat([Buffer.from('HTTP/1.1 400 Bad Request\r\n'), Buffer.alloc(1536)]), 0)).toThrow(HandshakeError);
  });
});

describe('messages', () => {
  it('builds protocol control messages', () => {
    expect(m.setChunkSize(4096)).toEqual({ type: 1, streamId: 0, timestamp: 0, payload: Buffer.from('00001000', 'hex') });
    expect(m.acknowledgement(2 ** 32 + 5).payload.toString('hex')).toBe('00000005');
    expect(m.windowAckSize(2500000).payload.toString('hex')).toBe('002625a0');
    expect(m.pingResponse(1234)).toMatchObject({ type: 4, payload: Buffer.from('0007000004d2', 'hex') });
  });

  it('reads user control events', () => {
    expect(m.readUserControl(Buffer.from('0006000004d2', 'hex'))).toEqual({ event: m.UC_PING_REQUEST, value: 1234 });
    expect(m.readUserControl(Buffer.from('0006', 'hex'))).toBeUndefined();
  });

  it('builds commands and reads the answers', () => {
    const publish = m.command('publish', 5, 1, null, 'key', 'live');
    expect(publish).toMatchObject({ type: 20, streamId: 1 });
    expect(m.readCommand(publish.payload)).toEqual({ name: 'publish', transactionId: 5, commandObject: null, args: ['key', 'live'] });
    const status = m.readCommand(encodeAmf0('onStatus', 0, null, { level: 'error', code: 'NetStream.Publish.BadName', description: 'Already publishing' }))!;
    expect(m.statusInfo(status.args[0])).toEqual({ level: 'error', code: 'NetStream.Publish.BadName', description: 'Already publishing' });
    expect(m.readCommand(Buffer.from('ff', 'hex'))).toBeUndefined();
    expect(m.readCommand(encodeAmf0(12))).toBeUndefined();
  });

  it('prefixes the metadata with @setDataFrame', () => {
    const body = encodeAmf0('onMetaData', { width: 1280 });
    const msg = m.setDataFrame(body, 1);
    expect(msg.type).toBe(18);
    expect(msg.payload.equals(Buffer.concat([encodeAmf0('@setDataFrame'), body]))).toBe(true);
  });

  it("masks secrets in an ingest's own words and keeps them short", () => {
    expect(cleanServerText('NetStream.Publish.BadName: stream KEY-123 is\nalready publishing', ['KEY-123'])).toBe('NetStream.Publish.BadName: stream **** is already publishing');
    expect(cleanServerText('x'.repeat(500), []).length).toBeLessThanOrEqual(201);
  });
});

describe('answers to the ingest', () => {
  const control = (type: number, hex: string): RtmpMessage => ({ type, streamId: 0, timestamp: 0, payload: Buffer.from(hex, 'hex') });

  it('answers a ping request with a ping response carrying its timestamp', () => {
    expect(new ControlState().answer(control(4, '0006000004d2'))).toEqual([m.pingResponse(1234)]);
    // Stream begin and other events need no answer.
    expect(new ControlState().answer(control(4, '000000000001'))).toEqual([]);
  });

  it('answers a new peer bandwidth with that window size, once', () => {
    const c = new ControlState();
    expect(c.answer(control(6, '004c4b4002'))).toEqual([m.windowAckSize(5000000)]);
    expect(c.answer(control(6, '004c4b4002'))).toEqual([]);
  });

  it("acknowledges received bytes each time the ingest's window is crossed", () => {
    const c = new ControlState();
    expect(c.answer(control(5, '000003e8'))).toEqual([]);
    expect(c.bytesReceived(600)).toBeUndefined();
    expect(c.bytesReceived(600)).toEqual(m.acknowledgement(1200));
    expect(c.bytesReceived(999)).toBeUndefined();
    expect(c.bytesReceived(1)).toEqual(m.acknowledgement(2200));
  });
});
