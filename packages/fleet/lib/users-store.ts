/**
 * The dashboard's people: users of an account (email, scrypt hash, role), their one-time invitations
 * and their sessions, in the fleet's database (migration 3, store-migrations.ts): the one owner of those
 * tables, made by the store beside it (FleetStore.users). Invitation and session tokens
 * are random and stored as digests only: the database alone can neither sign anyone in nor set a
 * password.
 */
import * as crypto from 'node:crypto';
import type { Database } from './sqlite';
import { digest, newToken } from './keys';

export type Role = 'customer' | 'operator';

/** Pure: an email address as the dashboard accepts it (lower-cased), or undefined. */
export function normalEmail(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const e = raw.trim().toLowerCase();
  return e.length <= 254 && /^[^\s@<>"'`]+@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(e) ? e : undefined;
}

export interface User {
  id: string;
  accountId: string;
  email: string;
  role: Role;
  /** False until the invitation's link set a password. */
  hasPassword: boolean;
}

interface UserRow { id: string; account_id: string; email: string; role: string; password_hash: string | null }

function toUser(r: UserRow): User {
  return { id: r.id, accountId: r.account_id, email: r.email, role: r.role === 'operator' ? 'operator' : 'customer', hasPassword: r.password_hash !== null };
}

export class EmailTaken extends Error {}

export class UserStore {
  constructor(private readonly db: Database) {}

  /** A user without a password yet; throws EmailTaken. */
  createUser(accountId: string, email: string, role: Role): User {
    const id = crypto.randomUUID();
    try {
      this.db.prepare('INSERT INTO users (id, account_id, email, role, created_at) VALUES (?, ?, ?, ?, ?)').run(id, accountId, email, role, new Date().toISOString());
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new EmailTaken(`${email} already has a user`);
      throw err;
    }
    return { id, accountId, email, role, hasPassword: false };
  }

  byEmail(email: string): (User & { passwordHash?: string }) | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE email = ?').get(email) as UserRow | undefined;
    return r ? { ...toUser(r), ...(r.password_hash ? { passwordHash: r.password_hash } : {}) } : undefined;
  }

  byId(id: string): User | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return r ? toUser(r) : undefined;
  }

  usersOf(accountId: string): User[] {
    return (this.db.prepare('SELECT * FROM users WHERE account_id = ? ORDER BY created_at, id').all(accountId) as UserRow[]).map(toUser);
  }

  /** A one-time token that sets the user's password; earlier unused ones of the user stop working. */
  invite(userId: string, validHours: number): string {
    const token = newToken();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM invites WHERE user_id = ? AND used_at IS NULL').run(userId);
      this.db.prepare('INSERT INTO invites (token_hash, user_id, expires_at) VALUES (?, ?, ?)').run(digest(token), userId, new Date(Date.now() + validHours * 3600_000).toISOString());
    })();
    return token;
  }

  /** The user an unused, unexpired invitation belongs to. */
  invitation(token: string): User | undefined {
    const r = this.db.prepare('SELECT user_id AS userId FROM invites WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?').get(digest(token), new Date().toISOString()) as { userId: string } | undefined;
    return r ? this.byId(r.userId) : undefined;
  }

  /**
   * Uses the invitation: sets the password and ends every session of the user, in one transaction.
   * Undefined when the token was used or expired meanwhile.
   */
  redeem(token: string, passwordHash: string): User | undefined {
    return this.db.transaction((): User | undefined => {
      const user = this.invitation(token);
      if (!user) return undefined;
      this.db.prepare('UPDATE invites SET used_at = ? WHERE token_hash = ?').run(new Date().toISOString(), digest(token));
      this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, user.id);
      this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(user.id);
      return { ...user, hasPassword: true };
    }).immediate();
  }

  setPassword(userId: string, passwordHash: string): void {
    this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, userId);
  }

  startSession(userId: string, hours: number): string {
    const token = newToken();
    const now = new Date();
    this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now.toISOString());
    this.db.prepare('INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(digest(token), userId, now.toISOString(), new Date(now.getTime() + hours * 3600_000).toISOString());
    return token;
  }

  sessionUser(token: string): User | undefined {
    const r = this.db.prepare('SELECT user_id AS userId FROM sessions WHERE token_hash = ? AND expires_at > ?').get(digest(token), new Date().toISOString()) as { userId: string } | undefined;
    return r ? this.byId(r.userId) : undefined;
  }

  endSession(token: string): void {
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(digest(token));
  }
}
