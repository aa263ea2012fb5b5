/**
 * Each output kind is one descriptor in its own folder (lib/output/<kind>/kind.ts), listed once in
 * kinds.ts, and nothing outside lib/output reaches into a kind's folder: the edges, the recorder and
 * delivery work through the descriptors. (The media worker runs the RTMP fan-out, the one kind's part
 * that lives in a session's own process.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OUTPUT_KINDS } from '../../../lib/output/kinds';
import { everySessionKinds, jibriModes, sessionMode } from '../../../lib/output/outputs';

const root = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
}

describe('output kinds', () => {
  const folders = fs.readdirSync(path.join(root, 'lib/output'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

  it('are one descriptor per folder, each listed once', () => {
    const names = OUTPUT_KINDS.map((k) => k.kind);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(folders).toContain(name);
      expect(fs.readFileSync(path.join(root, 'lib/output', name, 'kind.ts'), 'utf8')).toMatch(new RegExp(`kind: '${name}'`));
    }
    expect(folders.filter((f) => fs.existsSync(path.join(root, 'lib/output', f, 'kind.ts'))).sort()).toEqual([...names].sort());
  });

  it('are reached only through their descriptors outside lib/output', () => {
    const kindFolder = new RegExp(`(from|import\\()\\s*'[./]*(output/)?(${folders.join('|')})/`);
    const outside = sources('lib').filter((f) => !f.startsWith('lib/output/') && !f.startsWith('lib/pipeline/worker/'));
    const reaching = outside.filter((f) => kindFolder.test(fs.readFileSync(path.join(root, f), 'utf8')));
    expect(reaching).toEqual([]);
  });

  it("say what Jibri's protocol and the operator may ask of them", () => {
    expect(jibriModes().sort()).toEqual(['file', 'stream']);
    expect(everySessionKinds()).toEqual(['file', 'hls', 'thumbnails', 'tracks']);
    expect(sessionMode([{ kind: 'hls' }])).toBe('file');
    expect(sessionMode([{ kind: 'hls' }, { kind: 'rtmp', rtmpUrl: 'rtmp://h/a/k' }])).toBe('stream');
  });
});
