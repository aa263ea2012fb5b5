/**
 * The fleet's smaller holes, on the real fleet server (its HTTP API and dashboard, its SQLite store, its
 * log): no recorder is needed. Each test failed before its fix:
 *   - failed sign-ins from one address locked the email's owner out everywhere (a limit per email);
 *   - a refused set-password form wrote its one-time token into the log;
 *   - an API key in the query string was taken.
 *
 * @lane serial: a fleet on the host (its local recorders' uids, the Docker engine and Swarm are the host's)
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { loadFleetConfig } from '../../lib/config';
import { startFleetServer, type FleetServer } from '../../lib/server';
import { createLogger } from '../../../../lib/log';
import type { Json } from '../../../../testkit/json';
import { fleetBaseDir } from '../../../../testkit/fleet-recorder';

const ADMIN = 'hygiene-admin-token';
const PASSWORD = 'the-owners-Passw0rd';
const LIMIT = 3;

/** A browser's visit: its cookie jar and the CSRF token of the last page. */
class Visit {
  private cookie = '';
  csrf = '';
  constructor(private readonly base: string, private readonly from: string) {}

  async get(p: string): Promise<Response> {
    const res = await fetch(`${this.base}${p}`, { headers: { cookie: this.cookie, 'x-forwarded-for': this.from }, redirect: 'manual' });
    this.keep(res, await res.clone().text());
    return res;
  }

  async post(p: string, form: Record<string, string>): Promise<Response> {
    const res = await fetch(`${this.base}${p}`, {
      method: 'POST',
      headers: { cookie: this.cookie, origin: this.base, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': this.from },
      body: new URLSearchParams({ _csrf: this.csrf, ...form }),
      redirect: 'manual',
    });
    this.keep(res, await res.clone().text());
    return res;
  }

  private keep(res: Response, html: string): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [name] = pair!.split('=');
      this.cookie = [...this.cookie.split('; ').filter((p) => p && !p.startsWith(`${name}=`)), pair].join('; ');
    }
    this.csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? this.csrf;
  }
}

describe('the fleet: sign-in limits, tokens in logs, keys in URLs', () => {
  let fleet: FleetServer;
  const lines: string[] = [];
  let link = '';
  let apiKey = '';
  const email = 'owner@example.com';

  beforeAll(async () => {
    const log = createLogger('info');
    log.clear();
    log.add(new winston.transports.Stream({ stream: new Writable({ write: (chunk: Buffer, _e, done) => void (lines.push(chunk.toString()), done()) }) }));
    fleet = await startFleetServer(
      loadFleetConfig({
        JIBRI_FLEET_PORT: '0',
        JIBRI_FLEET_DATA_DIR: path.join(fleetBaseDir('jibri-ts-fleet-hygiene-'), 'data'),
        JIBRI_FLEET_ADMIN_TOKEN: ADMIN,
        JIBRI_FLEET_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
        JIBRI_FLEET_LOCATIONS: 'lon=local',
        JIBRI_FLEET_RECORDER_MAIN: '/nonexistent/main.js',
        JIBRI_FLEET_RECORDER_NODE: '/nonexistent/node',
        JIBRI_FLEET_LOGIN_RATE_LIMIT: String(LIMIT),
        JIBRI_FLEET_ADDRESS_RATE_LIMIT: '1000',
        // The spec's requests come from loopback and name their client in X-Forwarded-For, as a reverse proxy would.
        JIBRI_FLEET_TRUST_PROXY: 'loopback',
      }),
      log,
    );
    const admin = async (method: string, p: string, body?: unknown): Promise<Json> =>
      (await fetch(`${fleet.url}/admin${p}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })).json();
    const account = await admin('POST', '/accounts', { name: 'owner' });
    apiKey = account.apiKey as string;
    link = (await admin('POST', `/accounts/${account.account_id}/users`, { email })).link as string;
  });

  afterAll(async () => {
    await fleet?.stop();
  });

  it('a refused set-password form is logged without its one-time token', async () => {
    const token = new URL(link).pathname.split('/').pop()!;
    const v = new Visit(fleet.url, '198.51.100.7');
    await v.get(new URL(link).pathname);
    v.csrf = 'forged';
    expect((await v.post(new URL(link).pathname, { password: PASSWORD, confirm: PASSWORD })).status).toBe(403);
    const refused = lines.filter((l) => l.includes('a form was refused'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toContain('/set-password/****');
    expect(lines.join('')).not.toContain(token);
    // The link still works for its owner.
    await v.get(new URL(link).pathname);
    expect((await v.post(new URL(link).pathname, { password: PASSWORD, confirm: PASSWORD })).status).toBe(303);
  });

  it('failed sign-ins from one address do not lock the owner out from another', async () => {
    const attacker = new Visit(fleet.url, '203.0.113.66');
    await attacker.get('/dashboard/login');
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) statuses.push((await attacker.post('/dashboard/login', { email, password: `wrong-guess-${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // The owner, from their own address, signs in.
    const owner = new Visit(fleet.url, '192.0.2.10');
    await owner.get('/dashboard/login');
    const signedIn = await owner.post('/dashboard/login', { email, password: PASSWORD });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/dashboard/overview');
    // And the attacker's address stays limited, for this email and any other.
    expect((await attacker.post('/dashboard/login', { email: 'someone@example.com', password: 'x' })).status).toBe(429);
  });

  it('takes the API key from the body and the headers only: one in the query string is a 400 that says why', async () => {
    const inUrl = await fetch(`${fleet.url}/balance?apiKey=${encodeURIComponent(apiKey)}`);
    expect(inUrl.status).toBe(400);
    expect(await inUrl.json()).toEqual({ it: 'failed', message: expect.stringMatching(/^apiKey in the URL is not accepted .*x-api-key.*generate a new key/) });
    expect((await fetch(`${fleet.url}/balance`, { headers: { 'x-api-key': apiKey } })).status).toBe(200);
    expect((await fetch(`${fleet.url}/balance`, { headers: { authorization: `Bearer ${apiKey}` } })).status).toBe(200);
    const inBody = await fetch(`${fleet.url}/deploy-recorder`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ apiKey, domain: 'meet.example.com' }) });
    expect(inBody.status).not.toBe(401);
  });
});
