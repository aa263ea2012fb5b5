#!/usr/bin/env node
/**
 * Used by scripts/package-check.sh inside the Debian container, on the package's own Node.js: records the
 * demo page through the installed service's HTTP API, as any Jibri client would (the page served by the
 * package's own demo server, startService, SECONDS, stopService), and prints the session's id once the
 * service is idle again. usage: package-record.js <api base URL> <session id> <seconds>
 */
'use strict';
const lib = '/usr/lib/jibri-ts/dist/lib';
const { startDemoServer } = require(`${lib}/demo/server`);
const { startFileRecording, stopRecording } = require(`${lib}/demo/client`);

const [api, sessionId, seconds] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const health = async () => (await fetch(`${api}/health`)).json();

(async () => {
  const page = await startDemoServer();
  try {
    await startFileRecording(api, sessionId, page.baseUrl, 'package-check');
    for (let i = 0; ; i++) {
      const h = await health();
      const state = h.status.health.details[`session:${sessionId}`]?.state;
      if (state === 'recording') break;
      if (i > 300 || (state && state !== 'starting')) throw new Error(`the session is ${state ?? 'gone'}: ${JSON.stringify(h.status.health.details)}`);
      await sleep(100);
    }
    await sleep(seconds * 1000);
    await stopRecording(api);
    for (let i = 0; (await health()).busy; i++) {
      if (i > 600) throw new Error('the service stayed busy 60 s after stopService');
      await sleep(100);
    }
    console.log(sessionId);
  } finally {
    await page.close();
  }
})().catch((err) => {
  console.error(`package-record: ${err.message}`);
  process.exit(1);
});
