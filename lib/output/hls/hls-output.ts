/**
 * The HLS output: segments of about two seconds and a playlist, from the same encode (a tee entry),
 * written into `hls/` in the session's folder. The service serves them while live (lib/http) to the API
 * token or to the session's own viewer token, made here; the playlist and every segment stay with the
 * recording at the end (and go with it when uploads are configured).
 */
import { EventEmitter } from 'node:events';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { registerSecret } from '../../redact';
import type { MuxerEntry, Output, OutputEvents, OutputSummary, ServedFiles } from '../output';
import { HLS_DIR, hlsMuxerOptions, PLAYLIST, SEGMENT_SEC } from './hls-files';

export class HlsOutput extends EventEmitter<OutputEvents> implements Output {
  readonly kind = 'hls';
  readonly live = false;
  readonly title = 'HLS';
  readonly presence = {};
  readonly served: ServedFiles;
  readonly playlist: string;

  constructor(
    readonly id: string,
    sessionDir: string,
  ) {
    super();
    const dir = path.join(sessionDir, HLS_DIR);
    // Anyone holding it may watch: a secret, masked everywhere from the moment it exists.
    const viewerToken = crypto.randomBytes(24).toString('base64url');
    registerSecret(viewerToken);
    this.served = { dir, viewerToken };
    this.playlist = path.join(dir, PLAYLIST);
  }

  open(): Promise<MuxerEntry> {
    fs.mkdirSync(this.served.dir, { recursive: true });
    return Promise.resolve({ options: hlsMuxerOptions(), target: this.playlist, keyframeIntervalSec: SEGMENT_SEC });
  }

  summary(): OutputSummary {
    return { kind: 'hls', shownAs: this.playlist };
  }

  expectEnd(): void {
    // ffmpeg writes the last segment and ENDLIST itself when it stops.
  }

  finish(): Promise<void> {
    return Promise.resolve();
  }
}
