#!/usr/bin/env node
// Used by the Dockerfile's `prod-deps` stage before `npm ci --omit=dev`: removes the top package's
// devDependencies from package.json and from the lock's root entry, in place. Why: npm's workspace filter
// (--include-workspace-root --workspace ...) follows the root's development edges too and keeps every
// package on them that is not flagged dev, and a package is flagged dev only when no production path of
// any workspace reaches it. So the fleet's production packages (express-rate-limit, ws, ...) and what
// the test tools share with them came into the recorder's node_modules through the root's
// devDependencies (@jibri-ts/fleet, node-media-server). Without those edges npm installs exactly what the
// recorder's production dependencies reach. The stage restores both files after the install.
'use strict';
const fs = require('node:fs');

for (const file of ['package.json', 'package-lock.json']) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  const root = file === 'package.json' ? doc : doc.packages?.[''];
  if (!root) throw new Error(`${file}: no root package entry`);
  delete root.devDependencies;
  fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
}
