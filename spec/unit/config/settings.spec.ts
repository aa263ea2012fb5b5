/** The configuration table (docs/CONFIGURATION.md) and .env.example are kept in step with what the configuration modules read. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTINGS } from '../../../lib/config';
import { FLEET_SETTINGS } from '../../../packages/fleet/lib/config';

const root = path.resolve(__dirname, '../../..');

describe('configuration documentation', () => {
  it('.env.example lists exactly the variables the configuration modules read (recorder and fleet)', () => {
    const text = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
    const listed = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual([...SETTINGS, ...FLEET_SETTINGS].map((s) => s.name).sort());
  });

  it("the fleet's settings are the variables packages/fleet/lib/config.ts reads", () => {
    const source = fs.readFileSync(path.join(root, 'packages/fleet/lib/config.ts'), 'utf8');
    // Secret settings also come as NAME_FILE (docker secrets): those twins are generated, not read by name.
    // Each is read by name through the settings reader (r.text('NAME'), r.int('NAME', ...), hosts('NAME')...).
    const read = new Set([...source.matchAll(/\w\('(JIBRI_FLEET_[A-Z0-9_]+)'/g)].map((m) => m[1]));
    expect([...read].sort()).toEqual(FLEET_SETTINGS.filter((s) => !s.fileOf).map((s) => s.name).sort());
  });
  it('the configuration table (docs/CONFIGURATION.md) names every variable', () => {
    const doc = fs.readFileSync(path.join(root, 'docs/CONFIGURATION.md'), 'utf8');
    for (const s of SETTINGS) expect(doc).toContain(`| \`${s.name}\` |`);
  });
});
