/**
 * A domain's delivery settings, shared by the admin API and the dashboard: show them (never the secret),
 * save them (checked, then the S3 endpoint and the webhook through the address rules: a host that is
 * not public is refused now, one that does not resolve yet may be saved and is checked again at each
 * connection), and test them. Every save and test is logged once with the account and the domain.
 */
import type { Logger } from '@jibri-ts/common';
import { AdminError } from './admin';
import type { FleetConfig } from './config';
import type { FieldError } from './deploy-request';
import { parseDeliveryInput, shownDelivery, targetEndpoint, type DeliveryConfig } from './delivery-config';
import type { DeliveryStore, TestReport } from './delivery-store';
import { runDeliveryTest } from './delivery-test';
import { OutboundRefused, OutboundUnresolved, resolveChecked, type AllowedHost } from './outbound-guard';
import type { FleetStore } from './store';

/** Fields that are wrong: a 400 with each field's message. */
export class DeliveryInputError extends AdminError {
  constructor(readonly errors: FieldError[]) {
    super(400, `${errors[0]!.field} ${errors[0]!.message}`);
  }
}

export interface DeliveryAdminDeps {
  store: FleetStore;
  deliveries: DeliveryStore;
  config: Pick<FleetConfig, 'uploadAllowedHosts' | 'callbackAllowedHosts' | 'callbackSecret'>;
  log: Logger;
}

export class DeliveryAdmin {
  private readonly log: Logger;

  constructor(private readonly deps: DeliveryAdminDeps) {
    this.log = deps.log.child({ component: 'fleet-delivery' });
  }

  private domainOf(accountId: string, domain: string): string {
    if (!this.deps.store.account(accountId)) throw new AdminError(404, `no account ${accountId}`);
    const d = domain.toLowerCase();
    if (!this.deps.deliveries.hasDomain(accountId, d)) throw new AdminError(404, `${d} is not configured for this account: configure the domain first`);
    return d;
  }

  /** Whether the account configured the domain (its delivery can be set). */
  has(accountId: string, domain: string): boolean {
    return this.deps.deliveries.hasDomain(accountId, domain);
  }

  show(accountId: string, domain: string): { delivery: ReturnType<typeof shownDelivery>; configured: boolean; test?: TestReport } {
    const d = this.domainOf(accountId, domain);
    const c = this.deps.deliveries.get(accountId, d);
    const test = this.deps.deliveries.testReport(accountId, d);
    return { delivery: shownDelivery(c), configured: Boolean(c), ...(test ? { test } : {}) };
  }

  /** Checks and saves; throws DeliveryInputError (400) or AdminError (404). An empty input clears the delivery. */
  async set(accountId: string, domain: string, input: unknown): Promise<DeliveryConfig> {
    const d = this.domainOf(accountId, domain);
    const parsed = parseDeliveryInput(input, this.deps.deliveries.get(accountId, d));
    if (!parsed.ok) throw new DeliveryInputError(parsed.errors);
    const c = parsed.config;
    const problems: FieldError[] = [];
    if (c.s3) {
      const { host, port } = targetEndpoint(c.s3);
      const p = await this.refusal('s3_endpoint', host, port, this.deps.config.uploadAllowedHosts, accountId);
      if (p) problems.push(p);
    }
    if (c.webhookUrl) {
      const u = new URL(c.webhookUrl);
      const p = await this.refusal('webhook_url', u.hostname.replace(/^\[(.*)\]$/, '$1'), Number(u.port || (u.protocol === 'https:' ? 443 : 80)), this.deps.config.callbackAllowedHosts, accountId);
      if (p) problems.push(p);
    }
    if (problems.length) throw new DeliveryInputError(problems);
    this.deps.deliveries.set(accountId, d, c);
    this.log.info(`account ${accountId}: delivery of ${d} saved (${[c.s3 ? 'an S3 bucket' : '', c.webhookUrl ? 'a webhook' : ''].filter(Boolean).join(' and ') || 'none: recordings are kept by the service'})`);
    return c;
  }

  /** Runs the test and keeps its report for the pages; 404 without settings. */
  async test(accountId: string, domain: string): Promise<TestReport> {
    const d = this.domainOf(accountId, domain);
    const c = this.deps.deliveries.get(accountId, d);
    if (!c) throw new AdminError(404, `${d} has no delivery settings to test: recordings are kept by the service`);
    const own = this.deps.store.callbackSecret(accountId);
    const report = await runDeliveryTest(c, {
      domain: d,
      uploadAllowedHosts: this.deps.config.uploadAllowedHosts,
      callbackAllowedHosts: this.deps.config.callbackAllowedHosts,
      ...(own ? { accountSecret: own } : {}),
      ...(this.deps.config.callbackSecret ? { legacySecret: this.deps.config.callbackSecret } : {}),
      warn: (line) => this.log.warn(`account ${accountId}: ${line}`),
    });
    this.deps.deliveries.setTestReport(accountId, d, report);
    this.log.info(`account ${accountId}: delivery test of ${d} ${report.ok ? 'passed' : `failed: ${report.steps.filter((s) => !s.ok).map((s) => s.step).join(', ')}`}`);
    return report;
  }

  /** A host the address rules refuse now, as a field error (the customer's words; the log has the address). */
  private async refusal(field: string, host: string, port: number, allowed: readonly AllowedHost[], accountId: string): Promise<FieldError | undefined> {
    try {
      await resolveChecked(field, host, port, allowed);
      return undefined;
    } catch (err) {
      if (err instanceof OutboundUnresolved) return undefined;
      if (err instanceof OutboundRefused) {
        this.log.warn(`account ${accountId}: refused ${err.detail}`);
        return { field, message: `names a host that is not a public address; recordings and events go only to addresses on the internet` };
      }
      throw err;
    }
  }
}
