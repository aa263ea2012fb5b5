import * as path from 'node:path';
import { fileTimestamp, recordingFileName, recordingPaths, sessionDirName } from '../../../lib/output/file-layout';
import { markerOfMediaFile, markerPath } from '../../../lib/recorder/crash-marker';

describe('recording layout', () => {
  const at = new Date(2024, 0, 2, 3, 4, 5);
  it("replaces unsafe characters in the session id as Jibri does", () => {
    expect(sessionDirName('foo&bar/baz')).toBe('foo_bar_baz');
    expect(sessionDirName('0b7f5c2e-1d2a_X')).toBe('0b7f5c2e-1d2a_X');
  });
  it('stamps local time as yyyy-MM-dd-HH-mm-ss', () => {
    expect(fileTimestamp(at)).toBe('2024-01-02-03-04-05');
    expect(recordingFileName('room', at)).toBe('room_2024-01-02-03-04-05.mp4');
  });
  it('caps the file name at 125 characters', () => {
    expect(recordingFileName('x'.repeat(200), at)).toHaveLength(125);
  });
  it('keeps call names inside the session folder', () => {
    const p = recordingPaths('/rec', 's', '../../etc/passwd', at);
    expect(path.dirname(p.mediaFile)).toBe('/rec/s');
    expect(p.metadataFile).toBe('/rec/s/metadata.json');
    expect(markerPath('/rec', 's', at).startsWith('/rec/.jibri-ts-state/')).toBe(true);
  });
  it('finds the crash marker of a recording from its media file', () => {
    const p = recordingPaths('/rec', 'a/b', 'room', at);
    expect(markerOfMediaFile('/rec', p.mediaFile)).toBe(markerPath('/rec', 'a/b', at));
  });
});
