/** The thumbnails kind: a JPEG of the meeting every N seconds in `thumbnails/`, the newest served while live. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OutputKindSpec } from '../kind';
import { intervalProblem, latestThumbnail } from './thumbnails';
import { ThumbnailsOutput } from './thumbnails-output';

/** A JPEG of the meeting every `intervalSec` seconds beside the recording. */
export interface ThumbnailsOutputRequest {
  kind: 'thumbnails';
  intervalSec: number;
}

/** The interval when a request names none, and for JIBRI_EXTRA_OUTPUTS. */
export const DEFAULT_THUMBNAIL_INTERVAL_SEC = 10;

export const thumbnailsKind: OutputKindSpec<ThumbnailsOutputRequest> = {
  kind: 'thumbnails',
  fields: ['intervalSeconds'],
  parse(entry, field, errors) {
    const interval = entry.intervalSeconds ?? DEFAULT_THUMBNAIL_INTERVAL_SEC;
    const problem = intervalProblem(interval);
    if (problem) {
      errors.push({ field: `${field}.intervalSeconds`, message: problem });
      return undefined;
    }
    return { kind: 'thumbnails', intervalSec: interval as number };
  },
  everySession: { kind: 'thumbnails', intervalSec: DEFAULT_THUMBNAIL_INTERVAL_SEC },
  onePerSession: true,
  live: false,
  create: (r, id, session) => new ThumbnailsOutput(id, session.dir, r.intervalSec),
  served: {
    routes: [
      {
        path: 'thumbnail.jpg',
        async answer(output) {
          const dir = output.served?.dir;
          const names = dir ? await fs.promises.readdir(dir).catch(() => [] as string[]) : [];
          const latest = latestThumbnail(names);
          if (!dir || !latest) return { missing: 'No thumbnail yet: the first is taken as the recording starts', retryable: true };
          return { file: path.join(dir, latest), type: 'image/jpeg', cache: 'no-cache' };
        },
      },
    ],
  },
};
