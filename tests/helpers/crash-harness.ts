import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'esbuild';
import { REPO_ROOT } from '../../local/runtime';
import { readServerlessManifest } from '../../local/serverless-manifest';
import { defined } from './defined';
import type { TestRuntimeOptions } from './stack';

/** How long a child may take to load, connect and listen (CI machines are slow). */
const CHILD_START_TIMEOUT_MS = 60_000;

const CHILD_ENTRY = path.join(__dirname, 'runtime-child.ts');
/** `CLOCK <offsetMs>` on a child's stdout: its clock moved; a restarted child of the same table starts from there. */
export const CLOCK = 'CLOCK';

export interface RuntimeChild {
  url: string;
  pid: number;
  /** SIGKILL: no cleanup, no flush; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Graceful stop (end of test). */
  stop(): Promise<void>;
}

/** Table → how far ahead of real time its last child's clock stood: time never goes back for a deployment. */
const clockOffsets = new Map<string, number>();

/**
 * Starts the local runtime in a child process on the shared stack (same config as startTestRuntime).
 * Give every start of one "deployment" the same `table`: that is all a restarted runtime keeps, with its clock.
 */
export async function startRuntimeChild(options: TestRuntimeOptions & { table: string }): Promise<RuntimeChild> {
  const childOptions = { ...options, clockOffsetMs: clockOffsets.get(options.table) };
  // Plain `node` on a bundle (not a launcher that forks): the pid we kill is the runtime itself.
  const child = spawn(process.execPath, ['--enable-source-maps', await childBundle()], {
    cwd: REPO_ROOT,
    env: { ...process.env, EKSFLOW_CHILD_OPTIONS: JSON.stringify(childOptions) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  followClock(child, options.table);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await listeningUrl(child);
  return {
    url,
    pid: defined(child.pid, 'the pid of the spawned child'),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      child.stdin?.end();
      await exited;
    },
  };
}

/** Keeps the offset each `CLOCK <offsetMs>` line of the child reports. */
function followClock(child: ChildProcess, table: string): void {
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const [word, value] = line.split(' ');
      if (word === CLOCK) clockOffsets.set(table, Math.max(clockOffsets.get(table) ?? 0, Number(value)));
    }
  });
}

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`runtime child ${why}\n${stderr.slice(-3000)}`));
    };
    const timer = setTimeout(() => fail(`not listening within ${CHILD_START_TIMEOUT_MS} ms`), CHILD_START_TIMEOUT_MS);
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-10000);
    });
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
      const address = /LISTENING (\S+)/.exec(stdout)?.[1];
      if (!address) return;
      clearTimeout(timer);
      resolve(address);
    });
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before listening`));
  });
}

let bundle: Promise<string> | undefined;

/** Where the global setup left the run's bundle (buildRuntimeChildBundle), for every worker. */
export const CHILD_BUNDLE_ENV = 'EKSFLOW_RUNTIME_CHILD_BUNDLE';

/**
 * runtime-child.ts and everything it imports (the functions' handlers too), bundled once per run by the global
 * setup (else once per Jest worker): compiling the TypeScript in each child (`node --import tsx`) cost every start
 * about 1.5 s and a second of CPU, and the crash files start about 20.
 */
function childBundle(): Promise<string> {
  const built = process.env[CHILD_BUNDLE_ENV];
  bundle ??= built ? Promise.resolve(built) : buildRuntimeChildBundle();
  return bundle;
}

export async function buildRuntimeChildBundle(): Promise<string> {
  const esbuild = await import('esbuild');
  // In the run's folder inside the repository (global-setup.ts makes it, the teardown removes it), so that the
  // bundle's packages (`require` and `import()`) resolve to its node_modules.
  const runDir = process.env.EKSFLOW_TEST_RUN_DIR;
  if (!runDir) throw new Error('EKSFLOW_TEST_RUN_DIR is not set: run integration tests through Jest');
  const dir = mkdtempSync(path.join(runDir, 'runtime-child-'));
  const outfile = path.join(dir, 'runtime-child.cjs');
  await esbuild.build({
    stdin: { contents: bundleEntry(), resolveDir: REPO_ROOT, sourcefile: 'runtime-child-bundle.js', loader: 'js' },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    // Class and function names as in the source (two modules' classes of one name would otherwise be renamed).
    keepNames: true,
    // Packages load from node_modules as usual: some read files beside their own modules.
    packages: 'external',
    logLevel: 'error',
    plugins: [asInSource],
  });
  return outfile;
}

/**
 * The bundle's entry: runtime-child.ts, after a hook that answers the runtime's `require` of each function's handler
 * (serverless-manifest.ts's loadHandler, by absolute path) with the bundled module, loaded when first required.
 */
function bundleEntry(): string {
  const handlers = readServerlessManifest(REPO_ROOT).functions.map((fn) =>
    path.join(REPO_ROOT, fn.handler.slice(0, fn.handler.lastIndexOf('.'))),
  );
  const table = [...new Set(handlers)]
    .map((file) => `  ${JSON.stringify(file)}: () => require(${JSON.stringify(`${file}.ts`)}),`)
    .join('\n');
  return `const Module = require('node:module');
const bundled = {
${table}
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return Object.hasOwn(bundled, request) ? bundled[request]() : load.call(this, request, ...rest);
};
require(${JSON.stringify(CHILD_ENTRY)});
`;
}

/**
 * What a bundle changes for our modules, undone: each finds files beside it by `__dirname` (REPO_ROOT, the
 * workflows), which keeps its own source folder rather than the bundle's; and a module's `require.main === module`
 * (run as a script) would be true of the bundle itself.
 */
const asInSource: Plugin = {
  name: 'as-in-source',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const contents = source
        .replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path)))
        .replace(/\brequire\.main === module\b/g, 'false');
      return { contents, loader: 'ts' };
    });
  },
};
