/**
 * One `sls package` for everything that reads the deployable artifact: `npm run lint:template` (and lint:iam after
 * it), the sandbox's roles (packaged-roles.ts) and tests/integration/package.test.ts. It is packaged once with the
 * example deploy parameters below and kept in `.cache/packaged/<hash>/` (the template and one zip per function)
 * until one of its inputs changes. CI used to package the same stack four times.
 *
 *   tsx tools/aws-gate/packaged-artifact.ts [--to DIR]   packages (unless cached), prints the directory; with
 *                                                        --to, copies the artifact there too (`.serverless/`)
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const PACKAGE_STAGE = 'dev';

/**
 * The deploy parameters (README "Deploy") of the one package, set whole so that a developer's own shell cannot change
 * it behind the cache's back (no EKSFLOW_CLUSTER_ROLE_NAME/NODE_ROLE_NAME: the stack creates both roles). The VPC
 * and subnets are well-formed examples, which cfn-lint checks: the sandbox places VPC functions by serverless.yml's
 * `vpc` keys (local/sandbox/network-model.ts), and no role of a function calls EC2.
 */
export const PACKAGE_PARAMETERS: Readonly<Record<string, string>> = {
  EKSFLOW_VPC_ID: 'vpc-0a1b2c3d4e5f60718',
  EKSFLOW_SUBNET_IDS: 'subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788',
  EKSFLOW_ADMIN_PRINCIPAL_ARNS: 'arn:aws:iam::123456789012:role/platform-admin',
};

export const TEMPLATE_FILE = 'cloudformation-template-update-stack.json';

/** Inputs of the template: a change here is a new template (and a new package). */
export const TEMPLATE_INPUTS = ['serverless.yml', 'deploy', 'workflows'];
/** Inputs of the functions' bundles, besides the template's. */
const CODE_INPUTS = ['functions', 'core', 'config', 'package.json', 'package-lock.json', 'tsconfig.json'];

/** Artifacts kept in `.cache/packaged/`, newest first: enough for a few branches side by side. */
const KEPT_ARTIFACTS = 6;

/** The artifacts this process has made or found, by directory: packaged once even when asked for at once. */
const artifacts = new Map<string, Promise<string>>();

/** The directory of the package of the current inputs: `.cache/packaged/<hash>/`, packaged now if missing. */
export function packagedArtifact(root: string, progress: (message: string) => void = () => undefined): Promise<string> {
  const dir = path.join(root, '.cache', 'packaged', inputsHash(root, [...TEMPLATE_INPUTS, ...CODE_INPUTS]));
  let artifact = artifacts.get(dir);
  if (!artifact) {
    artifact = existsSync(path.join(dir, TEMPLATE_FILE)) ? Promise.resolve(dir) : packageInto(root, dir, progress);
    artifacts.set(dir, artifact);
    artifact.catch(() => artifacts.delete(dir));
  }
  return artifact;
}

async function packageInto(root: string, dir: string, progress: (message: string) => void): Promise<string> {
  progress('packaging the stack (sls package, about half a minute; cached in .cache/packaged/ after this)');
  const cacheDir = path.dirname(dir);
  mkdirSync(cacheDir, { recursive: true });
  // Packaged beside its place, then renamed: a concurrent reader never sees half an artifact.
  const partial = mkdtempSync(path.join(cacheDir, `.partial-${process.pid}-`));
  // serverless-esbuild zips each function from a folder of its own in the temporary directory and leaves them
  // there (23 folders per package): given one of ours, removed below.
  const scratch = mkdtempSync(path.join(cacheDir, `.tmp-${process.pid}-`));
  try {
    await promisify(execFile)(
      path.join(root, 'node_modules/.bin/sls'),
      ['package', '--stage', PACKAGE_STAGE, '--package', partial],
      {
        cwd: root,
        // Offline: no account, no endpoint (the sandbox's must not leak into the package).
        env: {
          ...withoutDeployParameters(process.env),
          ...PACKAGE_PARAMETERS,
          AWS_ACCESS_KEY_ID: '',
          AWS_SECRET_ACCESS_KEY: '',
          AWS_ENDPOINT_URL: '',
          TMPDIR: scratch,
        },
        timeout: 300000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    if (existsSync(dir)) rmSync(partial, { recursive: true, force: true });
    else renameSync(partial, dir);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  prune(cacheDir);
  return dir;
}

/** Drops all but the newest artifacts. */
function prune(cacheDir: string): void {
  const kept = readdirSync(cacheDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => ({ dir: path.join(cacheDir, entry.name), at: statSync(path.join(cacheDir, entry.name)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const { dir } of kept.slice(KEPT_ARTIFACTS)) rmSync(dir, { recursive: true, force: true });
}

/** A short hash of the files under `inputs` (relative to `root`) and the package's parameters. */
export function inputsHash(root: string, inputs: string[]): string {
  const hash = createHash('sha256');
  const visit = (relative: string) => {
    const full = path.join(root, relative);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const name of readdirSync(full).sort()) visit(path.join(relative, name));
      return;
    }
    hash.update(`${relative}\0`).update(readFileSync(full)).update('\0');
  };
  for (const input of inputs) visit(input);
  hash.update(JSON.stringify({ stage: PACKAGE_STAGE, ...PACKAGE_PARAMETERS }));
  return hash.digest('hex').slice(0, 16);
}

/** The environment without any EKSFLOW_* deploy parameter: the package takes only its own. */
function withoutDeployParameters(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('EKSFLOW_')));
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..');
  const toIndex = process.argv.indexOf('--to');
  const to = toIndex === -1 ? undefined : process.argv[toIndex + 1];
  if (toIndex !== -1 && !to) throw new Error('--to needs a directory');
  packagedArtifact(root, (message) => process.stderr.write(`${message}\n`)).then(
    (dir) => {
      if (to) {
        const target = path.resolve(to);
        rmSync(target, { recursive: true, force: true });
        cpSync(dir, target, { recursive: true });
      }
      process.stdout.write(`${dir}\n`);
    },
    (error) => {
      process.stderr.write(`${error?.stack ?? error}\n`);
      process.exit(1);
    },
  );
}
