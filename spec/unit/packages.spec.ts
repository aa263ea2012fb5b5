/**
 * The repository's packages keep to their own dependencies: the recorder (the top package,
 * lib/) neither depends on nor imports the fleet's packages, the fleet (packages/fleet) imports nothing of
 * the recorder's lib/, and what both use comes from packages/common. The images are checked for real by
 * scripts/container-check.sh; this catches a stray import in milliseconds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
const FLEET_ONLY = ['dockerode', '@kubernetes/client-node', 'express-rate-limit', 'ipaddr.js', '@jibri-ts/fleet'];

function manifest(dir: string): { dependencies?: Record<string, string>; workspaces?: string[] } {
  return JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; workspaces?: string[] };
}

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
}

/** Every module specifier a file imports, requires or loads. */
function imports(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  return [...text.matchAll(/(?:from|import\(|require\()\s*'([^']+)'/g)].map((m) => m[1] ?? '');
}

describe('packages', () => {
  it('are npm workspaces: packages/common, packages/rtmp and packages/fleet', () => {
    expect(manifest('.').workspaces).toEqual(['packages/common', 'packages/rtmp', 'packages/fleet']);
  });

  it("the recorder's production dependencies hold none of the fleet's", () => {
    const deps = Object.keys(manifest('.').dependencies ?? {});
    for (const name of FLEET_ONLY) expect([name, deps.includes(name)]).toEqual([name, false]);
    expect(deps).toContain('@jibri-ts/common');
    expect(deps).toContain('@jibri-ts/rtmp');
  });

  it("the recorder's modules import nothing of the fleet", () => {
    for (const file of sources('lib')) {
      for (const spec of imports(file)) {
        const bad = FLEET_ONLY.includes(spec) || spec.includes('packages/');
        expect([file, spec, bad]).toEqual([file, spec, false]);
      }
    }
  });

  it("the fleet's and the shared package's relative imports stay inside their own lib/ (nothing of the recorder's)", () => {
    for (const pkg of ['packages/fleet/lib', 'packages/common/lib', 'packages/rtmp/lib']) {
      for (const file of sources(pkg)) {
        for (const spec of imports(file).filter((x) => x.startsWith('.'))) {
          const target = path.relative(path.join(root, pkg), path.resolve(root, path.dirname(file), spec));
          expect([file, spec, target.startsWith('..')]).toEqual([file, spec, false]);
        }
      }
    }
  });

  it('the RTMP publisher depends on nothing but Node.js, and imports nothing else', () => {
    expect(manifest('packages/rtmp').dependencies ?? {}).toEqual({});
    for (const file of sources('packages/rtmp/lib')) {
      for (const spec of imports(file)) expect([file, spec, spec.startsWith('node:') || spec.startsWith('./')]).toEqual([file, spec, true]);
    }
  });

  it('the shared package depends on no more than winston, @xmpp/client and ipaddr.js', () => {
    expect(Object.keys(manifest('packages/common').dependencies ?? {}).sort()).toEqual(['@xmpp/client', 'ipaddr.js', 'winston']);
  });
});
