/** The settings reader both programs share: where a value comes from, and how a bad one is named. */
import { Reader, type Setting } from '@jibri-ts/common';

const SETTINGS: Setting[] = [
  { name: 'PORT', default: '2222', group: 'g', description: 'd', hocon: 'app.port' },
  { name: 'FLAG', default: 'false', group: 'g', description: 'd' },
  { name: 'WAIT', default: '30 seconds', group: 'g', description: 'd', hocon: 'app.wait' },
  { name: 'NAMES', default: '', group: 'g', description: 'd', hocon: 'app.names' },
];

describe('the settings reader', () => {
  it('takes the environment over the file over the default, and names what set a value', () => {
    const file = { tree: { app: { port: 3000, wait: 1500, names: ['a', 'b'] } }, label: 'app.conf' };
    expect(new Reader(SETTINGS, {}).int('PORT', 1, 65535)).toBe(2222);
    expect(new Reader(SETTINGS, {}, file).int('PORT', 1, 65535)).toBe(3000);
    expect(new Reader(SETTINGS, { PORT: ' 4000 ' }, file).int('PORT', 1, 65535)).toBe(4000);
    // A file's bare duration is milliseconds (HOCON), the environment's seconds.
    expect(new Reader(SETTINGS, {}, file).duration('WAIT', 0, 60)).toBe(1.5);
    expect(new Reader(SETTINGS, { WAIT: '2' }, file).duration('WAIT', 0, 60)).toBe(2);
    expect(new Reader(SETTINGS, {}, file).list('NAMES')).toEqual(['a', 'b']);
    expect(new Reader(SETTINGS, { NAMES: 'x, y' }, file).list('NAMES')).toEqual(['x', 'y']);
  });

  it('lets an override file beat the environment, as custom-jibri.conf does', () => {
    const file = { tree: { app: { port: 5000 } }, beforeCustom: { app: { port: 3000 } }, label: 'app.conf' };
    const r = new Reader(SETTINGS, { PORT: '4000' }, file);
    expect(r.int('PORT', 1, 65535)).toBe(5000);
    expect([...r.usedKeys]).toEqual(['app.port']);
  });

  it('notes a bad value by its name (or its file key) and falls back to the default', () => {
    const r = new Reader(SETTINGS, { PORT: 'x', FLAG: 'maybe' }, { tree: { app: { wait: 'soon' } }, label: 'app.conf' });
    expect(r.int('PORT', 1, 65535)).toBe(2222);
    expect(r.bool('FLAG')).toBe(false);
    expect(r.duration('WAIT', 0, 60)).toBe(30);
    expect(r.problems[0]).toBe('PORT="x": expected a whole number from 1 to 65535');
    expect(r.problems[1]).toBe('FLAG="maybe": expected true or false');
    expect(r.problems[2]).toMatch(/^app\.conf app\.wait = "soon": expected .* \(or set WAIT\)$/);
  });

  it('refuses a name the table does not declare (a programming error)', () => {
    expect(() => new Reader(SETTINGS, {}).text('NOPE')).toThrow(/NOPE is not declared/);
  });
});
