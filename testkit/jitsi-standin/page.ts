/**
 * The stand-in Jitsi Meet page: just enough of Jitsi Meet's `APP.conference` (and of lib-jitsi-meet's
 * JitsiConference and ChatRoom behind it) for the recorder's page scripts, driven by the test through
 * its server (`server.ts`).
 *
 * What it does, in order:
 * - reads the URL hash the way Jitsi Meet's parseURLParams does (split on `&`, then on `=`, each value
 *   URI-decoded and JSON-parsed; a value that does not parse is dropped), then the hidden login the way
 *   its local-storage setup does: `appData.localStorageContent` is JSON-parsed a second time and its keys
 *   stored; when the hash carries no login, `xmpp_username_override`/`xmpp_password_override` are read
 *   from the page's real localStorage (Jibri's older flow);
 * - polls `GET /state/<room>` every 200 ms and applies it: participants (with `xmpp.muc_member_joined`,
 *   `xmpp.display_name_changed` and `xmpp.muc_member_left` events once joined), bitrate, ICE state,
 *   tone frequency, joining `joinAfterMs` after the page loaded (never when null), and `crash`;
 * - gives every participant with a sound (its clip's, or a tone while `speaking`) a remote audio track,
 *   and tells the conference's listeners what lib-jitsi-meet tells Jitsi Meet once joined:
 *   `conference.userJoined` / `userLeft` / `displayNameChanged`, `conference.trackAdded` / `trackRemoved` /
 *   `trackMuteChanged` (JitsiRemoteTrack-like objects whose `getTrack()` is a real MediaStreamTrack: the
 *   tile's captured sound, or a WebAudio destination's), and `conference.dominantSpeaker`;
 * - draws a moving picture on a full-window canvas and plays a continuous sine tone; or, once any
 *   participant has a `video` (a clip the server serves from /media/, see media.ts), shows Jitsi Meet's
 *   tile view instead: one 16:9 tile per visible participant in a centred grid of ceil(sqrt(N)) columns
 *   (at most 5), each a looping <video> with its sound, cropped to fill its tile (object-fit: cover), and
 *   the name at the bottom left; a participant without video gets an avatar tile with initials, and
 *   hidden ones (other recorders, transcribers) get none, as in Jitsi Meet;
 * - posts what it received to `POST /report/<room>` whenever that changes.
 *
 * `crash: true` makes the page unresponsive (an endless loop on the main thread): a page cannot navigate
 * itself to `chrome://crash`. Scripts then time out, which is what a hung renderer looks like. A real
 * renderer crash is the caller's to cause, from outside the page, through Playwright and the DevTools
 * protocol: `(await page.context().newCDPSession(page)).send('Page.crash')`, after which `page` emits
 * 'crash' and every `evaluate` rejects. (A renderer stuck in this page's endless loop ignores Page.crash:
 * crash a responsive page, and close a hung one with its context.)
 *
 * The script is plain ES2017 without backticks or `${`, so it can live in this String.raw literal.
 */
