import * as net from 'node:net';

/** How long a port handed out stays promised: its recorder binds it within seconds of starting. */
const PROMISED_MS = 120_000;
const promised = new Map<number, number>();

function bindZero(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A port free on loopback now, and not one this fleet handed out in the last two minutes: the recorder binds
 * it a moment later, and the kernel may meanwhile hand the same free port to the next ask (the fleet is
 * the only allocator of its recorders' ports here).
 */
export async function freePort(now = Date.now): Promise<number> {
  for (const [port, at] of promised) if (now() - at > PROMISED_MS) promised.delete(port);
  for (let i = 0; i < 1000; i++) {
    const port = await bindZero();
    if (promised.has(port)) continue;
    promised.set(port, now());
    return port;
  }
  throw new Error(`no free port on loopback that was not handed out in the last ${PROMISED_MS / 1000} s`);
}
