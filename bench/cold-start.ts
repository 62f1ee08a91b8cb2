/**
 * Cold start: for each packaged function (`npm run package` → .serverless/*.zip), the bundle's size and
 * the time Node takes to load it over bare Node: `node -e "require(bundle)"` against `node -e 0`, with no
 * Node options and with the NODE_OPTIONS each function is deployed with (read from the packaged template).
 * Two figures: `cpu`, the require's CPU time inside the process (steady under load), and `init`, Lambda's Init
 * Duration as issue 17 measures it: the wall time of the whole `node` process over a bare `node -e 0`.
 * Then Powertools Tracer's cost: the rollout task built as packaged, with and without the Tracer.
 * Every run of every target is interleaved (bare, f1, f2, …, bare, f1, …) so that noise on this shared
 * machine hits all of them alike; the figure is the median of the differences' inputs, not of one burst.
 * Loading is what a Lambda cold start pays before the first event (the init phase); the handlers build
 * their clients lazily, on the first event, so this does not count connection set-up.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { parse } from 'yaml';
import { ON_FIRST_USE } from '../deploy/esbuild/on-first-use.cjs';
import { median } from './stats';

/** At least 7 runs each (the brief); odd, so the median is one measured run. */
const RUNS = Math.max(7, Number(process.env.BENCH_COLDSTART_RUNS ?? 9));
const PACKAGE_DIR = path.resolve(process.env.BENCH_PACKAGE_DIR ?? '.serverless');
/** Every function must load within this much over bare Node (issue 17, item 7). */
const BUDGET_MS = 100;
/** The issue's goal. */
const TARGET_MS = 50;
/** For comparison: the Node option the functions were deployed with before (source maps at every load). */
const SOURCE_MAPS_FLAG = '--enable-source-maps';
/** Files beside a bundle required on first use (`<bundle>.<module>.js`, deploy/esbuild/on-first-use.cjs). */
const ON_FIRST_USE_FILES = new Set(ON_FIRST_USE.map(({ module }) => `${path.basename(module, '.ts')}.js`));
const isOnFirstUse = (file: string) => ON_FIRST_USE_FILES.has(path.basename(file).split('.').slice(1).join('.'));

interface Target {
  name: string;
  /** Absolute path of the bundle's entry file. */
  entry: string;
  zipBytes: number;
  entryBytes: number;
  /** NODE_OPTIONS in the function's environment, as packaged ('' when none). */
  nodeOptions: string;
}

