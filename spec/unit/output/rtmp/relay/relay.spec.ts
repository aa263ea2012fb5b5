/**
 * The relay and its destinations with a fake clock and fake publications (what the RTMP publisher gives
 * the relay): starts at key frames with the headers and a timestamp base of their own, bounded queues that
 * never hold the encoder back, reconnects every 2 s, failure after the retry time, and destinations added
 * and removed while the stream runs.
 */
import { EventEmitter } from 'node:events';
import { encodeAmf0 } from '@jibri-ts/rtmp';
import { encodeTag, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO, type FlvTag } from '@jibri-ts/rtmp';
import { PublishError, type MediaKind, type Publication } from '@jibri-ts/rtmp';
import { Destination, type DestinationOptions } from '../../../../../lib/output/rtmp/relay/destination';
import { StreamRelay } from '../../../../../lib/output/rtmp/relay/relay';
import { FakeClock, settle } from '../../../../support/fake-clock';

const FLV_HEADER = Buffer.from('464c5601050000000900000000', 'hex');
const metadata: FlvTag = { type: TAG_SCRIPT, timestamp: 0, data: encodeAmf0('onMetaData', { width: 1280 }) };
const videoHeader: FlvTag = { type: TAG_VIDEO, timestamp: 0, data: Buffer.from('170000000001640028', 'hex') };
const audioHeader: FlvTag = { type: TAG_AUDIO, timestamp: 0, data: Buffer.from('af001210', 'hex') };
const video = (ts: number, key: boolean): FlvTag => ({ type: TAG_VIDEO, timestamp: ts, data: Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0, ts & 0xff, 9]) });
const audio = (ts: number): FlvTag => ({ type: TAG_AUDIO, timestamp: ts, data: Buffer.from([0xaf, 1, ts & 0xff, 5]) });

/**
 * The encoder's stream from `fromMs` to `toMs`: sound every 23 ms from 5 ms, pictures every 33 ms from
 * 10 ms with a key frame every 30 pictures (at 10, 1000, 1990, 2980 ... ms).
 */
function media(fromMs: number, toMs: number): FlvTag[] {
  const tags: FlvTag[] = [];
  for (let t = fromMs; t < toMs; t++) {
    if (t % 23 === 5) tags.push(audio(t));
    if (t >= 10 && (t - 10) % 33 === 0) tags.push(video(t, ((t - 10) / 33) % 30 === 0));
  }
  return tags;
}

