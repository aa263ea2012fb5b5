/**
 * Secrets at rest in the fleet's database (customers' XMPP passwords, recorder tokens): AES-256-GCM
 * under the operator's JIBRI_FLEET_SECRET_KEY. Each value gets a fresh 96-bit nonce, and is bound to
 * where it is stored (the `context`, e.g. the account, domain and field) as associated data, so a value
 * copied into another row does not open. Stored as `enc:v1:<base64url(nonce | ciphertext | tag)>`.
 */
import * as crypto from 'node:crypto';

const PREFIX = 'enc:v1:';

/** Pure: the key from its setting: 32 bytes, base64 or hex; undefined when it is not one. */
export function parseSecretKey(raw: string): Buffer | undefined {
  const text = raw.trim();
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(text) ? Buffer.from(text, 'base64') : undefined;
  return key?.length === 32 ? key : undefined;
}

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  seal(plain: string, context: string): string {
    const nonce = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** Throws when the value was sealed under another key or for another place. */
  open(sealed: string, context: string): string {
    if (!SecretBox.isSealed(sealed)) throw new Error('not a sealed value');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    if (raw.length < 28) throw new Error('a sealed value is too short');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  }
}
