import Transport from 'winston-transport';
import { createLogger, redact, registerSecret } from '../../lib/log';

class Capture extends Transport {
  lines: string[] = [];
  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.lines.push(String(info[Symbol.for('message')]));
    next();
  }
}

describe('logging never shows secrets', () => {
  it('masks registered secrets and secret-named fields', () => {
    registerSecret('hunter2-password');
    expect(redact('login with hunter2-password now')).toBe('login with **** now');
    const log = createLogger('debug');
    const capture = new Capture();
    log.clear().add(capture);
    log.info('url https://x/#pw=hunter2-password', { nested: { note: 'hunter2-password' }, password: 'other', streamKey: 'abcd-1234' });
    const out = capture.lines.join('\n');
    expect(out).not.toContain('hunter2-password');
    expect(out).not.toContain('other');
    expect(out).not.toContain('abcd-1234');
  });
});
