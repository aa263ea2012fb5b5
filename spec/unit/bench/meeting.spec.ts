/**
 * The pure parts of the meeting bench and of the stand-in meeting: the tile grid, the layer each tile
 * asks for, the clips' ffmpeg arguments, Jibri's command, the reference capture, the process parts.
 */
import { jibriFfmpegArgv, referenceArgv, SSIM_SHIFTS_SEC, ssimArgv } from '../../../bench/meeting';
import { partOf } from '../../../bench/proc-parts';
import { clipArgv, clipName, clipToneHz, layerFor } from '../../../testkit/jitsi-standin/media';
import { meetingClips, tileGrid, tileRects } from '../../../testkit/jitsi-standin/meeting';

describe('the stand-in tile view', () => {
  it('lays out ceil(sqrt(n)) columns of 16:9 tiles, at most 5', () => {
    expect(tileGrid(1, 1280, 720)).toMatchObject({ columns: 1, rows: 1 });
    expect(tileGrid(4, 1280, 720)).toMatchObject({ columns: 2, rows: 2 });
    expect(tileGrid(9, 1920, 1080)).toMatchObject({ columns: 3, rows: 3 });
    expect(tileGrid(30, 1920, 1080)).toMatchObject({ columns: 5, rows: 6 });
    const g = tileGrid(4, 1280, 720);
    expect(g.tileWidth / g.tileHeight).toBeCloseTo(16 / 9);
  });

  it('keeps the tiles inside the window, apart, and centres a short last row', () => {
    for (const [n, w, h] of [[1, 1280, 720], [4, 1280, 720], [9, 1920, 1080], [5, 1280, 720]] as const) {
      const rects = tileRects(n, w, h);
      for (const r of rects) {
        expect(r.x).toBeGreaterThanOrEqual(0);
        expect(r.y).toBeGreaterThanOrEqual(0);
        expect(r.x + r.width).toBeLessThanOrEqual(w);
        expect(r.y + r.height).toBeLessThanOrEqual(h);
      }
      for (let i = 0; i < rects.length; i++) {
        for (let j = i + 1; j < rects.length; j++) {
          const a = rects[i]!;
          const b = rects[j]!;
          expect(a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y).toBe(true);
        }
      }
    }
    // 5 tiles: 3 above, 2 below, the 2 centred under the 3.
    const five = tileRects(5, 1280, 720);
    expect(five[3]!.x + five[4]!.x + five[4]!.width).toBeCloseTo(1280, -1);
  });

  it('asks for the layer Jitsi would: 720p for a large tile, 360p for a small one', () => {
    expect(layerFor(704)).toBe(720);
    expect(layerFor(348)).toBe(360);
    expect(meetingClips(1, 1280, 720).map((c) => c.height)).toEqual([720]);
    expect(meetingClips(4, 1280, 720).map((c) => c.height)).toEqual([360, 360, 360, 360]);
    expect(meetingClips(4, 1920, 1080)[0]!.height).toBe(720);
    expect(meetingClips(9, 1920, 1080)[0]!.height).toBe(360);
    expect(meetingClips(4, 1280, 720, ['vp8', 'h264']).map((c) => c.codec)).toEqual(['vp8', 'h264', 'vp8', 'h264']);
  });
});