export const STANDIN_PAGE_HTML = String.raw`<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>Jitsi Meet (stand-in)</title>
<style>
  html, body { margin: 0; height: 100%; overflow: hidden; background: #000; }
  canvas { display: block; width: 100vw; height: 100vh; }
  #tiles { position: absolute; inset: 0; background: #040404; display: none; }
  .tile { position: absolute; overflow: hidden; border-radius: 4px; background: #292929; }
  .tile video { width: 100%; height: 100%; object-fit: cover; display: block; }
  .tile .avatar { position: absolute; left: 50%; top: 50%; width: 30%; aspect-ratio: 1; transform: translate(-50%, -50%); border-radius: 50%;
    background: #5b6d8a; color: #fff; font: 600 3vmin sans-serif; display: flex; align-items: center; justify-content: center; }
  .tile .name { position: absolute; left: 4px; bottom: 4px; padding: 2px 6px; border-radius: 3px; background: rgba(0, 0, 0, 0.6);
    color: #fff; font: 14px sans-serif; }
</style>
</head>
<body>
<canvas id="stage"></canvas>
<div id="tiles"></div>
<script>
(function () {
  'use strict';
  var room = decodeURIComponent(location.pathname.slice(1));
  var roomPath = encodeURIComponent(room);
  var loadedAt = Date.now();

  // ---- What Jitsi Meet reads from the URL hash -------------------------------------------------
  var hashParams = {};
  var hashParseErrors = [];
  (location.hash ? location.hash.substring(1).split('&') : []).forEach(function (part) {
    var kv = part.split('=');
    var key = kv[0];
    if (!key) return;
    try {
      var decoded = decodeURIComponent(kv[1]);
      hashParams[key] = decoded === 'undefined' ? undefined : JSON.parse(decoded);
    } catch (e) {
      hashParseErrors.push(key + ': ' + e.message);
    }
  });
  var hashConfig = {};
  Object.keys(hashParams).forEach(function (key) {
    if (key.indexOf('config.') === 0) hashConfig[key] = hashParams[key];
  });

  var localStorageContent = null;
  var rawContent = hashParams['appData.localStorageContent'];
  if (typeof rawContent === 'string') {
    try { localStorageContent = JSON.parse(rawContent); } catch (e) { hashParseErrors.push('appData.localStorageContent (second parse): ' + e.message); }
  } else if (rawContent && typeof rawContent === 'object') {
    localStorageContent = rawContent;
  }
  if (!localStorageContent || typeof localStorageContent !== 'object') localStorageContent = null;

  function realStorage(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  var hiddenLogin = null;
  var loginSource = null;
  if (localStorageContent && typeof localStorageContent.xmpp_username_override === 'string') {
    hiddenLogin = { username: localStorageContent.xmpp_username_override, password: String(localStorageContent.xmpp_password_override) };
    loginSource = 'hash';
  } else if (realStorage('xmpp_username_override') !== null) {
    hiddenLogin = { username: realStorage('xmpp_username_override'), password: String(realStorage('xmpp_password_override')) };
    loginSource = 'localStorage';
  }

  // ---- The report --------------------------------------------------------------------------------
  var report = {
    room: room,
    hash: location.hash,
    hashParams: hashParams,
    hashConfig: hashConfig,
    hashParseErrors: hashParseErrors,
    localStorageContent: localStorageContent,
    hiddenLogin: hiddenLogin,
    loginSource: loginSource,
    loadedAt: loadedAt,
    joinedAt: null,
    presence: {},
    sendPresenceCalls: 0,
    sentPresence: [],
    leaveCalled: false,
    leftAt: null,
    audioState: null,
    framesDrawn: 0,
    pollErrors: 0,
    seq: 0
  };
  var lastSent = '';
  function pushReport(force) {
    var body = JSON.stringify(Object.assign({}, report, { framesDrawn: 0, seq: 0 }));
    if (!force && body === lastSent) return;
    lastSent = body;
    report.seq += 1;
    fetch('/report/' + roomPath, { method: 'POST', body: JSON.stringify(report), keepalive: true, headers: { 'content-type': 'application/json' } })
      .catch(function () { report.pollErrors += 1; });
  }

  // ---- APP.conference ----------------------------------------------------------------------------
  var state = null;
  var joined = false;
  var left = false;
  var members = {};
  var listeners = {};
  var presence = {};
  var known = {};

  function jidOf(id) { return room + '@conference.standin.invalid/' + id; }
  function emit(event) {
    var args = Array.prototype.slice.call(arguments, 1);
    (listeners[event] || []).slice().forEach(function (fn) {
      try { fn.apply(null, args); } catch (e) { console.error('listener for ' + event + ' threw', e); }
    });
  }
  function inCall() { return joined && !left; }

  var chatRoom = {
    members: members,
    addListener: function (event, fn) {
      (listeners[event] = listeners[event] || []).push(fn);
      return function () { chatRoom.removeListener(event, fn); };
    },
    removeListener: function (event, fn) {
      listeners[event] = (listeners[event] || []).filter(function (f) { return f !== fn; });
    },
    addOrReplaceInPresence: function (key, node) {
      presence[key] = node ? node.value : undefined;
      report.presence = Object.assign({}, presence);
      return true;
    },
    sendPresence: function () {
      report.sendPresenceCalls += 1;
      report.sentPresence.push(Object.assign({}, presence));
      pushReport();
    }
  };

  // The participant as the test last set it (state is replaced as a whole at every poll).
  function current(id) {
    var list = state ? state.participants : [];
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i];
    return null;
  }
  var wrappers = {};
  function participant(p) {
    var id = p.id;
    if (wrappers[id]) return wrappers[id];
    var cur = function () { return current(id) || p; };
    wrappers[id] = {
      getId: function () { return id; },
      getJid: function () { return jidOf(id); },
      getDisplayName: function () { return cur().name; },
      isHidden: function () { return !!cur().hidden; },
      isHiddenFromRecorder: function () { return !!cur().hiddenFromRecorder; },
      isAudioMuted: function () { return !!cur().audioMuted; },
      isVideoMuted: function () { return !!cur().videoMuted; },
      getProperty: function (name) { return name === 'features_jigasi' && cur().jigasi ? true : undefined; },
      getTracks: function () { return mics[id] && announced[id] ? [mics[id].track] : []; }
    };
    return wrappers[id];
  }

  // ---- lib-jitsi-meet's conference events (JitsiConference is a Listenable) -----------------------
  var confListeners = {};
  function confEmit(event) {
    var args = Array.prototype.slice.call(arguments, 1);
    (confListeners[event] || []).slice().forEach(function (fn) {
      try { fn.apply(null, args); } catch (e) { console.error('listener for ' + event + ' threw', e); }
    });
  }
  function confOn(event, fn) { (confListeners[event] = confListeners[event] || []).push(fn); }
  function confOff(event, fn) { confListeners[event] = (confListeners[event] || []).filter(function (f) { return f !== fn; }); }

  var conferenceRoom = {
    room: chatRoom,
    on: confOn,
    addEventListener: confOn,
    off: confOff,
    removeEventListener: confOff,
    lastDominantSpeaker: null,
    myUserId: function () { return 'recorder'; },
    getParticipantById: function (id) { return inCall() && current(id) ? participant(current(id)) : undefined; },
    isJoined: function () { return inCall(); },
    getParticipants: function () { return inCall() && state ? state.participants.map(participant) : []; },
    leave: function () {
      report.leaveCalled = true;
      report.leftAt = Date.now();
      left = true;
      pushReport();
      return new Promise(function (resolve) { setTimeout(resolve, 20); });
    }
  };

  window.APP = {
    conference: {
      _room: conferenceRoom,
      getStats: function () { return { bitrate: { download: state ? state.downloadBitrate : 0, upload: 0 }, packetLoss: { total: 0 } }; },
      getConnectionState: function () { return state ? state.connectionState : 'new'; }
    }
  };

  // Members change silently before the join (they were there when we came); events follow the join.
  function applyParticipants(list) {
    var next = {};
    list.forEach(function (p) { next[p.id] = p; });
    Object.keys(known).forEach(function (id) {
      if (next[id]) return;
      delete members[jidOf(id)];
      if (inCall()) emit('xmpp.muc_member_left', jidOf(id));
    });
    list.forEach(function (p) {
      var jid = jidOf(p.id);
      var before = known[p.id];
      members[jid] = { jid: jid, nick: p.name, role: 'participant', isHiddenDomain: !!p.hidden, statsID: p.id, identity: p.identity };
      if (!inCall()) return;
      if (!before) emit('xmpp.muc_member_joined', jid, p.name, 'participant', !!p.hidden, p.id, undefined, p.identity);
      else if (before.name !== p.name) emit('xmpp.display_name_changed', jid, p.name);
    });
    known = next;
  }

  // ---- Picture and sound -------------------------------------------------------------------------
  var canvas = document.getElementById('stage');
  var g = canvas.getContext('2d');
  function draw(t) {
    if (tileView) { canvas.style.display = 'none'; return; }
    if (canvas.width !== window.innerWidth || canvas.height !== window.innerHeight) {
      canvas.width = window.innerWidth;
      canvas.height = window.innerHeight;
    }
    var w = canvas.width, h = canvas.height;
    g.fillStyle = 'hsl(' + Math.floor(t / 40) % 360 + ', 50%, 25%)';
    g.fillRect(0, 0, w, h);
    var size = Math.max(20, Math.floor(Math.min(w, h) / 5));
    var x = (Math.sin(t / 700) + 1) / 2 * (w - size);
    var y = (Math.cos(t / 900) + 1) / 2 * (h - size);
    g.fillStyle = '#fff';
    g.fillRect(x, y, size, size);
    g.font = Math.floor(size / 3) + 'px sans-serif';
    g.fillText(room + ' ' + (inCall() ? 'joined' : left ? 'left' : 'joining'), 10, Math.floor(size / 3) + 10);
    report.framesDrawn += 1;
    requestAnimationFrame(draw);
  }
  requestAnimationFrame(draw);

  // ---- Tile view (Jitsi Meet's, for a meeting with video) ----------------------------------------
  var tileView = false;
  var tilesEl = document.getElementById('tiles');
  var tiles = {};
  var TILE_GAP = 8;
  function visibleInTileView(p) { return !p.hidden && !p.hiddenFromRecorder; }
  function layoutTiles() {
    var ids = Object.keys(tiles);
    var n = ids.length;
    if (!n) return;
    var cols = Math.min(5, Math.ceil(Math.sqrt(n)));
    var rows = Math.ceil(n / cols);
    var W = window.innerWidth, H = window.innerHeight;
    var tw = Math.min((W - TILE_GAP) / cols - TILE_GAP, ((H - TILE_GAP) / rows - TILE_GAP) * 16 / 9);
    var th = tw * 9 / 16;
    var left0 = (W - cols * (tw + TILE_GAP) + TILE_GAP) / 2;
    var top0 = (H - rows * (th + TILE_GAP) + TILE_GAP) / 2;
    ids.forEach(function (id, i) {
      var r = Math.floor(i / cols), c = i % cols;
      // The last row is centred when it is not full, as Jitsi Meet's grid does.
      var inRow = r === rows - 1 ? n - r * cols : cols;
      var shift = (cols - inRow) * (tw + TILE_GAP) / 2;
      var el = tiles[id].el;
      el.style.left = Math.round(left0 + shift + c * (tw + TILE_GAP)) + 'px';
      el.style.top = Math.round(top0 + r * (th + TILE_GAP)) + 'px';
      el.style.width = Math.round(tw) + 'px';
      el.style.height = Math.round(th) + 'px';
    });
  }
  function makeTile(p) {
    var el = document.createElement('div');
    el.className = 'tile';
    el.setAttribute('data-participant', p.id);
    var video = null;
    if (p.video && !p.videoMuted) {
      video = document.createElement('video');
      video.src = '/media/' + encodeURIComponent(p.video);
      video.autoplay = true;
      video.loop = true;
      video.playsInline = true;
      video.muted = !!p.audioMuted;
      // The participant's microphone is this clip's sound, once it has some (lib-jitsi-meet's remote audio track).
      video.addEventListener('loadeddata', function () { clipMic(p.id, video); syncConference(); });
      el.appendChild(video);
      video.play().catch(function (e) { report.videoErrors = (report.videoErrors || []).concat([p.id + ': ' + e.message]); });
    } else {
      var avatar = document.createElement('div');
      avatar.className = 'avatar';
      avatar.textContent = (p.name || '?').split(' ').map(function (w) { return w.charAt(0).toUpperCase(); }).join('').slice(0, 2);
      el.appendChild(avatar);
    }
    var name = document.createElement('div');
    name.className = 'name';
    name.textContent = p.name;
    el.appendChild(name);
    tilesEl.appendChild(el);
    return { el: el, video: video, name: name, key: (p.video || '') + '|' + !!p.videoMuted };
  }
  function applyTiles(list) {
    var visible = list.filter(visibleInTileView);
    var wanted = visible.some(function (p) { return !!p.video; });
    if (!wanted && !tileView) return;
    tileView = wanted;
    if (wanted && audio) audio.ctx.suspend().catch(function () {});
    tilesEl.style.display = wanted ? 'block' : 'none';
    var keep = {};
    (wanted ? visible : []).forEach(function (p) {
      var key = (p.video || '') + '|' + !!p.videoMuted;
      if (tiles[p.id] && tiles[p.id].key !== key) { removeTile(p.id); }
      if (!tiles[p.id]) tiles[p.id] = makeTile(p);
      if (tiles[p.id].video) tiles[p.id].video.muted = !!p.audioMuted;
      tiles[p.id].name.textContent = p.name;
      keep[p.id] = true;
    });
    Object.keys(tiles).forEach(function (id) { if (!keep[id]) removeTile(id); });
    layoutTiles();
    if (!wanted) {
      // Back to the canvas and the tone.
      canvas.style.display = 'block';
      if (audio) audio.ctx.resume().catch(function () {});
      requestAnimationFrame(draw);
    }
  }
  function removeTile(id) {
    var t = tiles[id];
    if (mics[id] && mics[id].video === t.video) dropMic(id);
    if (t.video) { t.video.pause(); t.video.removeAttribute('src'); t.video.load(); }
    t.el.remove();
    delete tiles[id];
  }
  window.addEventListener('resize', layoutTiles);
  /** What the tests and the bench read: each tile's place and its video's playback. */
  window.standInTiles = function () {
    return Object.keys(tiles).map(function (id) {
      var t = tiles[id];
      var r = t.el.getBoundingClientRect();
      var v = t.video;
      var q = v && v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : null;
      return {
        id: id,
        rect: { x: r.left, y: r.top, width: r.width, height: r.height },
        video: v ? {
          src: v.currentSrc, paused: v.paused, readyState: v.readyState, currentTime: v.currentTime,
          videoWidth: v.videoWidth, videoHeight: v.videoHeight, error: v.error ? v.error.code + ' ' + v.error.message : null,
          totalFrames: q ? q.totalVideoFrames : null, droppedFrames: q ? q.droppedVideoFrames : null
        } : null
      };
    });
  };

  var audio = null;
  function setTone(hz) {
    if (tileView || participantSound) {
      if (audio) audio.ctx.suspend().catch(function () {});
      return;
    }
    if (audio && audio.ctx.state === 'suspended') audio.ctx.resume().catch(function () {});
    try {
      if (!audio) {
        var ctx = new AudioContext();
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        gain.gain.value = 0.3;
        osc.type = 'sine';
        osc.connect(gain).connect(ctx.destination);
        osc.start();
        audio = { ctx: ctx, osc: osc };
        ctx.resume().catch(function () {});
      }
      if (audio.osc.frequency.value !== hz) audio.osc.frequency.value = hz;
      report.audioState = audio.ctx.state;
    } catch (e) {
      report.audioState = 'error: ' + e.message;
    }
  }

  // ---- Each participant's microphone: a remote audio track --------------------------------------
  // A participant with a clip speaks with the clip's sound (the tile's video, captured); one with toneHz
  // speaks a sine of that pitch while speaking is true (played, and given to its track, by one
  // AudioContext). Each is a JitsiRemoteTrack-like object whose MediaStreamTrack is made when first asked for.
  var mics = {};
  var announced = {};
  var confKnown = {};
  var participantSound = false;
  var micCtx = null;
  function micContext() {
    if (!micCtx) micCtx = new AudioContext({ latencyHint: 'playback' });
    if (micCtx.state !== 'running') micCtx.resume().catch(function () {});
    return micCtx;
  }
  function remoteTrack(id, mic) {
    var stream = null;
    return {
      getParticipantId: function () { return id; },
      getSourceName: function () { return id + '-a0'; },
      getId: function () { return id + '-audio'; },
      getType: function () { return 'audio'; },
      isAudioTrack: function () { return true; },
      isVideoTrack: function () { return false; },
      isLocal: function () { return false; },
      isMuted: function () { var p = current(id); return !p || !!p.audioMuted; },
      getTrack: function () { return mic.media(); },
      getOriginalStream: function () {
        if (!stream && mic.media()) stream = new MediaStream([mic.media()]);
        return stream;
      },
      addEventListener: function () {},
      removeEventListener: function () {}
    };
  }
  function clipMic(id, video) {
    if (mics[id] && mics[id].video === video) return;
    if (mics[id]) dropMic(id);
    var media = null;
    var mic = {
      video: video,
      media: function () {
        if (!media) {
          var captured = video.captureStream();
          captured.getVideoTracks().forEach(function (t) { t.stop(); });
          media = captured.getAudioTracks()[0] || null;
        }
        return media;
      },
      stop: function () { if (media) media.stop(); }
    };
    mic.track = remoteTrack(id, mic);
    mics[id] = mic;
    if (state && state.remoteTracksUpFront) mic.media();
  }
  function toneMic(p) {
    var ctx = micContext();
    var osc = ctx.createOscillator();
    var gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = p.toneHz;
    gain.gain.value = 0;
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    var dest = null;
    var mic = {
      hz: p.toneHz,
      gain: gain,
      media: function () {
        if (!dest) { dest = ctx.createMediaStreamDestination(); gain.connect(dest); }
        return dest.stream.getAudioTracks()[0];
      },
      stop: function () { osc.stop(); osc.disconnect(); gain.disconnect(); if (dest) dest.stream.getTracks().forEach(function (t) { t.stop(); }); }
    };
    mic.track = remoteTrack(p.id, mic);
    mics[p.id] = mic;
    if (state && state.remoteTracksUpFront) mic.media();
  }
  function dropMic(id) {
    var mic = mics[id];
    if (!mic) return;
    delete mics[id];
    if (announced[id]) { delete announced[id]; confEmit('conference.trackRemoved', mic.track); }
    mic.stop();
  }
  function applyMics(list) {
    participantSound = list.some(function (p) { return typeof p.toneHz === 'number' || (p.video && visibleInTileView(p)); });
    var present = {};
    list.forEach(function (p) {
      present[p.id] = true;
      if (typeof p.toneHz !== 'number') return;
      if (mics[p.id] && mics[p.id].hz !== p.toneHz) dropMic(p.id);
      if (!mics[p.id]) toneMic(p);
      // Speaking starts and stops at once: the onsets are what the tests measure.
      var mic = mics[p.id];
      mic.gain.gain.setValueAtTime(p.speaking && !p.audioMuted ? 0.3 : 0, mic.gain.context.currentTime);
    });
    Object.keys(mics).forEach(function (id) {
      var p = current(id);
      if (!present[id] || (mics[id].hz !== undefined && typeof p.toneHz !== 'number')) dropMic(id);
    });
  }
  // What lib-jitsi-meet tells a participant of the conference once it is in: who is there, their tracks,
  // names, mutes, the dominant speaker. Before the join nothing is said; the first sync after it says all.
  function syncConference() {
    if (!inCall() || !state) return;
    var list = state.participants;
    var here = {};
    list.forEach(function (p) {
      here[p.id] = true;
      var before = confKnown[p.id];
      if (!before) confEmit('conference.userJoined', p.id, participant(p));
      else if (before.name !== p.name) confEmit('conference.displayNameChanged', p.id, p.name);
      var mic = mics[p.id];
      if (mic && !announced[p.id]) { announced[p.id] = true; confEmit('conference.trackAdded', mic.track); }
      else if (mic && before && !!before.audioMuted !== !!p.audioMuted) confEmit('conference.trackMuteChanged', mic.track);
      confKnown[p.id] = { name: p.name, audioMuted: !!p.audioMuted };
    });
    Object.keys(confKnown).forEach(function (id) {
      if (here[id]) return;
      var gone = participant({ id: id });
      delete confKnown[id];
      delete wrappers[id];
      confEmit('conference.userLeft', id, gone);
    });
    var dominant = typeof state.dominantSpeaker === 'string' ? state.dominantSpeaker : null;
    if (dominant !== conferenceRoom.lastDominantSpeaker) {
      var previous = conferenceRoom.lastDominantSpeaker;
      conferenceRoom.lastDominantSpeaker = dominant;
      if (dominant) confEmit('conference.dominantSpeaker', dominant, previous ? [previous] : [], false);
    }
  }

  // ---- Following the test's state ----------------------------------------------------------------
  var joinScheduled = false;
  function apply(s) {
    state = s;
    applyParticipants(s.participants || []);
    applyTiles(s.participants || []);
    applyMics(s.participants || []);
    setTone(typeof s.toneHz === 'number' ? s.toneHz : 440);
    syncConference();
    if (!joinScheduled && !left && typeof s.joinAfterMs === 'number') {
      joinScheduled = true;
      setTimeout(function () {
        if (left) return;
        joined = true;
        report.joinedAt = Date.now();
        syncConference();
        pushReport();
      }, Math.max(0, loadedAt + s.joinAfterMs - Date.now()));
    }
    if (s.crash) {
      report.crashing = true;
      pushReport(true);
      setTimeout(function () { for (;;) { /* unresponsive on purpose */ } }, 100);
      return false;
    }
    return true;
  }
  function poll() {
    fetch('/state/' + roomPath, { cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (s) { return apply(s); })
      .catch(function (e) { report.pollErrors += 1; console.error('stand-in poll failed', e); return true; })
      .then(function (goOn) {
        pushReport();
        if (goOn !== false) setTimeout(poll, 200);
      });
  }
  pushReport(true);
  poll();
})();
</script>
</body>
</html>
`;
