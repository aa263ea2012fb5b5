/**
 * The fleet's SQLite, on Node.js's own `node:sqlite`: no native add-on to compile (the npm registry
 * carries no prebuilt binary we may fetch, so better-sqlite3 cost a C++ toolchain in every image and a
 * compile in every install). This is the small synchronous surface the store uses: statements, a
 * transaction wrapper that nests with savepoints, pragmas, and SQLite's error names on errors.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';

type Params = SQLInputValue[] | [Record<string, SQLInputValue>, ...SQLInputValue[]];

export interface RunResult {
  changes: number | bigint;
  lastInsertRowid: number | bigint;
}

/** SQLite's extended result codes the fleet tells apart, by the names SQLite gives them. */
const ERROR_NAMES: Record<number, string> = {
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  19: 'SQLITE_CONSTRAINT',
  787: 'SQLITE_CONSTRAINT_FOREIGNKEY',
  1299: 'SQLITE_CONSTRAINT_NOTNULL',
  1555: 'SQLITE_CONSTRAINT_PRIMARYKEY',
  2067: 'SQLITE_CONSTRAINT_UNIQUE',
  275: 'SQLITE_CONSTRAINT_CHECK',
};

/** node:sqlite's errors carry the number (errcode); callers match SQLite's name in `code`. */
function named<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const e = err as { code?: string; errcode?: number };
    if (e && e.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') {
      e.code = ERROR_NAMES[e.errcode] ?? ERROR_NAMES[e.errcode & 0xff] ?? e.code;
    }
    throw err;
  }
}

export type Transaction<A extends unknown[], R> = ((...args: A) => R) & { immediate: (...args: A) => R };

export class Statement {
  constructor(private readonly stmt: StatementSync) {}

  run(...params: Params): RunResult {
    return named(() => this.stmt.run(...(params as SQLInputValue[])));
  }

  /** The first row (its shape is the caller's to state), or undefined. */
  get(...params: Params): unknown {
    return named(() => this.stmt.get(...(params as SQLInputValue[])));
  }

  all(...params: Params): unknown[] {
    return named(() => this.stmt.all(...(params as SQLInputValue[])));
  }
}

export class Database {
  private readonly db: DatabaseSync;
  private depth = 0;

  /** `name`: the database file. `timeout`: how long a statement waits for another connection's lock, in ms (SQLite's busy timeout). */
  constructor(readonly name: string, opts: { timeout?: number } = {}) {
    this.db = named(() => new DatabaseSync(name, { timeout: opts.timeout ?? 5000 }));
  }

  prepare(sql: string): Statement {
    return new Statement(named(() => this.db.prepare(sql)));
  }

  exec(sql: string): void {
    named(() => this.db.exec(sql));
  }

  /** `PRAGMA <text>`, its rows. */
  pragma(text: string): unknown[] {
    return named(() => this.db.prepare(`PRAGMA ${text}`).all());
  }

  /**
   * `fn` as one transaction: committed when it returns, rolled back when it throws. Called inside
   * another, it is a savepoint of that one, so a helper can be transactional on its own and inside a
   * larger change. `.immediate` takes the write lock at the start (BEGIN IMMEDIATE): a read-then-write
   * (a balance checked, then debited) never finds another writer between the two.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R> {
    const tx = (begin: string) => (...args: A): R => {
      const savepoint = `t${this.depth}`;
      this.exec(this.depth === 0 ? begin : `SAVEPOINT ${savepoint}`);
      this.depth++;
      try {
        const result = fn(...args);
        this.depth--;
        this.exec(this.depth === 0 ? 'COMMIT' : `RELEASE ${savepoint}`);
        return result;
      } catch (err) {
        this.depth--;
        // SQLite may have rolled back already (a full disk, an interrupt): the first error is the one to tell.
        if (this.db.isTransaction) this.exec(this.depth === 0 ? 'ROLLBACK' : `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
        throw err;
      }
    };
    return Object.assign(tx('BEGIN'), { immediate: tx('BEGIN IMMEDIATE') });
  }

  get open(): boolean {
    return this.db.isOpen;
  }

  close(): void {
    this.db.close();
  }
}
