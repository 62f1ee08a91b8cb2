import { build, type BuildOptions, type Plugin } from 'esbuild';
import { readFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os'; import path from 'node:path';
import { parse } from 'yaml';
const sls = parse(readFileSync('serverless.yml', 'utf8'));
const { plugins: _p, exclude, packager, ...options } = sls.custom.esbuild;
const lazy: Plugin = { name: 'lazy', setup(b) { b.onResolve({ filter: /\/(client-node|access-policy-file)$/ }, (a) => ({ path: a.path, external: true })); } };
(async () => {
  const t0 = Date.now();
  const entries = Object.fromEntries(Object.entries<any>(sls.functions).map(([n, f]) => [n, f.handler.replace(/\.[^.]+$/, '.ts')]));
  const r = await build({ ...(options as BuildOptions), plugins: [lazy], entryPoints: entries, outdir: '/tmp/wm-out', write: false, metafile: true, logLevel: 'error' });
  for (const [out, o] of Object.entries(r.metafile!.outputs)) {
    if (!o.entryPoint) continue;
    const pk = new Set<string>();
    for (const i of Object.keys(o.inputs)) { const m = i.match(/node_modules\/((@[^/]+\/)?[^/]+)/); if (m) pk.add(m[1]); }
    const sdk = [...pk].filter((p) => p.startsWith('@aws-sdk/client-')).map((p) => p.slice(16)).sort();
    const heavy = ['zod', 'luxon', 'cron-parser', 'yaml', '@kubernetes/client-node'].filter((p) => pk.has(p));
    console.log(path.basename(out).padEnd(30), o.entryPoint.padEnd(55), sdk.join(','), '|', heavy.join(','), (o.bytes/1024).toFixed(0));
  }
  console.log('ms', Date.now() - t0);
})();
