#!/usr/bin/env node
// The size rule of the developers' guide, checked: no product file over 500 lines, no function over 80.
// Product files are the TypeScript sources of the recorder (lib/) and of every workspace package
// (packages/*/lib/); specs, the bench and the test kit are not product. A function is any function,
// method, constructor, accessor or arrow function, measured from its first line to its last (a function
// nested in another counts for both). Uses the TypeScript compiler's parser, a development dependency
// already. `node scripts/sizes.js` (`npm run sizes`) names every file and function over its limit and
// exits 1 when there is one.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 80;

function productFiles(root) {
  const out = [];
  const walk = (dir) => {
    const abs = path.join(root, dir);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'dist') walk(rel);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
    }
  };
  walk('lib');
  const packages = path.join(root, 'packages');
  if (fs.existsSync(packages)) for (const p of fs.readdirSync(packages).sort()) walk(path.posix.join('packages', p, 'lib'));
  return out;
}

/** A readable name for a function node: its own, or what it is assigned to, or where it is passed. */
function nameOf(node, sf) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return `(anonymous function at line ${line + 1})`;
}

function isFunction(node) {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/** Every file and function of the tree over its limit, as `file: ...` lines. */
function checkSizes(root) {
  const problems = [];
  for (const file of productFiles(root)) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_FILE_LINES) problems.push(`${file}: ${lines} lines (at most ${MAX_FILE_LINES})`);
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const visit = (node) => {
      if (isFunction(node) && node.body) {
        const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const length = last - first + 1;
        if (length > MAX_FUNCTION_LINES) problems.push(`${file}:${first + 1}: ${nameOf(node, sf)} is ${length} lines (at most ${MAX_FUNCTION_LINES})`);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return problems;
}

module.exports = { checkSizes, MAX_FILE_LINES, MAX_FUNCTION_LINES };

if (require.main === module) {
  const problems = checkSizes(path.resolve(__dirname, '..'));
  if (problems.length) {
    console.error(`sizes: ${problems.length} over the limits (files ${MAX_FILE_LINES} lines, functions ${MAX_FUNCTION_LINES}):\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.error(`sizes: no product file over ${MAX_FILE_LINES} lines, no function over ${MAX_FUNCTION_LINES}`);
}
