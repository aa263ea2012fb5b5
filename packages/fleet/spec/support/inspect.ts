/**
 * A second connection to a fleet's database file, for specs that check what the fleet stored as anyone
 * who can read the file would (sealed secrets, digests): the fleet's own connection is its store's alone.
 */
import { Database } from '../../lib/sqlite';

export function inspectDatabase<T>(file: string, read: (db: Database) => T): T {
  const db = new Database(file);
  try {
    return read(db);
  } finally {
    db.close();
  }
}
