/**
 * A certificate authority for the test run, made once per process: the RTMPS ingests of the specs get
 * certificates from it (for 127.0.0.1), and the test services trust it through
 * JIBRI_STREAMING_RTMPS_CA_FILE, so that RTMPS is tested with its certificate really verified.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let caDir: string | undefined;

function ca(): string {
  if (caDir) return caDir;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-test-ca-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=jibri-ts test CA', '-keyout', path.join(dir, 'ca.key'), '-out', path.join(dir, 'ca.pem')], { stdio: 'ignore' });
  caDir = dir;
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The CA's certificate (PEM file). */
export function testCaFile(): string {
  return path.join(ca(), 'ca.pem');
}

/** A server certificate from the test CA for 127.0.0.1, written into `dir` as cert.pem and key.pem. */
export function issueServerCertificate(dir: string): { cert: string; key: string } {
  const authority = ca();
  const key = path.join(dir, 'key.pem');
  const csr = path.join(dir, 'server.csr');
  const cert = path.join(dir, 'cert.pem');
  const ext = path.join(dir, 'san.ext');
  fs.writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', csr], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', path.join(authority, 'ca.pem'), '-CAkey', path.join(authority, 'ca.key'), '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

/** A self-signed certificate nobody trusts, for the refusal case. */
export function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const key = path.join(dir, 'untrusted-key.pem');
  const cert = path.join(dir, 'untrusted-cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}
