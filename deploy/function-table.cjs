// serverless.yml's bridge to the function table (deploy/functions.ts): `${file(deploy/function-table.cjs):functions}`
// and `:roles`. osls resolves file variables from .js/.cjs only, so this loads the TypeScript table with tsx, as
// osls itself loads a serverless.ts; the `${…}` variables in what it returns are resolved by osls afterwards.
'use strict';

const { require: tsxRequire } = require('tsx/cjs/api');

const table = () => tsxRequire('./functions.ts', __filename);

module.exports = {
  functions: () => table().serverlessFunctions(),
  roles: () => ({ Resources: table().roleResources() }),
  names: () => Object.keys(table().FUNCTIONS),
};
