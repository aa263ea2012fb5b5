#!/usr/bin/env node
/**
 * Kubernetes preStop hook of the recorder container (deploy/k8s/deployment.yaml). Runs before the pod's
 * container gets SIGTERM, and holds it back while a recording runs:
 *   1. asks the service for a graceful shutdown on its internal API,
 *      POST http://127.0.0.1:3333/jibri/api/internal/v1.0/gracefulShutdown (Jibri's internal API): from
 *      then on the service takes no new session and exits by itself once the running one is finalized;
 *   2. waits while GET /jibri/api/v1.0/health says busy (or until the service is gone), every 5 s;
 *   3. returns, and Kubernetes sends SIGTERM, which drains too (nothing is left to drain by then).
 * terminationGracePeriodSeconds bounds the whole wait. The service's token (JIBRI_HTTP_API_TOKEN, or
 * the file JIBRI_HTTP_API_TOKEN_FILE names) goes along: with JIBRI_HTTP_API_INTERNAL_AUTH, as the
 * fleet's pods have, the internal API wants it.
 */
'use strict';
const fs = require('node:fs');
const bound = (process.env.JIBRI_HTTP_API_EXTERNAL_HOST || '127.0.0.1').trim();
const host = ['0.0.0.0', '::', '[::]', ''].includes(bound) ? '127.0.0.1' : bound;
const port = (process.env.JIBRI_HTTP_API_EXTERNAL_PORT || '2222').trim();
const internalPort = (process.env.JIBRI_HTTP_API_INTERNAL_PORT || '3333').trim();
const health = `http://${host}:${port}/jibri/api/v1.0/health`;
const shutdown = `http://127.0.0.1:${internalPort}/jibri/api/internal/v1.0/gracefulShutdown`;
const log = (m) => process.stdout.write(`preStop: ${m}\n`);

function token() {
  const file = (process.env.JIBRI_HTTP_API_TOKEN_FILE || '').trim();
  try {
    return (file ? fs.readFileSync(file, 'utf8') : process.env.JIBRI_HTTP_API_TOKEN || '').trim();
  } catch {
    return '';
  }
}

async function busy() {
  try {
    const res = await fetch(health, { signal: AbortSignal.timeout(5000) });
    return (await res.json()).busy === true;
  } catch {
    return false; // no answer: nothing to wait for
  }
}

(async () => {
  try {
    const t = token();
    const res = await fetch(shutdown, { method: 'POST', headers: t ? { authorization: `Bearer ${t}` } : {}, signal: AbortSignal.timeout(5000) });
    log(`gracefulShutdown answered ${res.status}`);
  } catch (err) {
    log(`gracefulShutdown not available (${err.cause?.code ?? err.message}); waiting on health instead`);
  }
  const started = Date.now();
  while (await busy()) {
    log(`a recording is running; waiting (${Math.round((Date.now() - started) / 1000)} s so far)`);
    await new Promise((r) => setTimeout(r, 5000));
  }
  log('idle; the service gets SIGTERM now');
})();
