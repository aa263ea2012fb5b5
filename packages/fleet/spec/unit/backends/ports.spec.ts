import { freePort } from '../../../lib/backends/ports';

describe("the recorders' ports", () => {
  it('never hands out a port twice while its recorder may still be starting', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(300);
  });
});
