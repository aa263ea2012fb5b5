/**
 * Opening the fleet's database: the file 0600 in a 0700 folder, SQLite's settings (WAL, foreign keys,
 * zeroed free pages), the migrations (store-migrations.ts), the check that the operator's key is the
 * one the database was written with, and the sealing of clear-text secrets an older fleet left.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SECRET_FIELDS } from './domain-config';
import { SecretBox } from './secret-box';
import { Database } from './sqlite';
import { MIGRATIONS } from './store-migrations';

const KEY_CHECK = 'jibri-ts fleet key check';

/** Where a domain's sealed secret belongs: it opens there and nowhere else. */
export function domainSecretContext(accountId: string, domain: string, field: string): string {
  return `domain:${accountId}:${domain}:${field}`;
}

/** Creates the folder 0700 and the file 0600 before SQLite opens it; tightens ones an older fleet left open. */
function prepareFile(file: string): void {
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  // SQLite gives the -wal and -shm files the database's own mode when it creates them.
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) fs.chmodSync(f, 0o600);
}

/** The database, ready for the store; closed again when any step fails. */
export function openFleetDatabase(file: string, box: SecretBox): { db: Database; sealedAtStart: number } {
  prepareFile(file);
  const db = new Database(file);
  try {
    // WAL: readers never wait for the writer, and a killed process loses no committed transaction.
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Deleted and overwritten content is zeroed, so a sealed password leaves no plaintext behind in free pages.
    db.pragma('secure_delete = ON');
    migrate(db);
    checkKey(db, box, file);
    return { db, sealedAtStart: sealPlaintextSecrets(db, box) };
  } catch (err) {
    db.close();
    throw err;
  }
}

function migrate(db: Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  let version = row?.version ?? 0;
  if (!row) db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
  for (; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.prepare('UPDATE schema_version SET version = ?').run(version + 1);
    })();
  }
}

/** The first start seals a known text; later starts must open it, or the key is not this database's. */
function checkKey(db: Database, box: SecretBox, file: string): void {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'key_check'").get() as { value: string } | undefined;
  if (!row) {
    db.prepare("INSERT INTO meta (key, value) VALUES ('key_check', ?)").run(box.seal(KEY_CHECK, 'meta:key_check'));
    return;
  }
  let opened: string | undefined;
  try {
    opened = box.open(row.value, 'meta:key_check');
  } catch {
    opened = undefined;
  }
  if (opened !== KEY_CHECK) throw new Error(`JIBRI_FLEET_SECRET_KEY is not the key ${file} was written with: start the fleet with the key it was created with`);
}

/**
 * An older fleet stored domain passwords in clear: they are sealed now, in one transaction, and the
 * file is rewritten (checkpoint, VACUUM) so that no page keeps the clear text.
 */
function sealPlaintextSecrets(db: Database, box: SecretBox): number {
  let sealed = 0;
  db.transaction(() => {
    for (const row of db.prepare('SELECT account_id, domain, config FROM domains').all() as Array<{ account_id: string; domain: string; config: string }>) {
      const config = JSON.parse(row.config) as Record<string, string>;
      let changed = false;
      for (const f of SECRET_FIELDS) {
        const v = config[f];
        if (v && !SecretBox.isSealed(v)) {
          config[f] = box.seal(v, domainSecretContext(row.account_id, row.domain, f));
          changed = true;
          sealed++;
        }
      }
      if (changed) db.prepare('UPDATE domains SET config = ? WHERE account_id = ? AND domain = ?').run(JSON.stringify(config), row.account_id, row.domain);
    }
  })();
  if (sealed) {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
  return sealed;
}
