/**
 * One session through its states with a fake pipeline and finalizer: the outputs it builds for each
 * request, the crash marker's life, stop while starting, and failures before and after the first frame.
 */
import * as fs from 'node:fs';
import { RecorderError } from '../../../lib/errors';
import { FileOutput } from '../../../lib/output/file/file-output';
import { RtmpOutput } from '../../../lib/output/rtmp/rtmp-output';
import { listMarkers } from '../../../lib/recorder/crash-marker';
import type { StartRequest } from '../../../lib/recorder/requests';
import { Session } from '../../../lib/recorder/session';
import type { SessionStateName } from '../../../lib/recorder/session-machine';
import { redact } from '../../../lib/redact';
import { FakeFinalizer, FakePipelines, quietLog, removeUnitDirs, settle, startRequest, unitConfig } from '../../support/recorder-fakes';

const request = (over: Partial<StartRequest> = {}): StartRequest => startRequest('unit-1', over);

function session(req: StartRequest, env: Record<string, string> = {}) {
  const config = unitConfig(env);
  const pipelines = new FakePipelines();
  const finalizer = new FakeFinalizer();
  const s = new Session(req, { config, log: quietLog, source: () => Promise.reject(new Error('unused')), slot: 1, pipeline: pipelines.factory, finalize: finalizer.finalize });
  const states: SessionStateName[] = [];
  s.on('state', (state) => states.push(state.name));
  return { s, config, pipelines, finalizer, states };
}

describe('Session', () => {
  afterAll(removeUnitDirs);

  it('records a file: first frame, stop (resolved once the capture is closed), finalize, marker gone', async () => {
    const { s, config, pipelines, finalizer, states } = session(request());
    expect(s.outputs).toHaveLength(1);
    expect(s.outputs[0]).toBeInstanceOf(FileOutput);
    expect(s.mediaFile).toBe(s.paths.mediaFile);
    const run = s.run();
    await settle();
    expect(listMarkers(config.recording.dir)).toHaveLength(1);
    expect(pipelines.last.opts.outputs).toEqual(s.outputs);
    pipelines.last.firstFrame();
    await settle();
    expect(s.state.name).toBe('recording');
    await s.requestStop();
    expect(pipelines.last.captureStopped).toBe(true);
    await run;
    expect(states).toEqual(['recording', 'stopping', 'finalizing', 'finished']);
    expect(finalizer.calls.map((c) => c.mediaFile)).toEqual([s.paths.mediaFile]);
    expect(listMarkers(config.recording.dir)).toEqual([]);
    expect(pipelines.last.closed).toBe(true);
    expect(fs.existsSync(s.paths.sessionDir)).toBe(true);
  });

  it('streams without a file: no marker, nothing to finalize, the key masked everywhere from the start', async () => {
    const url = 'rtmp://ingest.example.com/live/unit-secret-key';
    const { s, config, pipelines, finalizer, states } = session(request({ outputs: [{ kind: 'rtmp', rtmpUrl: url, viewingUrl: 'https://view.example/x' }] }));
    expect(s.outputs.map((o) => o.constructor)).toEqual([RtmpOutput]);
    expect(s.mediaFile).toBeUndefined();
    expect(redact(`ffmpeg: ${url}`)).not.toContain('unit-secret-key');
    expect(s.summary()).toMatchObject({ sinkType: 'stream', stream: { url: 'rtmp://ingest.example.com/live/****', state: 'connecting', reconnects: 0, viewingUrl: 'https://view.example/x' } });
    expect(JSON.stringify(s.summary())).not.toContain('unit-secret-key');
    const run = s.run();
    await settle();
    expect(listMarkers(config.recording.dir)).toEqual([]);
    expect(pipelines.last.opts.liveEncoding).toEqual({ preset: 'veryfast', maxBitrateKbps: 2976, gopSize: 60 });
    pipelines.last.firstFrame();
    await settle();
    await s.requestStop();
    await run;
    expect(states).toEqual(['recording', 'stopping', 'finalizing', 'finished']);
    expect(finalizer.calls).toEqual([]);
  });

  it("adds the stream's local copy as a file output of the same encode", () => {
    const { s } = session(request({ outputs: [{ kind: 'rtmp', rtmpUrl: 'rtmp://ingest.example.com/live/k' }] }), { JIBRI_STREAMING_LOCAL_COPY: 'true' });
    expect(s.outputs.map((o) => [o.kind, o.id])).toEqual([['rtmp', 'stream-1'], ['file', 'local-copy']]);
    expect(s.mediaFile).toBe(s.paths.mediaFile);
  });

  it('stops while starting: the pipeline is aborted, the session finishes without an error, stop resolves', async () => {
    const { s, pipelines, states } = session(request());
    const run = s.run();
    await settle();
    const stopped = s.requestStop();
    expect(pipelines.last.aborted).toBe(true);
    await stopped;
    await run;
    expect(states[0]).toBe('stopping');
    expect(s.state).toMatchObject({ name: 'finished' });
    expect(s.state.error).toBeUndefined();
  });

  it('fails when the start fails, and still finalizes what was written', async () => {
    const { s, pipelines, finalizer } = session(request());
    const run = s.run();
    await settle();
    pipelines.last.failStart(new RecorderError({ code: 'PAGE_LOAD_FAILED', message: 'The meeting page answered HTTP 404' }));
    await run;
    expect(s.state.name).toBe('failed');
    expect(s.state.error?.code).toBe('PAGE_LOAD_FAILED');
    expect(finalizer.calls).toHaveLength(1);
  });

  it('fails on a runtime failure after the first frame (an ingest lost, the encoder dead)', async () => {
    const { s, pipelines, states } = session(request());
    const run = s.run();
    await settle();
    pipelines.last.firstFrame();
    await settle();
    pipelines.last.fail(new RecorderError({ code: 'ENCODER_EXITED', message: 'ffmpeg stopped on its own' }));
    await run;
    expect(states).toEqual(['recording', 'stopping', 'finalizing', 'failed']);
    expect(s.summary().error).toMatchObject({ code: 'ENCODER_EXITED' });
  });

  it('keeps the marker and reports the error when its files cannot be finalized', async () => {
    const { s, config, pipelines, finalizer } = session(request());
    finalizer.result = new RecorderError({ code: 'DISK_FULL', message: 'metadata.json could not be written' });
    const run = s.run();
    await settle();
    pipelines.last.firstFrame();
    await settle();
    await s.requestStop();
    await run;
    expect(s.unfinalizedError?.code).toBe('DISK_FULL');
    expect(listMarkers(config.recording.dir)).toHaveLength(1);
    finalizer.result = undefined;
    expect(await s.retryFinalize()).toBeUndefined();
    expect(listMarkers(config.recording.dir)).toEqual([]);
  });
});
