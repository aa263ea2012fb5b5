/** The calls to a recorder's API: HTTPS with the fleet's CA and the recorder's id checked beyond loopback. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { RecorderCa, recorderIdentity } from '../../../lib/recorder-ca';
import { fetchHealth, isLoopback, postShutdown, recorderIdentityCheck, recorderRequest } from '../../../lib/backends/recorder-api';
import { tempDir } from '../../../../../testkit/service';
import { issueServerCertificate } from '../../../../../testkit/test-ca';

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
