// Bundled in place of zod's locales index (deploy/esbuild/plugins.cjs): eksflow reports errors in English
// only (zod's default), and the index holds every language's messages, about 250 KB parsed at each cold start.
export { default as en } from 'zod/v4/locales/en.js';
