/**
 * Account administration, shared by the admin HTTP API and the admin CLI: create an account, issue or
 * rotate its key (shown once, stored as a digest; rotation kills the old key), add balance, set a
 * domain's configuration (verified by a test login to its XMPP server and brewery).
 */
import { missingFields, parseDomainConfig, type DomainConfig } from './domain-config';
import { EmailTaken, normalEmail, type Role, type UserStore } from './users-store';
import { hashKey, newApiKey, newCallbackSecret } from './keys';
import { OutboundRefused, OutboundUnresolved, resolveChecked, type AllowedHost } from './outbound-guard';
import type { FleetStore } from './store';

/** How long an invitation's link sets a password. */
export const INVITE_HOURS = 72;

export class AdminError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class FleetAdmin {
  private readonly users: UserStore;

  /**
   * `verify` runs the test login (verifyDomain with the operator's allowed XMPP hosts); `pageHosts` are the
   * hosts a PUBLIC_URL may name although not public (JIBRI_FLEET_BROWSER_ALLOWED_HOSTS); `warn` gets what
   * a refused PUBLIC_URL resolves to, for the operator's log.
   */
  constructor(
    private readonly store: FleetStore,
    private readonly verify: (c: DomainConfig) => Promise<string | undefined>,
    private readonly pageHosts: readonly AllowedHost[] = [],
    private readonly warn: (line: string) => void = () => undefined,
  ) {
    this.users = store.users;
  }

  /**
   * A user of the account (new, or an existing one who needs a new password) and a one-time link to the
   * dashboard's set-password page, valid INVITE_HOURS. `publicUrl`: where the dashboard is reached.
   */
  invite(accountId: string, emailInput: unknown, role: Role, publicUrl: string): { userId: string; email: string; role: Role; link: string; expiresInHours: number } {
    if (!this.store.account(accountId)) throw new AdminError(404, `no account ${accountId}`);
    const email = normalEmail(emailInput);
    if (!email) throw new AdminError(400, 'email must be an email address, e.g. ops@example.com');
    let user = this.users.byEmail(email);
    // A user of this account again: the link sets a new password (the operator's reset for a forgotten one).
    if (user && user.accountId !== accountId) throw new AdminError(409, `${email} already has a user of another account`);
    try {
      user ??= this.users.createUser(accountId, email, role);
    } catch (err) {
      if (err instanceof EmailTaken) throw new AdminError(409, err.message);
      throw err;
    }
    const token = this.users.invite(user.id, INVITE_HOURS);
    return { userId: user.id, email, role: user.role, link: `${publicUrl.replace(/\/+$/, '')}/dashboard/set-password/${token}`, expiresInHours: INVITE_HOURS };
  }

  /** A new account with its API key and its callback signing secret, both shown only now. */
  createAccount(name: string): { accountId: string; apiKey: string; callbackSecret: string } {
    if (!name.trim()) throw new AdminError(400, 'name is required');
    const account = this.store.createAccount(name.trim());
    return { accountId: account.id, apiKey: this.rotateKey(account.id), callbackSecret: this.rotateCallbackSecret(account.id) };
  }

  /** A new callback signing secret: callbacks from now on are signed with it, the previous one no longer. */
  rotateCallbackSecret(accountId: string): string {
    const secret = newCallbackSecret();
    if (!this.store.setCallbackSecret(accountId, secret)) throw new AdminError(404, `no account ${accountId}`);
    return secret;
  }

  rotateKey(accountId: string): string {
    const key = newApiKey();
    if (!this.store.setKeyHash(accountId, hashKey(key), key.slice(-4))) throw new AdminError(404, `no account ${accountId}`);
    return key;
  }

  addBalance(accountId: string, amount: unknown, reason = 'top-up'): number {
    const n = typeof amount === 'string' ? Number(amount) : amount;
    if (typeof n !== 'number' || !Number.isFinite(n) || n === 0 || Math.abs(n) > 1e9) throw new AdminError(400, 'amount must be a non-zero number');
    if (!this.store.account(accountId)) throw new AdminError(404, `no account ${accountId}`);
    this.store.adjustBalance(accountId, n, reason);
    return this.store.balance(accountId);
  }

  /** Saves the configuration, then tries it; a deploy needs it complete and verified. */
  async setDomain(accountId: string, domain: string, input: unknown): Promise<{ complete: boolean; missing: string[]; verified: boolean; error?: string }> {
    if (!this.store.account(accountId)) throw new AdminError(404, `no account ${accountId}`);
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(domain)) throw new AdminError(400, 'domain must be a domain name, e.g. meet.example.com');
    const parsed = parseDomainConfig(input);
    if (!parsed.ok) throw new AdminError(400, parsed.message);
    if (parsed.config.PUBLIC_URL) await this.checkPublicUrl(parsed.config.PUBLIC_URL);
    this.store.setDomain(accountId, domain, parsed.config);
    const missing = missingFields(parsed.config);
    if (missing.length) return { complete: false, missing, verified: false };
    const error = await this.verify(parsed.config);
    this.store.setDomainVerification(accountId, domain, error);
    return { complete: !error, missing, verified: !error, ...(error ? { error } : {}) };
  }

  /**
   * The meeting page the recorders' browsers will open must be on a public address (or a host the operator
   * allowed): checked with the outbound guard's rules when the domain is saved, as the browser's proxy
   * checks it again at every connection.
   */
  private async checkPublicUrl(raw: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new AdminError(400, 'PUBLIC_URL: expected the http(s) address of the meeting page, e.g. https://meet.example.com');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AdminError(400, 'PUBLIC_URL: expected the http(s) address of the meeting page, e.g. https://meet.example.com');
    try {
      await resolveChecked('PUBLIC_URL', url.hostname.replace(/^\[(.*)\]$/, '$1'), Number(url.port || (url.protocol === 'https:' ? 443 : 80)), this.pageHosts);
    } catch (err) {
      // A name not in the DNS yet may be saved: the browser's proxy checks it again at every connection.
      if (err instanceof OutboundUnresolved) return;
      if (err instanceof OutboundRefused) {
        this.warn(`refused ${err.detail}`);
        throw new AdminError(400, err.message);
      }
      throw err;
    }
  }

  show(accountId: string): { id: string; name: string; balance: number; ledger: unknown[] } {
    const a = this.store.account(accountId);
    if (!a) throw new AdminError(404, `no account ${accountId}`);
    return { ...a, ledger: this.store.ledger(accountId) };
  }
}
