// Runs a TypeScript entry point of this repository without a compile step: each .ts file is
// transpiled in memory by @swc/core (already a dev dependency, used by Jest) as it is required.
// No type checking: `npm run typecheck` and CI do that. Usage: node scripts/run-ts.cjs file.ts
'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

Module._extensions['.ts'] = function compile(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = swc.transformSync(source, { ...options, filename });
  module._compile(code, filename);
};

const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: node scripts/run-ts.cjs <file.ts> [args...]\n');
  process.exit(2);
}
process.argv.splice(1, 1);
require(path.resolve(entry));
