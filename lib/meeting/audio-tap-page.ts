/**
 * The audio tap inside the Jitsi Meet page: records each visible remote participant's audio track on its
 * own and hands the recordings to the service as they are made, through a Playwright binding (no network:
 * the page never needs to reach the service). Each function here runs in the page, so each is
 * self-contained (see page-scripts.ts): `installScript` composes the installer with its parts (the channel
 * to the service, the recordings, the conference's events), each handed to the next as an argument. The
 * Node side, and the checks of what comes out, are audio-tap.ts.
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

/** The page's side as one script to evaluate: the installer, given its parts. */
export function installScript(args: AudioTapArgs): string {
  const parts = [tapChannel, tapRecordings, tapPeople, tapConference].map((f) => f.toString());
  return `(${installAudioTap.toString()})(${JSON.stringify(args)}, ${parts.join(', ')})`;
}

/** What the parts share: the conference, whether the tap records, and who is reported as present. */
interface TapState {
  conference: any;
  recording: boolean;
  /** Visible participants reported as joined. */
  present: Set<string>;
  /** Wall-clock ms on the page's clock (the clock the service's frame clock reads too). */
  now: () => number;
}

/** The queue of items for the service and its flushes: one binding call per flush, one at a time. */
export interface TapChannel {
  push(item: any, chars?: number): void;
  flush(): Promise<unknown>;
  /** Base64 characters waiting. */
  queued(): number;
  /** Called after each flush (the recordings cut for backlog start again). */
  onFlushed(fn: () => void): void;
}

export function tapChannel(send: (payload: string) => unknown): TapChannel {
  let queue: any[] = [];
  let chars = 0;
  let inFlight: Promise<unknown> | undefined;
  const flushed: Array<() => void> = [];
  return {
    push(item, n = 0) {
      queue.push(item);
      chars += n;
    },
    flush() {
      if (inFlight) return inFlight;
      if (queue.length === 0) return Promise.resolve();
      const items = queue;
      queue = [];
      chars = 0;
      inFlight = Promise.resolve()
        .then(() => send(JSON.stringify({ v: 1, items })))
        .catch(() => undefined)
        .then(() => {
          inFlight = undefined;
          for (const fn of flushed) fn();
        });
      return inFlight;
    },
    queued: () => chars,
    onFlushed: (fn) => void flushed.push(fn),
  };
}

/** The recordings: one MediaRecorder per recorded track, its pieces into the channel in order. */
export interface TapRecordings {
  start(track: any, participant: string): void;
  stop(track: any, reason: string): Promise<unknown>;
  tracks(): any[];
}

export function tapRecordings(state: TapState, channel: TapChannel, args: AudioTapArgs): TapRecordings {
  const recordings = new Map<any, any>();
  /** Tracks whose recording was cut because the service fell behind: started again once the queue drains. */
  const backlogged = new Set<any>();
  let counter = 0;
  const stop = (track: any, reason: string): Promise<unknown> => {
    // A track that left or ended while cut for backlog is not started again.
    if (reason !== 'backlog') backlogged.delete(track);
    const rec = recordings.get(track);
    if (!rec) return Promise.resolve();
    recordings.delete(track);
    if (!rec.cut) rec.reason = reason;
    const stopped = new Promise<void>((resolve) => rec.recorder.addEventListener('stop', () => resolve(), { once: true }));
    try {
      if (rec.recorder.state === 'inactive') return rec.chain;
      rec.recorder.stop();
    } catch {
      return rec.chain;
    }
    return stopped.then(() => rec.chain);
  };
  /** One piece of a recording, read as base64 in order; past the queue's bound the recording is cut. */
  const piece = (track: any, rec: any, blob: Blob, at: number) => (): Promise<void> =>
    new Promise<void>((resolve) => {
      const reader = new FileReader();
      reader.onloadend = (): void => {
        const url = typeof reader.result === 'string' ? reader.result : '';
        const b64 = url.slice(url.indexOf(',') + 1);
        if (rec.cut) return resolve();
        if (channel.queued() + b64.length > args.maxQueueChars) {
          // The service is not taking the data: this recording ends here (what it sent plays) and
          // starts again, as a new file, once the queue has gone out.
          rec.cut = true;
          rec.reason = 'backlog';
          backlogged.add(track);
          void stop(track, 'backlog');
          return resolve();
        }
        channel.push({ k: 'data', t: rec.key, b: b64, at }, b64.length);
        resolve();
      };
      reader.readAsDataURL(blob);
    });
  const start = (track: any, participant: string): void => {
    if (!state.recording || recordings.has(track)) return;
    const key = ++counter;
    let recorder: MediaRecorder;
    try {
      recorder = new MediaRecorder(new MediaStream([track.getTrack()]), { mimeType: args.mimeType, audioBitsPerSecond: args.bitsPerSecond });
    } catch (e) {
      channel.push({ k: 'end', t: key, r: `cannot record: ${e instanceof Error ? e.message : String(e)}`, at: state.now() });
      return;
    }
    const rec = { key, recorder, chain: Promise.resolve() as Promise<unknown>, cut: false, reason: 'stopped' };
    recordings.set(track, rec);
    recorder.ondataavailable = (e: BlobEvent): void => {
      if (e.data && e.data.size > 0) rec.chain = rec.chain.then(piece(track, rec, e.data, state.now()));
    };
    recorder.onstop = (): void => {
      rec.chain = rec.chain.then(() => channel.push({ k: 'end', t: key, r: rec.reason, at: state.now() }));
    };
    track.getTrack().addEventListener('ended', () => void stop(track, 'ended'), { once: true });
    // The first sample the recording holds is the one the track delivers right after this instant.
    const first = state.now();
    recorder.start(args.timesliceMs);
    channel.push({ k: 'start', t: key, p: participant, first, at: state.now() });
  };
  channel.onFlushed(() => {
    // Recordings cut while the service was behind start again now that it has caught up.
    if (state.recording) for (const track of Array.from(backlogged)) start(track, String(track.getParticipantId()));
    backlogged.clear();
  });
  return { start, stop, tracks: () => Array.from(recordings.keys()) };
}

