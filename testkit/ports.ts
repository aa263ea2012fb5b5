/**
 * Ports for the run's servers, never the same one twice at a time across the run's processes.
 *
 * Binding port 0 and closing it again hands out a port that any other process may be handed next: two
 * spec files side by side once got the same one for their services' internal APIs, and one file's ops
 * script then reloaded the other's service. Here each port comes from below the kernel's ephemeral range
 * (where bind(0) and outgoing connections never land), is reserved by a file created exclusively in a
 * folder the run's processes share (JIBRI_TS_PORTS_DIR, which the test command makes and removes; else one
 * per user, its reservations expiring after an hour), and is checked to be free on loopback.
 */
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const LOW = 20000;
/** Linux's ephemeral range starts at 32768 by default. */
const HIGH = 32700;
const STALE_MS = 60 * 60 * 1000;

function reservations(): string {
  const dir = process.env.JIBRI_TS_PORTS_DIR ?? path.join(os.tmpdir(), `jibri-ts-ports-${process.getuid?.() ?? 'user'}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function reserve(dir: string, port: number): boolean {
  const file = path.join(dir, String(port));
  try {
    fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    try {
      if (Date.now() - fs.statSync(file).mtimeMs < STALE_MS) return false;
      fs.writeFileSync(file, String(process.pid));
      return true;
    } catch {
      return false;
    }
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  const dir = reservations();
  // From a random place, then on through the whole range: busy ones are skipped, none is missed.
  const start = randomInt(0, HIGH - LOW);
  for (let i = 0; i < HIGH - LOW; i++) {
    const port = LOW + ((start + i) % (HIGH - LOW));
    if (reserve(dir, port) && (await bindable(port))) return port;
  }
  throw new Error(`no free port on loopback between ${LOW} and ${HIGH} (reservations in ${dir})`);
}
