/**
 * The thumbnails output: a JPEG of the meeting every N seconds in `thumbnails/` beside the recording, from
 * a small ffmpeg of its own beside the session's (thumbnails.ts); the newest is served while live.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MuxerEntry, Output, OutputEvents, OutputSummary, ServedFiles } from '../output';
import { THUMBNAIL_PATTERN, THUMBNAILS_DIR, thumbnailEncode } from './thumbnails';

export class ThumbnailsOutput extends EventEmitter<OutputEvents> implements Output {
  readonly kind = 'thumbnails';
  readonly live = false;
  readonly title: string;
  readonly presence = {};
  readonly served: ServedFiles;

  constructor(
    readonly id: string,
    sessionDir: string,
    private readonly intervalSec: number,
  ) {
    super();
    this.served = { dir: path.join(sessionDir, THUMBNAILS_DIR) };
    this.title = `thumbnails every ${intervalSec} s`;
  }

  open(): Promise<MuxerEntry> {
    fs.mkdirSync(this.served.dir, { recursive: true });
    return Promise.resolve({
      // Each JPEG is written beside its name and renamed: the API never serves half a picture.
      options: { f: 'image2', atomic_writing: '1' },
      target: path.join(this.served.dir, THUMBNAIL_PATTERN),
      ownEncode: thumbnailEncode(this.intervalSec),
    });
  }

  summary(): OutputSummary {
    return { kind: 'thumbnails', shownAs: this.served.dir };
  }

  expectEnd(): void {
    // Each picture is a whole file as soon as it is written.
  }

  finish(): Promise<void> {
    return Promise.resolve();
  }
}
