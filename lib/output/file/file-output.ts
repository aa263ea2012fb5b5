/**
 * The file output: the encode written as fragmented MP4 (one fragment a second) into the session's
 * folder, so that a killed encoder or a dead machine still leaves a file playable up to the last second.
 * Finalizing (lib/recorder/finalize.ts) later rewrites it as an ordinary MP4. An audio-only file holds
 * the sound alone (AAC in an `.m4a`), and the session then captures no picture at all.
 */
import { EventEmitter } from 'node:events';
import type { MuxerEntry, Output, OutputEvents, OutputSummary } from '../output';

/** Fragmented MP4, one fragment a second: a killed encoder still leaves a file playable to the last second. */
export const FRAGMENTED_MP4 = { movflags: '+empty_moov+default_base_moof', frag_duration: '1000000' };

/**
 * ffmpeg's entry for a file: each packet flushed at once, or ffmpeg holds finished fragments in its
 * write buffer and a kill loses them.
 */
export function fileMuxer(file: string, audioOnly = false): MuxerEntry {
  return { options: { f: 'mp4', ...FRAGMENTED_MP4, flush_packets: '1' }, target: file, ...(audioOnly ? { audioOnly: true } : {}) };
}

/** An audio-only recording is an `.m4a` beside where the `.mp4` would be (the same name otherwise). */
export function audioOnlyFile(mediaFile: string): string {
  return mediaFile.replace(/\.mp4$/, '') + '.m4a';
}

export class FileOutput extends EventEmitter<OutputEvents> implements Output {
  readonly kind = 'file';
  readonly live = false;
  readonly presence = {};

  constructor(
    readonly id: string,
    readonly mediaFile: string,
    readonly title = 'recording',
    private readonly audioOnly = false,
  ) {
    super();
  }

  open(): Promise<MuxerEntry> {
    return Promise.resolve(fileMuxer(this.mediaFile, this.audioOnly));
  }

  summary(): OutputSummary {
    return { kind: 'file', shownAs: this.mediaFile };
  }

  expectEnd(): void {
    // The encoder closes the file itself.
  }

  finish(): Promise<void> {
    return Promise.resolve();
  }
}
