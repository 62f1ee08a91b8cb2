/**
 * Cold start: for each packaged function (`npm run package` → .serverless/*.zip), the bundle's size and
 * the time Node takes to load it over bare Node: `node -e "require(bundle)"` against `node -e 0`.
 * Every run of every target is interleaved (bare, f1, f2, …, bare, f1, …) so that noise on this shared
 * machine hits all of them alike; the figure is the median of the differences' inputs, not of one burst.
 * Loading is what a Lambda cold start pays before the first event (the init phase); the handlers build
 * their clients lazily, on the first event, so this does not count connection set-up.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** At least 7 runs each (the brief); odd, so the median is one measured run. */
const RUNS = Math.max(7, Number(process.env.BENCH_COLDSTART_RUNS ?? 9));
const PACKAGE_DIR = path.resolve(process.env.BENCH_PACKAGE_DIR ?? '.serverless');
/** Every function must load within this much over bare Node. */
const BUDGET_MS = 100;
/** The deployed functions run with source maps on (serverless.yml provider.environment.NODE_OPTIONS). */
const DEPLOYED_NODE_OPTIONS = '--enable-source-maps';

interface Target {
  name: string;
  /** Absolute path of the bundle's entry file, or undefined for bare Node. */
  entry?: string;
  zipBytes: number;
  entryBytes: number;
}

export async function coldStartSection(): Promise<string[]> {
  const zips = (existsSync(PACKAGE_DIR) ? readdirSync(PACKAGE_DIR) : []).filter((f) => f.endsWith('.zip')).sort();
  if (zips.length === 0) throw new Error(`no packaged functions in ${PACKAGE_DIR}: run \`npm run package\` first`);
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-coldstart-'));
  try {
    const targets = zips.map((zip) => unpack(path.join(PACKAGE_DIR, zip), workDir));
    const plain = measure(targets, []);
    const withSourceMaps = measure(targets, [DEPLOYED_NODE_OPTIONS]);
    const lines = [
      `cold start: module load over bare Node (median of ${RUNS} interleaved runs; bare node -e 0: ${plain.bare.toFixed(0)} ms, with ${DEPLOYED_NODE_OPTIONS}: ${withSourceMaps.bare.toFixed(0)} ms; budget ${BUDGET_MS} ms)`,
      `  ${'function'.padEnd(30)} ${'zip'.padStart(9)} ${'bundle'.padStart(9)} ${'load'.padStart(7)} ${'+maps'.padStart(7)}`,
    ];
    for (const target of targets) {
      const overBare = plain.byName.get(target.name)! - plain.bare;
      const overBareWithMaps = withSourceMaps.byName.get(target.name)! - withSourceMaps.bare;
      const verdict = Math.max(overBare, overBareWithMaps) <= BUDGET_MS ? '' : '  over budget';
      lines.push(
        `  ${target.name.padEnd(30)} ${kib(target.zipBytes).padStart(9)} ${kib(target.entryBytes).padStart(9)} ${ms(overBare).padStart(7)} ${ms(overBareWithMaps).padStart(7)}${verdict}`,
      );
    }
    return lines;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Unzips one function's package and finds its one bundle (the .js that is not a source map). */
function unpack(zipPath: string, workDir: string): Target {
  const name = path.basename(zipPath, '.zip');
  const dir = path.join(workDir, name);
  execFileSync('unzip', ['-q', zipPath, '-d', dir]);
  const bundles = listFiles(dir).filter((f) => f.endsWith('.js'));
  if (bundles.length !== 1) throw new Error(`${name}: expected one bundle, found ${bundles.join(', ') || 'none'}`);
  return { name, entry: bundles[0], zipBytes: statSync(zipPath).size, entryBytes: statSync(bundles[0]).size };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** Median wall time (ms) per target and for bare Node, runs interleaved. */
function measure(targets: Target[], nodeFlags: string[]): { bare: number; byName: Map<string, number> } {
  const bareTimes: number[] = [];
  const times = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  for (let run = 0; run < RUNS; run++) {
    bareTimes.push(timeNode(nodeFlags, '0'));
    for (const target of targets) {
      times.get(target.name)!.push(timeNode(nodeFlags, `require(${JSON.stringify(target.entry)})`));
    }
  }
  return { bare: median(bareTimes), byName: new Map([...times].map(([name, t]) => [name, median(t)])) };
}

function timeNode(nodeFlags: string[], script: string): number {
  const started = performance.now();
  // No inherited NODE_OPTIONS: only the flags under test.
  const result = spawnSync(process.execPath, [...nodeFlags, '-e', script], {
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`node -e ${script} failed: ${result.stderr.toString()}`);
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;
