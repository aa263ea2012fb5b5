// The second S3 implementation of the specs, beside Ceph RGW: s3rver (npm, a development dependency) in a
// process of its own, so that every spec file of a run shares it (testkit/s3rver.ts starts it once).
//   node testkit/s3rver-server.js DIR PARENT_PID
// Listens on 127.0.0.1 on a port the system picks, keeps its objects in DIR/data, writes DIR/s3rver.json
// ({endpoint, region, accessKeyId, secretAccessKey, dir, pid}) once it answers, and exits when PARENT_PID
// is gone or on SIGTERM. s3rver has one fixed key pair, S3RVER/S3RVER: its key id equals its secret.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const S3rver = require('s3rver');

const [dir, parent] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: s3rver-server.js DIR [PARENT_PID]\n');
  process.exit(2);
}
fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
const server = new S3rver({ address: '127.0.0.1', port: 0, directory: path.join(dir, 'data'), silent: true });

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

async function main() {
  const { port } = await server.run();
  const info = { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', dir, pid: process.pid };
  const tmp = path.join(dir, 's3rver.json.tmp');
  fs.writeFileSync(tmp, JSON.stringify(info));
  fs.renameSync(tmp, path.join(dir, 's3rver.json'));
  const stop = () => void server.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (parent) setInterval(() => alive(Number(parent)) || stop(), 2000).unref();
}

main().catch((err) => {
  process.stderr.write(`s3rver: ${err.stack ?? err}\n`);
  process.exit(1);
});
