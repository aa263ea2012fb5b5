/**
 * The layering check of `npm test` (scripts/layers.js) on synthetic trees: it must name an import that
 * climbs a layer, one between units of the same layer, the bench reaching into spec/, and a file in no
 * layer, and a unit the architecture document does not name; and pass a tree whose imports only go down.
 * The real tree is checked by `npm test` itself.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

// scripts/ is plain Node with no build step: loaded by Node itself, as `npm test` runs it.
const { checkTree } = createRequire(__filename)('../../../scripts/layers.js') as { checkTree: (root: string) => string[] };

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-layers-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe('the layering check', () => {
  const roots: string[] = [];
  const make = (files: Record<string, string>): string => {
    const root = tree(files);
    roots.push(root);
    return root;
  };
  afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

  it('passes imports that go down, within a unit, and to packages', () => {
    const root = make({
      'lib/xmpp/edge.ts': "import { Recorder } from '../recorder/recorder';\nimport { parse } from './iq';\nimport xml from '@xmpp/xml';\n",
      'lib/xmpp/iq.ts': "import type { OutputRequest } from '../output/output';\n",
      'lib/recorder/recorder.ts': "import { Pipeline } from '../pipeline/pipeline';\nimport { redact } from '../redact';\n",
      'lib/pipeline/pipeline.ts': "export { encodeSpec } from './encoder/args';\n",
      'lib/pipeline/encoder/args.ts': "import type { MuxerEntry } from '../../output/output';\n",
      'lib/output/output.ts': "// import { Session } from '../recorder/session'; (a comment, not an import)\nexport {};\n",
      'lib/redact.ts': 'export {};\n',
      'bench/run.ts': "import { startService } from '../testkit/service';\n",
      'testkit/service.ts': "import { compose } from '../lib/compose';\n",
      'lib/compose.ts': "import { Recorder } from './recorder/recorder';\n",
    });
    expect(checkTree(root)).toEqual([]);
  });

  it('names an import that climbs a layer', () => {
    const root = make({
      'lib/output/rtmp/rtmp-output.ts': "import type { SessionSummary } from '../../recorder/snapshot';\n",
      'lib/recorder/snapshot.ts': 'export {};\n',
    });
    expect(checkTree(root)).toEqual([
      'lib/output/rtmp/rtmp-output.ts -> lib/recorder/snapshot.ts: outputs imports from recorder, a layer above it',
    ]);
  });

  it('names dynamic imports and require() too', () => {
    const root = make({
      'lib/pipeline/pipeline.ts': "const s = require('../recorder/session');\nvoid import('../xmpp/xmpp-edge');\n",
      'lib/recorder/session.ts': 'export {};\n',
      'lib/xmpp/xmpp-edge.ts': 'export {};\n',
    });
    expect(checkTree(root)).toHaveLength(2);
  });

  it('names imports between the units of one layer', () => {
    const root = make({ 'lib/pipeline/pipeline.ts': "import { Meeting } from '../meeting/meeting';\n", 'lib/meeting/meeting.ts': 'export {};\n' });
    expect(checkTree(root)[0]).toMatch(/lib\/pipeline\/ and lib\/meeting\/ are side by side in pipeline/);
  });

  it('keeps the bench and the product out of spec/, and names a file in no layer', () => {
    const root = make({
      'bench/run.ts': "import { startRtmpServer } from '../spec/support/rtmp';\n",
      'lib/newthing/x.ts': "import { fixture } from '../../spec/support/x';\n",
      'spec/support/rtmp.ts': 'export {};\n',
      'spec/support/x.ts': 'export {};\n',
    });
    const problems = checkTree(root);
    expect(problems).toContain('bench/run.ts -> spec/support/rtmp.ts: the bench shares fixtures and harness with the specs through testkit/, not spec/');
    expect(problems).toContain('lib/newthing/x.ts -> spec/support/x.ts: the product never imports its tests, bench or their kit');
    expect(problems).toContain('lib/newthing/x.ts: in no layer; add it to LAYERS in scripts/layers.js and to docs/ARCHITECTURE.md');
  });

  it('keeps the workspace packages and lib/ apart: by package name only', () => {
    const root = make({
      'packages/fleet/lib/http.ts': "import { tokenMatches } from '../../../lib/http/auth';\nimport { createLogger } from '@jibri-ts/common';\nimport { x } from './keys';\n",
      'packages/fleet/lib/keys.ts': 'export const x = 1;\n',
      'lib/http/auth.ts': "import { redact } from '../../packages/common/lib/redact';\n",
      'packages/common/lib/redact.ts': 'export {};\n',
    });
    expect(checkTree(root).filter((p) => !p.startsWith('docs/'))).toEqual([
      'lib/http/auth.ts -> packages/common/lib/redact.ts: the recorder uses the workspace packages by name (@jibri-ts/common), never by path',
      'packages/fleet/lib/http.ts -> lib/http/auth.ts: a workspace package stands alone: what it shares with the recorder is @jibri-ts/common',
    ]);
  });

  it("checks each package's own layers, and names a package file in none", () => {
    const root = make({
      'packages/rtmp/lib/url.ts': "import { publishRtmp } from './publisher';\n",
      'packages/rtmp/lib/publisher.ts': "import { parseRtmpUrl } from './url';\n",
      'packages/rtmp/lib/amf0.ts': "import { parseRtmpUrl } from './url';\n",
      'packages/rtmp/lib/extra.ts': 'export {};\n',
    });
    expect(checkTree(root).filter((p) => !p.startsWith('docs/'))).toEqual([
      'packages/rtmp/lib/amf0.ts -> packages/rtmp/lib/url.ts: packages/rtmp/lib/amf0.ts and packages/rtmp/lib/url.ts are side by side in codecs; neither imports the other',
      "packages/rtmp/lib/extra.ts: in no layer; add it to PACKAGE_LAYERS['packages/rtmp'] in scripts/layers.js",
      'packages/rtmp/lib/url.ts -> packages/rtmp/lib/publisher.ts: codecs imports from publisher, a layer above it',
    ]);
  });

  it("lets a package's specs use testkit/ and the recorder, but neither the recorder's specs nor another package's files by path", () => {
    const root = make({
      'packages/rtmp/spec/integration/publisher.spec.ts': "import { startRtmpServer } from '../../../../testkit/rtmp';\nimport { publishRtmp } from '../../lib/publisher';\nimport { probe } from '../../../../lib/output/probe';\nimport { x } from '../../../../spec/support/x';\n",
      'spec/support/x.ts': 'export const x = 1;\n',
      'packages/rtmp/lib/publisher.ts': "import { redact } from '../../common/lib/redact';\n",
      'packages/common/lib/redact.ts': 'export {};\n',
      'testkit/rtmp.ts': 'export {};\n',
      'lib/output/probe.ts': 'export {};\n',
    });
    expect(checkTree(root).filter((p) => !p.startsWith('docs/'))).toEqual([
      "packages/rtmp/lib/publisher.ts -> packages/common/lib/redact.ts: a workspace package stands alone: what it shares with the recorder is @jibri-ts/common",
      "packages/rtmp/spec/integration/publisher.spec.ts -> spec/support/x.ts: a package's specs use testkit/ (and the recorder they run), never the recorder's specs or bench",
    ]);
  });

  it('asks unit specs to mirror the code they test', () => {
    const root = make({
      'lib/xmpp/iq.ts': 'export {};\n',
      'spec/unit/xmpp/iq.spec.ts': 'export {};\n',
      'spec/unit/iq.spec.ts': 'export {};\n',
      'packages/rtmp/lib/url.ts': 'export {};\n',
      'packages/rtmp/spec/unit/url.spec.ts': 'export {};\n',
      'packages/rtmp/spec/unit/publisher.spec.ts': 'export {};\n',
    });
    expect(checkTree(root).filter((p) => p.includes('mirrors'))).toEqual([
      'spec/unit/iq.spec.ts: mirrors no module; a unit spec goes where its module is (lib/a/b.ts: spec/unit/a/b.spec.ts)',
      'packages/rtmp/spec/unit/publisher.spec.ts: mirrors no module; a unit spec goes where its module is (lib/a/b.ts: spec/unit/a/b.spec.ts)',
    ]);
  });

  it('asks for the layers of every workspace package', () => {
    const root = make({ 'packages/newpkg/lib/index.ts': 'export {};\n' });
    expect(checkTree(root)).toContain('packages/newpkg: no layers; add them to PACKAGE_LAYERS in scripts/layers.js');
  });

  it('asks docs/ARCHITECTURE.md to name every unit', () => {
    const root = make({ 'lib/redact.ts': 'export {};\n', 'docs/ARCHITECTURE.md': '| redaction | `redact.ts` |\n| outputs | `output/` |\n' });
    const problems = checkTree(root);
    expect(problems).toContain('docs/ARCHITECTURE.md: does not name `xmpp/` (a unit of scripts/layers.js)');
    expect(problems.join('\n')).not.toMatch(/`redact\.ts`|`output\/`/);
  });
});
