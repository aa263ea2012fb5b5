/**
 * The audio tap inside the Jitsi Meet page: records each visible remote participant's audio track on its
 * own and hands the recordings to the service as they are made, through a Playwright binding (no network:
 * the page never needs to reach the service). Passed as is to `page.evaluate`, so each function is
 * self-contained (see page-scripts.ts). The Node side, and the checks of what comes out, are audio-tap.ts.
 *
 * The surface is lib-jitsi-meet's JitsiConference (`APP.conference._room`): `getParticipants`,
 * `getParticipantById`, `myUserId`, its events `conference.userJoined`, `conference.userLeft`,
 * `conference.displayNameChanged`, `conference.trackAdded`, `conference.trackRemoved`,
 * `conference.trackMuteChanged`, `conference.dominantSpeaker`; each JitsiParticipant's `isHidden`,
 * `isHiddenFromRecorder`, `getDisplayName`, `getTracks`; each JitsiRemoteTrack's `getParticipantId`,
 * `isAudioTrack`, `isLocal`, `isMuted`, `getSourceName`, `getTrack` (its MediaStreamTrack).
 *
 * Why MediaRecorder and not the RTCRtpReceiver's encoded frames (which would keep the sender's Opus as it
 * is): an encoded transform sits in the one path the mix also takes, so any fault of ours would silence
 * the participant in the main recording; lib-jitsi-meet puts its own transform there for end-to-end
 * encryption; the bridge's SSRC rewriting moves receivers from one participant to another; and the frames
 * come before the jitter buffer, with the bridge's losses and reordering that the decoder would conceal.
 * MediaRecorder of a stream holding the one decoded track is Opus in WebM made by Chromium at a few
 * milliseconds of CPU a second per track, and it sees exactly what the participant's tile plays.
 *
 * Tracks of hidden participants (other recorders, transcribers), of the recorder itself, and translated
 * audio (a source name with a dot, which shares its participant's id) are never recorded. A track that
 * lib-jitsi-meet gives to another participant (SSRC rewriting: trackRemoved, then trackAdded with the new
 * owner) ends one recording and starts another.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return --
   These functions run inside the meeting page, on lib-jitsi-meet's untyped objects: every value they send is
   checked again by the service (audio-tap-messages.ts). */
import type { ScriptError } from './call-status';

export interface AudioTapArgs {
  /** The Playwright binding that takes a batch (one JSON string). */
  binding: string;
  /** MediaRecorder's timeslice: how often each recording hands over its bytes. */
  timesliceMs: number;
  /** How often the queued items go to the service in one call. */
  flushMs: number;
  /** The most the page holds for the service (base64 characters); past it a recording is cut and restarted. */
  maxQueueChars: number;
  mimeType: string;
  bitsPerSecond: number;
}

/**
 * Installs the tap (listeners on the conference; nothing is recorded until `startAudioTap`). True, or
 * `{ error }` when the page has no conference, no binding or no MediaRecorder for Opus. Twice: nothing more.
 */
