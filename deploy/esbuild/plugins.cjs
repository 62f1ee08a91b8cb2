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

/**
 * Modules required on first use (`require('./x')` inside a function, never a top-level import), each put in a
 * file of its own beside the bundle, `<bundle>.<name>.js`. Kept inside the bundle, V8 would still read and
 * pre-parse them at every cold start although no code runs them before they are needed (npm run bench).
 * Named after the bundle so that serverless-esbuild packages them with that bundle's functions only (it
 * leaves out of a function's zip the files named `<another function's bundle>.*`).
 */
const ON_FIRST_USE = [
  // client-node: about 1.2 MB minified, more than the rest of a bundle; only calls to Kubernetes need it.
  { request: './client-node', module: path.join(__dirname, '../../core/adapters/kube/client-node.ts') },
  // The access policy's loader (yaml, the policy's zod schema): only the API reads the policy.
  {
    request: '../adapters/fs/access-policy-file',
    module: path.join(__dirname, '../../core/adapters/fs/access-policy-file.ts'),
  },
  // The schedule-expression parser (luxon, cron-parser): in the API only the schedule routes read an expression.
  // scheduledScale imports it at the top (it reads an expression at every run), and keeps it in its bundle.
  {
    request: '../domain/schedule-expression',
    module: path.join(__dirname, '../../core/scaling/domain/schedule-expression.ts'),
  },
  // The Scheduler and STS adapters with their SDK clients: only the schedule routes and doctor call them.
  {
    request: '../adapters/aws/eventbridge-scheduler',
    module: path.join(__dirname, '../../core/adapters/aws/eventbridge-scheduler.ts'),
  },
  {
    request: '../adapters/aws/sts-caller-identity',
    module: path.join(__dirname, '../../core/adapters/aws/sts-caller-identity.ts'),
  },
];

const modulesOnFirstUse = {
  name: 'modules-on-first-use',
  setup(build) {
    const options = build.initialOptions;
    const [entry] = Array.isArray(options.entryPoints) ? options.entryPoints : Object.values(options.entryPoints ?? {});
    if (!entry || !options.outdir) return; // Not a serverless-esbuild function build.
    const bundleName = path.basename(entry).replace(/\.[cm]?[jt]s$/, '');
    const fileOf = (module) => `${bundleName}.${path.basename(module, '.ts')}.js`;
    const required = new Set();
    for (const { request, module } of ON_FIRST_USE) {
      const filter = new RegExp(`^${request.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
      build.onResolve({ filter }, (args) => {
        // Only a `require` inside a function is on first use: a top-level import loads the module at init anyway.
        if (args.kind !== 'require-call') return undefined;
        if (path.join(args.resolveDir, `${request}.ts`) !== module) return undefined;
        required.add(module);
        return { path: `./${fileOf(module)}`, external: true };
      });
    }
    build.onEnd(async (result) => {
      if (result.errors.length) return;
      const { entryPoints, outdir, plugins, metafile, ...same } = options;
      for (const module of required) {
        await build.esbuild.build({
          ...same,
          entryPoints: [module],
          outfile: path.join(outdir, fileOf(module)),
          plugins: [zodEnglishOnly],
        });
      }
    });
  },
};

module.exports = [zodEnglishOnly, modulesOnFirstUse];
