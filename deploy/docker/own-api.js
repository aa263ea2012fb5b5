/**
 * How the image's preStop hook (prestop.js) reaches the recorder's APIs in the same container:
 * on the address the service bound (a wildcard is reached on loopback; a comma-separated list, as the
 * fleet's swarm recorders get, is the entry that is this host's, as the service picks it), over HTTPS when
 * JIBRI_HTTP_API_TLS_CERT_FILE is set (then both APIs speak nothing else). The certificate is not checked:
 * the server is this container's own service, reached on its own address from inside its own network
 * namespace; the fleet, which reaches it from elsewhere, checks it against its CA.
 */
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const os = require('node:os');

const env = (name, fallback) => (process.env[name] || fallback).trim();

/** The address to call for a host setting: a wildcard on loopback, a list's own entry, else the address itself. */
function hostOf(setting) {
  const list = setting.split(',').map((h) => h.trim().replace(/^\[(.*)\]$/, '$1')).filter(Boolean);
  const own = new Set(Object.values(os.networkInterfaces()).flatMap((l) => (l || []).map((i) => i.address)));
  const host = list.length > 1 ? list.find((h) => own.has(h)) || list[0] : list[0] || '127.0.0.1';
  return ['0.0.0.0', '::'].includes(host) ? '127.0.0.1' : host;
}

const tls = Boolean(env('JIBRI_HTTP_API_TLS_CERT_FILE', ''));
const api = { host: hostOf(env('JIBRI_HTTP_API_EXTERNAL_HOST', '127.0.0.1')), port: Number(env('JIBRI_HTTP_API_EXTERNAL_PORT', '2222')) };
const internal = { host: hostOf(env('JIBRI_HTTP_API_INTERNAL_HOST', '127.0.0.1')), port: Number(env('JIBRI_HTTP_API_INTERNAL_PORT', '3333')) };

/** The service's token (JIBRI_HTTP_API_TOKEN, or the file JIBRI_HTTP_API_TOKEN_FILE names), or ''. */
function token() {
  const file = env('JIBRI_HTTP_API_TOKEN_FILE', '');
  try {
    return (file ? fs.readFileSync(file, 'utf8') : process.env.JIBRI_HTTP_API_TOKEN || '').trim();
  } catch {
    return '';
  }
}

/** One request to one of the APIs ({ host, port }); resolves { status, body }. */
function call(where, method, path, { headers = {}, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const options = { host: where.host, port: where.port, path, method, headers, agent: false, signal: AbortSignal.timeout(timeoutMs) };
    const req = (tls ? https : http).request(tls ? { ...options, rejectUnauthorized: false } : options, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode || 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

module.exports = { api, internal, call, token, hostOf };
