/**
 * Pure: the seed's deploy request, from a form or JSON body, into a checked value or the fields that are
 * wrong. Numbers may arrive as strings (the seed's own axios example sends "28").
 */
import { LOCATIONS, type Location } from './config';

export interface DeployRequest {
  apiKey: string;
  domain: string;
  recorders: number;
  durationHours: number;
  location: Location;
  callbackUrl: string;
}

export interface FieldError {
  field: string;
  message: string;
}

export const MAX_RECORDERS = 100;
export const MAX_HOURS = 720;

function wholeNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v)) return Number(v);
  return undefined;
}

export function parseDeployRequest(body: unknown): { ok: true; request: DeployRequest } | { ok: false; missingKey: boolean; errors: FieldError[] } {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const errors: FieldError[] = [];
  const text = (field: string): string | undefined => {
    const v = b[field];
    if (typeof v !== 'string' || !v.trim()) {
      errors.push({ field, message: 'is required' });
      return undefined;
    }
    return v.trim();
  };
  const apiKey = typeof b.apiKey === 'string' && b.apiKey.trim() ? b.apiKey.trim() : undefined;
  const domain = text('domain');
  if (domain !== undefined && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(domain)) errors.push({ field: 'domain', message: 'must be a domain name, e.g. meet.example.com' });
  const recorders = wholeNumber(b.recorders);
  if (b.recorders === undefined || b.recorders === '') errors.push({ field: 'recorders', message: 'is required' });
  else if (recorders === undefined || recorders < 1 || recorders > MAX_RECORDERS) errors.push({ field: 'recorders', message: `must be a whole number from 1 to ${MAX_RECORDERS}` });
  const duration = wholeNumber(b.duration);
  if (b.duration === undefined || b.duration === '') errors.push({ field: 'duration', message: 'is required' });
  else if (duration === undefined || duration < 1 || duration > MAX_HOURS) errors.push({ field: 'duration', message: `must be a whole number of hours from 1 to ${MAX_HOURS}` });
  const location = text('location');
  if (location !== undefined && !LOCATIONS.includes(location as Location)) errors.push({ field: 'location', message: `must be one of ${LOCATIONS.join(', ')}` });
  const callback = text('callback_url');
  if (callback !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(callback);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol)) errors.push({ field: 'callback_url', message: 'must be an http(s) URL' });
  }
  if (!apiKey || errors.length) return { ok: false, missingKey: !apiKey, errors };
  return { ok: true, request: { apiKey, domain: domain!, recorders: recorders!, durationHours: duration!, location: location as Location, callbackUrl: callback! } };
}
