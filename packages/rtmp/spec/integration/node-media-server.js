// A second RTMP ingest for the publisher's real-stack spec, besides nginx-rtmp: node-media-server (an
// independent implementation in JavaScript) on a loopback port, in a process of its own (it keeps its
// configuration in module globals and exits its process when a port is taken). Each publish it sees is
// printed as one JSON line: `publish` when it starts, `done` with what it parsed of the stream once the
// publisher's connection is closed.
//   node node-media-server.js PORT STORE_DIR [PUBLISH_SECRET]
'use strict';
const NodeMediaServer = require('node-media-server');

const [port, dir, secret] = process.argv.slice(2);
const nms = new NodeMediaServer({
  bind: '127.0.0.1',
  rtmp: { port: Number(port), chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 },
  store: { path: dir },
  webadmin: { enable: false },
  ...(secret ? { auth: { publish: true, secret } } : {}),
});
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
// Its own donePublish waits 30 s for the publisher to come back; what it parsed is read when the
// publisher's connection closes instead.
const live = new Set();
nms.on('postPublish', (s) => {
  live.add(s);
  say({ event: 'publish', id: s.id, path: s.streamPath });
});
setInterval(() => {
  for (const s of live) {
    if (!s.socket?.destroyed) continue;
    live.delete(s);
    say({ event: 'done', id: s.id, path: s.streamPath, videoCodec: s.videoCodec, audioCodec: s.audioCodec, width: s.videoWidth, height: s.videoHeight, audioSampleRate: s.audioSamplerate, inBytes: s.inBytes });
  }
}, 50).unref();
process.on('SIGTERM', () => {
  void nms.stop().finally(() => process.exit(0));
});
void nms.run();
