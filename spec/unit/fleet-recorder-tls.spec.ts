/**
 * The fleet's recorder CA (with the real openssl program) and the fleet's calls to its recorders over TLS
 * (with real TLS servers on loopback): a certificate must chain to the fleet's CA and name the very
 * recorder the fleet means; otherwise the call fails before a byte of the request, and so of the token,
 * leaves the fleet. Plain HTTP goes to loopback only.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { CA_FOLDER, RecorderCa, recorderArgs, recorderIdentity, validityDays } from '../../packages/fleet/lib/recorder-ca';
import { fetchHealth, isLoopback, postShutdown, recorderIdentityCheck, recorderRequest } from '../../packages/fleet/lib/backends/recorder-api';
import { tempDir } from '../../testkit/service';
import { issueServerCertificate } from '../../testkit/test-ca';

const TOKEN = 'recorder-token-0123456789abcdef';
const HEALTH = JSON.stringify({ busy: false, status: { health: { healthStatus: 'HEALTHY' } } });

/**
 * A TLS server that answers any request with the health body and records every byte it decrypted: what an
 * impostor on a recorder's port would see.
 */
async function tlsServer(cert: string, key: string): Promise<{ port: number; received: () => string; close: () => Promise<void> }> {
  let received = '';
  const server = tls.createServer({ cert, key }, (socket) => {
    socket.on('data', (d: Buffer) => {
      received += d.toString();
      if (received.includes('\r\n\r\n')) socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${HEALTH.length}\r\nconnection: close\r\n\r\n${HEALTH}`);
    });
    socket.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, received: () => received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('fleet: the recorder CA', () => {
  const dataDir = tempDir('jibri-ts-fleet-ca-');
  let ca: RecorderCa;

  beforeAll(async () => {
    ca = await RecorderCa.open(dataDir);
  });

  it('is made once in the data folder, its key 0600 in a 0700 folder, and read again at the next start', async () => {
    const dir = path.join(dataDir, CA_FOLDER);
    expect(ca.made).toBe(true);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    const x509 = new crypto.X509Certificate(ca.cert);
    expect(x509.ca).toBe(true);
    expect(x509.subject).toMatch(/^CN=jibri-ts fleet recorders CA [0-9a-f]{8}$/);
    expect(Date.parse(x509.validTo) - Date.now()).toBeGreaterThan(9 * 365 * 86400_000);
    // A key left readable by others is closed again; the same CA is read back.
    fs.chmodSync(path.join(dir, 'ca.key'), 0o644);
    const again = await RecorderCa.open(dataDir);
    expect(again.made).toBe(false);
    expect(again.cert).toBe(ca.cert);
    expect(fs.statSync(path.join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
  });

  it("refuses a key that is not its certificate's, saying what to do; a key without a certificate is replaced", async () => {
    const other = tempDir('jibri-ts-fleet-ca-bad-');
    const first = await RecorderCa.open(other);
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    fs.writeFileSync(path.join(other, CA_FOLDER, 'ca.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await expect(RecorderCa.open(other)).rejects.toThrow(/cannot be used \(ca\.key is not the key of ca\.pem\): move .* away .* a new CA is made/);
    fs.rmSync(path.join(other, CA_FOLDER, 'ca.pem'));
    const remade = await RecorderCa.open(other);
    expect(remade.made).toBe(true);
    expect(remade.cert).not.toBe(first.cert);
  });

  it("issues a recorder a certificate of its own id, signed by the CA, for its deployment's time", async () => {
    const id = crypto.randomUUID();
    const until = new Date(Date.now() + 3 * 3600_000);
    const files = await ca.issue(id, until);
    const cert = new crypto.X509Certificate(files.JIBRI_HTTP_API_TLS_CERT);
    const authority = new crypto.X509Certificate(ca.cert);
    expect(cert.checkIssued(authority)).toBe(true);
    expect(cert.verify(authority.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(crypto.createPrivateKey(files.JIBRI_HTTP_API_TLS_KEY))).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subject).toBe(`CN=${id}`);
    expect(cert.subjectAltName).toBe(`DNS:${recorderIdentity(id)}`);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(Date.parse(cert.validTo)).toBeGreaterThanOrEqual(until.getTime());
    expect(Date.parse(cert.validTo)).toBeLessThanOrEqual(until.getTime() + 2 * 86400_000);
    expect(files.JIBRI_HTTP_API_TLS_KEY).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('counts validity in whole days past the end and a margin, and takes only recorder ids', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(validityDays(new Date(now + 60_000), now)).toBe(1);
    expect(validityDays(new Date(now + 86400_000), now)).toBe(2);
    expect(() => recorderArgs('x/CN=evil', 1, { cert: 'ca.pem', key: 'ca.key', config: 'openssl.cnf' })).toThrow(/not a recorder id/);
  });
});

describe("fleet: the calls to a recorder's API", () => {
  let ca: RecorderCa;
  const id = crypto.randomUUID();

  beforeAll(async () => {
    ca = await RecorderCa.open(tempDir('jibri-ts-fleet-ca-calls-'));
  });

  it("reach the recorder whose certificate the fleet's CA issued for its id, with the token", async () => {
    const files = await ca.issue(id, new Date(Date.now() + 3600_000));
    const server = await tlsServer(files.JIBRI_HTTP_API_TLS_CERT, files.JIBRI_HTTP_API_TLS_KEY);
    try {
      expect(await fetchHealth({ host: '127.0.0.1', port: server.port, tls: { ca: ca.cert, recorderId: id } }, TOKEN)).toEqual({ busy: false, healthy: true });
      expect(server.received()).toContain(`authorization: Bearer ${TOKEN}`);
    } finally {
      await server.close();
    }
  });

  it("refuse another recorder's certificate from the same CA, before anything of the request is sent", async () => {
    const files = await ca.issue(crypto.randomUUID(), new Date(Date.now() + 3600_000));
    const server = await tlsServer(files.JIBRI_HTTP_API_TLS_CERT, files.JIBRI_HTTP_API_TLS_KEY);
    try {
      const addr = { host: '127.0.0.1', port: server.port, tls: { ca: ca.cert, recorderId: id } };
      await expect(recorderRequest(addr, 'GET', '/jibri/api/v1.0/health', TOKEN, { timeoutMs: 3000 })).rejects.toThrow(new RegExp(`not recorder ${id}'s`));
      expect(await fetchHealth(addr, TOKEN)).toBeUndefined();
      expect(await postShutdown({ ...addr, port: server.port }, TOKEN)).toBe(false);
      // Time for anything sent to arrive.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(server.received()).toBe('');
    } finally {
      await server.close();
    }
  });

  it('refuse a certificate of another CA, even one valid for the address, before anything of the request is sent', async () => {
    const other = issueServerCertificate(tempDir('jibri-ts-other-ca-'));
    const server = await tlsServer(fs.readFileSync(other.cert, 'utf8'), fs.readFileSync(other.key, 'utf8'));
    try {
      const addr = { host: '127.0.0.1', port: server.port, tls: { ca: ca.cert, recorderId: id } };
      await expect(recorderRequest(addr, 'GET', '/jibri/api/v1.0/health', TOKEN, { timeoutMs: 3000 })).rejects.toThrow(/unable to verify|self[- ]signed|unable to get local issuer/i);
      expect(await postShutdown(addr, TOKEN)).toBe(false);
      // Time for anything sent to arrive.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(server.received()).toBe('');
    } finally {
      await server.close();
    }
  });

  it('never fall back to plain HTTP: a plain server fails the call, and plain HTTP goes to loopback only', async () => {
    let requests = 0;
    const plain = http.createServer((_req, res) => {
      requests++;
      res.end(HEALTH);
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const port = (plain.address() as AddressInfo).port;
    try {
      expect(await fetchHealth({ host: '127.0.0.1', port, tls: { ca: ca.cert, recorderId: id } }, TOKEN)).toBeUndefined();
      expect(requests).toBe(0);
      // Loopback (the local and docker backends' recorders) may be plain.
      expect(await fetchHealth({ host: '127.0.0.1', port }, TOKEN)).toEqual({ busy: false, healthy: true });
    } finally {
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
    await expect(recorderRequest({ host: '192.0.2.10', port: 42000 }, 'GET', '/jibri/api/v1.0/health', TOKEN, { timeoutMs: 1000 })).rejects.toThrow(/refusing plain HTTP to 192\.0\.2\.10/);
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('10.0.0.5')).toBe(false);
    expect(isLoopback('localhost')).toBe(false);
  });

  it('check the name exactly: no wildcard, no prefix, no other field', () => {
    const check = recorderIdentityCheck(id);
    const cert = (subjectaltname: string): tls.PeerCertificate => ({ subjectaltname }) as tls.PeerCertificate;
    expect(check('10.0.0.5', cert(`DNS:${recorderIdentity(id)}`))).toBeUndefined();
    expect(check('10.0.0.5', cert(`IP Address:10.0.0.5, DNS:${recorderIdentity(id)}`))).toBeUndefined();
    expect(check(recorderIdentity(id), cert('DNS:*.recorder.jibri-ts.invalid'))).toBeInstanceOf(Error);
    expect(check('10.0.0.5', cert(`DNS:x${recorderIdentity(id)}`))).toBeInstanceOf(Error);
    expect(check('10.0.0.5', cert(`URI:DNS:${recorderIdentity(id)}`))).toBeInstanceOf(Error);
    expect(check('10.0.0.5', cert(''))).toBeInstanceOf(Error);
  });
});
