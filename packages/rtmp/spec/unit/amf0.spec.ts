/** AMF0 against the byte layouts of Adobe's AMF0 specification. */
import { Amf0EcmaArray, Amf0Error, decodeAmf0, encodeAmf0, type Amf0Value } from '../../lib/amf0';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('AMF0', () => {
  it.each<[string, Amf0Value, string]>([
    ['number 1.5', 1.5, '00 3ff8000000000000'],
    ['number 0', 0, '00 0000000000000000'],
    ['true', true, '01 01'],
    ['false', false, '01 00'],
    ['string', 'connect', '02 0007 636f6e6e656374'],
    ['empty string', '', '02 0000'],
    ['UTF-8 string', 'é', '02 0002 c3a9'],
    ['null', null, '05'],
    ['undefined', undefined, '06'],
    ['object', { app: 'live', n: 1 }, '03 0003 617070 02 0004 6c697665 0001 6e 00 3ff0000000000000 0000 09'],
    ['empty object', {}, '03 0000 09'],
    ['ECMA array', new Amf0EcmaArray({ w: 2 }), '08 00000001 0001 77 00 4000000000000000 0000 09'],
    ['strict array', [1, 'a'], '0a 00000002 00 3ff0000000000000 02 0001 61'],
    ['date', new Date(0), '0b 0000000000000000 0000'],
  ])('%s', (_name, value, bytes) => {
    expect(encodeAmf0(value).toString('hex')).toBe(hex(bytes).toString('hex'));
    expect(decodeAmf0(hex(bytes))).toEqual([value]);
  });

  it('uses a long string past 65535 bytes, both ways', () => {
    const long = 'x'.repeat(70000);
    const bytes = encodeAmf0(long);
    expect(bytes[0]).toBe(0x0c);
    expect(bytes.readUInt32BE(1)).toBe(70000);
    expect(decodeAmf0(bytes)).toEqual([long]);
  });

  it('encodes and decodes a command: name, transaction, object, arguments', () => {
    const values: Amf0Value[] = ['_result', 1, { fmsVer: 'FMS/3,0,1,123', capabilities: 31 }, { level: 'status', code: 'NetConnection.Connect.Success', nested: { a: [true, null] } }];
    expect(decodeAmf0(encodeAmf0(...values))).toEqual(values);
  });

  it('reads a typed object as its properties', () => {
    expect(decodeAmf0(hex('10 0003 466f6f 0001 61 01 01 0000 09'))).toEqual([{ a: true }]);
  });

  it.each([
    ['truncated number', '00 3ff0'],
    ['truncated string', '02 0005 6162'],
    ['object without end', '03 0001 61 05'],
    ['a reference (not supported)', '07 0001'],
    ['an AMF3 switch (not supported)', '11 00'],
    ['a strict array claiming more items than bytes', '0a ffffffff 05'],
  ])('refuses %s', (_name, bytes) => {
    expect(() => decodeAmf0(hex(bytes))).toThrow(Amf0Error);
  });

  it('refuses hostile nesting instead of exhausting the stack', () => {
    const nested = Buffer.concat([...Array.from({ length: 100 }, () => hex('0a 00000001')), hex('05')]);
    expect(() => decodeAmf0(nested)).toThrow(/nested too deeply/);
    const shallow = Buffer.concat([...Array.from({ length: 10 }, () => hex('0a 00000001')), hex('05')]);
    expect(decodeAmf0(shallow)).toHaveLength(1);
  });

  it('keeps a __proto__ key as data, never as a prototype', () => {
    const [obj] = decodeAmf0(hex('03 0009 5f5f70726f746f5f5f 03 0005 706f6c6c2e 01 01 0000 09 0000 09')) as [Record<string, unknown>];
    expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
    expect(Object.keys(obj)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['poll.']).toBeUndefined();
  });
});
