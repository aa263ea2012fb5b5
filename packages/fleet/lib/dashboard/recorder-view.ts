/**
 * Pure: a deployment as its page shows it: each recorder's state as the domain's brewery shows it, the
 * time left, and what "Release now" would refund.
 */
import { cappedRefund, proratedRefund } from '../money';
import type { Deployment, RecorderState } from '../store';

/** What the brewery says of a recorder, or undefined while the fleet has not looked (yet). */
export interface BrewerySighting {
  present: boolean;
  busy: boolean;
  healthy: boolean;
}

export type BreweryState = 'starting' | 'idle' | 'busy' | 'draining' | 'gone' | 'unknown';

/**
 * The fleet's row says whether the recorder exists; the brewery says what it does. A recorder being
 * created shows "starting" until the brewery sees it; a ready one is idle or busy as its presence says;
 * one that left the brewery or was removed is gone.
 */
export function breweryState(row: RecorderState, seen: BrewerySighting | undefined): BreweryState {
  if (row === 'removed' || row === 'failed') return 'gone';
  if (row === 'draining') return seen && !seen.present ? 'gone' : 'draining';
  if (!seen) return row === 'creating' ? 'starting' : 'unknown';
  if (!seen.present) return row === 'creating' ? 'starting' : 'gone';
  if (seen.busy) return 'busy';
  return row === 'creating' && !seen.healthy ? 'starting' : 'idle';
}

/** "2 h 05 min", "4 min 10 s", "ended" */
export function timeLeft(expiresAtIso: string | undefined, nowMs: number): string {
  if (!expiresAtIso) return '—';
  const s = Math.floor((Date.parse(expiresAtIso) - nowMs) / 1000);
  if (s <= 0) return 'ended';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${m} min ${String(s % 60).padStart(2, '0')} s`;
}

/** What releasing now gives back (the store's own rule: prorated, capped by what is left of the debit); undefined if it cannot be released. */
export function releaseRefund(d: Deployment, nowMs: number): number | undefined {
  if (d.state !== 'ready' || !d.readyAt || !d.expiresAt) return undefined;
  const paid = d.reserved - d.refunded;
  return cappedRefund(proratedRefund(paid, Date.parse(d.readyAt), Date.parse(d.expiresAt), nowMs), d.reserved, d.refunded);
}

/** Words for a deployment's state on its page. */
export const DEPLOYMENT_STATE_TEXT: Readonly<Record<Deployment['state'], string>> = {
  deploying: 'Deploying',
  ready: 'Running',
  expiring: 'Draining',
  ended: 'Ended',
  failed: 'Failed',
};
