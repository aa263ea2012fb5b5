/** The README table and .env.example are kept in step with what the configuration module reads. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTINGS } from '../../lib/config';

const root = path.resolve(__dirname, '../..');

describe('configuration documentation', () => {
  it('.env.example lists exactly the variables the configuration module reads', () => {
    const text = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
    const listed = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual(SETTINGS.map((s) => s.name).sort());
  });
  it('the README configuration table names every variable', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const s of SETTINGS) expect(readme).toContain(`| \`${s.name}\` |`);
  });
});
