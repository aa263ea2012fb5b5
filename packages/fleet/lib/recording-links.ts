/**
 * Download links of delivered recordings, minted only for their owner (the dashboard's session, the
 * developer API's key) and short-lived. A recording in the customer's bucket gets a pre-signed GET of its
 * media with the domain's own key, signed here (no request), while the domain still sends to that bucket.
 * A recording the service keeps gets a link to the fleet itself, `/recordings/<id>/download?expires=…&
 * signature=…`: an HMAC-SHA256 of the id and the expiry under a key derived from JIBRI_FLEET_SECRET_KEY
 * (HKDF), checked in constant time; it names nothing but the recording, and stops working when it expires.
 */
import * as crypto from 'node:crypto';
import type { DeliveryStore } from './delivery-store';
import type { Recording } from './recordings-store';
import { presignedGet } from './s3-target';

/** The page's and the API's links: long enough to start a download, short enough not to be shared. */
export const DOWNLOAD_LINK_SEC = 15 * 60;
/** The recording ready event's links: the receiver fetches later, as the recorder's own events do. */
export const EVENT_LINK_SEC = 24 * 3600;

export type Link = { url: string; expiresAt: string };

export class RecordingLinks {
  private readonly key: Buffer;

  constructor(private readonly o: { secretKey: Buffer; publicUrl: string; deliveries: DeliveryStore; now?: () => number }) {
    this.key = Buffer.from(crypto.hkdfSync('sha256', o.secretKey, Buffer.alloc(0), Buffer.from('jibri-ts fleet recording links'), 32));
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  private signature(id: string, expires: number): string {
    return crypto.createHmac('sha256', this.key).update(`${id}.${expires}`).digest('hex');
  }

  /** Whether a link to the fleet's copy is this service's and has not expired. */
  valid(id: string, expires: unknown, signature: unknown): boolean {
    const e = Number(expires);
    if (typeof signature !== 'string' || !/^[0-9a-f]{64}$/.test(signature) || !Number.isInteger(e) || e * 1000 < this.now()) return false;
    return crypto.timingSafeEqual(Buffer.from(signature, 'hex'), Buffer.from(this.signature(id, e), 'hex'));
  }

  /**
   * A link to the recording's media, valid `ttlSec`; or why there is none (not delivered; removed; the
   * domain sends to another bucket now, so the key that could sign for the old one is gone).
   */
  async media(r: Recording, ttlSec: number): Promise<Link | { why: string }> {
    if (r.state !== 'delivered') return { why: r.state === 'expired' ? 'it was removed after the retention' : 'it is not delivered' };
    const expires = Math.floor(this.now() / 1000) + ttlSec;
    const expiresAt = new Date(expires * 1000).toISOString();
    const media = r.files.find((f) => f.role === 'media');
    if (r.target === 'service') {
      return { url: `${this.o.publicUrl}/recordings/${encodeURIComponent(r.id)}/download?expires=${expires}&signature=${this.signature(r.id, expires)}`, expiresAt };
    }
    const s3 = this.o.deliveries.get(r.accountId, r.domain)?.s3;
    if (!s3 || !r.mediaKey || s3.bucket !== r.bucket || (s3.endpoint ?? '') !== (r.endpoint ?? '')) return { why: `the domain sends to another bucket now: it is in bucket ${r.bucket ?? '?'} as ${r.mediaKey ?? '?'}` };
    return { url: await presignedGet(s3, r.mediaKey, ttlSec, media?.name), expiresAt };
  }
}
