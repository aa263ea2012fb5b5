/** The fleet's recorder CA: a certificate per recorder, of its id, trusted by the fleet alone. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CA_FOLDER, RecorderCa, recorderArgs, recorderIdentity, validityDays } from '../../lib/recorder-ca';
import { tempDir } from '../../../../testkit/service';

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