export async function coldStartSection(): Promise<string[]> {
  const zips = (existsSync(PACKAGE_DIR) ? readdirSync(PACKAGE_DIR) : []).filter((f) => f.endsWith('.zip')).sort();
  if (zips.length === 0) throw new Error(`no packaged functions in ${PACKAGE_DIR}: run \`npm run package\` first`);
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-coldstart-'));
  try {
    const nodeOptions = deployedNodeOptions();
    const targets = zips.map((zip) => unpack(path.join(PACKAGE_DIR, zip), workDir, nodeOptions));
    // One interleaved series for every configuration, so that the machine's load hits them alike.
    const [plain, deployed, withSourceMaps] = measure(targets, [
      () => [],
      (t) => flags(t.nodeOptions),
      () => [SOURCE_MAPS_FLAG],
    ]);
    if (!plain || !deployed || !withSourceMaps) throw new Error('measure answers one result per flag set');
    const options = [...new Set(targets.map((t) => t.nodeOptions || 'none'))].join(', ');
    const [loadAverage = 0] = os.loadavg();
    const lines = [
      `cold start: module load over bare Node, i.e. the bundle's require (median of ${RUNS} interleaved runs; budget ${BUDGET_MS} ms, next target ${TARGET_MS} ms; load average ${loadAverage.toFixed(1)} on ${os.availableParallelism()} cores)`,
      `  cpu: the require's CPU time; init: the process's wall time over bare Node's (${ms(plain.bare)} this run), Lambda's Init Duration; the worse of the two is judged (wall time swings with the machine's load)`,
      `  deployed: with the packaged NODE_OPTIONS (${options}); ${SOURCE_MAPS_FLAG}: what it would add, for comparison`,
      `  ${'function'.padEnd(30)} ${'zip'.padStart(9)} ${'bundle'.padStart(9)} ${'wall'.padStart(7)} ${'cpu'.padStart(7)} ${'init'.padStart(7)} ${'deployed cpu'.padStart(13)} ${`${SOURCE_MAPS_FLAG} cpu`.padStart(24)}`,
    ];
    for (const target of targets) {
      const at = (m: Map<string, number>) => timingOf(m, target.name);
      const worst = Math.max(at(plain.cpu), at(deployed.cpu), at(plain.init));
      const verdict = worst > BUDGET_MS ? '  over budget' : worst > TARGET_MS ? `  over ${TARGET_MS} ms` : '';
      lines.push(
        `  ${target.name.padEnd(30)} ${kib(target.zipBytes).padStart(9)} ${kib(target.entryBytes).padStart(9)} ${ms(at(plain.wall)).padStart(7)} ${ms(at(plain.cpu)).padStart(7)} ${ms(at(plain.init)).padStart(7)} ${ms(at(deployed.cpu)).padStart(13)} ${ms(at(withSourceMaps.cpu)).padStart(24)}${verdict}`,
      );
    }
    lines.push(...(await tracerCost(workDir)));
    return lines;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Unzips one function's package and finds its one bundle (the .js that is neither a map nor the lazy chunk). */
function unpack(zipPath: string, workDir: string, nodeOptions: Map<string, string>): Target {
  const name = path.basename(zipPath, '.zip');
  const dir = path.join(workDir, name);
  execFileSync('unzip', ['-q', zipPath, '-d', dir]);
  const bundles = listFiles(dir).filter((f) => f.endsWith('.js') && !isOnFirstUse(f));
  const [entry] = bundles;
  if (!entry || bundles.length !== 1)
    throw new Error(`${name}: expected one bundle, found ${bundles.join(', ') || 'none'}`);
  return {
    name,
    entry,
    zipBytes: statSync(zipPath).size,
    entryBytes: statSync(entry).size,
    nodeOptions: nodeOptions.get(`${name}.zip`) ?? '',
  };
}

/** Each packaged function's NODE_OPTIONS (its own, else the provider's), by the name of its zip. */
function deployedNodeOptions(): Map<string, string> {
  const template = JSON.parse(
    readFileSync(path.join(PACKAGE_DIR, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  const byZip = new Map<string, string>();
  for (const resource of Object.values<any>(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const zip = path.basename(String(resource.Properties.Code?.S3Key ?? ''));
    const value = resource.Properties.Environment?.Variables?.NODE_OPTIONS;
    byZip.set(zip, typeof value === 'string' ? value : '');
  }
  return byZip;
}

const flags = (nodeOptions: string) => nodeOptions.split(/\s+/).filter(Boolean);

/**
 * Powertools Tracer at cold start: the rollout task built as `npm run package` builds it (serverless.yml's
 * esbuild options and plugins), with and without the Tracer (bench/tracer-probe.ts), loaded interleaved.
 */
async function tracerCost(workDir: string): Promise<string[]> {
  const without = await buildLikePackage('functions/tasks/rollout/reconcile.ts', path.join(workDir, 'untraced'));
  const traced = await buildLikePackage('bench/tracer-probe.ts', path.join(workDir, 'traced'));
  const targets = [without, traced].map((entry, i) => ({
    name: i ? 'traced' : 'untraced',
    entry,
    zipBytes: 0,
    entryBytes: statSync(entry).size,
    nodeOptions: '',
  }));
  const [m] = measure(targets, [() => []]);
  const [untracedTarget, tracedTarget] = targets;
  if (!m || !untracedTarget || !tracedTarget) throw new Error('measure answers one result per flag set');
  const over = (name: string) => timingOf(m.cpu, name);
  return [
    `powertools tracer (rolloutReconcile built as packaged, ${RUNS} interleaved runs, cpu): without ${ms(over('untraced'))} (${kib(untracedTarget.entryBytes)}), with Tracer ${ms(over('traced'))} (${kib(tracedTarget.entryBytes)}): ${signed(over('traced') - over('untraced'))} with it`,
  ];
}

/** One bundle with serverless.yml's custom.esbuild options and plugins; returns the bundle's path. */
async function buildLikePackage(entry: string, outdir: string): Promise<string> {
  const { esbuild } = parse(readFileSync('serverless.yml', 'utf8')).custom;
  const { plugins: pluginsFile, exclude, packager, ...options } = esbuild as BuildOptions & Record<string, unknown>;
  const plugins: Plugin[] = require(path.resolve(String(pluginsFile)));
  await build({ ...(options as BuildOptions), plugins, entryPoints: [entry], outdir, logLevel: 'error' });
  return path.join(outdir, `${path.basename(entry, '.ts')}.js`);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

interface Measured {
  /** Median wall time of the bundle's `require`, by target name. */
  wall: Map<string, number>;
  /** Median CPU time (user + system, all of Node's threads) of the same `require`. */
  cpu: Map<string, number>;
  /** Median wall time of the whole process, over the median of a bare `node -e 0` run in the same rounds. */
  init: Map<string, number>;
  /** That bare median. */
  bare: number;
}

/**
 * Each target loaded in a fresh Node with each set of flags, timed around its `require` inside that process:
 * the time over bare Node, without the noise of starting a process twice (this machine is shared; the
 * difference of two process wall times swung by ±50 ms between identical runs). Every run of every target
 * and flag set is interleaved; medians. One result per flag set.
 */
function measure(targets: Target[], flagSets: ((t: Target) => string[])[]): Measured[] {
  type Times = { wall: number; cpu: number; process: number };
  const runs = flagSets.map(() => new Map<string, Times[]>(targets.map((t) => [t.name, []])));
  const bare: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    for (const target of targets) {
      // A bare Node before each target: the baseline sees the same moments of load as the bundles.
      bare.push(timeBare());
      flagSets.forEach((nodeFlags, i) => {
        runs[i]?.get(target.name)?.push(timeRequire(nodeFlags(target), target.entry));
      });
    }
  }
  const bareMedian = median(bare);
  return runs.map((byName) => {
    const medianOf = (key: keyof Times) =>
      new Map([...byName].map(([name, times]) => [name, median(times.map((t) => t[key]))]));
    const init = new Map([...medianOf('process')].map(([name, wall]) => [name, wall - bareMedian]));
    return { wall: medianOf('wall'), cpu: medianOf('cpu'), init, bare: bareMedian };
  });
}

/** A target's median: every target was measured, so a missing one is a bug here. */
function timingOf(medians: Map<string, number>, name: string): number {
  const value = medians.get(name);
  if (value === undefined) throw new Error(`no timing measured for ${name}`);
  return value;
}

/** The wall time of `node -e 0`, spawned as the bundles are. */
function timeBare(): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['-e', '0'], { env: { PATH: process.env.PATH }, stdio: 'ignore' });
  if (result.status !== 0) throw new Error('bare node failed');
  return performance.now() - started;
}

function timeRequire(nodeFlags: string[], entry: string): { wall: number; cpu: number; process: number } {
  const script = [
    'const t = performance.now(), c = process.cpuUsage();',
    `require(${JSON.stringify(entry)});`,
    'const u = process.cpuUsage(c);',
    'process.stdout.write(JSON.stringify({ wall: performance.now() - t, cpu: (u.user + u.system) / 1000 }));',
  ].join('');
  // No inherited NODE_OPTIONS: only the flags under test.
  const started = performance.now();
  const result = spawnSync(process.execPath, [...nodeFlags, '-e', script], {
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const processWall = performance.now() - started;
  if (result.status !== 0) throw new Error(`require(${entry}) failed: ${result.stderr.toString()}`);
  return { ...JSON.parse(result.stdout.toString()), process: processWall };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;
const signed = (value: number) => `${value >= 0 ? '+' : ''}${ms(value)}`;