class FakePublication extends EventEmitter implements Publication {
  sent: Array<{ kind: MediaKind; timestamp: number; body: Buffer }> = [];
  blocked = false;
  closed = false;
  aborted = false;
  send(kind: MediaKind, timestamp: number, body: Buffer): boolean {
    this.sent.push({ kind, timestamp, body });
    return !this.blocked;
  }
  get needsDrain(): boolean {
    return this.blocked;
  }
  get buffered(): number {
    return 0;
  }
  unblock(): void {
    this.blocked = false;
    this.emit('drain');
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  abort(): void {
    this.aborted = true;
  }
  /** What the ingest received as [kind, timestamp], headers named. */
  seen(): Array<[string, number]> {
    return this.sent.map((s) => [s.kind === 'video' && s.body[1] === 0 ? 'video-header' : s.kind === 'audio' && s.body[1] === 0 ? 'audio-header' : s.kind === 'video' && s.body[0] === 0x17 ? 'key' : s.kind, s.timestamp]);
  }
}

/** A connect whose every attempt the spec settles: resolve with a publication, or reject. */
class Ingest {
  attempts: Array<{ at: number; resolve: (p: Publication) => void; reject: (e: Error) => void }> = [];
  constructor(private readonly clock: FakeClock) {}
  connect = (): Promise<Publication> =>
    new Promise((resolve, reject) => {
      this.attempts.push({ at: this.clock.now(), resolve, reject });
    });
  async accept(): Promise<FakePublication> {
    const p = new FakePublication();
    this.attempts.at(-1)!.resolve(p);
    await settle();
    return p;
  }
  async refuse(kind: ConstructorParameters<typeof PublishError>[0], message = 'no'): Promise<void> {
    this.attempts.at(-1)!.reject(new PublishError(kind, message));
    await settle();
  }
}

function setup(opts: Partial<DestinationOptions> = {}): { relay: StreamRelay; clock: FakeClock; add: (id: string, o?: Partial<DestinationOptions>) => Ingest; feed: (tags: FlvTag[]) => void } {
  const clock = new FakeClock();
  const relay = new StreamRelay();
  let headerSent = false;
  return {
    relay,
    clock,
    add(id, o = {}) {
      const ingest = new Ingest(clock);
      relay.add(new Destination({ id, shownAs: `rtmp://h/${id}/****`, connect: ingest.connect, retryTimeoutMs: 10000, clock, ...opts, ...o }));
      return ingest;
    },
    feed(tags) {
      const bytes = Buffer.concat([headerSent ? Buffer.alloc(0) : FLV_HEADER, ...tags.map(encodeTag)]);
      headerSent = true;
      // In uneven slices, as a socket delivers them.
      for (let off = 0; off < bytes.length; off += 700) relay.push(bytes.subarray(off, off + 700));
    },
  };
}

describe('the relay', () => {
  it('starts a destination at the first key frame, after the metadata and both headers, all counted from 0', async () => {
    const { add, feed } = setup();
    const ingest = add('a');
    const pub = await ingest.accept();
    feed([metadata, videoHeader, audioHeader, ...media(0, 1200)]);
    const seen = pub.seen();
    expect(seen.slice(0, 4)).toEqual([['metadata', 0], ['video-header', 0], ['audio-header', 0], ['key', 0]]);
    // The first key frame is at 10 ms: sound from before it is not sent, and everything moves by 10 ms.
    const sound = seen.filter(([k]) => k === 'audio').map(([, t]) => t);
    expect(sound[0]).toBe(28 - 10);
    expect(seen.filter(([k]) => k === 'video').map(([, t]) => t)[0]).toBe(43 - 10);
    expect(seen.filter(([k]) => k === 'key').map(([, t]) => t)).toEqual([0, 990]);
    expect(pub.sent.find((s) => s.kind === 'metadata')!.body.equals(metadata.data)).toBe(true);
  });

  it('starts a destination added mid-stream at the cached key frame, with its own timestamp base', async () => {
    const { add, feed } = setup();
    const first = await add('a').accept();
    feed([metadata, videoHeader, audioHeader, ...media(0, 1500)]);
    const late = await add('b').accept();
    // No wait for the next key frame: the picture group from 1010 ms is there at once.
    expect(late.seen().slice(0, 4)).toEqual([['metadata', 0], ['video-header', 0], ['audio-header', 0], ['key', 0]]);
    expect(late.seen().at(-1)![1]).toBeGreaterThan(400);
    feed(media(1500, 2500));
    const keysOf = (p: FakePublication): number[] => p.seen().filter(([k]) => k === 'key').map(([, t]) => t);
    expect(keysOf(first)).toEqual([0, 990, 1980]);
    expect(keysOf(late)).toEqual([0, 990]);
    // Sound and picture moved by the same offset (the late one counts from 1000 ms, the first from 10 ms):
    // each keeps the encoder's spacing between a picture and its sound.
    const onEncoderClock = (p: FakePublication, base: number, kind: string): number[] => p.seen().filter(([k]) => k === kind).map(([, t]) => t + base).filter((t) => t >= 1500);
    for (const kind of ['audio', 'video', 'key']) expect(onEncoderClock(late, 1000, kind)).toEqual(onEncoderClock(first, 10, kind));
  });

  it('never waits for a slow destination: the others get everything, the slow one skips to a key frame', async () => {
    const { relay, add, feed } = setup({ maxLagMs: 1500 });
    const slow = await add('slow').accept();
    const fast = await add('fast').accept();
    const behind: number[] = [];
    relay.on('behind', (_id: string, n: number) => behind.push(n));
    feed([metadata, videoHeader, audioHeader, ...media(0, 200)]);
    slow.blocked = true;
    feed(media(200, 6000));
    expect(fast.seen().filter(([k]) => k === 'key')).toHaveLength(media(0, 6000).filter((t) => t.data[0] === 0x17).length);
    expect(behind.length).toBeGreaterThan(0);
    expect(relay.get('slow')!.droppedFrames).toBeGreaterThan(60);
    const before = slow.sent.length;
    slow.unblock();
    // What it sends after catching up begins with a key frame, never in the middle of a picture group.
    const resumed = slow.seen().slice(before).filter(([k]) => k !== 'audio');
    expect(resumed[0]![0]).toBe('key');
  });

  it('sends the headers again when falling behind dropped them before they went out', async () => {
    const { relay, add, feed } = setup({ maxLagMs: 1500 });
    const pub = await add('a').accept();
    pub.blocked = true;
    feed([metadata, videoHeader, audioHeader, ...media(0, 4000)]);
    expect(pub.sent).toHaveLength(0);
    expect(relay.get('a')!.droppedFrames).toBeGreaterThan(0);
    pub.unblock();
    expect(pub.seen().slice(0, 4).map(([k]) => k)).toEqual(['metadata', 'video-header', 'audio-header', 'key']);
    // The timestamps go on from the first start (no new base while connected).
    expect(pub.seen()[3]![1]).toBeGreaterThan(1900);
  });

  it('drops and reconnects an ingest that takes nothing for the stall time', async () => {
    const { relay, clock, add, feed } = setup({ stallMs: 10000 });
    const ingest = add('a');
    const pub = await ingest.accept();
    feed([metadata, videoHeader, audioHeader, ...media(0, 500)]);
    pub.blocked = true;
    feed(media(500, 600));
    await clock.advance(9000);
    expect(relay.get('a')!.state).toBe('live');
    await clock.advance(3000);
    expect(pub.aborted).toBe(true);
    expect(relay.get('a')!.state).toBe('reconnecting');
    expect(ingest.attempts).toHaveLength(2);
  });

  it('reconnects every 2 s after a drop; the new publish starts again at 0 with the headers', async () => {
    const { relay, clock, add, feed } = setup();
    const states: string[] = [];
    relay.on('state', (_id: string, s: { state: string }) => states.push(s.state));
    const ingest = add('a');
    const pub = await ingest.accept();
    feed([metadata, videoHeader, audioHeader, ...media(0, 1500)]);
    pub.emit('lost', 'the ingest closed the connection');
    await settle();
    expect(relay.get('a')).toMatchObject({ state: 'reconnecting', lastError: 'the ingest closed the connection' });
    expect(pub.aborted).toBe(true);
    // The first attempt at once, then every 2 s.
    expect(ingest.attempts.map((a) => a.at - ingest.attempts[0]!.at)).toEqual([0, 0]);
    await ingest.refuse('unreachable', 'ECONNREFUSED');
    await clock.advance(1999);
    expect(ingest.attempts).toHaveLength(2);
    await clock.advance(1);
    expect(ingest.attempts).toHaveLength(3);
    await ingest.refuse('refused', 'closed during connect');
    await clock.advance(2000);
    feed(media(1500, 2300));
    const again = await ingest.accept();
    expect(relay.get('a')).toMatchObject({ state: 'live', reconnects: 1 });
    expect(again.seen().slice(0, 4)).toEqual([['metadata', 0], ['video-header', 0], ['audio-header', 0], ['key', 0]]);
    expect(states).toEqual(['live', 'reconnecting', 'live']);
  });

  it('fails a destination that stays down past the retry time', async () => {
    const { relay, clock, add } = setup();
    const failures: string[] = [];
    relay.on('failed', (_id: string, e: { code: string }) => failures.push(e.code));
    const ingest = add('a', { retryTimeoutMs: 5000 });
    const pub = await ingest.accept();
    pub.emit('lost', 'gone');
    for (let i = 0; i < 4; i++) {
      await ingest.refuse('unreachable', 'ECONNREFUSED');
      await clock.advance(2000);
    }
    expect(failures).toEqual(['STREAM_LOST']);
    expect(relay.get('a')!.state).toBe('failed');
    const attempts = ingest.attempts.length;
    await clock.advance(10000);
    expect(ingest.attempts).toHaveLength(attempts);
  });

  it.each([
    ['refused', 'STREAM_REFUSED', false],
    ['unreachable', 'STREAM_UNREACHABLE', true],
  ] as const)('fails at once when the first publish is %s', async (kind, code, retryable) => {
    const { relay, add } = setup();
    const failures: Array<{ code: string; retryable: boolean }> = [];
    relay.on('failed', (_id: string, e: { code: string; retryable: boolean }) => failures.push(e));
    const ingest = add('a');
    await ingest.refuse(kind);
    expect(failures).toMatchObject([{ code, retryable }]);
    expect(ingest.attempts).toHaveLength(1);
  });

  it('adds and removes destinations while the stream runs, without touching the others', async () => {
    const { relay, add, feed } = setup();
    const a = await add('a').accept();
    feed([metadata, videoHeader, audioHeader, ...media(0, 1200)]);
    const b = await add('b').accept();
    expect(() => add('b')).toThrow(/exists/);
    feed(media(1200, 1600));
    expect(await relay.remove('a')).toBe(true);
    expect(a.closed).toBe(true);
    const aCount = a.sent.length;
    const bCount = b.sent.length;
    feed(media(1600, 2600));
    expect(a.sent.length).toBe(aCount);
    expect(b.sent.length).toBeGreaterThan(bCount);
    expect(relay.status().map((s) => s.id)).toEqual(['b']);
    expect(await relay.remove('a')).toBe(false);
    // A destination removed while it is still connecting never publishes.
    const pendingIngest = add('c');
    await relay.remove('c');
    const late = await pendingIngest.accept();
    expect(late.closed).toBe(true);
  });

  it('at the end sends what is queued, then unpublishes', async () => {
    const { relay, add, feed } = setup();
    const pub = await add('a').accept();
    feed([metadata, videoHeader, audioHeader, ...media(0, 300)]);
    pub.blocked = true;
    feed(media(300, 900));
    const ended = relay.end(3000);
    await settle();
    expect(pub.closed).toBe(false);
    pub.unblock();
    await ended;
    expect(pub.closed).toBe(true);
    expect(pub.seen().at(-1)![1]).toBeGreaterThan(850);
    expect(() => add('late')).toThrow(/ended/);
  });

  it('reports input that is not FLV, once', () => {
    const { relay } = setup();
    const errors: Error[] = [];
    relay.on('input-error', (e: Error) => errors.push(e));
    relay.push(Buffer.from('not flv at all'));
    relay.push(Buffer.from('more'));
    expect(errors).toHaveLength(1);
  });
});
