/**
 * What the meeting page may send the service about its participants' sound: the page is the meeting's,
 * so every batch is hostile input, checked and bounded; what does not pass is dropped and counted.
 */
import { parseTapBatch, TAP_LIMITS } from '../../../lib/meeting/audio-tap-messages';

const NOW = 1_800_000_000_000;
const batch = (items: unknown[]): string => JSON.stringify({ v: 1, items });

describe('the audio tap batches', () => {
  it('turns well-formed items into events, in order', () => {
    const r = parseTapBatch(
      batch([
        { k: 'join', p: 'a1', n: 'Ada\nLovelace', at: NOW - 10 },
        { k: 'start', t: 1, p: 'a1', first: NOW - 5, at: NOW - 4 },
        { k: 'data', t: 1, b: Buffer.from('opus bytes').toString('base64'), at: NOW },
        { k: 'mute', p: 'a1', m: true, at: NOW + 1 },
        { k: 'speaker', p: 'a1', at: NOW + 2 },
        { k: 'speaker', p: null, at: NOW + 3 },
        { k: 'name', p: 'a1', n: 'Ada L.', at: NOW + 4 },
        { k: 'end', t: 1, r: 'left', at: NOW + 5 },
        { k: 'leave', p: 'a1', at: NOW + 6 },
      ]),
      NOW,
    );
    expect(r.droppedCount).toBe(0);
    expect(r.events.map((e) => e.kind)).toEqual(['joined', 'track-start', 'track-data', 'muted', 'speaker', 'speaker', 'renamed', 'track-end', 'left']);
    expect(r.events[0]).toEqual({ kind: 'joined', participant: 'a1', name: 'Ada Lovelace', atMs: NOW - 10 });
    expect(r.events[1]).toEqual({ kind: 'track-start', track: 1, participant: 'a1', firstSampleAtMs: NOW - 5, atMs: NOW - 4 });
    expect(r.events[2]).toMatchObject({ kind: 'track-data', track: 1, data: Buffer.from('opus bytes') });
  });

  it('drops what is malformed, counts it and says why for the first few', () => {
    const r = parseTapBatch(
      batch([
        { k: 'join', p: 'has space', n: 'x', at: NOW },
        { k: 'join', p: 'x'.repeat(TAP_LIMITS.maxIdChars + 1), at: NOW },
        { k: 'data', t: 1, b: 'not base64!', at: NOW },
        { k: 'data', t: 0, b: '', at: NOW },
        { k: 'start', t: 1.5, p: 'a', at: NOW },
        { k: 'mute', p: 'a', m: 'yes', at: NOW },
        { k: 'launch', at: NOW },
        'a string',
      ]),
      NOW,
    );
    expect(r.events).toEqual([]);
    expect(r.droppedCount).toBe(8);
    expect(r.dropped).toHaveLength(5);
    expect(r.dropped[0]).toBe('join: bad participant id');
  });

  it('does not believe a time far from the service’s clock', () => {
    const r = parseTapBatch(batch([{ k: 'leave', p: 'a', at: NOW + TAP_LIMITS.maxSkewMs + 1 }, { k: 'leave', p: 'b', at: 'noon' }]), NOW);
    expect(r.events.map((e) => e.atMs)).toEqual([NOW, NOW]);
  });

  it('refuses a batch that is not one: too big, not JSON, another version, too many items', () => {
    expect(parseTapBatch('x'.repeat(TAP_LIMITS.maxBatchChars + 1), NOW).dropped[0]).toMatch(/characters/);
    expect(parseTapBatch(42, NOW).dropped).toEqual(['a batch that is not a string']);
    expect(parseTapBatch('{', NOW).dropped).toEqual(['a batch that is not JSON']);
    expect(parseTapBatch(JSON.stringify({ v: 2, items: [] }), NOW).dropped).toEqual(['a batch without version 1 and items']);
    const many = parseTapBatch(batch(Array.from({ length: TAP_LIMITS.maxItems + 3 }, () => ({ k: 'speaker', p: null, at: NOW }))), NOW);
    expect(many.events).toHaveLength(TAP_LIMITS.maxItems);
    expect(many.droppedCount).toBe(1);
  });
});
