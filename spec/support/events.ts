/** Reading what the service pushes out: its Server-Sent Events stream, and the RS256 tokens on its webhooks. */
import * as crypto from 'node:crypto';
import type { Json } from '../../testkit/json';

/** Reads an SSE stream into parsed events until aborted. */
export function readEvents(url: string, headers: Record<string, string>): { events: Array<{ event: string; id: number; data: Json }>; stop(): void } {
  const events: Array<{ event: string; id: number; data: Json }> = [];
  const abort = new AbortController();
  void (async () => {
    const res = await fetch(url, { headers, signal: abort.signal });
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const field = (name: string): string | undefined => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        const data = field('data');
        if (data !== undefined) events.push({ event: field('event') ?? 'message', id: Number(field('id')), data: JSON.parse(data) });
      }
    }
  })().catch(() => undefined);
  return { events, stop: () => abort.abort() };
}

export function verifyJwt(authorization: string | undefined, key: crypto.KeyObject): { header: Json; claims: Json } {
  const m = /^Bearer (.+)\.(.+)\.(.+)$/.exec(authorization ?? '');
  if (!m) throw new Error(`no bearer token in ${authorization}`);
  const [, h, c, s] = m as unknown as [string, string, string, string];
  if (!crypto.verify('sha256', Buffer.from(`${h}.${c}`), key, Buffer.from(s, 'base64url'))) throw new Error('the token does not verify');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), claims: JSON.parse(Buffer.from(c, 'base64url').toString()) };
}