/** Who is who in lib-jitsi-meet's conference, as the tap sees it; `joined` reports a participant once. */
export interface TapPeople {
  ownerOf: (track: any) => any;
  visible: (p: any) => boolean;
  joined: (p: any) => void;
  /** A visible remote participant's own microphone (not translated audio: a source name with a dot). */
  recordable: (track: any) => boolean;
}

export function tapPeople(state: TapState, channel: TapChannel): TapPeople {
  const { conference } = state;
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
  const nameOf = (p: any): string => {
    try {
      const n = p.getDisplayName();
      return typeof n === 'string' ? n : '';
    } catch {
      return '';
    }
  };
  return {
    ownerOf,
    visible,
    joined: (p) => {
      const id = String(p.getId());
      if (state.present.has(id)) return;
      state.present.add(id);
      channel.push({ k: 'join', p: id, n: nameOf(p), at: state.now() });
    },
    recordable: (track) => {
      try {
        if (!track || track.isLocal?.() === true || track.isAudioTrack?.() !== true) return false;
        const source = track.getSourceName?.();
        if (typeof source === 'string' && source.includes('.')) return false;
        const media = track.getTrack?.();
        return !!media && media.readyState !== 'ended' && visible(ownerOf(track));
      } catch {
        return false;
      }
    },
  };
}

/**
 * lib-jitsi-meet's conference events into the channel and the recordings. Returns what starts the
 * recording of everyone there now.
 */
export function tapConference(state: TapState, channel: TapChannel, recordings: TapRecordings, people: TapPeople): () => void {
  const { conference } = state;
  const { ownerOf, visible, joined, recordable } = people;
  const record = (track: any): void => {
    if (!state.recording || !recordable(track)) return;
    joined(ownerOf(track));
    const participant = String(track.getParticipantId());
    recordings.start(track, participant);
    try {
      if (track.isMuted?.() === true) channel.push({ k: 'mute', p: participant, m: true, at: state.now() });
    } catch {
      // A track that cannot say is taken as unmuted.
    }
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
    for (const track of recordings.tracks()) if (String(track.getParticipantId()) === String(id)) void recordings.stop(track, 'left');
    if (state.present.delete(String(id))) channel.push({ k: 'leave', p: String(id), at: state.now() });
  });
  on('conference.displayNameChanged', (id: string, name: unknown) => {
    if (state.present.has(String(id))) channel.push({ k: 'name', p: String(id), n: typeof name === 'string' ? name : '', at: state.now() });
  });
  on('conference.trackAdded', (track: any) => record(track));
  on('conference.trackRemoved', (track: any) => void recordings.stop(track, 'removed'));
  on('conference.trackMuteChanged', (track: any) => {
    if (!track || track.isAudioTrack?.() !== true || track.isLocal?.() === true) return;
    const id = String(track.getParticipantId());
    if (state.present.has(id)) channel.push({ k: 'mute', p: id, m: track.isMuted() === true, at: state.now() });
  });
  on('conference.dominantSpeaker', (id: unknown, _previous: unknown, silence: unknown) => {
    channel.push({ k: 'speaker', p: typeof id === 'string' && state.present.has(id) && silence !== true ? id : null, at: state.now() });
  });
  return () => {
    for (const p of conference.getParticipants()) {
      if (!visible(p)) continue;
      joined(p);
      for (const track of typeof p.getTracks === 'function' ? p.getTracks() : []) record(track);
    }
    const dominant = conference.lastDominantSpeaker;
    if (typeof dominant === 'string' && state.present.has(dominant)) channel.push({ k: 'speaker', p: dominant, at: state.now() });
  };
}

/**
 * Installs the tap (listeners on the conference; nothing is recorded until `startAudioTap`), with its
 * parts as arguments (`installScript`). True, or `{ error }` when the page has no conference, no binding
 * or no MediaRecorder for Opus. Twice: nothing more.
 */
export function installAudioTap(
  args: AudioTapArgs,
  channelOf: typeof tapChannel,
  recordingsOf: typeof tapRecordings,
  peopleOf: typeof tapPeople,
  conferenceOf: typeof tapConference,
): true | ScriptError {
  try {
    const w = window as any;
    const conference = w.APP.conference._room;
    if (w.__jibriAudioTap && w.__jibriAudioTap.conference === conference) return true;
    const send = w[args.binding];
    if (typeof send !== 'function') return { error: 'the audio channel to the service is missing' };
    if (typeof MediaRecorder === 'undefined' || !MediaRecorder.isTypeSupported(args.mimeType)) return { error: `this browser cannot record ${args.mimeType}` };
    const state: TapState = { conference, recording: false, present: new Set<string>(), now: () => performance.timeOrigin + performance.now() };
    const channel = channelOf((payload) => send(payload));
    const recordings = recordingsOf(state, channel, args);
    const startAll = conferenceOf(state, channel, recordings, peopleOf(state, channel));
    let timer: any;
    w.__jibriAudioTap = {
      conference,
      start(): void {
        if (state.recording) return;
        state.recording = true;
        startAll();
        timer = setInterval(() => void channel.flush(), args.flushMs);
      },
      async stop(): Promise<void> {
        if (!state.recording) return;
        await Promise.all(recordings.tracks().map((t) => recordings.stop(t, 'stopped')));
        state.recording = false;
        clearInterval(timer);
        // What is in flight, then the rest.
        await channel.flush();
        await channel.flush();
      },
    };
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
