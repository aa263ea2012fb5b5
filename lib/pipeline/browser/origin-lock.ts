/**
 * Keeps a page's main frame on one origin, for a page that holds a call login (in its URL's hash and its
 * localStorage): the hash follows a redirect and stays in the address of the next page, whose scripts
 * would read it. Through Chromium's Fetch domain (a CDP session of its own beside Playwright's), every
 * document request of the main frame is paused twice: before it is sent (a navigation to another origin
 * is failed there, nothing leaves) and at its response (a redirect to another origin is failed before the
 * browser follows it, at any hop). Frames are not held: they never get the login (pipeline.ts).
 */
import type { CDPSession, Page } from 'playwright';

interface RequestPaused {
  requestId: string;
  frameId: string;
  request: { url: string };
  responseStatusCode?: number;
  responseHeaders?: Array<{ name: string; value: string }>;
}

/** Pure: where a paused document request would take the frame: its URL, or a redirect's Location. */
export function destinationOf(e: Pick<RequestPaused, 'request' | 'responseStatusCode' | 'responseHeaders'>): string {
  const status = e.responseStatusCode ?? 0;
  const location = e.responseHeaders?.find((h) => h.name.toLowerCase() === 'location')?.value;
  if (status >= 300 && status < 400 && location) {
    try {
      return new URL(location, e.request.url).href;
    } catch {
      return location;
    }
  }
  return e.request.url;
}

/** Pure: a URL's origin, or the text itself when it is not a URL. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** Holds the page's main frame on `origin`; `refused` hears each origin it was kept from. Resolves once in place. */
export async function lockToOrigin(page: Page, origin: string, refused: (target: string) => void): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  const { frameTree } = (await cdp.send('Page.getFrameTree')) as { frameTree: { frame: { id: string } } };
  const main = frameTree.frame.id;
  cdp.on('Fetch.requestPaused', (e: RequestPaused) => {
    const target = originOf(destinationOf(e));
    if (e.frameId === main && target !== origin) {
      refused(target);
      void cdp.send('Fetch.failRequest', { requestId: e.requestId, errorReason: 'BlockedByClient' }).catch(() => undefined);
      return;
    }
    const go = e.responseStatusCode === undefined ? cdp.send('Fetch.continueRequest', { requestId: e.requestId }) : cdp.send('Fetch.continueResponse', { requestId: e.requestId });
    // The browser may be closing: nothing is left to continue then.
    void go.catch(() => undefined);
  });
  await cdp.send('Fetch.enable', {
    patterns: [
      { resourceType: 'Document', requestStage: 'Request' },
      { resourceType: 'Document', requestStage: 'Response' },
    ],
  });
  return cdp;
}
