import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort } from '../../../testkit/ports';
import { tempDir } from '../../../testkit/service';

describe("the run's ports", () => {
  const saved = process.env.JIBRI_TS_PORTS_DIR;
  let dir: string;

  beforeEach(() => {
    dir = tempDir('jibri-ts-ports-spec-');
    process.env.JIBRI_TS_PORTS_DIR = dir;
  });

  afterAll(() => {
    if (saved === undefined) delete process.env.JIBRI_TS_PORTS_DIR;
    else process.env.JIBRI_TS_PORTS_DIR = saved;
  });

  it('hands out each port once, below the kernel range that bind(0) draws from, each reserved in the shared folder', async () => {
    const ports = await Promise.all(Array.from({ length: 200 }, () => freePort()));
    expect(new Set(ports).size).toBe(200);
    for (const p of ports) expect(p >= 20000 && p < 32768).toBe(true);
    expect(fs.readdirSync(dir).map(Number).sort()).toEqual([...ports].sort());
  });

  it('never hands out a port another process reserved, nor one in use on loopback', async () => {
    // Every port of the range but two is taken: one reserved by another process, one listened on.
    for (let p = 20000; p < 32700; p++) if (p !== 25000 && p !== 25001) fs.writeFileSync(path.join(dir, String(p)), '1');
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(25001, '127.0.0.1', () => r()));
    try {
      expect(await freePort()).toBe(25000);
      await expect(freePort()).rejects.toThrow(/no free port on loopback/);
    } finally {
      busy.close();
    }
  });
});
