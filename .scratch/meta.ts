import { build, type BuildOptions, type Plugin } from 'esbuild';
import { readFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os'; import path from 'node:path';
import { parse } from 'yaml';
const sls = parse(readFileSync('serverless.yml', 'utf8'));
const { plugins: pluginsFile, exclude, packager, ...options } = sls.custom.esbuild;
const plugins: Plugin[] = require(path.resolve(String(pluginsFile)));
(async () => {
  const t0 = Date.now();
  for (const [name, fn] of Object.entries<any>(sls.functions)) {
    const entry = fn.handler.replace(/\.[^.]+$/, '.ts');
    const r = await build({ ...(options as BuildOptions), plugins, entryPoints: [entry], outdir: mkdtempSync(path.join(os.tmpdir(), 'wm-')), write: false, metafile: true, logLevel: 'error' });
    const pk = new Set<string>();
    for (const i of Object.keys(r.metafile!.inputs)) { const m = i.match(/node_modules\/((@[^/]+\/)?[^/]+)/); if (m) pk.add(m[1]); }
    const sdk = [...pk].filter((p) => p.startsWith('@aws-sdk/client-')).map((p) => p.slice(16));
    const heavy = ['zod', 'luxon', 'cron-parser', 'yaml'].filter((p) => pk.has(p));
    console.log(name.padEnd(30), sdk.join(','), '|', heavy.join(','));
  }
  console.log('ms', Date.now() - t0);
})();
