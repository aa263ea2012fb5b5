/**
 * The service's temp folders: a folder left by a killed service is removed by the next one of its kind,
 * while a live neighbour's, this process's own and folders without a pid in their name are kept.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeTempDir, sweepDeadTempDirs } from '../../../lib/proc/temp-dir';

describe('temp folders', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temp-dir-spec-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('makes a private folder named with its kind and this pid', () => {
    const dir = makeTempDir('spec');
    try {
      expect(path.basename(dir)).toMatch(new RegExp(`^jibri-ts-spec-${process.pid}-[A-Za-z0-9]{6}$`));
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => makeTempDir('../x')).toThrow(/letters and digits/);
  });

  it("removes a dead service's folders of the kind and keeps everything it cannot judge", () => {
    for (const name of ['jibri-ts-flv-111-aB3dE', 'jibri-ts-flv-222-xY9zQ', 'jibri-ts-flv-Ab12Cd', 'jibri-ts-bin-111-zz9Zz', 'other-333-x']) {
      fs.mkdirSync(path.join(tmp, name));
      fs.writeFileSync(path.join(tmp, name, 'encoder.sock'), '');
    }
    fs.writeFileSync(path.join(tmp, 'jibri-ts-flv-444-file'), '');
    expect(sweepDeadTempDirs('flv', tmp, (pid) => pid === 222)).toBe(1);
    expect(fs.readdirSync(tmp).sort()).toEqual(['jibri-ts-bin-111-zz9Zz', 'jibri-ts-flv-222-xY9zQ', 'jibri-ts-flv-444-file', 'jibri-ts-flv-Ab12Cd', 'other-333-x']);
  });

  it('never removes its own folder', () => {
    fs.mkdirSync(path.join(tmp, `jibri-ts-flv-${process.pid}-own`));
    expect(sweepDeadTempDirs('flv', tmp, () => false)).toBe(0);
    expect(fs.existsSync(path.join(tmp, `jibri-ts-flv-${process.pid}-own`))).toBe(true);
  });
});
