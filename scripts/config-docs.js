#!/usr/bin/env node
// Writes .env.example (the recorder's SETTINGS, then the fleet server's FLEET_SETTINGS) and prints the
// configuration table of docs/CONFIGURATION.md of the recorder, with each setting's jibri.conf key (run after the build). spec/unit/settings-docs.spec.ts
// checks that they stay in step.
const fs = require('node:fs');
const path = require('node:path');
const { SETTINGS } = require('../dist/lib/config.js');
const { FLEET_SETTINGS } = require('../packages/fleet/dist/config.js');

const root = path.resolve(__dirname, '..');
const lines = ['# jibri-ts configuration: docker-jitsi-meet names. Uncomment and set what you need.', '# They override the keys of jibri.conf (JIBRI_CONFIG_FILE), where one is read.', ''];
let group = '';
for (const s of [...SETTINGS, ...FLEET_SETTINGS]) {
  if (s.group !== group) {
    group = s.group;
    lines.push(`# --- ${group} ---`);
  }
  lines.push(`# ${s.description}${s.default ? ` (default: ${s.default})` : ''}`);
  lines.push(`#${s.name}=${s.secret ? '' : s.default}`);
}
fs.writeFileSync(path.join(root, '.env.example'), `${lines.join('\n')}\n`);
const hocon = (s) => (s.hocon === undefined ? '' : (typeof s.hocon === 'string' ? [s.hocon] : s.hocon).map((k) => `\`${k.replace(/^jibri\./, '')}\``).join(', '));
process.stdout.write('| Variable | Default | jibri.conf key (under `jibri.`) | Meaning |\n|---|---|---|---|\n');
for (const s of SETTINGS) process.stdout.write(`| \`${s.name}\` | ${s.default ? `\`${s.default}\`` : '(unset)'} | ${hocon(s)} | ${s.description} |\n`);
