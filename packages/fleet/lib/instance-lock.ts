/**
 * One fleet server per database. Two would both resume the same deployments (refund them twice, call
 * back twice, remove each other's recorders), so the server holds an exclusive lock on
 * `<database>.lock` for as long as it runs: an SQLite write lock (an fcntl lock on Linux), which the
 * kernel drops when the process ends however it ends, so a crash leaves no stale lock behind. The admin
 * CLI does not take it: it only makes small transactions, which SQLite serializes with the server's.
 */
import { Database } from './sqlite';

export interface InstanceLock {
  readonly file: string;
  release(): void;
}

export function lockDatabase(databasePath: string): InstanceLock {
  const file = `${databasePath}.lock`;
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new Error(`another fleet server is using ${databasePath} (it holds ${file}): stop it first, or give this one its own JIBRI_FLEET_DATA_DIR`, { cause: err });
    }
    throw err;
  }
  return {
    file,
    release: () => {
      if (db.open) db.close();
    },
  };
}
