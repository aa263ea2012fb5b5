/**
 * The fleet's own certificate authority for the hop from the fleet to its remote recorders (swarm services,
 * Kubernetes pods): made once in the data folder (`recorder-ca/ca.pem`, and `ca.key` 0600), it issues each
 * recorder at its deploy a certificate whose identity is the recorder's own id, not an address (Swarm and
 * Kubernetes choose where it runs). The fleet trusts this CA alone for those connections (no system CA),
 * and checks the identity itself (recorder-api.ts). Nothing else is meant to trust this CA.
 *
 * The certificates are made by the openssl program (one short run each; the private keys go through its
 * standard output, never a file or an argument, and the child's environment holds PATH only): OpenSSL is
 * the most scrutinised X.509 code there is, operators inspect the CA with the same tool, and it keeps the
 * fleet free of an ASN.1 library (docs/DEPENDENCIES.md). Node's own crypto checks what openssl produced.
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The folder of the CA in the fleet's data folder. */
export const CA_FOLDER = 'recorder-ca';
/** How long the CA is valid: ten years (a recorder's certificate lives for its deployment only). */
const CA_DAYS = 3650;
/** Past its deployment's end, how long a recorder's certificate stays valid (the stop grace, the removal). */
const CERT_MARGIN_MS = 3600_000;
const OPENSSL_TIMEOUT_MS = 20000;

/** Pure: the DNS name a recorder's certificate carries, its only identity: the recorder's id under a reserved name. */
export function recorderIdentity(recorderId: string): string {
  return `${recorderId}.recorder.jibri-ts.invalid`;
}

/**
 * Pure: OpenSSL's configuration for both kinds of certificate, written beside the CA (openssl.cnf) and
 * always named, so that no system openssl.cnf adds extensions of its own (Debian's would make every
 * certificate a CA).
 */
export const OPENSSL_CONFIG = [
  '[req]',
  'distinguished_name = dn',
  'prompt = no',
  '[dn]',
  '[ca]',
  'basicConstraints = critical,CA:TRUE,pathlen:0',
  'keyUsage = critical,keyCertSign,cRLSign',
  'subjectKeyIdentifier = hash',
  '[recorder]',
  'basicConstraints = critical,CA:FALSE',
  'keyUsage = critical,digitalSignature',
  'extendedKeyUsage = serverAuth',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid',
  '',
].join('\n');

/** A new P-256 key, unencrypted, printed on standard output before the certificate. */
const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-noenc', '-keyout', '-'];

/** The CA's files in its folder. */
interface CaFiles {
  cert: string;
  key: string;
  config: string;
}

/** Pure: a random positive 120-bit serial number, as openssl takes it. */
function serial(): string {
  return `0x${crypto.randomBytes(15).toString('hex').replace(/^[89a-f]/, (c) => String(parseInt(c, 16) - 8))}`;
}

/** Pure: the openssl arguments that make the CA (key and certificate on standard output). */
export function caArgs(name: string, config: string): string[] {
  return ['req', '-x509', '-config', config, '-extensions', 'ca', ...KEY_ARGS, '-subj', `/CN=${name}`, '-days', String(CA_DAYS), '-set_serial', serial()];
}

/** Pure: the openssl arguments that make a recorder's key and certificate, signed by the CA's files. */
export function recorderArgs(recorderId: string, days: number, files: CaFiles): string[] {
  if (!/^[0-9a-z-]{1,63}$/.test(recorderId)) throw new Error(`not a recorder id: ${JSON.stringify(recorderId)}`);
  return ['req', '-x509', '-config', files.config, '-extensions', 'recorder', '-CA', files.cert, '-CAkey', files.key, ...KEY_ARGS,
    '-subj', `/CN=${recorderId}`, '-addext', `subjectAltName=DNS:${recorderIdentity(recorderId)}`, '-days', String(days), '-set_serial', serial()];
}

/** Pure: whole days from now until `until` and the margin (openssl counts validity in days). */
export function validityDays(until: Date, now = Date.now()): number {
  return Math.max(1, Math.ceil((until.getTime() + CERT_MARGIN_MS - now) / 86400_000));
}

/** Pure: the first PEM block of a kind in openssl's output. */
function pemBlock(text: string, label: string): string | undefined {
  return new RegExp(`-----BEGIN ${label}-----\\r?\\n[A-Za-z0-9+/=\\r\\n]+-----END ${label}-----\\r?\\n?`).exec(text)?.[0];
}