describe('the participants clips', () => {
  it('gives every participant its own file and tone', () => {
    expect(clipName({ index: 2, codec: 'vp8', height: 360 })).toMatch(/^p2-vp8-360p-r\d+\.webm$/);
    expect(clipName({ index: 2, codec: 'h264', height: 720 })).toMatch(/^p2-h264-720p-r\d+\.mp4$/);
    const tones = Array.from({ length: 9 }, (_, i) => clipToneHz(i));
    expect(new Set(tones).size).toBe(9);
    for (let i = 1; i < 9; i++) expect(tones[i]! / tones[i - 1]!).toBeGreaterThan(1.1);
  });

  it('encodes VP8 in WebM with Opus and H.264 baseline in MP4 with AAC, at the layer bitrate', () => {
    const vp8 = clipArgv({ index: 0, codec: 'vp8', height: 360 }, 'out.webm');
    expect(vp8).toEqual(expect.arrayContaining(['libvpx', 'libopus', 'webm', '700k']));
    expect(vp8.join(' ')).toContain('gradients=s=640x360');
    const h264 = clipArgv({ index: 1, codec: 'h264', height: 720 }, 'out.mp4');
    expect(h264).toEqual(expect.arrayContaining(['libx264', 'baseline', 'aac', 'mp4', '2500k']));
    expect(h264.join(' ')).toContain(`2*PI*${clipToneHz(1)}*t`);
    expect(h264.at(-1)).toBe('out.mp4');
  });
});

describe("Jibri's pipeline and the reference capture", () => {
  it("is Jibri's recording command with PulseAudio for its ALSA loopback", () => {
    const argv = jibriFfmpegArgv(1280, 720, ':5', 'sink.monitor', 'f.mp4');
    expect(argv.join(' ')).toBe(
      '-y -v info -f x11grab -draw_mouse 0 -r 30 -s 1280x720 -thread_queue_size 4096 -i :5.0+0,0 -f pulse -thread_queue_size 4096 -i sink.monitor ' +
        '-acodec aac -strict -2 -ar 44100 -b:a 128k -af aresample=async=1 -c:v libx264 -pix_fmt yuv420p -r 30 -crf 25 -preset ultrafast -profile:v main -level 3.1 -timestamp now -f mp4 f.mp4',
    );
  });

  it('stamps frames with wall-clock time from one origin only for quality passes', () => {
    const argv = jibriFfmpegArgv(1280, 720, ':5', 'sink.monitor', 'f.mp4', 1_700_000_000_000);
    expect(argv).toContain('-copyts');
    expect(argv.filter((a) => a === '-itsoffset')).toHaveLength(2);
    expect(argv[argv.indexOf('-itsoffset') + 1]).toBe('-1700000000.000');
    const ref = referenceArgv(1920, 1080, ':7', 1_700_000_000_500, 'r.mkv');
    expect(ref).toEqual(expect.arrayContaining(['-copyts', '-qp', '0', '1920x1080', ':7.0+0,0', '-1700000000.500']));
  });

  it('tells the parts of a session tree apart by process name', () => {
    expect(partOf('node', true)).toBe('service');
    expect(partOf('chromium', false)).toBe('chromium');
    expect(partOf('chrome_crashpad', false)).toBe('chromium');
    expect(partOf('ffmpeg', false)).toBe('ffmpeg');
    expect(partOf('Xvfb', false)).toBe('xvfb');
    expect(partOf('sh', false)).toBe('other');
  });
});

describe('every participant clip', () => {
  it('has valid colours for all nine participants', () => {
    for (let index = 0; index < 9; index++) {
      const head = clipArgv({ index, codec: 'vp8', height: 360 }, 'o.webm').find((a) => a.startsWith('color='))!;
      expect(head).toMatch(/^color=c=0x[0-9a-f]{6}:/);
    }
  });
});

describe('the SSIM of a recording against the reference', () => {
  it('compares at each shift of up to two page frames, each on its own null output', () => {
    const argv = ssimArgv('c.mp4', 'r.mkv', 1.5, 7.25);
    const graph = argv[argv.indexOf('-filter_complex') + 1]!;
    expect(graph).toContain('[0:v]split=5[c0][c1][c2][c3][c4]');
    expect(graph).toContain('[c0]setpts=PTS-33333/1000000/TB,trim=start=1.500:end=7.250[s0]');
    expect(graph).toContain('[c2]setpts=PTS+0/1000000/TB');
    expect(graph).toContain('[s4][r4]ssim=shortest=1[o4]');
    expect(argv.filter((a) => a === 'null')).toHaveLength(SSIM_SHIFTS_SEC.length);
  });
});
