/**
 * esbuild plugins for the function bundles (serverless.yml custom.esbuild.plugins). Each swaps a part of a
 * dependency that eksflow never runs for a smaller one, so that Node parses less at cold start
 * (`npm run bench`, BENCH_SECTIONS=coldstart).
 */
const path = require('node:path');

/** zod's `locales` namespace: English only (see zod-locales-en.mjs). */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: path.join(__dirname, 'zod-locales-en.mjs') }
        : undefined,
    );
  },
};

module.exports = [zodEnglishOnly];