/** Runs openssl; answers its standard output. */
function openssl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // PATH only: the fleet's own secrets (JIBRI_FLEET_SECRET_KEY...) stay out of the child's environment.
    const child = spawn('openssl', args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: OPENSSL_TIMEOUT_MS });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new Error('the openssl program is not installed; the swarm and kubernetes backends need it to issue their recorders\' certificates (Debian: apt-get install openssl)') : e),
    );
    child.once('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString()) : reject(new Error(`openssl ${args[0]} failed (${code ?? 'killed'}): ${err.trim().split('\n').slice(0, 3).join('; ')}`))));
  });
}

/** A key and certificate openssl printed, checked to belong together. */
function keyAndCert(output: string, what: string): { key: string; cert: string; x509: crypto.X509Certificate } {
  const key = pemBlock(output, 'PRIVATE KEY');
  const cert = pemBlock(output, 'CERTIFICATE');
  if (!key || !cert) throw new Error(`openssl printed no ${what} key and certificate`);
  const x509 = new crypto.X509Certificate(cert);
  if (!x509.checkPrivateKey(crypto.createPrivateKey(key))) throw new Error(`openssl printed a ${what} key that is not its certificate's`);
  return { key, cert, x509 };
}

/** What a recorder gets as secret files: its certificate and key for JIBRI_HTTP_API_TLS_CERT_FILE / _KEY_FILE. */
export interface RecorderTlsFiles {
  JIBRI_HTTP_API_TLS_CERT: string;
  JIBRI_HTTP_API_TLS_KEY: string;
}

export class RecorderCa {
  private constructor(
    /** The CA's certificate (PEM): the one trust anchor of the fleet's connections to its remote recorders. */
    readonly cert: string,
    private readonly files: CaFiles,
    /** Its folder, and whether this start made it. */
    readonly dir: string,
    readonly made: boolean,
  ) {}

  /**
   * The CA of the fleet whose data folder this is: made at the first start (the key 0600, its folder 0700),
   * read afterwards. A folder left open is closed again; a key that is not the certificate's, a certificate
   * that is no CA, or one that has expired is an error that says what to do.
   */
  static async open(dataDir: string): Promise<RecorderCa> {
    const dir = path.join(dataDir, CA_FOLDER);
    const files: CaFiles = { cert: path.join(dir, 'ca.pem'), key: path.join(dir, 'ca.key'), config: path.join(dir, 'openssl.cnf') };
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    // Written at every start: it is this version's, not the operator's.
    fs.writeFileSync(files.config, OPENSSL_CONFIG, { mode: 0o600 });
    const made = !fs.existsSync(files.cert);
    if (made) {
      // No certificate: no CA was ever whole here (a key alone is what a start that died midway leaves).
      fs.rmSync(files.key, { force: true });
      const made = keyAndCert(await openssl(caArgs(`jibri-ts fleet recorders CA ${crypto.randomBytes(4).toString('hex')}`, files.config)), 'CA');
      // The key first, never readable by others; the certificate last: its presence says the pair is whole.
      fs.writeFileSync(files.key, made.key, { mode: 0o600, flag: 'wx' });
      fs.writeFileSync(files.cert, made.cert, { mode: 0o644, flag: 'wx' });
    }
    const help = `move ${dir} away (recorders deployed with it can then no longer be reached; do it when no swarm or kubernetes deployment runs) and start again: a new CA is made`;
    let cert: string;
    let x509: crypto.X509Certificate;
    try {
      cert = fs.readFileSync(files.cert, 'utf8');
      x509 = new crypto.X509Certificate(cert);
      if (!x509.checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(files.key)))) throw new Error('ca.key is not the key of ca.pem');
    } catch (err) {
      throw new Error(`the fleet's recorder CA in ${dir} cannot be used (${(err as Error).message}): ${help}`, { cause: err });
    }
    if (!x509.ca) throw new Error(`${files.cert} is not a CA certificate: ${help}`);
    if (Date.parse(x509.validTo) < Date.now() + 86400_000) throw new Error(`the fleet's recorder CA (${files.cert}) expires on ${x509.validTo}: ${help}`);
    if ((fs.statSync(files.key).mode & 0o077) !== 0) fs.chmodSync(files.key, 0o600);
    return new RecorderCa(cert, files, dir, made);
  }

  /** A new key and certificate for one recorder, valid until `until` (its deployment's latest end) and a margin. */
  async issue(recorderId: string, until: Date): Promise<RecorderTlsFiles> {
    const made = keyAndCert(await openssl(recorderArgs(recorderId, validityDays(until), this.files)), 'recorder');
    if (!made.x509.verify(new crypto.X509Certificate(this.cert).publicKey)) throw new Error('openssl printed a recorder certificate the CA did not sign');
    return { JIBRI_HTTP_API_TLS_CERT: made.cert, JIBRI_HTTP_API_TLS_KEY: made.key };
  }
}
