#!/usr/bin/env node
/**
 * The image's HEALTHCHECK (no curl in the image): GET /jibri/api/v1.0/health on the service's own port.
 * The endpoint answers 200 whenever the service runs; exit 0 on 200, 1 otherwise.
 */
'use strict';
const bound = (process.env.JIBRI_HTTP_API_EXTERNAL_HOST || '127.0.0.1').trim();
// A wildcard bind is reached on loopback; a specific address only on itself.
const host = ['0.0.0.0', '::', '[::]', ''].includes(bound) ? '127.0.0.1' : bound;
const port = (process.env.JIBRI_HTTP_API_EXTERNAL_PORT || '2222').trim();
const url = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}/jibri/api/v1.0/health`;
const timer = setTimeout(() => process.exit(1), 4000);
fetch(url)
  .then((res) => {
    clearTimeout(timer);
    process.exit(res.status === 200 ? 0 : 1);
  })
  .catch(() => process.exit(1));
