/** Pure: the brewery presence payload Jicofo reads to pick a recorder. */
import xml, { type Element } from '@xmpp/xml';
import { NS_JIBRI } from './jibri-iq';

export const NS_HEALTH = 'http://jitsi.org/protocol/health';

export interface BreweryStatus {
  busy: boolean;
  healthy: boolean;
}

/**
 * Both children, always: Jicofo dereferences them without a null check, and a presence missing one
 * makes the recorder unselectable. There is no 'expired' on the wire; the caller maps it to busy.
 */
export function jibriStatus(s: BreweryStatus): Element {
  return xml(
    'jibri-status',
    { xmlns: NS_JIBRI },
    xml('busy-status', { xmlns: NS_JIBRI, status: s.busy ? 'busy' : 'idle' }),
    xml('health-status', { xmlns: NS_HEALTH, status: s.healthy ? 'healthy' : 'unhealthy' }),
  );
}
