/**
 * The encoder's private channel: a folder named with the service's pid, 0700, that takes the encoder's
 * bytes and is removed on close.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { openEncoderChannel } from '../../../../../lib/output/rtmp/relay/encoder-channel';

describe('encoder channel', () => {
  it('lives in a private folder named with this pid, and close removes it', async () => {
    const received: Buffer[] = [];
    const channel = await openEncoderChannel((b) => received.push(b));
    const file = channel.target.replace(/^unix:/, '');
    const dir = path.dirname(file);
    expect(path.basename(dir)).toMatch(new RegExp(`^jibri-ts-flv-${process.pid}-`));
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const writer = net.connect(file);
    await new Promise<void>((resolve) => writer.once('connect', () => resolve()));
    writer.end(Buffer.from('FLV'));
    await channel.ended;
    expect(Buffer.concat(received).toString()).toBe('FLV');
    await channel.close();
    expect(fs.existsSync(dir)).toBe(false);
  });
});
