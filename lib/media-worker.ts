/**
 * A session's media worker (lib/pipeline/worker/): forked by the service for one session, it runs that
 * session's encoder and stream fan-out and nothing else, so that their faults end that session only. Its
 * arguments are the log level and the ffmpeg to run; its log goes to standard error as JSON lines, which
 * the service reads into the session's log.
 */
import { createLogger } from './log';
import { warmEncoder } from './pipeline/encoder/encoder';
import { WorkerRuntime } from './pipeline/worker/worker-runtime';

const log = createLogger(process.argv[2] ?? 'info', { json: true });
// fluent-ffmpeg lists ffmpeg's formats and encoders before its first run; a worker does it while it waits as a spare.
void warmEncoder(process.argv[3] ?? 'ffmpeg');
new WorkerRuntime(
  {
    send: (m) => process.send?.(m),
    onMessage: (handler) => process.on('message', handler),
    onDisconnect: (handler) => process.on('disconnect', handler),
    exit: (code) => process.exit(code),
  },
  log,
);
