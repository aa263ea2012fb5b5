#!/usr/bin/env node
/**
 * Kubernetes preStop hook of the recorder container (deploy/k8s/deployment.yaml, and the fleet's pods).
 * Runs before the pod's container gets SIGTERM, and holds it back while a recording runs:
 *   1. asks the service for a graceful shutdown on its internal API,
 *      POST /jibri/api/internal/v1.0/gracefulShutdown (Jibri's internal API, on 127.0.0.1:3333 unless
 *      configured otherwise): from then on the service takes no new session and exits by itself once the
 *      running one is finalized;
 *   2. waits while GET /jibri/api/v1.0/health says busy (or until the service is gone), every 5 s;
 *   3. returns, and Kubernetes sends SIGTERM, which drains too (nothing is left to drain by then).
 * terminationGracePeriodSeconds bounds the whole wait. The service's token (JIBRI_HTTP_API_TOKEN, or
 * the file JIBRI_HTTP_API_TOKEN_FILE names) goes along: with JIBRI_HTTP_API_INTERNAL_AUTH, as the
 * fleet's pods have, the internal API wants it. A service with a certificate (the fleet's pods) is called
 * over HTTPS (own-api.js).
 */
'use strict';
const { api, internal, call, token } = require('./own-api');

const log = (m) => process.stdout.write(`preStop: ${m}\n`);

async function busy() {
  try {
    const res = await call(api, 'GET', '/jibri/api/v1.0/health');
    return JSON.parse(res.body).busy === true;
  } catch {
    return false; // no answer: nothing to wait for
  }
}

(async () => {
  try {
    const t = token();
    const res = await call(internal, 'POST', '/jibri/api/internal/v1.0/gracefulShutdown', { headers: t ? { authorization: `Bearer ${t}` } : {} });
    log(`gracefulShutdown answered ${res.status}`);
  } catch (err) {
    log(`gracefulShutdown not available (${err.code ?? err.message}); waiting on health instead`);
  }
  const started = Date.now();
  while (await busy()) {
    log(`a recording is running; waiting (${Math.round((Date.now() - started) / 1000)} s so far)`);
    await new Promise((r) => setTimeout(r, 5000));
  }
  log('idle; the service gets SIGTERM now');
})();
