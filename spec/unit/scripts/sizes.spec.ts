/**
 * The size check (scripts/sizes.js) on synthetic trees: it names a product file over 500 lines and a
 * function over 80 (a method and an arrow function too), in lib/ and in a package's lib/, and leaves specs
 * and the test kit alone.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const { checkSizes } = createRequire(__filename)('../../../scripts/sizes.js') as { checkSizes: (root: string) => string[] };

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-sizes-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

const body = (n: number): string => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');

describe('the size check', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));
  const make = (files: Record<string, string>): string => {
    const root = tree(files);
    roots.push(root);
    return root;
  };

  it('passes a function of 80 lines and a file of 500', () => {
    const root = make({ 'lib/a.ts': `export function f(): void {\n${body(78)}\n}\n${'\n'.repeat(500 - 80)}` });
    expect(fs.readFileSync(path.join(root, 'lib/a.ts'), 'utf8').split('\n').length - 1).toBe(500);
    expect(checkSizes(root)).toEqual([]);
  });

  it('names a file over 500 lines and every function over 80, wherever it is in a product file', () => {
    const root = make({
      'lib/big.ts': `${'// x\n'.repeat(501)}`,
      'lib/x/f.ts': `export function long(): void {\n${body(79)}\n}\nexport class C {\n  m(): void {\n${body(80)}\n  }\n}\nexport const arrow = (): void => {\n${body(81)}\n};\n`,
      'packages/p/lib/g.ts': `export function g(): void {\n${body(90)}\n}\n`,
      'spec/unit/long.spec.ts': `export function s(): void {\n${body(200)}\n}\n`,
      'testkit/kit.ts': `${'// x\n'.repeat(900)}`,
    });
    expect(checkSizes(root)).toEqual([
      'lib/big.ts: 501 lines (at most 500)',
      'lib/x/f.ts:1: long is 81 lines (at most 80)',
      'lib/x/f.ts:83: m is 82 lines (at most 80)',
      'lib/x/f.ts:166: arrow is 83 lines (at most 80)',
      'packages/p/lib/g.ts:1: g is 92 lines (at most 80)',
    ]);
  });
});