export function installAudioTap(args: AudioTapArgs): true | ScriptError {
  try {
    const w = window as any;
    const conference = w.APP.conference._room;
    if (w.__jibriAudioTap && w.__jibriAudioTap.conference === conference) return true;
    const send = w[args.binding];
    if (typeof send !== 'function') return { error: 'the audio channel to the service is missing' };
    if (typeof MediaRecorder === 'undefined' || !MediaRecorder.isTypeSupported(args.mimeType)) return { error: `this browser cannot record ${args.mimeType}` };
    const now = (): number => performance.timeOrigin + performance.now();
    const state = {
      conference,
      recording: false,
      queue: [] as any[],
      queuedChars: 0,
      inFlight: undefined as Promise<unknown> | undefined,
      timer: undefined as any,
      counter: 0,
      /** JitsiRemoteTrack → its recording. */
      recordings: new Map<any, any>(),
      /** Tracks whose recording was cut because the service fell behind: restarted once the queue drains. */
      backlogged: new Set<any>(),
      /** Visible participants reported as joined. */
      present: new Set<string>(),
      start: undefined as any,
      stop: undefined as any,
    };
    const push = (item: any, chars = 0): void => {
      state.queue.push(item);
      state.queuedChars += chars;
    };
    const flush = (): Promise<unknown> => {
      if (state.inFlight) return state.inFlight;
      if (state.queue.length === 0) return Promise.resolve();
      const items = state.queue.splice(0);
      state.queuedChars = 0;
      const call = Promise.resolve()
        .then(() => send(JSON.stringify({ v: 1, items })))
        .catch(() => undefined)
        .then(() => {
          state.inFlight = undefined;
          // Recordings cut while the service was behind start again now that it has caught up.
          if (state.recording) for (const track of Array.from(state.backlogged)) startTrack(track);
          state.backlogged.clear();
        });
      state.inFlight = call;
      return call;
    };
    const ownerOf = (track: any): any => {
      try {
        return conference.getParticipantById(track.getParticipantId());
      } catch {
        return undefined;
      }
    };
    const visible = (p: any): boolean => {
      try {
        return !!p && p.getId() !== conference.myUserId() && p.isHidden?.() !== true && p.isHiddenFromRecorder?.() !== true;
      } catch {
        return false;
      }
    };
    const recordable = (track: any): boolean => {
      try {
        if (!track || track.isLocal?.() === true || track.isAudioTrack?.() !== true) return false;
        const source = track.getSourceName?.();
        if (typeof source === 'string' && source.includes('.')) return false;
        const media = track.getTrack?.();
        return !!media && media.readyState !== 'ended' && visible(ownerOf(track));
      } catch {
        return false;
      }
    };
    const nameOf = (p: any): string => {
      try {
        const n = p.getDisplayName();
        return typeof n === 'string' ? n : '';
      } catch {
        return '';
      }
    };
    const joined = (p: any): void => {
      const id = String(p.getId());
      if (state.present.has(id)) return;
      state.present.add(id);
      push({ k: 'join', p: id, n: nameOf(p), at: now() });
    };
    const startTrack = (track: any): void => {
      if (!state.recording || state.recordings.has(track) || !recordable(track)) return;
      const owner = ownerOf(track);
      joined(owner);
      const key = ++state.counter;
      const participant = String(track.getParticipantId());
      let recorder: MediaRecorder;
      try {
        recorder = new MediaRecorder(new MediaStream([track.getTrack()]), { mimeType: args.mimeType, audioBitsPerSecond: args.bitsPerSecond });
      } catch (e) {
        push({ k: 'end', t: key, r: `cannot record: ${e instanceof Error ? e.message : String(e)}`, at: now() });
        return;
      }
      const rec = { key, recorder, chain: Promise.resolve() as Promise<unknown>, cut: false, reason: 'stopped' };
      state.recordings.set(track, rec);
      recorder.ondataavailable = (e: BlobEvent): void => {
        if (!e.data || e.data.size === 0) return;
        const at = now();
        const blob = e.data;
        rec.chain = rec.chain.then(
          () =>
            new Promise<void>((resolve) => {
              const reader = new FileReader();
              reader.onloadend = (): void => {
                const url = typeof reader.result === 'string' ? reader.result : '';
                const b64 = url.slice(url.indexOf(',') + 1);
                if (rec.cut) return resolve();
                if (state.queuedChars + b64.length > args.maxQueueChars) {
                  // The service is not taking the data: this recording ends here (what it sent plays) and
                  // starts again, as a new file, once the queue has gone out.
                  rec.cut = true;
                  rec.reason = 'backlog';
                  state.backlogged.add(track);
                  void stopTrack(track, 'backlog');
                  return resolve();
                }
                push({ k: 'data', t: key, b: b64, at }, b64.length);
                resolve();
              };
              reader.readAsDataURL(blob);
            }),
        );
      };
      recorder.onstop = (): void => {
        rec.chain = rec.chain.then(() => push({ k: 'end', t: key, r: rec.reason, at: now() }));
      };
      const media = track.getTrack();
      media.addEventListener('ended', () => stopTrack(track, 'ended'), { once: true });
      // The first sample the recording holds is the one the track delivers right after this instant.
      const first = now();
      recorder.start(args.timesliceMs);
      push({ k: 'start', t: key, p: participant, first, at: now() });
      try {
        if (track.isMuted?.() === true) push({ k: 'mute', p: participant, m: true, at: now() });
      } catch {
        // A track that cannot say is taken as unmuted.
      }
    };
    const stopTrack = (track: any, reason: string): Promise<unknown> => {
      const rec = state.recordings.get(track);
      if (!rec) return Promise.resolve();
      state.recordings.delete(track);
      if (!rec.cut) rec.reason = reason;
      const stopped = new Promise<void>((resolve) => rec.recorder.addEventListener('stop', () => resolve(), { once: true }));
      try {
        if (rec.recorder.state !== 'inactive') rec.recorder.stop();
        else return rec.chain;
      } catch {
        return rec.chain;
      }
      return stopped.then(() => rec.chain);
    };
    const on = (event: string, fn: (...a: any[]) => void): void => {
      const guarded = (...a: any[]): void => {
        if (!state.recording) return;
        try {
          fn(...a);
        } catch (e) {
          console.error(`jibri audio tap: ${event}`, e);
        }
      };
      if (typeof conference.addEventListener === 'function') conference.addEventListener(event, guarded);
      else conference.on(event, guarded);
    };
    on('conference.userJoined', (_id: string, p: any) => {
      if (visible(p)) joined(p);
    });
    on('conference.userLeft', (id: string) => {
      for (const [track] of Array.from(state.recordings)) if (String(track.getParticipantId()) === String(id)) void stopTrack(track, 'left');
      if (state.present.delete(String(id))) push({ k: 'leave', p: String(id), at: now() });
    });
    on('conference.displayNameChanged', (id: string, name: unknown) => {
      if (state.present.has(String(id))) push({ k: 'name', p: String(id), n: typeof name === 'string' ? name : '', at: now() });
    });
    on('conference.trackAdded', (track: any) => startTrack(track));
    on('conference.trackRemoved', (track: any) => void stopTrack(track, 'removed'));
    on('conference.trackMuteChanged', (track: any) => {
      if (!track || track.isAudioTrack?.() !== true || track.isLocal?.() === true) return;
      const id = String(track.getParticipantId());
      if (state.present.has(id)) push({ k: 'mute', p: id, m: track.isMuted() === true, at: now() });
    });
    on('conference.dominantSpeaker', (id: unknown, _previous: unknown, silence: unknown) => {
      const who = typeof id === 'string' && state.present.has(id) && silence !== true ? id : null;
      push({ k: 'speaker', p: who, at: now() });
    });
    state.start = (): void => {
      if (state.recording) return;
      state.recording = true;
      for (const p of conference.getParticipants()) {
        if (!visible(p)) continue;
        joined(p);
        const tracks = typeof p.getTracks === 'function' ? p.getTracks() : [];
        for (const track of tracks) startTrack(track);
      }
      const dominant = conference.lastDominantSpeaker;
      if (typeof dominant === 'string' && state.present.has(dominant)) push({ k: 'speaker', p: dominant, at: now() });
      state.timer = setInterval(() => void flush(), args.flushMs);
    };
    state.stop = async (): Promise<void> => {
      if (!state.recording) return;
      const tracks = Array.from(state.recordings.keys());
      await Promise.all(tracks.map((t) => stopTrack(t, 'stopped')));
      state.recording = false;
      state.backlogged.clear();
      clearInterval(state.timer);
      // What is in flight, then the rest.
      await flush();
      await flush();
    };
    w.__jibriAudioTap = state;
    return true;
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** Starts recording (the participants there now, and every one who comes); true, or `{ error }`. */
export function startAudioTap(): true | ScriptError {
  try {
    const tap = (window as any).__jibriAudioTap;
    if (!tap) return { error: 'the audio tap is not installed' };
    tap.start();
    return true;
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** Stops every recording and sends what the page still holds; resolves once the service has it all. */
export async function stopAudioTap(): Promise<true | ScriptError> {
  try {
    const tap = (window as any).__jibriAudioTap;
    if (tap) await tap.stop();
    return true;
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}
