#!/usr/bin/env node
/**
 * Prints the certificates this machine's npm trusts beyond Node's built-in ones (PEM), for the Dockerfile's
 * NPM_CA build argument: those of npm's `cafile` / `ca` settings and of NODE_EXTRA_CA_CERTS that Node does not
 * already carry. On a machine behind a TLS-inspecting proxy that is the proxy's CA; elsewhere nothing.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const tls = require('node:tls');

function npmConfig(key) {
  try {
    const v = execFileSync('npm', ['config', 'get', key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return v === 'null' || v === 'undefined' ? '' : v;
  } catch {
    return '';
  }
}

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const sources = [];
for (const file of [npmConfig('cafile'), process.env.NODE_EXTRA_CA_CERTS ?? '']) {
  if (file && fs.existsSync(file)) sources.push(fs.readFileSync(file, 'utf8'));
}
const inline = npmConfig('ca');
if (inline) sources.push(inline.replace(/\\n/g, '\n'));

const fingerprint = (pem) => new crypto.X509Certificate(pem).fingerprint256;
const builtIn = new Set(tls.rootCertificates.map(fingerprint));
const extra = new Map();
for (const text of sources) {
  for (const pem of text.match(PEM) ?? []) {
    try {
      const fp = fingerprint(pem);
      if (!builtIn.has(fp)) extra.set(fp, pem);
    } catch {
      // not a certificate Node can read: npm could not use it either
    }
  }
}
if (extra.size) process.stdout.write(`${[...extra.values()].join('\n')}\n`);
