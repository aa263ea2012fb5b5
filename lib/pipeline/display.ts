/**
 * One Xvfb screen per session. Xvfb picks a free display number itself (-displayfd), so sessions never
 * race for ":99"; the screen is exactly the recording size, so the capture is the page and nothing else.
 */
import { RecorderError } from '../errors';
import { startProcess, type ChildHandle } from '../proc/runner';

export interface Display {
  /** e.g. ':101' */
  readonly name: string;
  close(): Promise<void>;
}

export async function startDisplay(width: number, height: number, timeoutMs = 10000): Promise<Display> {
  let child: ChildHandle;
  try {
    child = startProcess(
      'Xvfb',
      'Xvfb',
      ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset', '-dpi', '96'],
      { parentDeathSignal: 'TERM', extraFds: ['pipe'] },
    );
  } catch (err) {
    throw displayError(String(err));
  }
  const stderr: string[] = [];
  child.on('line', (l: string) => stderr.push(l));
  const fd3 = child.child.stdio[3] as NodeJS.ReadableStream | null;
  const number = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(displayError(`Xvfb did not report a display within ${timeoutMs} ms`)), timeoutMs);
    fd3?.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /(\d+)\n/.exec(text);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('spawn-error', (err: Error) => {
      clearTimeout(timer);
      reject(displayError(err.message));
    });
    void child.exited.then((exit) => {
      clearTimeout(timer);
      reject(displayError(`Xvfb exited (code ${exit.code}): ${stderr.slice(-3).join(' | ')}`));
    });
  }).catch(async (err: unknown) => {
    await child.stop('SIGKILL', 0);
    throw err;
  });
  return {
    name: `:${number}`,
    close: async () => {
      await child.stop('SIGTERM', 3000);
    },
  };
}

function displayError(detail: string): RecorderError {
  return new RecorderError({
    code: 'DISPLAY_FAILED',
    scope: 'system',
    message: `Could not start a virtual display (Xvfb): ${detail}`,
    hint: 'Install it with apt-get install xvfb',
  });
}
