/**
 * One file into the store and back: skipped when an earlier attempt already put these bytes there (the
 * object's size and its sha256 metadata), then read back and hashed, the one proof every S3-compatible
 * server allows. Every store call is abandoned when it makes no progress for the stall timeout.
 */
import * as path from 'node:path';
import type { Logger } from '../log';
import type { JobFile } from './job';
import { StoreError, type ObjectStore } from './object-store';

export interface TransferContext {
  stallTimeoutSec: number;
  /** The controller of the call under way (the worker aborts it when the service stops). */
  setCurrent(controller: AbortController | undefined): void;
  /** Bytes of this file sent so far. */
  progress(bytes: number): void;
  /** A PUT begins (nothing of these bytes was in the store). */
  started(key: string): void;
  log: Logger;
}

/** Runs one store call that is abandoned when it makes no progress for the stall timeout. */
export async function stallGuarded<T>(store: ObjectStore, ctx: Pick<TransferContext, 'stallTimeoutSec' | 'setCurrent'>, run: (signal: AbortSignal, alive: () => void) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  ctx.setCurrent(controller);
  const stallMs = ctx.stallTimeoutSec * 1000;
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const alive = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, stallMs);
  };
  alive();
  try {
    return await run(controller.signal, alive);
  } catch (err) {
    if (stalled) throw new StoreError('unreachable', `${store.where} made no progress for ${ctx.stallTimeoutSec} s (JIBRI_UPLOAD_STALL_TIMEOUT): it is down or too slow; uploads are retried`);
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
    ctx.setCurrent(undefined);
  }
}

export async function transferFile(store: ObjectStore, f: JobFile, ctx: TransferContext): Promise<void> {
  const key = f.key!;
  const size = f.size ?? 0;
  const sha256 = f.sha256 ?? '';
  const existing = await stallGuarded(store, ctx, (signal) => store.head(key, signal));
  if (existing && existing.size === size && existing.sha256 === sha256) {
    ctx.log.info(`${key} is already in the store (an earlier attempt put it there); verifying it`);
  } else {
    ctx.log.info(`uploading ${f.name} (${(size / 1048576).toFixed(1)} MB) to ${key}`);
    ctx.started(key);
    const contentType = CONTENT_TYPES[path.extname(f.name)] ?? 'application/octet-stream';
    await stallGuarded(store, ctx, (signal, alive) =>
      store.put(key, f.path, {
        size,
        sha256,
        contentType,
        signal,
        onProgress: (bytes) => {
          alive();
          ctx.progress(bytes);
        },
      }),
    );
  }
  const back = await stallGuarded(store, ctx, (signal, alive) => store.readBack(key, { signal, onProgress: () => alive() }));
  if (back.size !== size || back.sha256 !== sha256) {
    throw new StoreError('other', `${key} in ${store.where} does not match the local file (${back.size} bytes, SHA-256 ${back.sha256.slice(0, 12)}… instead of ${size} bytes, ${sha256.slice(0, 12)}…); it is uploaded again`);
  }
}

/** What a reader of the bucket is told each file is. */
const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.webm': 'audio/webm',
  '.mka': 'audio/x-matroska',
  '.vtt': 'text/vtt',
};
