/**
 * esbuild plugins for the function bundles (serverless.yml custom.esbuild.plugins). Each swaps a part of a
 * dependency that eksflow never runs for a smaller one, so that Node parses less at cold start
 * (`npm run bench`, BENCH_SECTIONS=coldstart).
 */
const path = require('node:path');
const { ON_FIRST_USE, requestFilter } = require('./on-first-use.cjs');

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

/**
 * Modules required on first use (`require('./x')` inside a function, never a top-level import; on-first-use.cjs
 * lists them), each put in a file of its own beside the bundle, `<bundle>.<name>.js`. Kept inside the bundle, V8
 * would still read and pre-parse them at every cold start although no code runs them before they are needed (npm
 * run bench). Named after the bundle so that serverless-esbuild packages them with that bundle's functions only (it
 * leaves out of a function's zip the files named `<another function's bundle>.*`).
 */
const modulesOnFirstUse = {
  name: 'modules-on-first-use',
  setup(build) {
    const options = build.initialOptions;
    const [entry] = Array.isArray(options.entryPoints) ? options.entryPoints : Object.values(options.entryPoints ?? {});
    if (!entry || !options.outdir) return; // Not a serverless-esbuild function build.
    const bundleName = path.basename(entry).replace(/\.[cm]?[jt]s$/, '');
    const bundle = {
      outdir: options.outdir,
      fileOf: (module) => `${bundleName}.${path.basename(module, '.ts')}.js`,
      built: new Set(),
    };
    // serverless-esbuild rebuilds a context: each build writes every file anew.
    build.onStart(() => bundle.built.clear());
    splitOnFirstUse(build, bundle);
  },
};

/**
 * In `build` (the bundle, or a file of its own beside it), each module of ON_FIRST_USE that is required inside a
 * function becomes a require of its own file, built once per bundle with the same options and split the same way:
 * a file required on first use (an area of the API) may itself require a module on first use (client-node), which
 * then is one file beside the bundle for all that require it, not a copy in each.
 */
function splitOnFirstUse(build, bundle) {
  const required = new Set();
  build.onStart(() => required.clear());
  for (const { request, module } of ON_FIRST_USE) {
    build.onResolve({ filter: requestFilter(request) }, (args) => {
      // Only a `require` inside a function is on first use: a top-level import loads the module at init anyway.
      if (args.kind !== 'require-call') return undefined;
      if (path.join(args.resolveDir, `${request}.ts`) !== module) return undefined;
      required.add(module);
      return { path: `./${bundle.fileOf(module)}`, external: true };
    });
  }
  build.onEnd(async (result) => {
    if (result.errors.length) return;
    const { entryPoints, outdir, outfile, plugins, metafile, ...same } = build.initialOptions;
    for (const module of required) {
      if (bundle.built.has(module)) continue;
      bundle.built.add(module);
      await build.esbuild.build({
        ...same,
        entryPoints: [module],
        outfile: path.join(bundle.outdir, bundle.fileOf(module)),
        plugins: [zodEnglishOnly, { name: 'modules-on-first-use', setup: (b) => splitOnFirstUse(b, bundle) }],
      });
    }
  });
}

module.exports = [zodEnglishOnly, modulesOnFirstUse];
