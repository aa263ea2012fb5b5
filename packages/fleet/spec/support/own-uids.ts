/**
 * Each fleet spec file's local recorders run under a uid range of its own, so that fleet spec files can
 * run side by side: a fleet takes the first uid of its range that owns no process, and ends every process
 * of a recorder's uid when it removes it, so two fleets on one range could take the same uid and end each
 * other's recorders. The range comes from the spec file's name: the same on every run.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';

/** Above the fleet's default range (1900000000-1900000999) and below 2^31. */
const FIRST = 1_900_001_000;
const SIZE = 100;
const BLOCKS = 2_000_000;

export function ownUidRange(specFile = expect.getState().testPath ?? ''): string {
  const block = crypto.createHash('sha256').update(path.basename(specFile)).digest().readUInt32BE(0) % BLOCKS;
  const first = FIRST + block * SIZE;
  return `${first}-${first + SIZE - 1}`;
}

/** The spec's fleet settings, with its own uid range unless they name one. */
export function withOwnUids<T extends Record<string, string | undefined>>(env: T): T & { JIBRI_FLEET_LOCAL_UIDS: string } {
  return { JIBRI_FLEET_LOCAL_UIDS: ownUidRange(), ...env };
}
