#!/usr/bin/env node
// The `eksflow` command of package.json's `bin`: runs the TypeScript CLI through tsx (as `npm start` runs the sandbox).
require('tsx/cjs');
require('../main.ts');
