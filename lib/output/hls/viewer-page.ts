/**
 * The bundled HLS viewer: a page and its script that play a session's playlist with hls.js, served by
 * the service itself from the installed npm package (no outside resource, so it works on a closed
 * network and under a strict Content-Security-Policy). The viewer's token travels in the page URL's
 * #fragment, which browsers never send to a server, so it is in no access log; the script sends it as
 * a bearer header with every playlist and segment request (or, for a browser's own HLS, on the URL).
 */

/** hls.js from the installed package; resolved when the HTTP API is built, so a missing package shows at start. */
export function hlsScriptPath(): string {
  return require.resolve('hls.js/dist/hls.min.js');
}

export const VIEWER_CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; style-src 'unsafe-inline'; img-src 'self'";

/** The page; `assets` is where the HTTP API serves the viewer's scripts (hls.min.js, viewer.js). */
export function viewerPage(assets: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Live meeting</title>
<style>
  html, body { margin: 0; height: 100%; background: #111; color: #ddd; font: 14px system-ui, sans-serif; }
  video { display: block; width: 100%; height: calc(100% - 2em); background: #000; }
  #state { height: 2em; line-height: 2em; padding: 0 1em; }
</style>
</head>
<body>
<video id="video" controls autoplay muted playsinline></video>
<div id="state">Loading...</div>
<script src="${assets}/hls.min.js"></script>
<script src="${assets}/viewer.js"></script>
</body>
</html>
`;
}

/** The page's script: the playlist beside the page, the token from the #fragment. */
export function viewerScript(): string {
  return `'use strict';
(function () {
  var token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
  var video = document.getElementById('video');
  var state = document.getElementById('state');
  var source = 'index.m3u8';
  function show(text) { state.textContent = text; }
  video.addEventListener('playing', function () { show('Live'); });
  video.addEventListener('waiting', function () { show('Buffering...'); });
  if (window.Hls && window.Hls.isSupported()) {
    var hls = new window.Hls({
      xhrSetup: function (xhr) { if (token) xhr.setRequestHeader('Authorization', 'Bearer ' + token); },
      liveSyncDurationCount: 2,
    });
    hls.on(window.Hls.Events.ERROR, function (_e, data) {
      if (data.fatal) show(data.response && data.response.code === 401 ? 'Not allowed: the link has no valid token' : 'The stream is not available (' + data.details + ')');
    });
    hls.on(window.Hls.Events.MANIFEST_PARSED, function () { video.play().catch(function () { show('Press play'); }); });
    hls.loadSource(source);
    hls.attachMedia(video);
    window.viewer = { hls: hls, video: video };
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = source + (token ? '?token=' + encodeURIComponent(token) : '');
    window.viewer = { video: video };
  } else {
    show('This browser cannot play HLS');
  }
})();
`;
}
